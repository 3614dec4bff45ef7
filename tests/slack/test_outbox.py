"""What the bot owes the customer survives Slack misbehaving: every post is kept in the outbox
before its first try, retried until Slack takes it, looked for before a retry whose outcome is
unknown, resumed after a crash, and delivered once however many replicas share the database.

Outages are short here (a few seconds, with one-second waits and timeouts) so the suite stays
fast; what they test does not depend on the length.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from contextlib import ExitStack
from pathlib import Path

import pytest

from bot.ingest.importer import import_file
from bot.outbox import QUOTES
from bot.slack.server import shutdown
from bot.store import connect

from .conftest import DATA, start_bot
from .fake_slack import FakeSlack
from .helpers import TEAM, BotUnderTest, new_channel, new_ts, serving, wait_until
from .test_events import DECISION

QUICK = {"slack_timeout_seconds": 1, "outbox_max_wait_seconds": 1}
QUICK_ENV = {"EMPTY_CHAIR_SLACK_TIMEOUT_SECONDS": "1", "EMPTY_CHAIR_OUTBOX_MAX_WAIT_SECONDS": "1",
             "EMPTY_CHAIR_SEMANTIC": "off"}
OUTAGE = 3.0


@pytest.fixture
def quick(fake: FakeSlack, slack_corpus: Path, tmp_path: Path):
    """The bot with one-second timeouts and waits between tries."""
    running, service = start_bot(fake, slack_corpus, tmp_path, **QUICK)
    yield running
    shutdown(running.app, [running.outbox, service], drain_seconds=15)


def thread_replies(fake: FakeSlack, channel: str, ts: str) -> list[dict]:
    """What Slack holds in the thread: the messages that landed, whoever gave up waiting for them."""
    return [m for m in fake.messages[channel] if m.get("thread_ts") == ts and m["ts"] != ts]


def state(bot: BotUnderTest) -> list[tuple[str, str, int]]:
    rows = bot.sql("SELECT kind, status, attempts FROM outbox ORDER BY id").fetchall()
    return [tuple(row) for row in rows]


def state_of(target: Path | str) -> tuple[tuple[int, float | None], list[tuple[str, str]]]:
    """The outbox's backlog, and each post's kind and status, read as another process would."""
    store = connect(target)
    try:
        backlog = store.outbox.backlog(time.time())
        posts = [store.outbox.get(n) for n in range(1, 50)]
        return backlog, [(p.kind, p.status) for p in posts if p is not None]
    finally:
        store.close()


def known_channel(bot: BotUnderTest) -> str:
    """A channel the bot has heard in before the outage, so it knows it is not shared with
    another organisation (where Slack cannot be asked, a channel counts as shared: no quotes)."""
    channel = new_channel()
    assert bot.message(channel, "morning all").status == 200
    bot.idle()
    return channel


def decide(bot: BotUnderTest, fake: FakeSlack, channel: str) -> str:
    """A decision stated in a channel (Slack holds the message, as it would)."""
    ts = new_ts()
    fake.add_message(channel, ts, DECISION)
    reply = bot.message(channel, DECISION, ts=ts)
    assert reply.status == 200 and reply.seconds < 1.0
    return ts


@pytest.mark.parametrize("mode", ["503", "hang", "blackhole"])
def test_a_decision_stated_during_an_outage_gets_one_question_in_its_thread_after_it(quick, fake, mode):
    """503s: Slack did not take the post, it is tried again. Hung calls: the post may have landed
    (with "hang" it does, late; with "blackhole" never), so each try first looks in the thread."""
    channel = known_channel(quick)
    outage = fake.outage(OUTAGE, mode)
    ts = decide(quick, fake, channel)
    if mode == "503":
        assert wait_until(lambda: "outbox: 1 post(s) owed" in quick.get("/health").body, timeout=2)
    replies = fake.wait_for("chat.postMessage", channel=channel, thread_ts=ts, timeout=20)
    assert replies[0].at >= outage.until - 0.1
    time.sleep(2.5)  # two more rounds of the worker: a second post would have landed by now
    assert len(thread_replies(fake, channel, ts)) == 1
    assert len(fake.calls_to("chat.postMessage", channel=channel)) == 1
    assert "That sounds like a decision" in thread_replies(fake, channel, ts)[0]["text"]
    (kind, status, attempts), = state(quick)
    assert (kind, status) == ("decision", "done") and attempts >= 2
    assert quick.get("/health").body == "ok\n"
    if mode != "503":  # every retry looked for the post before trying it again
        assert fake.calls_to("conversations.replies", ok=None, channel=channel, ts=ts)


def test_slash_commands_asked_during_an_outage_are_answered_through_their_response_url(quick, fake):
    channel = new_channel()
    outage = fake.outage(OUTAGE, "503")
    names = ["ask1", "ask2", "help3"]
    for name in names:
        text = "help" if name.startswith("help") else "card delivery"
        assert quick.command(text, channel=channel, response=name).status == 200
    for name in names:
        fake.wait_for("response", path=f"/response/{name}", timeout=20)
    time.sleep(1.5)
    for name in names:
        (answer,) = quick.fake.responses(name)
        assert answer.at >= outage.until - 0.1 and answer.params["response_type"] == "ephemeral"
    assert fake.calls_to("response", ok=False)  # they were tried during the outage
    assert {status for _, status, _ in state(quick)} == {"done"}


def test_slash_commands_asked_while_slack_holds_calls_are_answered_and_not_once_per_try(quick, fake):
    """A reply to a response_url cannot be looked for: after a try that timed out it is sent again,
    but only once Slack answers again. The held first try may land too: one copy, or two."""
    channel = new_channel()
    outage = fake.outage(OUTAGE, "hang")
    assert quick.command("card delivery", channel=channel, response="held").status == 200
    fake.wait_for("response", path="/response/held", timeout=20)
    time.sleep(2.5)
    answers = quick.fake.responses("held")
    assert 1 <= len(answers) <= 2 and all(a.at >= outage.until - 0.1 for a in answers)
    assert [status for _, status, _ in state(quick)] == ["done"]


def test_a_429_is_waited_out_for_its_retry_after_and_holds_the_workspace(quick, fake):
    """Slack's rate limit goes through the same path: the post waits Retry-After, and the
    workspace's next post waits behind it instead of drawing another 429."""
    first, second = known_channel(quick), known_channel(quick)
    fake.outage(0.5, "429", retry_after=2)
    ts = decide(quick, fake, first)
    time.sleep(0.6)
    later = decide(quick, fake, second)
    one = fake.wait_for("chat.postMessage", channel=first, thread_ts=ts, timeout=10)[0]
    two = fake.wait_for("chat.postMessage", channel=second, thread_ts=later, timeout=10)[0]
    (limited,) = fake.calls_to("chat.postMessage", ok=False)
    assert one.at - limited.at >= 2.0 - 0.05  # waited as long as Slack asked
    assert two.at >= one.at  # in order, behind the one Slack asked to wait
    assert len(fake.calls_to("chat.postMessage", ok=None)) == 3


def test_a_post_that_no_longer_makes_sense_is_dropped_with_a_line_saying_why(quick, fake, caplog):
    channel = new_channel()
    store = quick.conn()
    now = time.time()
    post_id = store.outbox.add(QUOTES, TEAM, "chat.postMessage", {"channel": channel, "text": "old"},
                               now - 1, now - 301)
    with caplog.at_level(logging.WARNING):
        assert wait_until(lambda: store.outbox.get(post_id).status == "dropped", timeout=5)
    assert store.outbox.get(post_id).note == "expired"
    assert "given up" in caplog.text
    assert not fake.calls_to("chat.postMessage", ok=None, channel=channel)


def test_a_post_slack_refuses_for_good_is_not_retried(quick, fake, caplog):
    channel = new_channel()
    fake.fail("chat.postMessage", error="not_in_channel")
    with caplog.at_level(logging.WARNING):
        decide(quick, fake, channel)
        quick.idle()
        time.sleep(1.5)
    assert len(fake.calls_to("chat.postMessage", ok=None, channel=channel)) == 1
    assert state(quick) == [("decision", "dropped", 1)]
    assert "/invite" in caplog.text


def _copy(slack_corpus: Path, tmp_path: Path) -> Path:
    db = tmp_path / "bot.db"
    shutil.copy(slack_corpus, db)
    return db


def test_posts_pending_when_the_process_is_killed_are_delivered_after_restart_once(fake, slack_corpus,
                                                                                   tmp_path):
    db = _copy(slack_corpus, tmp_path)
    fake.outage(120, "503")
    channels = [new_channel() for _ in range(2)]
    with serving(fake, db, **QUICK_ENV) as (process, url, lines):
        bot = BotUnderTest(url, fake, db, app=None)  # type: ignore[arg-type]
        threads = {channel: decide(bot, fake, channel) for channel in channels}
        assert wait_until(lambda: state_of(db)[0][0] == 2 and len(fake.calls_to("chat.postMessage", ok=False))
                          >= 4, timeout=15), lines[-10:]
        process.kill()  # SIGKILL: no shutdown, nothing flushed
        process.wait(10)
    fake.end_outages()
    with serving(fake, db, **QUICK_ENV) as (process, url, lines):
        for channel, ts in threads.items():
            fake.wait_for("chat.postMessage", channel=channel, thread_ts=ts, timeout=20)
        time.sleep(2.5)
        assert any("owed to Slack from before" in line for line in lines), lines[-10:]
    for channel, ts in threads.items():
        assert len(thread_replies(fake, channel, ts)) == 1
    assert state_of(db) == ((0, None), [("decision", "done"), ("decision", "done")])


def test_a_post_whose_try_was_cut_off_by_a_kill_is_looked_for_and_not_posted_twice(fake, slack_corpus,
                                                                                     tmp_path):
    """Killed while Slack was still holding the call: the post landed after the process died. The
    next process cannot know that from the database, so it looks in the thread first."""
    db = _copy(slack_corpus, tmp_path)
    fake.outage(120, "hang", methods=("chat.postMessage",))
    channel = new_channel()
    with serving(fake, db, **QUICK_ENV) as (process, url, lines):
        bot = BotUnderTest(url, fake, db, app=None)  # type: ignore[arg-type]
        ts = decide(bot, fake, channel)
        assert wait_until(lambda: state_of(db)[0][0] == 1, timeout=10)
        time.sleep(0.3)  # the first try is on its way, held by Slack
        process.kill()
        process.wait(10)
    fake.end_outages()  # what Slack held lands now: the question is in the thread
    assert wait_until(lambda: len(thread_replies(fake, channel, ts)) == 1, timeout=5)
    with serving(fake, db, **QUICK_ENV) as (process, url, lines):
        assert wait_until(lambda: state_of(db)[1] == [("decision", "done")], timeout=30), lines[-10:]
        time.sleep(1.5)
    assert len(thread_replies(fake, channel, ts)) == 1
    assert fake.calls_to("conversations.replies", channel=channel, ts=ts)  # it looked before posting


@pytest.fixture
def shared_db(pg_url) -> str:
    store = connect(pg_url)
    import_file(store, DATA / "banking.csv", source="banking-app")
    store.close()
    return pg_url


def test_two_replicas_on_postgresql_deliver_each_pending_post_once(fake, shared_db):
    """Both replicas retry the shared outbox; a claim lets one of them try each post at a time."""
    with ExitStack() as stack:
        bots = []
        for _ in range(2):
            _, url, _ = stack.enter_context(serving(fake, shared_db, **QUICK_ENV))
            bots.append(BotUnderTest(url, fake, shared_db, app=None))  # type: ignore[arg-type]
        fake.outage(OUTAGE, "503")
        channels = [new_channel() for _ in range(6)]
        threads = {channel: decide(bots[n % 2], fake, channel) for n, channel in enumerate(channels)}
        for channel, ts in threads.items():
            fake.wait_for("chat.postMessage", channel=channel, thread_ts=ts, timeout=30)
        time.sleep(2.5)
    for channel, ts in threads.items():
        assert len(thread_replies(fake, channel, ts)) == 1, channel
    backlog, posts = state_of(shared_db)
    assert backlog == (0, None) and posts == [("decision", "done")] * len(channels)
    landed = [marker(c) for c in fake.calls_to("chat.postMessage")]
    assert len(landed) == len(set(landed)) == len(channels)  # each post landed once, by either replica


def marker(call) -> str:
    metadata = call.params["metadata"]
    return (json.loads(metadata) if isinstance(metadata, str) else metadata)["event_payload"]["post"]
