"""Two replicas of the bot on one PostgreSQL database, behind a load balancer that sends each
event to either one, and Slack's retries of an event to the other: everything happens once.
A digest falling due while both run is posted once, by one of them."""

from __future__ import annotations

import re
import threading
import time
import uuid
from contextlib import ExitStack

import pytest

from bot.digests.spec import parse_spec
from bot.ingest.importer import add_quote, import_file
from bot.models import SCHEDULED, utc
from bot.store import connect

from .conftest import DATA
from .helpers import TEAM, BotUnderTest, new_channel, new_ts, serving, wait_until
from .test_events import DECISION, EXCHANGE, SETTLING


@pytest.fixture
def shared_db(pg_url) -> str:
    store = connect(pg_url)
    import_file(store, DATA / "banking.csv", source="banking-app")
    import_file(store, DATA / "complaints.csv", source="cfpb-complaints")
    store.close()
    return pg_url


def _send(bots: list[BotUnderTest], n: int, channel: str, text: str, ts: str, **extra: object) -> None:
    """Message n to replica n % 2, then Slack's retry of the same event to the other one."""
    event = {"type": "message", "channel": channel, "channel_type": "channel", "user": "U_ALICE",
             "text": text, "ts": ts, **extra}
    event_id = "Ev" + uuid.uuid4().hex[:12].upper()
    assert bots[n % 2].event(event, event_id=event_id).status == 200
    assert bots[(n + 1) % 2].event(event, event_id=event_id, retry_num=1).status == 200


def _heard(store, channel: str) -> int:
    return len(store.channels.recent_messages(TEAM, channel, 50))


def test_two_replicas_answer_every_decision_once_and_post_nothing_twice(fake, shared_db):
    with ExitStack() as stack:
        bots = []
        for _ in range(2):
            _, url, _ = stack.enter_context(serving(fake, shared_db, EMPTY_CHAIR_SEMANTIC="off"))
            bots.append(BotUnderTest(url, fake, shared_db, app=None))  # type: ignore[arg-type]
        store = stack.enter_context(connect(shared_db))
        channels = [new_channel() for _ in range(3)]
        decisions: dict[str, list[str]] = {c: [] for c in channels}
        n = 0
        for channel in channels:
            for number, text in enumerate(["morning all", *SETTLING]):
                _send(bots, n, channel, text, new_ts(number))
                n += 1
                # A meeting's pace: the message is stored before the next one is said.
                assert wait_until(lambda c=channel, k=number + 1: _heard(store, c) >= k, timeout=10)
            ts = new_ts(10)
            decisions[channel].append(ts)
            _send(bots, n, channel, f"{DECISION} ({channel})", ts)
            n += 1
            # Two messages of a second settled topic at the same moment, one on each replica:
            # inside the cooldown, so no second post whichever decides first.
            pair = [threading.Thread(target=_send, args=(bots, n + i, channel, EXCHANGE[i], new_ts(20 + i)))
                    for i in range(2)]
            for thread in pair:
                thread.start()
            for thread in pair:
                thread.join()
            n += 2
        for channel in channels:
            fake.wait_for("chat.postMessage", count=2, timeout=20, channel=channel)
        time.sleep(1.5)  # anything still running (a retry's duplicate) would have posted by now
        for channel in channels:
            posts = fake.calls_to("chat.postMessage", channel=channel)
            threaded = [p for p in posts if p.params.get("thread_ts")]
            unprompted = [p for p in posts if not p.params.get("thread_ts")]
            assert [p.params["thread_ts"] for p in threaded] == decisions[channel]  # each answered once
            assert len(unprompted) == 1, [p.params["text"][:60] for p in unprompted]
            assert store.decisions.count(TEAM, channel) == 1


def _posted_by(lines: list[str], channel: str) -> int:
    return sum(1 for line in lines if f"digest posted in channel {channel}" in line)


def test_a_digest_due_while_two_replicas_run_is_posted_once_by_one_of_them(fake, shared_db):
    store = connect(shared_db)
    an_hour_ago = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 3600))
    for n in range(5):
        add_quote(store, f"My new card still has not arrived after {n + 8} days", "support-tickets",
                  created=an_hour_ago)
    channel = new_channel()
    with ExitStack() as stack:
        stack.callback(store.close)
        replicas = [stack.enter_context(serving(fake, shared_db, EMPTY_CHAIR_SEMANTIC="off",
                                                EMPTY_CHAIR_DIGEST_SYNC_SECONDS="1"))
                    for _ in range(2)]
        # The channel's weekly run time is the minute that has just begun, and the schedule was set
        # a moment before it: to both replicas, a digest falling due now. Each looks every second.
        now = time.time()
        due_at = now - now % 60
        spec = parse_spec(time.strftime("weekly %a %H:%M UTC", time.gmtime(due_at)), "UTC")
        store.digests.set_schedule(TEAM, channel, spec, "U_ALICE", due_at - 1)

        def finished():  # noqa: ANN202
            run = store.digests.get_run(TEAM, channel, SCHEDULED, utc(due_at))
            return run if run is not None and run.status != "claimed" else None

        assert wait_until(finished, timeout=20), [line for _, _, lines in replicas for line in lines][-20:]
        time.sleep(2.5)  # two more looks by each replica: a second run would have begun by now
        run = finished()
        assert (run.status, run.attempts) == ("done", 1)  # claimed once, never taken over

        posts = fake.calls_to("chat.postMessage", channel=channel)
        assert [p.params["metadata"]["event_payload"] for p in posts] == [
            {"marker": run.marker, "part": "summary"}, {"marker": run.marker, "part": "details"}]
        assert posts[1].params["thread_ts"] == run.ts
        charts = fake.calls_to("files.completeUploadExternal", channel_id=channel)
        assert len(charts) == (1 if run.chart == "done" else 0)
        assert not fake.calls_to("conversations.history", channel=channel)  # nobody had to recover it

        # One replica sent it; the other never started a run of it.
        senders = [(process.pid, lines) for process, _, lines in replicas if _posted_by(lines, channel)]
        assert len(senders) == 1 and _posted_by(senders[0][1], channel) == 1
        assert re.search(rf":{senders[0][0]}:", run.claimed_by)
        (other,) = [lines for process, _, lines in replicas if process.pid != senders[0][0]]
        assert not [line for line in other if channel in line]
