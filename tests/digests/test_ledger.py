"""The digest ledger (bot/digests/ledger.py): what is due, the periods digests cover, and
the exactly-once claims. No Slack and no waiting: every `now` is given."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from bot.digests.ledger import (
    LEASE_SECONDS,
    MAX_ATTEMPTS,
    claim_run,
    due_digest,
    finish_run,
    manual_due,
    record_summary,
    release_run,
    renew_claim,
    stalled_runs,
)
from bot.digests.spec import parse_spec
from bot.models import MANUAL, SCHEDULED, Due, Period
from bot.store import connect

TEAM = "T1"
SUNDAY = datetime(2025, 1, 5, 12, tzinfo=UTC).timestamp()  # schedules are set the day before


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_period_before_has_the_same_length():
    period = Period(at(2025, 1, 1), at(2025, 1, 8))
    assert period.before() == Period(at(2024, 12, 25), at(2025, 1, 1))
    assert period.before(2).end == at(2024, 12, 25)


def schedule(store, channel="C1", text="weekly mon 09:00 Europe/Berlin", set_at=SUNDAY):
    return store.digests.set_schedule(TEAM, channel, parse_spec(text, "UTC"), "U1", set_at)


def test_schedules_are_stored_switched_off_and_listed(store):
    stored = schedule(store)
    assert store.digests.get_schedule(TEAM, "C1") == stored and stored.enabled
    schedule(store, "C2", "daily 08:30 UTC")
    assert [s.channel_id for s in store.digests.enabled_schedules()] == ["C1", "C2"]
    assert store.digests.switch_off(TEAM, "C1", "is_archived")
    assert not store.digests.switch_off(TEAM, "C1", "off")
    assert store.digests.get_schedule(TEAM, "C1").off_reason == "is_archived"
    assert [s.channel_id for s in store.digests.enabled_schedules()] == ["C2"]
    assert schedule(store).enabled  # set again: on again


def test_nothing_is_due_before_the_first_run(store):
    sched = schedule(store)
    assert due_digest(store, sched, at(2025, 1, 6, 7, 59).timestamp()) is None


def test_first_digest_covers_the_last_week_then_each_run_chains(store):
    sched = schedule(store)
    monday = at(2025, 1, 6, 8)
    due = due_digest(store, sched, monday.timestamp())
    assert due == Due(TEAM, "C1", Period(monday - timedelta(days=7), monday), SCHEDULED, False,
                      "Europe/Berlin", monday)
    claim = claim_run(store, due, "A", monday.timestamp())
    finish_run(store, claim, "done", monday.timestamp())
    assert due_digest(store, sched, monday.timestamp() + 3600) is None  # sent: not due again
    following = due_digest(store, sched, (monday + timedelta(days=7)).timestamp())
    assert following.period == Period(monday, monday + timedelta(days=7))


def test_a_daily_digest_covers_one_day(store):
    sched = schedule(store, text="daily 08:30 UTC")
    due = due_digest(store, sched, at(2025, 1, 6, 8, 30).timestamp())
    assert due.period.length == timedelta(days=1)


def test_a_missed_run_is_sent_once_late_covering_since_the_previous(store):
    sched = schedule(store)
    first = at(2025, 1, 6, 8)
    claim = claim_run(store, due_digest(store, sched, first.timestamp()), "A", first.timestamp())
    finish_run(store, claim, "done", first.timestamp())
    back = at(2025, 1, 22, 10)  # down for two Mondays (13th and 20th)
    due = due_digest(store, sched, back.timestamp())
    assert due.late and due.period == Period(first, at(2025, 1, 20, 8))
    claim = claim_run(store, due, "A", back.timestamp())
    finish_run(store, claim, "done", back.timestamp())
    assert due_digest(store, sched, back.timestamp() + 60) is None


def test_an_empty_period_still_ends_the_next_scheduled_period(store):
    sched = schedule(store)
    monday = at(2025, 1, 6, 8)
    claim = claim_run(store, due_digest(store, sched, monday.timestamp()), "A", monday.timestamp())
    finish_run(store, claim, "empty", monday.timestamp())
    assert due_digest(store, sched, monday.timestamp() + 60) is None
    assert due_digest(store, sched, (monday + timedelta(days=7)).timestamp()).period.start == monday


def test_a_claim_is_taken_once(store):
    due = Due(TEAM, "C1", Period(at(2025, 1, 1), at(2025, 1, 8)))
    now = at(2025, 1, 8).timestamp()
    first = claim_run(store, due, "A", now)
    assert first is not None and not first.recovering and first.run.marker
    assert claim_run(store, due, "B", now) is None
    assert claim_run(store, due, "B", now + LEASE_SECONDS - 1) is None


def test_an_expired_claim_is_taken_over_with_its_marker_and_ts(store):
    due = Due(TEAM, "C1", Period(at(2025, 1, 1), at(2025, 1, 8)))
    now = at(2025, 1, 8).timestamp()
    first = claim_run(store, due, "A", now)
    record_summary(store, first, "123.456", now)
    later = now + 2 * LEASE_SECONDS
    assert [d.channel_id for d in stalled_runs(store, later)] == ["C1"]
    second = claim_run(store, due, "B", later)
    assert second.recovering and second.run.marker == first.run.marker and second.run.ts == "123.456"
    assert not record_summary(store, first, "999.000", later)  # A lost its claim: it cannot write
    assert store.digests.get_run(TEAM, "C1", SCHEDULED, due.period.end).claimed_by == "B"


def test_a_claim_is_renewed_only_while_it_is_held_and_its_lease_runs(store):
    due = Due(TEAM, "C1", Period(at(2025, 1, 1), at(2025, 1, 8)))
    now = at(2025, 1, 8).timestamp()
    first = claim_run(store, due, "A", now)
    assert renew_claim(store, first, now + LEASE_SECONDS - 1)  # a fresh lease from here
    assert claim_run(store, due, "B", now + LEASE_SECONDS + 1) is None  # so no takeover yet
    stalled = now + 3 * LEASE_SECONDS
    assert not renew_claim(store, first, stalled)  # ran out, even with nobody waiting to take over
    second = claim_run(store, due, "B", stalled)
    assert not renew_claim(store, first, stalled) and renew_claim(store, second, stalled + 1)
    finish_run(store, second, "done", stalled + 2)
    assert not renew_claim(store, second, stalled + 3)  # finished runs are not posted again


def test_a_run_that_keeps_failing_becomes_a_logged_gap_and_the_next_one_covers_it(store, caplog):
    sched = schedule(store)
    monday = at(2025, 1, 6, 8)
    due = due_digest(store, sched, monday.timestamp())
    now = monday.timestamp()
    claim = claim_run(store, due, "A", now)
    for _ in range(MAX_ATTEMPTS):
        release_run(store, claim, now, 1, "ratelimited")
        now += 2
        claim = claim_run(store, due, "A", now)
    assert claim is None
    assert store.digests.get_run(TEAM, "C1", SCHEDULED, monday).status == "gap"
    assert "given up" in caplog.text
    following = due_digest(store, sched, (monday + timedelta(days=7)).timestamp())
    assert following.period.start == monday - timedelta(days=7)  # the gap's quotes are not lost


def test_two_connections_claiming_at_once_get_one_claim(target):
    connect(target).close()
    due = Due(TEAM, "C1", Period(at(2025, 1, 1), at(2025, 1, 8)))
    barrier = threading.Barrier(4)
    won: list[str] = []

    def race(name: str) -> None:
        store = connect(target)
        barrier.wait()
        if claim_run(store, due, name, at(2025, 1, 8).timestamp()) is not None:
            won.append(name)
        store.close()

    threads = [threading.Thread(target=race, args=(n,)) for n in "ABCD"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1


def test_a_digest_asked_for_by_hand_covers_since_the_last_posted(store):
    now = at(2025, 1, 10).timestamp()
    assert manual_due(store, TEAM, "C1", now).period.length == timedelta(days=7)
    sched = schedule(store, text="daily 08:30 UTC")
    due = due_digest(store, sched, at(2025, 1, 9, 9).timestamp())
    claim = claim_run(store, due, "A", at(2025, 1, 9, 9).timestamp())
    finish_run(store, claim, "done", at(2025, 1, 9, 9).timestamp())
    manual = manual_due(store, TEAM, "C1", now)
    assert manual.kind == MANUAL and manual.period == Period(at(2025, 1, 9, 8, 30), at(2025, 1, 10))
    assert manual_due(store, TEAM, "C1", now, since=at(2024, 1, 1)).period.start == at(2024, 1, 1)


def test_claims_survive_a_new_connection(target):
    """A restart reads the same ledger: the claim is in the file, not in memory."""
    store = connect(target)
    due = Due(TEAM, "C1", Period(at(2025, 1, 1), at(2025, 1, 8)))
    claim_run(store, due, "A", at(2025, 1, 8).timestamp())
    store.close()
    again = connect(target)
    assert claim_run(again, due, "B", at(2025, 1, 8).timestamp() + 1) is None


def test_log_names_the_channel_when_a_run_is_given_up(store, caplog):
    due = Due(TEAM, "C9", Period(at(2025, 1, 1), at(2025, 1, 8)))
    now = at(2025, 1, 8).timestamp()
    claim = claim_run(store, due, "A", now)
    with caplog.at_level(logging.ERROR):
        for _ in range(MAX_ATTEMPTS):
            release_run(store, claim, now, 0, "no_token")
            claim = claim_run(store, due, "A", now)
    assert "C9" in caplog.text and "no_token" in caplog.text


def test_uninstalling_forgets_the_schedules_and_the_digests_sent(store):
    """Issue #10: a workspace that uninstalls leaves nothing behind, its digest record included."""
    sched = schedule(store)
    monday = at(2025, 1, 6, 8)
    claim = claim_run(store, due_digest(store, sched, monday.timestamp()), "A", monday.timestamp())
    finish_run(store, claim, "done", monday.timestamp())
    other = store.digests.set_schedule("T_OTHER", "C1", sched.spec, "U1", monday.timestamp())
    assert store.forget_team(TEAM)["digest_runs"] == 1
    assert store.digests.get_schedule(TEAM, "C1") is None
    assert store.digests.get_run(TEAM, "C1", SCHEDULED, monday) is None
    assert store.digests.get_schedule("T_OTHER", "C1") == other
