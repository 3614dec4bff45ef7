"""When digests are due, which period each covers, and the ledger that posts each once.

Periods. A scheduled digest covers the previous scheduled run to this run; the first
covers the last 7 days (daily: 1 day), and so does one whose previous run is more than
35 days back (digests were off for a long time). A digest asked for by hand (`digest
now`, the CLI) covers the time since the last digest that was posted. A run missed while
the bot was down is sent once when it comes back, covering everything since the previous
run, and marked late; missed runs before it are folded into it rather than sent one by one.

Exactly once. Before posting, a sender claims the (team, channel, kind, period) run in the
store, in one write transaction: only one process (or thread) can insert it, so two
instances on one database never both post. The claim holds a lease, and right before each
Slack call the sender renews it with one conditional write (still ours, still claimed,
lease not run out) and stops if that fails: a sender stalled past its lease (a slow Slack,
a long Retry-After) never posts after another has taken the run over. Waits between calls
are capped far below the lease, and so is each call's timeout. The posted message's ts is
recorded right after Slack accepts it. If the sender dies in between, the post may
or may not have landed, and the database cannot tell. So every digest message carries a
client-side marker (Slack message metadata holding a random id stored in the claim); a
sender that takes over an expired claim first looks for that marker in the channel's
history (or the thread) and records the message it finds instead of posting again. We
chose the marker over "at most once" because a lost weekly report is worse than one
history call on the rare recovery path. Where the check itself keeps failing, the run is
given up after `MAX_ATTEMPTS` and logged as a gap; the next digest then starts where the
last delivered one ended, so the gap's quotes are not lost. The optional chart is the one
part sent at most once: an upload cannot carry metadata.
"""

from __future__ import annotations

import logging
import math
import uuid
from datetime import datetime, timedelta

from ..models import LENGTHS, MANUAL, SCHEDULED, WEEKLY, Claim, Due, Period, Schedule, utc
from ..store import Store
from .spec import prev_run

log = logging.getLogger(__name__)

LEASE_SECONDS = 600.0  # far longer than one channel's send (two posts and a chart)
MAX_ATTEMPTS = 6  # takeovers of one run before it is given up as a gap
LATE_AFTER = timedelta(minutes=15)  # sent this long after its time: marked late
MAX_CHAIN = timedelta(days=35)  # a previous run older than this does not start the period
# A run still in progress, or finished, ends the period for the next one of its kind.
CHAINING = ("claimed", "done", "empty")
POSTED = ("claimed", "done")


# -- what is due ----------------------------------------------------------------------------------


def due_digest(store: Store, schedule: Schedule, now: float) -> Due | None:
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
    run = store.digests.get_run(team, channel, SCHEDULED, end)
    if run is not None:
        if not run.takeover_due(now):
            return None
        late = run.late or utc(now) - end > LATE_AFTER
        return Due(team, channel, run.period, SCHEDULED, late, schedule.spec.tz, end)
    start = _chained_start(store, team, channel, end, schedule.spec.length, (SCHEDULED,), CHAINING)
    late = utc(now) - end > LATE_AFTER
    return Due(team, channel, Period(start, end), SCHEDULED, late, schedule.spec.tz, end)


def stalled_runs(store: Store, now: float) -> list[Due]:
    """Claimed runs whose lease ran out (a sender died, or handed the run back to retry)."""
    found = []
    for run, schedule_tz in store.digests.stalled_runs(now):
        scheduled = run.kind == SCHEDULED
        late = run.late or (scheduled and utc(now) - run.period.end > LATE_AFTER)
        found.append(Due(run.team_id, run.channel_id, run.period, run.kind, late,
                         schedule_tz or "UTC", run.period.end if scheduled else None))
    return found


def manual_due(store: Store, team_id: str, channel_id: str, now: float,
               since: datetime | None = None) -> Due:
    """A digest asked for by hand: since `since`, else since the last posted digest."""
    schedule = store.digests.get_schedule(team_id, channel_id)
    tz = schedule.spec.tz if schedule else "UTC"
    length = schedule.spec.length if schedule else LENGTHS[WEEKLY]
    end = utc(math.ceil(now))  # quote times are whole seconds: this second's quotes are in
    start = since or _chained_start(store, team_id, channel_id, end, length, (SCHEDULED, MANUAL), POSTED)
    return Due(team_id, channel_id, Period(min(start, end), end), MANUAL, False, tz)


def _chained_start(store: Store, team: str, channel: str, end: datetime, length: timedelta,
                   kinds: tuple[str, ...], statuses: tuple[str, ...]) -> datetime:
    previous = store.digests.last_end(team, channel, end, kinds, statuses)
    if previous is None:  # a first digest that was given up: the next one covers its period
        previous = store.digests.first_gap_start(team, channel, end, kinds)
    if previous and end - previous <= MAX_CHAIN:
        return previous
    return end - length


# -- the exactly-once ledger ----------------------------------------------------------------------


def claim_run(store: Store, due: Due, instance: str, now: float,
              lease: float = LEASE_SECONDS) -> Claim | None:
    """Claim a run before posting it; None when another sender has it or it is finished.

    A claim whose lease ran out is taken over (`recovering`), up to MAX_ATTEMPTS; after
    that the run is marked a gap and logged.
    """
    claim = store.digests.claim(due, instance, now, lease, uuid.uuid4().hex, MAX_ATTEMPTS)
    if claim is not None:
        return claim
    run = store.digests.get_run(due.team_id, due.channel_id, due.kind, due.period.end)
    if run is not None and run.takeover_due(now) and run.attempts >= MAX_ATTEMPTS \
            and store.digests.give_up(run, now):
        log.error("digest for channel %s (%s to %s) given up after %d attempts (%s); the next digest "
                  "covers its period", run.channel_id, *due.period.bounds, run.attempts, run.note or "?")
    return None


def _done(claim: Claim, written: bool) -> bool:
    """False (and a warning) when our claimed run was not changed: another sender took it over."""
    if not written:
        log.warning("digest run %s was taken over by another sender", "/".join(claim.key()))
    return written


def renew_claim(store: Store, claim: Claim, now: float, lease: float = LEASE_SECONDS) -> bool:
    """Right before each post: True (and a fresh lease) only while the claim is still ours.

    False when another sender took the run over or its lease ran out (this sender was
    stalled: a slow Slack, a long wait); the caller must then post nothing more, and the
    run is finished by whoever takes it over, through the marker check.
    """
    if store.digests.renew(claim, now, now + lease):
        return True
    log.warning("digest run %s was taken over by another sender, or its lease ran out; "
                "this sender posts nothing more of it", "/".join(claim.key()))
    return False


def record_summary(store: Store, claim: Claim, ts: str, now: float, lease: float = LEASE_SECONDS) -> bool:
    """The summary landed as message `ts`; the lease is renewed for the rest of the send."""
    return _done(claim, store.digests.record_summary(claim, ts, now + lease))


def record_details(store: Store, claim: Claim, ts: str, now: float, lease: float = LEASE_SECONDS) -> bool:
    return _done(claim, store.digests.record_details(claim, ts, now + lease))


def record_chart(store: Store, claim: Claim, state: str) -> bool:
    """`started` before an upload (never retried after that), then `done`, `skipped` or `failed`."""
    return _done(claim, store.digests.record_chart(claim, state))


def finish_run(store: Store, claim: Claim, status: str, now: float, note: str = "") -> bool:
    """Close a claimed run: done (posted), empty (nothing to say) or cancelled (channel gone)."""
    return _done(claim, store.digests.finish(claim, status, now, note or None))


def release_run(store: Store, claim: Claim, now: float, retry_in: float, note: str) -> bool:
    """Give a claim back to be retried after `retry_in` seconds (by any sender, as a takeover)."""
    return _done(claim, store.digests.release(claim, now + retry_in, note))


def retry_delay(attempts: int) -> float:
    """1, 2, 4, ... minutes, at most an hour, between attempts of one run."""
    return float(min(3600, 60 * 2 ** max(0, attempts - 1)))
