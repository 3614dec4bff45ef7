"""Two replicas of the bot on one PostgreSQL database, behind a load balancer that sends each
event to either one, and Slack's retries of an event to the other: everything happens once."""

from __future__ import annotations

import threading
import time
import uuid
from contextlib import ExitStack

import pytest

from bot.ingest.importer import import_file
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
