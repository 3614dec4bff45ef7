"""Turning the many date spellings of exported feedback into sortable ISO strings."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_YMD = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2}|UTC)?)?"
)
_MDY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?:,?[ T](\d{1,2}):(\d{2})(?::(\d{2}))?"
                  r"\s*([AaPp][Mm])?)?")
_FORMATS = (
    "%b %d, %Y",
    "%B %d, %Y",
    "%d %b %Y",
    "%d %B %Y",
    "%a, %d %b %Y %H:%M:%S %z",
    "%a %b %d %H:%M:%S %Y",
    "%d/%b/%y %I:%M %p",  # Jira: 14/Mar/24 10:22 AM
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%y",
    "%b %d, %Y %I:%M %p",
    "%B %d, %Y %I:%M %p",
    "%Y-%m-%d %H:%M:%S %z",  # Delighted, Ruby's Time#to_s: 2024-03-14 10:22:05 -0700
    "%Y-%m-%d %H:%M:%S %Z",
)
_TIMED = {"%d/%b/%y %I:%M %p", "%d/%b/%Y %I:%M %p", "%b %d, %Y %I:%M %p", "%B %d, %Y %I:%M %p",
          "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S %Z"}


def _iso(y: int, m: int, d: int, hh: str | None, mm: str | None, ss: str | None) -> str | None:
    try:
        datetime(y, m, d, int(hh or 0), int(mm or 0), int(ss or 0))
    except ValueError:
        return None
    if hh is None:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return f"{y:04d}-{m:02d}-{d:02d}T{int(hh):02d}:{int(mm or 0):02d}:{int(ss or 0):02d}"


def parse_date(value: object, day_first: bool = False) -> str | None:
    """ISO `YYYY-MM-DD` (or with a time) for a date value, or None when it is not a date.

    Slashed dates are read month-first (US exports) unless `day_first`, which the layout
    decides from the whole column; a first number that cannot be a month wins either way.
    Epoch seconds and milliseconds are understood too.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_epoch(float(value))
    text = str(value).strip()
    if len(text) >= 10 and text[4:5] == "-" and text[7:8] == "-":
        fast = _iso_text(text)
        if fast:
            return fast
    return _parse_text(text, day_first)


def in_zone(iso: str, zone: str) -> str:
    """A local time written in `zone` (named in a column's header) as UTC, as other dates are
    compared; a date without a time, or an unknown zone, stays as written."""
    if len(iso) < 19 or zone.upper() in ("UTC", "GMT", "Z"):
        return iso
    try:
        local = datetime.fromisoformat(iso).replace(tzinfo=_zone(zone))
    except (ValueError, KeyError):
        return iso
    return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise KeyError(name) from None


def _iso_text(text: str) -> str | None:
    """ISO dates and datetimes, the commonest export spelling, checked by the C parser."""
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return None
    if len(text) == 10:
        return text
    if len(text) >= 19 and text[13] == ":" and text[16] == ":":
        return f"{text[:10]}T{text[11:19]}"
    return None


@lru_cache(maxsize=65536)
def _parse_text(text: str, day_first: bool = False) -> str | None:
    """Exports repeat the same dates over and over; parsing each spelling once pays."""
    match = _YMD.fullmatch(text)
    if match:
        y, m, d, hh, mm, ss, _zone = match.groups()
        return _iso(int(y), int(m), int(d), hh, mm, ss)
    match = _MDY.fullmatch(text)
    if match:
        a, b, y, hh, mm, ss, half = match.groups()
        first, second = (int(b), int(a)) if day_first else (int(a), int(b))
        month, day = (first, second) if first <= 12 else (second, first)
        year = int(y) + 2000 if len(y) == 2 else int(y)
        if half and hh:
            hour = int(hh) % 12 + (12 if half.lower() == "pm" else 0)
            hh = str(hour)
        return _iso(year, month, day, hh, mm, ss)
    if text.isdigit() and len(text) in (10, 13):
        return _from_epoch(float(text))
    for fmt in _FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if fmt in _TIMED:
            if parsed.tzinfo is not None:
                parsed = parsed.astimezone(UTC)
            return parsed.strftime("%Y-%m-%dT%H:%M:%S")
        return _iso(parsed.year, parsed.month, parsed.day, None, None, None)
    return None


def _from_epoch(seconds: float) -> str | None:
    if seconds > 1e11:
        seconds /= 1000.0
    if not 0 < seconds < 4102444800:  # before 2100
        return None
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
