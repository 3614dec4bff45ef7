"""Joining, listening, decisions and the message subtypes, end to end over HTTP."""

from __future__ import annotations

import shutil
import time

from bot.slack import chair as chair_module
from bot.slack.app import create_app
from bot.slack.server import PRUNE_JOB, shutdown, start_services
from bot.store import connect

from .conftest import settings_for, start_bot
from .helpers import BOT_USER, TEAM, new_channel, new_ts, wait_until

SETTLING = [
    "new cards are taking weeks to arrive for some customers",
    "the card delivery courier is slow, the card never arrives",
    "how long should a new card take to arrive?",
]
EXCHANGE = [
    "what about the exchange rate we charge abroad?",
    "people already think our exchange rate is wrong when they pay abroad",
    "the exchange rate markup on card payments abroad is too high",
]
DECISION = "Decision: we will ship the new card design on Monday."


def join(bot, channel: str, user: str = BOT_USER):
    return bot.event({"type": "member_joined_channel", "user": user, "channel": channel,
                      "channel_type": "C", "team": TEAM, "inviter": "U_ALICE"})


def say_all(bot, channel: str, texts: list[str], start: float = 0.0) -> None:
    for number, text in enumerate(texts):
        assert bot.message(channel, text, ts=new_ts(start + number)).status == 200
        bot.idle()


def test_invited_bot_introduces_itself_once_and_learns_the_channel(bot, fake):
    channel = new_channel()
    fake.channel_info[channel] = {"topic": "Q3 roadmap: cards and fees", "purpose": "Weekly product sync"}
    assert join(bot, channel).status == 200
    posts = fake.wait_for("chat.postMessage", channel=channel)
    bot.idle()
    assert len(posts) == 1
    assert "empty chair" in posts[0].params["text"]
    assert len(fake.calls_to("conversations.info", channel=channel)) == 1
    seat = bot.conn().channels.get(TEAM, channel)
    assert seat.topic == "Q3 roadmap: cards and fees" and seat.purpose == "Weekly product sync"
    assert seat.active


def test_someone_else_joining_is_not_greeted(bot, fake):
    channel = new_channel()
    assert join(bot, channel, user="U_BOB").status == 200
    bot.idle()
    assert not fake.calls_to("chat.postMessage", channel=channel)


def test_quotes_posted_when_conversation_settles_and_not_again_within_cooldown(bot, fake):
    channel = new_channel()
    say_all(bot, channel, ["morning all"] + SETTLING)
    posts = fake.calls_to("chat.postMessage", channel=channel)
    assert len(posts) == 1
    post = posts[0]
    assert "thread_ts" not in post.params or not post.params["thread_ts"]
    assert post.params["text"].startswith("Customers have said this about")
    assert any(b["type"] == "actions" for b in post.params["blocks"])
    # another settled topic inside the cooldown (300 s): silence
    say_all(bot, channel, EXCHANGE, start=10)
    assert len(fake.calls_to("chat.postMessage", channel=channel)) == 1
    # after the cooldown the customer speaks again
    say_all(bot, channel, EXCHANGE, start=400)
    assert len(fake.calls_to("chat.postMessage", channel=channel)) == 2


def test_decision_gets_a_question_in_its_thread(bot, fake):
    channel = new_channel()
    ts = new_ts()
    bot.message(channel, DECISION, ts=ts)
    post = fake.wait_for("chat.postMessage", channel=channel)[0]
    assert post.params["thread_ts"] == ts
    assert "That sounds like a decision" in post.params["text"]
    question = bot.conn().decisions.list(TEAM, channel)[0].question
    assert question in post.params["text"]


def test_thread_reply_is_recorded_as_the_decisions_answer(bot, fake):
    channel = new_channel()
    ts = new_ts()
    bot.message(channel, DECISION, ts=ts)
    fake.wait_for("chat.postMessage", channel=channel)
    bot.message(channel, "Yes: fewer calls about where the card is", ts=new_ts(5), thread_ts=ts)
    bot.idle()
    decision = bot.conn().decisions.list(TEAM, channel)[0]
    assert decision.answer == "Yes: fewer calls about where the card is"
    assert decision.answered_by == "U_ALICE"
    assert len(fake.calls_to("chat.postMessage", channel=channel)) == 1  # nothing posted for it


def test_own_and_other_bots_messages_are_ignored(bot, fake):
    channel = new_channel()
    for number, text in enumerate(SETTLING):
        bot.message(channel, text, ts=new_ts(number), user=BOT_USER, bot_id=f"BBOT{TEAM}")
        bot.message(channel, text, ts=new_ts(number + 0.5), subtype="bot_message", bot_id="B_OTHER",
                    user="U_OTHERBOT")
        bot.message(channel, text, ts=new_ts(number + 0.7), bot_id="B_OTHER", user="U_OTHERBOT")
    bot.idle()
    assert not fake.calls_to("chat.postMessage", channel=channel)
    assert bot.conn().channels.recent_messages(TEAM, channel, 10) == []


def test_edited_and_deleted_messages_update_what_the_bot_remembers(bot, fake):
    channel = new_channel()
    first, second = new_ts(), new_ts(1)
    bot.message(channel, "the new onboarding flow", ts=first)
    bot.message(channel, "typo here", ts=second)
    bot.idle()
    edited = {"type": "message", "subtype": "message_changed", "channel": channel, "hidden": True,
              "ts": new_ts(2), "message": {"type": "message", "user": "U_ALICE", "text": "card top up fees",
                                            "ts": first},
              "previous_message": {"type": "message", "user": "U_ALICE", "text": "the new onboarding flow",
                                   "ts": first}}
    deleted = {"type": "message", "subtype": "message_deleted", "channel": channel, "hidden": True,
               "ts": new_ts(3), "deleted_ts": second,
               "previous_message": {"type": "message", "user": "U_ALICE", "text": "typo here", "ts": second}}
    assert bot.event(edited).status == 200
    assert bot.event(deleted).status == 200
    bot.idle()
    assert bot.conn().channels.recent_messages(TEAM, channel, 10) == ["card top up fees"]
    assert not fake.calls_to("chat.postMessage", channel=channel)


def test_topic_and_purpose_changes_are_stored(bot, fake):
    channel = new_channel()
    for subtype, field, value in (("channel_topic", "topic", "Refunds & fees"),
                                  ("channel_purpose", "purpose", "Where we decide on <https://x.y|pricing>")):
        event = {"type": "message", "subtype": subtype, "channel": channel, "user": "U_ALICE",
                 "text": f"set the channel {field}: {value}", field: value, "ts": new_ts()}
        assert bot.event(event).status == 200
    bot.idle()
    seat = bot.conn().channels.get(TEAM, channel)
    assert seat.topic == "Refunds & fees"
    assert seat.purpose == "Where we decide on pricing"


def test_other_subtypes_and_unhandled_events_get_200(bot, fake):
    channel = new_channel()
    for event in ({"type": "message", "subtype": "channel_join", "channel": channel, "user": "U_BOB",
                   "text": "<@U_BOB> has joined the channel", "ts": new_ts()},
                  {"type": "message", "subtype": "pinned_item", "channel": channel, "user": "U_BOB",
                   "text": "pinned", "ts": new_ts()},
                  {"type": "reaction_removed", "user": "U_BOB", "reaction": "chair",
                   "item": {"type": "message", "channel": channel, "ts": new_ts()}},
                  {"type": "team_join", "user": {"id": "U_NEW"}}):
        assert bot.event(event).status == 200
    bot.idle()
    assert not fake.calls_to("chat.postMessage", channel=channel)


def test_removed_from_channel_marks_it_inactive(bot, fake):
    channel = new_channel()
    join(bot, channel)
    fake.wait_for("chat.postMessage", channel=channel)
    bot.idle()
    assert bot.event({"type": "channel_left", "channel": channel, "actor_id": "U_ALICE"}).status == 200
    bot.idle()
    assert not bot.conn().channels.get(TEAM, channel).active


def test_acknowledges_before_the_work_is_done(bot, fake):
    """A slow Slack API does not slow the 200 (the work runs after the acknowledgement)."""
    channel = new_channel()
    fake.delay("conversations.info", 2.0)
    started = time.monotonic()
    assert join(bot, channel).status == 200
    assert time.monotonic() - started < 1.0
    fake.wait_for("chat.postMessage", channel=channel, timeout=10)


def test_heard_messages_are_deleted_after_the_retention_period(fake, slack_corpus, tmp_path, monkeypatch):
    """EMPTY_CHAIR_MESSAGE_RETENTION_HOURS=1: a message two hours old goes at the next prune, one
    from half an hour ago stays; a capture of the old one no longer finds its words."""
    monkeypatch.setattr(chair_module, "PRUNE_EVERY", 0)  # prune on every event
    running, service = start_bot(fake, slack_corpus, tmp_path, message_retention_hours=1)
    try:
        channel, old, recent = new_channel(), new_ts(-2 * 3600), new_ts(-1800)
        running.message(channel, "The zorbfee two hours ago", ts=old)
        running.idle()
        running.message(channel, "The zorbfee half an hour ago", ts=recent)
        running.idle()
        kept = running.sql("SELECT ts FROM messages WHERE channel_id = ?", (channel,)).fetchall()
        assert [row[0] for row in kept] == [recent]
        running.event({"type": "reaction_added", "user": "U_BOB", "reaction": "chair",
                       "item": {"type": "message", "channel": channel, "ts": old}})
        running.idle()
        assert fake.calls_to("conversations.history", channel=channel)  # not in the store any more
        assert not running.sql("SELECT 1 FROM feedback WHERE source = 'slack'").fetchall()
    finally:
        shutdown(running.app, [running.outbox, service])


def test_serve_prunes_on_a_timer_even_without_events(fake, slack_corpus, tmp_path):
    db = tmp_path / "bot.db"
    shutil.copy(slack_corpus, db)
    channel = new_channel()
    connect(db).channels.remember_message(TEAM, channel, new_ts(-25 * 3600), "U_ALICE", "old words")
    settings = settings_for(fake, db)
    app = create_app(settings)
    services = start_services(app, settings)
    try:
        assert PRUNE_JOB in services[0].scheduler.next_runs()
        assert wait_until(lambda: not connect(db).connection.execute(
            "SELECT 1 FROM messages WHERE channel_id = ?", (channel,)).fetchall(), timeout=10)
    finally:
        shutdown(app, services)
