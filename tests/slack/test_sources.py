"""Source channels, end to end: `/customer-voice source on` makes a channel's messages quotes,
kept in step with edits and deletions; in a Slack Connect channel only outside members'."""

from __future__ import annotations

from .helpers import BOT_USER, TEAM, USER, new_channel, new_ts
from .test_connect import GUEST, OUTSIDE, ask, shared_channel
from .test_events import SETTLING, say_all

WORDS = "my replacement card never arrived and the courier kept saying it was delivered"


def source_on(bot, fake, channel: str, how: str = "source on", name: str = "feedback") -> str:
    fake.channel_info.setdefault(channel, {})["name"] = name
    return ask(bot, fake, channel, how, f"on-{channel}")["text"]


def found(bot, fake, topic: str, name: str, channel: str | None = None) -> str:
    bot.conn().quotes.refresh_stats()  # so search weighs the new words (an import does this)
    reply = ask(bot, fake, channel or new_channel(), topic, name)
    return reply["text"] + str(reply.get("blocks", ""))


def stored(bot, channel: str) -> list[tuple[str, str, str, int]]:
    return [tuple(r) for r in bot.sql(
        "SELECT external_id, source, text, private FROM feedback WHERE origin_channel = ? ORDER BY id",
        (channel,))]


def test_messages_of_a_source_channel_become_quotes_that_follow_edits_and_deletions(bot, fake):
    channel = new_channel()
    assert "saved as customer feedback (source: #feedback)" in source_on(bot, fake, channel)
    ts = new_ts()
    assert bot.message(channel, f"{WORDS} to zindlebrook, call me on +44 7700 900123", ts=ts).status == 200
    bot.idle()
    assert "zindlebrook" in bot.conn().quotes.load_stats()[2]  # a new word counts at once
    [(key, source, text, private)] = stored(bot, channel)
    assert (key, source, private) == (f"{channel}:{ts}", "#feedback", 0)
    assert "[phone]" in text and "7700" not in text  # redacted like an import
    answer = found(bot, fake, "replacement card courier delivered", "a")
    assert "courier kept saying it was delivered" in answer
    edit = {"type": "message", "subtype": "message_changed", "channel": channel, "channel_type": "channel",
            "ts": new_ts(1), "message": {"type": "message", "user": USER, "ts": ts,
                                          "text": "my replacement card arrived broken in two, zorp"},
            "previous_message": {"type": "message", "user": USER, "ts": ts, "text": WORDS}}
    assert bot.event(edit).status == 200
    bot.idle()
    assert stored(bot, channel)[0][2] == "my replacement card arrived broken in two, zorp"
    assert "broken in two" in found(bot, fake, "replacement card broken", "b")
    deleted = {"type": "message", "subtype": "message_deleted", "channel": channel, "channel_type": "channel",
               "ts": new_ts(2), "deleted_ts": ts, "previous_message": {"ts": ts, "user": USER}}
    assert bot.event(deleted).status == 200
    bot.idle()
    assert stored(bot, channel) == []
    assert "broken in two" not in found(bot, fake, "replacement card broken", "c")


def test_a_source_channel_is_not_meeting_talk_and_skips_replies_bots_and_the_bot(bot, fake):
    channel = new_channel()
    source_on(bot, fake, channel)
    say_all(bot, channel, ["morning all"] + SETTLING)
    parent = new_ts(10)
    bot.message(channel, "Decision: we will ship the new card design on Monday.", ts=parent)
    bot.message(channel, "on it, I'll reply to the customer", ts=new_ts(11), thread_ts=parent)
    bot.message(channel, "Ticket #123 from Dana: the app logs me out", ts=new_ts(12), user=None,
                bot_id="B0ZENDESK", subtype="bot_message", bot_profile={"name": "Zendesk"})
    bot.message(channel, "my own words", ts=new_ts(13), user=BOT_USER, bot_id="BBOTT0TEST")
    bot.idle()
    assert not fake.calls_to("chat.postMessage", channel=channel)  # no quotes, no decision question
    assert not bot.conn().decisions.list(TEAM, channel)
    texts = [row[2] for row in stored(bot, channel)]
    assert len(texts) == 5 and "on it, I'll reply to the customer" not in texts
    assert not any("Zendesk" in t or "logs me out" in t or "my own words" in t for t in texts)


def test_with_bots_a_feedback_tools_posts_are_taken_under_its_name(bot, fake):
    channel = new_channel()
    assert "feedback tools" in source_on(bot, fake, channel, "source on bots")
    bot.message(channel, "Ticket #123 from Dana: the app logs me out every morning", ts=new_ts(), user=None,
                bot_id="B0ZENDESK", subtype="bot_message", bot_profile={"name": "Zendesk"})
    bot.message(channel, "my own words", ts=new_ts(1), user=BOT_USER, bot_id="BBOTT0TEST")
    bot.idle()
    assert [(row[1], row[2]) for row in stored(bot, channel)] == [
        ("Zendesk", "Ticket #123 from Dana: the app logs me out every morning")]


def test_source_off_stops_taking_messages_and_keeps_what_was_saved(bot, fake):
    channel = new_channel()
    source_on(bot, fake, channel)
    bot.message(channel, WORDS, ts=new_ts())
    bot.idle()
    off = ask(bot, fake, channel, "source off", "off")["text"]
    assert "no longer a source" in off and f"empty-chair forget --team {TEAM}" in off
    bot.message(channel, "the exchange rate abroad was a scandal", ts=new_ts(1))
    bot.idle()
    assert [row[2] for row in stored(bot, channel)] == [WORDS]
    assert "not a source" in ask(bot, fake, channel, "source", "status")["text"]
    bot.conn().forget_team(TEAM)  # `empty-chair forget --team`, or the app uninstalled
    assert stored(bot, channel) == []


def test_in_a_slack_connect_channel_only_outside_members_messages_are_taken(bot, fake):
    channel = shared_channel(fake)
    reply = source_on(bot, fake, channel, name="acme-support")
    assert "members of Acme Corp" in reply
    bot.message(channel, WORDS, ts=new_ts(), user=GUEST, user_team=OUTSIDE)
    bot.message(channel, "thanks, we're looking into it", ts=new_ts(1))
    bot.message(channel, "the statement export has been broken since Tuesday", ts=new_ts(2), user=GUEST,
                user_team=OUTSIDE, thread_ts=new_ts(1))
    bot.idle()
    assert [(row[1], row[2]) for row in stored(bot, channel)] == [
        ("Acme Corp", WORDS), ("Acme Corp", "the statement export has been broken since Tuesday")]
    assert not fake.calls_to("chat.postMessage", channel=channel)


def test_a_private_source_channel_keeps_its_quotes_to_itself(bot, fake):
    channel = "G" + new_channel()[1:]
    fake.channel_info[channel] = {"is_private": True}
    source_on(bot, fake, channel)
    bot.message(channel, f"{WORDS} zorblax", ts=new_ts(), channel_type="group")
    bot.idle()
    assert stored(bot, channel)[0][3] == 1
    topic = "replacement card courier zorblax"
    assert "kept saying it was delivered" not in found(bot, fake, topic, "elsewhere")
    assert "kept saying it was delivered" in found(bot, fake, topic, "there", channel=channel)


def test_source_takes_on_off_or_bots_and_anything_else_is_a_topic(bot, fake):
    channel = new_channel()
    assert "takes `on`" in ask(bot, fake, channel, "source on everything", "bad")["text"]
    row = bot.conn().channels.get(TEAM, channel)
    assert row is None or row.source is None
    fake.channel_info[channel] = {"is_member": False}
    assert "not in" in ask(bot, fake, channel, "source on", "out")["text"]
