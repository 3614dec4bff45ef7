"""`/customer-voice` end to end: every subcommand, topics, hostile text, and mentions."""

from __future__ import annotations

import json

import pytest

from bot.slack import ids
from bot.store import connect

from .helpers import BOT_USER, TEAM, new_channel, new_ts

HELP_START = "*/customer-voice*"


def reply_to(bot, fake, text: str, channel: str | None = None, response: str = "cmd", **who: str):
    """Run the command and return the JSON it sent to the response_url."""
    channel = channel or new_channel()
    result = bot.command(text, channel=channel, response=response, **who)
    assert result.status == 200
    assert result.seconds < 3
    call = fake.wait_for("response", path=f"/response/{response}")[-1]
    return call.params


def test_topic_answer_is_ephemeral_with_a_share_button(bot, fake):
    reply = reply_to(bot, fake, "exchange rate")
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].startswith("Customers have said this about *exchange rate*")
    share = [b for b in reply["blocks"] if b.get("block_id") == "share"]
    assert share and share[0]["elements"][0]["action_id"] == ids.SHARE
    assert json.loads(share[0]["elements"][0]["value"]) == {"topic": "exchange rate"}


def test_share_button_posts_the_answer_to_the_channel(bot, fake):
    channel = new_channel()
    value = json.dumps({"topic": "exchange rate"})
    assert bot.click(ids.SHARE, value, channel=channel, ephemeral=True, response="share").status == 200
    posts = fake.wait_for("response", count=2, path="/response/share")
    public, delete = posts[0].params, posts[1].params
    assert public["response_type"] == "in_channel"
    assert public["text"].startswith("Shared by <@U_ALICE>:")
    assert "exchange rate" in public["text"]
    assert delete["delete_original"] is True
    bot.idle()
    assert bot.conn().channels.hidden(TEAM, channel)  # the shared quotes count as shown


def test_command_like_words_in_a_sentence_are_a_topic(bot, fake):
    assert reply_to(bot, fake, "show me the exchange rate")["text"].startswith("Customers have said")


def test_topic_without_evidence_says_so(bot, fake):
    reply = reply_to(bot, fake, "quantum blockchain telescope")
    assert "I have no customer feedback on" in reply["text"]
    assert not any(b.get("block_id") == "share" for b in reply.get("blocks") or [])


@pytest.mark.parametrize("text", ["", "help", "HELP"])
def test_help(bot, fake, text):
    assert reply_to(bot, fake, text)["text"].startswith(HELP_START)


@pytest.mark.parametrize("text", ["settings", "--verbose", "Status", "what is this"])
def test_unknown_subcommand_gets_help_not_an_error(bot, fake, text):
    reply = reply_to(bot, fake, text)
    assert reply["text"].startswith("I don't know")
    assert HELP_START in reply["text"]


def test_digest_is_a_subcommand_not_a_topic(bot, fake):
    reply = reply_to(bot, fake, "digest")
    assert reply["text"].startswith("No digest is scheduled in")  # tests/slack/test_digest.py has the rest


def test_quiet_active_and_cooldown_change_the_channel(bot, fake):
    channel = new_channel()
    assert "Quiet mode" in reply_to(bot, fake, "quiet", channel, "q")["text"]
    assert bot.conn().channels.get(TEAM, channel).mode == "quiet"
    assert "Active mode" in reply_to(bot, fake, "active", channel, "a")["text"]
    assert bot.conn().channels.get(TEAM, channel).mode == "active"
    assert "every 10 minutes" in reply_to(bot, fake, "cooldown 10", channel, "c")["text"]
    assert bot.conn().channels.get(TEAM, channel).cooldown_seconds == 600
    assert "takes a number of minutes" in reply_to(bot, fake, "cooldown soon", channel, "bad")["text"]
    assert bot.conn().channels.get(TEAM, channel).cooldown_seconds == 600


def test_quiet_channel_gets_no_unprompted_quotes(bot, fake):
    channel = new_channel()
    reply_to(bot, fake, "quiet", channel)
    for number, text in enumerate(["new cards are taking weeks to arrive",
                                   "the card delivery courier is slow, the card never arrives",
                                   "how long should a new card take to arrive?"]):
        bot.message(channel, text, ts=new_ts(number))
    bot.idle()
    assert not fake.calls_to("chat.postMessage", channel=channel)


def test_decisions_lists_them_with_their_answers(bot, fake):
    channel = new_channel()
    assert "No decisions logged" in reply_to(bot, fake, "decisions", channel, "none")["text"]
    first = new_ts()
    bot.message(channel, "Decision: we will ship the new card design on Monday.", ts=first)
    bot.message(channel, "We decided to drop the exchange fee for card payments abroad.", ts=new_ts(2))
    fake.wait_for("chat.postMessage", count=2, channel=channel)
    bot.message(channel, "Customers stop asking where the card is", ts=new_ts(3), thread_ts=first)
    bot.idle()
    assert len(bot.conn().decisions.list(TEAM, channel)) == 2
    text = reply_to(bot, fake, "decisions", channel, "list")["text"]
    assert text.startswith(f"Decisions in <#{channel}>:")
    assert "answered" in text and "Customers stop asking where the card is" in text
    assert "waiting for a customer answer" in text


def test_add_stores_a_quote_for_this_workspace_only(bot, fake):
    reply = reply_to(bot, fake, 'add "The export button is impossible to find" sales call')
    assert "source: sales-call" in reply["text"]
    row = bot.sql(
        "SELECT team_id, source, text FROM feedback WHERE source = 'sales-call'").fetchone()
    assert tuple(row) == (TEAM, "sales-call", "The export button is impossible to find")
    reply = reply_to(bot, fake, "add “Smart quotes work too”", response="smart")
    assert "source: slack-u_alice" in reply["text"]
    assert "export button" in reply_to(bot, fake, "export button", response="ask")["text"]


def test_add_is_limited_per_person_per_hour(bot, fake):
    channel = new_channel()
    for n in range(10):
        assert "Added" in reply_to(bot, fake, f'add "Flooded quote number {n} about refunds"', channel,
                                   f"add{n}")["text"]
    for name, text in (("again", 'add "One quote too many about refunds"'),
                       ("dupe", 'add "Flooded quote number 3 about refunds"'),
                       ("big", 'add "' + "x" * 5000 + '"')):
        reply = reply_to(bot, fake, text, channel, name)
        assert "You have added 10 quotes in the last hour" in reply["text"]
        assert "Nothing was added" in reply["text"]
        assert reply["response_type"] == "ephemeral"
    assert bot.sql("SELECT count(*) FROM feedback WHERE team_id = ? AND text LIKE '%refunds'",
                   (TEAM,)).fetchone()[0] == 10
    # someone else, and the same person id in another workspace, are counted apart
    assert "Added" in reply_to(bot, fake, 'add "Bob heard this about refunds"', channel, "bob",
                               user="U_BOB")["text"]
    assert "Added" in reply_to(bot, fake, 'add "Another workspace on refunds"', None, "other",
                               team="T0OTHER")["text"]
    # a malformed add is explained, not counted
    assert "takes a quote in double quotes" in reply_to(bot, fake, 'add "unbalanced', channel, "bad")["text"]


def test_the_add_limit_is_kept_in_the_database_and_lets_up_after_an_hour(conn):
    for n in range(10):
        assert conn.events.allow("T1", "U1", "add", 10, 3600, now=1000.0 + n)
    assert not conn.events.allow("T1", "U1", "add", 10, 3600, now=2000.0)
    other = connect(conn.quotes.address())  # another instance on the same database agrees
    assert not other.events.allow("T1", "U1", "add", 10, 3600, now=2000.0)
    assert other.events.allow("T1", "U1", "add", 10, 3600, now=4600.5)  # the first use is an hour old
    assert not conn.events.allow("T1", "U1", "add", 10, 3600, now=4600.6)  # ...the second is not
    assert conn.events.allow("T1", "U2", "add", 10, 3600, now=2000.0)
    other.close()


@pytest.mark.parametrize("text", ['add "unbalanced', "add", 'add ""'])
def test_add_with_bad_text_explains_the_format(bot, fake, text):
    assert "takes a quote in double quotes" in reply_to(bot, fake, text)["text"]


@pytest.mark.parametrize("text", ['"', "(", "AND", "*", 'refunds" OR (card* AND', "NEAR(a b)", "x" * 5000,
                                  "card delivery " * 400])
def test_hostile_text_is_acknowledged_quickly_and_answered(bot, fake, text):
    result = bot.command(text, channel=new_channel(), response="hostile")
    assert result.status == 200 and result.seconds < 3
    reply = fake.wait_for("response", path="/response/hostile")[-1].params
    assert reply["text"] and "went wrong" not in reply["text"]


def test_command_is_acknowledged_while_the_database_is_locked(bot, fake):
    """The 200 does not wait for SQLite: the answer follows through the response_url."""
    blocker = bot.conn().connection
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        result = bot.command("add \"Locked out of my account\"", channel=new_channel(), response="locked")
        assert result.status == 200 and result.seconds < 3
    finally:
        blocker.execute("ROLLBACK")
    assert "Added" in fake.wait_for("response", path="/response/locked")[-1].params["text"]


def test_mention_is_answered_once_in_the_thread(bot, fake):
    channel = new_channel()
    ts = new_ts()
    text = f"<@{BOT_USER}> what do customers say about the exchange rate?"
    assert bot.message(channel, text, ts=ts).status == 200
    mention = {"type": "app_mention", "channel": channel, "user": "U_ALICE", "text": text, "ts": ts}
    assert bot.event(mention).status == 200
    fake.wait_for("chat.postMessage", channel=channel)
    bot.idle()
    posts = fake.calls_to("chat.postMessage", channel=channel)
    assert len(posts) == 1
    assert posts[0].params["thread_ts"] == ts
    assert "exchange rate" in posts[0].params["text"]


def test_empty_mention_gets_a_hint(bot, fake):
    channel = new_channel()
    bot.event({"type": "app_mention", "channel": channel, "user": "U_ALICE", "text": f"<@{BOT_USER}>",
               "ts": new_ts()})
    assert "Ask me about a topic" in fake.wait_for("chat.postMessage", channel=channel)[0].params["text"]
