"""The buttons under quotes, reaction capture and the App Home, end to end."""

from __future__ import annotations

import time

from bot.config import DEFAULT_PROMPTS
from bot.meeting.policy import answer_topic
from bot.slack import ids
from bot.voice import Voice

from .helpers import TEAM, new_channel, new_ts


def quote_id(bot, topic: str = "exchange rate") -> int:
    conn = bot.conn()
    voice = Voice.load(DEFAULT_PROMPTS)
    return answer_topic(conn, voice, TEAM, None, topic).quotes[0].id


def test_not_relevant_hides_the_quote_in_that_channel(bot, fake):
    channel, other = new_channel(), new_channel()
    shown = quote_id(bot)
    assert bot.click(ids.NOT_RELEVANT, str(shown), channel=channel, response="nr").status == 200
    reply = fake.wait_for("response", path="/response/nr")[0].params
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False
    assert "won't show that quote" in reply["text"]
    bot.idle()
    conn = bot.conn()
    vote = conn.connection.execute(
        "SELECT team_id, channel_id, kind, user_id FROM votes WHERE feedback_id = ?", (shown,)).fetchone()
    assert tuple(vote) == (TEAM, channel, "not_relevant", "U_ALICE")
    assert shown in conn.channels.hidden(TEAM, channel)
    assert shown not in conn.channels.hidden(TEAM, other)
    result = bot.command("exchange rate", channel=channel, response="again")
    assert result.status == 200
    again = fake.wait_for("response", path="/response/again")[0].params
    assert f"quote_{shown}" not in [b.get("block_id") for b in again["blocks"]]


def test_more_like_this_answers_with_other_quotes(bot, fake):
    channel = new_channel()
    clicked = quote_id(bot, "card arrive delivery")
    assert bot.click(ids.MORE_LIKE_THIS, str(clicked), channel=channel, response="more").status == 200
    reply = fake.wait_for("response", path="/response/more")[0].params
    assert reply["text"].startswith("More like this:")
    block_ids = [b.get("block_id") for b in reply["blocks"]]
    assert f"quote_{clicked}" not in block_ids and any(str(b).startswith("quote_") for b in block_ids)
    bot.idle()
    kinds = [r[0] for r in bot.sql("SELECT kind FROM votes WHERE feedback_id = ?", (clicked,))]
    assert kinds == ["more_like_this"]
    # a second click shows none of the quotes the first one showed
    shown = {b for b in block_ids if str(b).startswith("quote_")}
    bot.click(ids.MORE_LIKE_THIS, str(clicked), channel=channel, response="more2")
    second = fake.wait_for("response", path="/response/more2")[0].params
    assert not shown & {b.get("block_id") for b in second.get("blocks") or []}


def test_full_quote_shows_the_whole_text(bot, fake):
    conn = bot.conn().connection
    row = conn.execute("SELECT id, text FROM feedback WHERE length(text) > 2500 ORDER BY length(text) DESC"
                       ).fetchone()
    bot.click(ids.FULL_QUOTE, str(row["id"]), channel=new_channel(), response="full")
    reply = fake.wait_for("response", path="/response/full")[0].params
    shown = "\n".join(b["text"]["text"] for b in reply["blocks"] if b["type"] == "section")
    assert " ".join(shown.split()) == " ".join(row["text"].replace("&", "&amp;").split())
    assert all(len(b["text"]["text"]) <= 3000 for b in reply["blocks"] if b["type"] == "section")


def test_buttons_cannot_reach_another_workspaces_quote(bot, fake):
    conn = bot.conn().connection
    conn.execute("INSERT INTO feedback (team_id, source, external_id, text, imported_at) "
                 "VALUES ('T_OTHER', 'secret', '1', 'Other workspace secret', '2024-01-01')")
    foreign = conn.execute("SELECT id FROM feedback WHERE team_id = 'T_OTHER'").fetchone()[0]
    bot.click(ids.FULL_QUOTE, str(foreign), channel=new_channel(), response="foreign")
    reply = fake.wait_for("response", path="/response/foreign")[0].params
    assert "secret" not in reply["text"] and "no longer stored" in reply["text"]


def test_reaction_captures_the_message_as_feedback(bot, fake):
    channel, ts = new_channel(), new_ts()
    fake.add_message(channel, ts, "I waited <https://status.example.com|three weeks> for my card "
                                  "&amp; nobody answered")
    reaction = {"type": "reaction_added", "user": "U_BOB", "reaction": "chair", "item_user": "U_ALICE",
                "item": {"type": "message", "channel": channel, "ts": ts}, "event_ts": new_ts()}
    assert bot.event(reaction).status == 200
    confirm = fake.wait_for("chat.postEphemeral", channel=channel)[0]
    assert confirm.params["user"] == "U_BOB" and "Saved" in confirm.params["text"]
    history = fake.calls_to("conversations.history", channel=channel)[0].params
    assert history["latest"] == ts and str(history["limit"]) == "1" and history["inclusive"] in ("1", "true")
    row = bot.sql("SELECT * FROM feedback WHERE source = 'slack'").fetchone()
    assert row["team_id"] == TEAM
    assert row["text"] == "I waited three weeks for my card & nobody answered"
    assert row["external_id"] == f"{channel}:{ts}"
    assert row["url"] == f"https://example.slack.com/archives/{channel}/p{ts.replace('.', '')}"
    # the same reaction again stores nothing new
    bot.event(reaction)
    fake.wait_for("chat.postEphemeral", count=2, channel=channel)
    assert bot.sql("SELECT count(*) FROM feedback WHERE source = 'slack'").fetchone()[0] == 1


def test_reaction_on_a_thread_reply_is_captured(bot, fake):
    channel, parent, reply_ts = new_channel(), new_ts(), new_ts(1)
    fake.add_message(channel, parent, "Parent message about fees", thread_ts=parent)
    fake.add_message(channel, reply_ts, "The reply: customers hate the card fee", thread_ts=parent)
    bot.event({"type": "reaction_added", "user": "U_BOB", "reaction": "chair",
               "item": {"type": "message", "channel": channel, "ts": reply_ts}})
    fake.wait_for("chat.postEphemeral", channel=channel)
    text = bot.sql("SELECT text FROM feedback WHERE source = 'slack'").fetchone()[0]
    assert text == "The reply: customers hate the card fee"


def test_other_reactions_are_ignored(bot, fake):
    channel, ts = new_channel(), new_ts()
    fake.add_message(channel, ts, "Nice work everyone")
    bot.event({"type": "reaction_added", "user": "U_BOB", "reaction": "tada",
               "item": {"type": "message", "channel": channel, "ts": ts}})
    bot.idle()
    assert not fake.calls_to("conversations.history") and not fake.calls_to("chat.postEphemeral")


def test_app_home_shows_corpus_and_channels(bot, fake):
    channel = new_channel()
    bot.command("quiet", channel=channel, response="quiet")
    fake.wait_for("response", path="/response/quiet")
    opened = {"type": "app_home_opened", "user": "U_ALICE", "channel": "D1", "tab": "home"}
    assert bot.event(opened).status == 200
    published = fake.wait_for("views.publish", user_id="U_ALICE")[0]
    view = published.json("view")
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    text = "\n".join(str(b) for b in view["blocks"])
    assert "431 quotes" in text and "2 sources" in text
    assert "banking-app" in text and "cfpb-complaints" in text
    assert f"<#{channel}>" in text and "quiet" in text
    newest = bot.sql("SELECT max(created) FROM feedback").fetchone()[0][:10]
    assert newest in text


def test_app_home_messages_tab_is_left_alone(bot, fake):
    bot.event({"type": "app_home_opened", "user": "U_ALICE", "channel": "D1", "tab": "messages"})
    bot.idle()
    time.sleep(0.05)
    assert not fake.calls_to("views.publish")


def capture_reaction(channel: str, ts: str, user: str = "U_BOB") -> dict:
    return {"type": "reaction_added", "user": user, "reaction": "chair", "item_user": "U_ALICE",
            "item": {"type": "message", "channel": channel, "ts": ts}, "event_ts": new_ts()}


def test_reaction_to_a_message_the_bot_heard_is_captured_without_reading_history(bot, fake):
    """conversations.history and .replies allow about one call a minute for apps outside the
    Marketplace: a message the bot kept from its event is read from the store instead."""
    channel, ts = new_channel(), new_ts()
    assert bot.message(channel, "I waited <https://status.example.com|three weeks> for my zorbcard "
                                "&amp; nobody answered", ts=ts).status == 200
    bot.idle()
    assert bot.event(capture_reaction(channel, ts)).status == 200
    confirm = fake.wait_for("chat.postEphemeral", channel=channel)[0]
    assert "Saved" in confirm.params["text"]
    assert not fake.calls_to("conversations.history", ok=None)
    assert not fake.calls_to("conversations.replies", ok=None)
    row = bot.sql("SELECT * FROM feedback WHERE source = 'slack'").fetchone()
    assert row["text"] == "I waited three weeks for my zorbcard & nobody answered"
    assert (row["team_id"], row["external_id"]) == (TEAM, f"{channel}:{ts}")
    assert row["url"] == f"https://example.slack.com/archives/{channel}/p{ts.replace('.', '')}"


def test_a_captured_message_that_was_edited_is_saved_as_edited(bot, fake):
    channel, ts = new_channel(), new_ts()
    bot.message(channel, "The fee was a sruprise", ts=ts)
    bot.idle()
    bot.event({"type": "message", "subtype": "message_changed", "channel": channel, "ts": new_ts(),
               "message": {"type": "message", "user": "U_ALICE", "text": "The zorbfee was a surprise",
                           "ts": ts}})
    bot.idle()
    bot.event(capture_reaction(channel, ts))
    fake.wait_for("chat.postEphemeral", channel=channel)
    assert not fake.calls_to("conversations.history", ok=None)
    (text,) = bot.sql("SELECT text FROM feedback WHERE source = 'slack'").fetchone()
    assert text == "The zorbfee was a surprise"


def test_a_reaction_from_another_workspace_does_not_read_this_ones_messages(bot, fake):
    channel, ts = new_channel(), new_ts()
    bot.message(channel, "Our zorbplan pricing is confidential", ts=ts)
    bot.idle()
    bot.event(capture_reaction(channel, ts), team="T_OTHER")
    bot.idle()
    assert fake.calls_to("conversations.history", ok=None)  # not in its store: asked Slack, found nothing
    assert bot.sql("SELECT count(*) FROM feedback WHERE source = 'slack'").fetchone()[0] == 0


def test_captures_share_the_hourly_budget_of_add(bot, fake):
    """A reaction adds a quote as `/customer-voice add` does: a flood of reactions stops there too."""
    channel = new_channel()
    for n in range(12):
        ts = new_ts(n)
        fake.add_message(channel, ts, f"Customer call {n}: the card never arrived, number {n} of many")
        assert bot.event(capture_reaction(channel, ts, user="U_FLOOD")).status == 200
        fake.wait_for("chat.postEphemeral", count=n + 1, channel=channel)
    texts = [c.params["text"] for c in fake.calls_to("chat.postEphemeral", channel=channel)]
    assert sum("Saved" in t for t in texts) == 10
    assert sum("You have added 10 quotes in the last hour" in t for t in texts) == 2
    assert bot.sql("SELECT count(*) FROM feedback WHERE source = 'slack'").fetchone()[0] == 10
