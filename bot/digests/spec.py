"""Digest schedules as people write them, and the times they run at.

A schedule is `weekly mon 09:00 [TZ]` or `daily 08:30 [TZ]`, in the time zone of the
person who set it. Run times are computed here with `zoneinfo`, so the scheduler, the
slash command ("next run: ...") and the tests agree on one answer. On the day clocks
change, a time that does not exist (02:30 when 02:00 jumps to 03:00) runs an hour later
by the wall clock, and a time that happens twice runs the first time.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ..errors import BadSchedule
from ..models import DAILY, WEEKLY, Spec

_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def resolve_zone(name: str) -> str:
    """The canonical IANA name for `name` (any case), or BadSchedule."""
    if name.upper() in ("UTC", "GMT", "Z"):
        return "UTC"
    canonical = _zone_names().get(name.strip().lower())
    if canonical is None:
        raise BadSchedule("bad_zone", name)
    try:
        ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadSchedule("bad_zone", name) from None
    return canonical


def _weekday(word: str) -> int:
    """`mon`, `Monday` or `mondays` -> 0."""
    key = word.lower().rstrip(".,")
    for number, name in enumerate(_DAY_NAMES):
        if key in (name, name + "s") or (3 <= len(key) <= 5 and name.startswith(key)):
            return number
    raise BadSchedule("bad_day", word)


def _clock_time(word: str) -> tuple[int, int]:
    match = _TIME.match(word.lower())
    if not match:
        raise BadSchedule("bad_time", word)
    hour, minute, half = int(match[1]), int(match[2] or 0), match[3]
    if half:
        if not 1 <= hour <= 12:
            raise BadSchedule("bad_time", word)
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif match[2] is None:
        raise BadSchedule("bad_time", word)  # "9" alone is ambiguous; "09:00" or "9am" are not
    if hour > 23 or minute > 59:
        raise BadSchedule("bad_time", word)
    return hour, minute


def parse_spec(text: str, default_tz: str) -> Spec:
    """`weekly mon 09:00 [TZ]` or `daily 08:30 [TZ]`; `default_tz` when no zone is given.

    Days may be written `mon` or `monday`; times `09:00`, `9:00`, `9am` or `5:30pm`.
    Raises BadSchedule naming the part that is wrong.
    """
    words = text.split()
    if not words or words[0].lower() not in (WEEKLY, DAILY):
        raise BadSchedule("bad_cadence", words[0] if words else "")
    cadence, rest = words[0].lower(), words[1:]
    weekday = None
    if cadence == WEEKLY:
        if not rest:
            raise BadSchedule("bad_day", "")
        weekday, rest = _weekday(rest[0]), rest[1:]
    if not rest:
        raise BadSchedule("bad_time", "")
    hour, minute = _clock_time(rest[0])
    if len(rest) > 2:
        raise BadSchedule("too_many", " ".join(rest[2:]))
    tz = resolve_zone(rest[1]) if len(rest) == 2 else resolve_zone(default_tz or "UTC")
    return Spec(cadence, hour, minute, tz, weekday)


def _at(spec: Spec, day: date) -> datetime | None:
    """The run on local `day`, in UTC; None if the schedule does not run that day."""
    if spec.weekday is not None and day.weekday() != spec.weekday:
        return None
    local = datetime.combine(day, time(spec.hour, spec.minute), tzinfo=spec.zone)
    return local.astimezone(UTC)


def next_run(spec: Spec, after: datetime) -> datetime:
    """The first run strictly after `after` (aware), in UTC."""
    start = after.astimezone(spec.zone).date() - timedelta(days=1)
    for offset in range(10):
        run = _at(spec, start + timedelta(days=offset))
        if run is not None and run > after:
            return run
    raise AssertionError("a weekly schedule runs within 10 days")  # pragma: no cover


def prev_run(spec: Spec, at: datetime) -> datetime:
    """The last run at or before `at` (aware), in UTC."""
    start = at.astimezone(spec.zone).date() + timedelta(days=1)
    for offset in range(10):
        run = _at(spec, start - timedelta(days=offset))
        if run is not None and run <= at:
            return run
    raise AssertionError("a weekly schedule runs within 10 days")  # pragma: no cover
