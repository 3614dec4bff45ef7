"""When digests are due, which period each covers, and the ledger that posts each once.

A schedule is `weekly mon 09:00 [TZ]` or `daily 08:30 [TZ]`, in the time zone of the
person who set it. Run times are computed here with `zoneinfo`, so the scheduler, the
slash command ("next run: ...") and the tests agree on one answer. On the day clocks
change, a time that does not exist (02:30 when 02:00 jumps to 03:00) runs an hour later
by the wall clock, and a time that happens twice runs the first time.

Periods. A scheduled digest covers the previous scheduled run to this run; the first
covers the last 7 days (daily: 1 day), and so does one whose previous run is more than
35 days back (digests were off for a long time). A digest asked for by hand (`digest
now`, the CLI) covers the time since the last digest that was posted. A run missed while
the bot was down is sent once when it comes back, covering everything since the previous
run, and marked late; missed runs before it are folded into it rather than sent one by one.

Exactly once. Before posting, a sender claims the (team, channel, kind, period) row of
`digest_runs` inside a `BEGIN IMMEDIATE` transaction: only one process (or thread) can
insert it, so two instances on one database never both post. The claim holds a lease;
the posted message's ts is recorded right after Slack accepts it. If the sender dies in
between, the post may or may not have landed, and the database cannot tell. So every
digest message carries a client-side marker (Slack message metadata holding a random id
stored in the claim); a sender that takes over an expired claim first looks for that
marker in the channel's history (or the thread) and records the message it finds instead
of posting again. We chose the marker over "at most once" because a lost weekly report is
worse than one history call on the rare recovery path. Where the check itself keeps
failing, the run is given up after `MAX_ATTEMPTS` and logged as a gap; the next digest
then starts where the last delivered one ended, so the gap's quotes are not lost. The
optional chart is the one part sent at most once: an upload cannot carry metadata.
"""

from __future__ import annotations

import logging
import math
import re
import sqlite3
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ..errors import BadSchedule
from ..models import (
    DAILY,
    LENGTHS,
    MANUAL,
    SCHEDULED,
    WEEKLY,
    Claim,
    Due,
    Period,
    Run,
    Schedule,
    Spec,
    from_iso,
    iso,
    utc,
)

log = logging.getLogger(__name__)

LEASE_SECONDS = 600.0  # far longer than one channel's send (two posts and a chart)
MAX_ATTEMPTS = 6  # takeovers of one run before it is given up as a gap
LATE_AFTER = timedelta(minutes=15)  # sent this long after its time: marked late
MAX_CHAIN = timedelta(days=35)  # a previous run older than this does not start the period
# A run still in progress, or finished, ends the period for the next one of its kind.
CHAINING = ("claimed", "done", "empty")
POSTED = ("claimed", "done")

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


# -- schedules ------------------------------------------------------------------------------------


def set_schedule(conn: sqlite3.Connection, team_id: str, channel_id: str, spec: Spec,
                 user_id: str | None, now: float) -> Schedule:
    """Turn a channel's digest on (or change it); the first run is the next one after now."""
    conn.execute(
        "INSERT INTO digest_schedules (team_id, channel_id, cadence, weekday, hour, minute, tz, "
        "enabled, set_by, set_at, off_reason) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, NULL) "
        "ON CONFLICT (team_id, channel_id) DO UPDATE SET cadence = excluded.cadence, "
        "weekday = excluded.weekday, hour = excluded.hour, minute = excluded.minute, tz = excluded.tz, "
        "enabled = 1, set_by = excluded.set_by, set_at = excluded.set_at, off_reason = NULL",
        (team_id, channel_id, spec.cadence, spec.weekday, spec.hour, spec.minute, spec.tz, user_id, now))
    return get_schedule(conn, team_id, channel_id)  # type: ignore[return-value]


def switch_off(conn: sqlite3.Connection, team_id: str, channel_id: str, reason: str) -> bool:
    """Stop a channel's digests (asked to, or the channel is gone); True if one was on."""
    return conn.execute(
        "UPDATE digest_schedules SET enabled = 0, off_reason = ? "
        "WHERE team_id = ? AND channel_id = ? AND enabled = 1",
        (reason, team_id, channel_id)).rowcount > 0


def get_schedule(conn: sqlite3.Connection, team_id: str, channel_id: str) -> Schedule | None:
    row = conn.execute("SELECT * FROM digest_schedules WHERE team_id = ? AND channel_id = ?",
                       (team_id, channel_id)).fetchone()
    return _schedule(row) if row else None


def enabled_schedules(conn: sqlite3.Connection) -> list[Schedule]:
    """Every schedule that is on, in every workspace, in a stable order."""
    rows = conn.execute("SELECT * FROM digest_schedules WHERE enabled = 1 ORDER BY team_id, channel_id")
    return [_schedule(row) for row in rows]


def team_of_channel(conn: sqlite3.Connection, channel_id: str) -> str | None:
    """The workspace a channel id belongs to, from what the bot stored about it (for the CLI)."""
    for table in ("digest_schedules", "channels", "decisions"):
        row = conn.execute(f"SELECT team_id FROM {table} WHERE channel_id = ? LIMIT 1",
                           (channel_id,)).fetchone()
        if row:
            return str(row[0])
    return None


def _schedule(row: sqlite3.Row) -> Schedule:
    spec = Spec(row["cadence"], row["hour"], row["minute"], row["tz"], row["weekday"])
    return Schedule(row["team_id"], row["channel_id"], spec, bool(row["enabled"]), row["set_by"],
                    row["set_at"], row["off_reason"])


# -- what is due ----------------------------------------------------------------------------------


def due_digest(conn: sqlite3.Connection, schedule: Schedule, now: float) -> Due | None:
    """The scheduled digest this channel should get now, if any.

    That is the latest run time at or before now, if it came after the schedule was
    set and has not been handled (or its claim's lease ran out: a sender died).
    """
    if not schedule.enabled:
        return None
    end = prev_run(schedule.spec, utc(now))
    if end.timestamp() <= schedule.set_at:
        return None
    team, channel = schedule.team_id, schedule.channel_id
    run = get_run(conn, team, channel, SCHEDULED, end)
    if run is not None:
        if not run.takeover_due(now):
            return None
        late = run.late or utc(now) - end > LATE_AFTER
        return Due(team, channel, run.period, SCHEDULED, late, schedule.spec.tz, end)
    start = _chained_start(conn, team, channel, end, schedule.spec.length, (SCHEDULED,), CHAINING)
    late = utc(now) - end > LATE_AFTER
    return Due(team, channel, Period(start, end), SCHEDULED, late, schedule.spec.tz, end)


def stalled_runs(conn: sqlite3.Connection, now: float) -> list[Due]:
    """Claimed runs whose lease ran out (a sender died, or handed the run back to retry)."""
    rows = conn.execute(
        "SELECT r.*, s.tz AS schedule_tz FROM digest_runs r LEFT JOIN digest_schedules s "
        "ON s.team_id = r.team_id AND s.channel_id = r.channel_id "
        "WHERE r.status = 'claimed' AND r.lease_until <= ? ORDER BY r.lease_until", (now,)).fetchall()
    found = []
    for row in rows:
        run = _run(row)
        scheduled = run.kind == SCHEDULED
        late = run.late or (scheduled and utc(now) - run.period.end > LATE_AFTER)
        found.append(Due(run.team_id, run.channel_id, run.period, run.kind, late,
                         row["schedule_tz"] or "UTC", run.period.end if scheduled else None))
    return found


def manual_due(conn: sqlite3.Connection, team_id: str, channel_id: str, now: float,
               since: datetime | None = None) -> Due:
    """A digest asked for by hand: since `since`, else since the last posted digest."""
    schedule = get_schedule(conn, team_id, channel_id)
    tz = schedule.spec.tz if schedule else "UTC"
    length = schedule.spec.length if schedule else LENGTHS[WEEKLY]
    end = utc(math.ceil(now))  # quote times are whole seconds: this second's quotes are in
    start = since or _chained_start(conn, team_id, channel_id, end, length, (SCHEDULED, MANUAL), POSTED)
    return Due(team_id, channel_id, Period(min(start, end), end), MANUAL, False, tz)


def _chained_start(conn: sqlite3.Connection, team: str, channel: str, end: datetime,
                   length: timedelta, kinds: tuple[str, ...], statuses: tuple[str, ...]) -> datetime:
    marks = ",".join("?" * len(kinds))
    states = ",".join("?" * len(statuses))
    row = conn.execute(
        f"SELECT max(period_end) FROM digest_runs WHERE team_id = ? AND channel_id = ? "
        f"AND kind IN ({marks}) AND status IN ({states}) AND period_end < ?",
        (team, channel, *kinds, *statuses, iso(end))).fetchone()
    previous = row[0]
    if previous is None:  # a first digest that was given up: the next one covers its period
        row = conn.execute(
            f"SELECT min(period_start) FROM digest_runs WHERE team_id = ? AND channel_id = ? "
            f"AND kind IN ({marks}) AND status = 'gap' AND period_end < ?",
            (team, channel, *kinds, iso(end))).fetchone()
        previous = row[0]
    if previous and end - from_iso(previous) <= MAX_CHAIN:
        return from_iso(previous)
    return end - length


# -- the exactly-once ledger ----------------------------------------------------------------------


def get_run(conn: sqlite3.Connection, team_id: str, channel_id: str, kind: str,
            end: datetime) -> Run | None:
    row = conn.execute(
        "SELECT * FROM digest_runs WHERE team_id = ? AND channel_id = ? AND kind = ? AND period_end = ?",
        (team_id, channel_id, kind, iso(end))).fetchone()
    return _run(row) if row else None


def last_posted(conn: sqlite3.Connection, team_id: str, channel_id: str) -> Run | None:
    """The latest digest that was posted in a channel (for `/customer-voice digest`)."""
    row = conn.execute(
        "SELECT * FROM digest_runs WHERE team_id = ? AND channel_id = ? AND status = 'done' "
        "ORDER BY finished_at DESC LIMIT 1", (team_id, channel_id)).fetchone()
    return _run(row) if row else None


def claim_run(conn: sqlite3.Connection, due: Due, instance: str, now: float,
              lease: float = LEASE_SECONDS) -> Claim | None:
    """Claim a run before posting it; None when another sender has it or it is finished.

    A claim whose lease ran out is taken over (`recovering`), up to MAX_ATTEMPTS; after
    that the run is marked a gap and logged.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        run = get_run(conn, due.team_id, due.channel_id, due.kind, due.period.end)
        claim = _claim(conn, due, run, instance, now, lease)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return claim


def _claim(conn: sqlite3.Connection, due: Due, run: Run | None, instance: str, now: float,
           lease: float) -> Claim | None:
    if run is None:
        start, end = due.period.bounds
        conn.execute(
            "INSERT INTO digest_runs (team_id, channel_id, kind, period_end, period_start, status, late, "
            "marker, claimed_by, first_claimed_at, lease_until) "
            "VALUES (?, ?, ?, ?, ?, 'claimed', ?, ?, ?, ?, ?)",
            (due.team_id, due.channel_id, due.kind, end, start, int(due.late), uuid.uuid4().hex, instance,
             now, now + lease))
        fresh = get_run(conn, due.team_id, due.channel_id, due.kind, due.period.end)
        return Claim(fresh, instance, recovering=False)  # type: ignore[arg-type]
    if not run.takeover_due(now):
        return None
    key = (run.team_id, run.channel_id, run.kind, iso(run.period.end))
    if run.attempts >= MAX_ATTEMPTS:
        conn.execute("UPDATE digest_runs SET status = 'gap', finished_at = ? WHERE team_id = ? AND "
                     "channel_id = ? AND kind = ? AND period_end = ?", (now, *key))
        log.error("digest for channel %s (%s to %s) given up after %d attempts (%s); the next digest "
                  "covers its period", run.channel_id, *due.period.bounds, run.attempts, run.note or "?")
        return None
    conn.execute("UPDATE digest_runs SET claimed_by = ?, lease_until = ?, attempts = attempts + 1 "
                 "WHERE team_id = ? AND channel_id = ? AND kind = ? AND period_end = ?",
                 (instance, now + lease, *key))
    taken = replace(run, claimed_by=instance, lease_until=now + lease, attempts=run.attempts + 1)
    return Claim(taken, instance, recovering=True)


def _update(conn: sqlite3.Connection, claim: Claim, assignments: str, values: tuple[object, ...]) -> bool:
    """Change our claimed row; False (and a warning) if another sender has taken it over."""
    done = conn.execute(
        f"UPDATE digest_runs SET {assignments} WHERE team_id = ? AND channel_id = ? AND kind = ? "
        f"AND period_end = ? AND claimed_by = ? AND status = 'claimed'",
        (*values, *claim.key(), claim.instance)).rowcount > 0
    if not done:
        log.warning("digest run %s was taken over by another sender", "/".join(claim.key()))
    return done


def record_summary(conn: sqlite3.Connection, claim: Claim, ts: str, now: float,
                   lease: float = LEASE_SECONDS) -> bool:
    """The summary landed as message `ts`; the lease is renewed for the rest of the send."""
    return _update(conn, claim, "ts = ?, lease_until = ?", (ts, now + lease))


def record_details(conn: sqlite3.Connection, claim: Claim, ts: str, now: float,
                   lease: float = LEASE_SECONDS) -> bool:
    return _update(conn, claim, "details_ts = ?, lease_until = ?", (ts, now + lease))


def record_chart(conn: sqlite3.Connection, claim: Claim, state: str) -> bool:
    """`started` before an upload (never retried after that), then `done`, `skipped` or `failed`."""
    return _update(conn, claim, "chart = ?", (state,))


def finish_run(conn: sqlite3.Connection, claim: Claim, status: str, now: float, note: str = "") -> bool:
    """Close a claimed run: done (posted), empty (nothing to say) or cancelled (channel gone)."""
    return _update(conn, claim, "status = ?, finished_at = ?, note = ?", (status, now, note or None))


def release_run(conn: sqlite3.Connection, claim: Claim, now: float, retry_in: float, note: str) -> bool:
    """Give a claim back to be retried after `retry_in` seconds (by any sender, as a takeover)."""
    return _update(conn, claim, "lease_until = ?, note = ?", (now + retry_in, note))


def retry_delay(attempts: int) -> float:
    """1, 2, 4, ... minutes, at most an hour, between attempts of one run."""
    return float(min(3600, 60 * 2 ** max(0, attempts - 1)))


def _run(row: sqlite3.Row) -> Run:
    return Run(row["team_id"], row["channel_id"], row["kind"],
               Period(from_iso(row["period_start"]), from_iso(row["period_end"])), row["status"],
               bool(row["late"]), row["marker"], row["claimed_by"], row["first_claimed_at"],
               row["lease_until"], row["attempts"], row["ts"], row["details_ts"], row["chart"], row["note"])
