"""Customer and Slack-user text never pings anyone or forges a link, end to end.

Quotes full of Slack markup are imported (a user mention, `<!channel>`, a link whose
label is another address, a literal `&lt;`, formatting), with hostile sources and
labels. The bot then shows them every way it can: unprompted in a channel, answering
`/customer-voice TOPIC` and a mention, shared to the channel, in a decision's thread,
in the decision list, under More like this and Full quote, in the App Home and in a
digest and its thread. Every payload the fake Slack recorded is searched for live
markup: the only `<...>` allowed is the bot's own (`<#C...>` of the channel it was
asked in, `<@U_ALICE>` who shared). The bot posts no permalinks, so none is expected.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Collection, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.ingest.importer import import_file
from bot.slack import ids
from bot.slack.blocks import escape
from bot.slack.server import shutdown
from bot.store import connect

from ..conftest import write_csv
from .conftest import start_bot
from .fake_slack import Call, FakeSlack
from .helpers import BOT_USER, TEAM, USER, BotUnderTest, new_channel, new_ts

ADMIN = "<@U0ADMIN>"
EVERYONE = "<!channel>"
FORGED = "<https://evil.example|https://bank.example/reset>"
LONG_TAIL = " ".join(["I called the bank again and waited on hold for an hour."] * 14)
QUOTES = [
    f"{ADMIN} my glimmercard is blocked and nobody at the bank answers",
    f"{EVERYONE} the glimmercard was blocked again, <!here> <!everyone> please help",
    f"glimmercard blocked: they told me to reset it at {FORGED}",
    "&lt;@U0ADMIN&gt; is what the app showed when my glimmercard got blocked &amp; locked",
    "*URGENT* _my_ glimmercard is ~blocked~ <#C0GENERAL|general> & nobody cares > 3 days",
    f"{EVERYONE} fraud! money stolen after my glimmercard was blocked, reset at {FORGED}. {LONG_TAIL}",
]
# More of the hostile label than of any other, so it is the digest's top theme.
FILLER = [f"statement {n} arrived late and the totals look off" for n in range(10)]
SOURCE = "tickets <!here> <@U0ADMIN> <https://evil.example|bank>"
LABEL = "<!channel> glimmercard_blocked"
CONVERSATION = [
    "the glimmercard gets blocked for a lot of customers",
    "glimmercard blocked again this morning, support is flooded",
    "why is the glimmercard blocked so often?",
]
# What the hostile parts must look like where the bot shows them: inert text.
SHOWN = ["&lt;@U0ADMIN&gt;", "&lt;!channel&gt;", "&lt;https://evil.example|https://bank.example/reset&gt;"]

MARKUP = re.compile(r"<[^<>]*>?")
SLACK_TEXT = ("chat.postMessage", "chat.postEphemeral", "chat.update", "views.publish", "response",
              "files.completeUploadExternal")


@pytest.fixture(scope="module")
def hostile_corpus(slack_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The slack_corpus plus the hostile quotes, dated today (so a digest now covers them)."""
    folder = tmp_path_factory.mktemp("hostile")
    path = folder / "hostile.db"
    shutil.copy(slack_corpus, path)
    today = date.today().isoformat()
    rows = [["text", "category", "date"]] + [[text, LABEL, today] for text in QUOTES + FILLER]
    conn = connect(path)
    import_file(conn, write_csv(folder / "hostile.csv", rows), source=SOURCE)
    conn.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@pytest.fixture
def bot(fake: FakeSlack, hostile_corpus: Path, tmp_path: Path) -> Iterator[BotUnderTest]:
    running, service = start_bot(fake, hostile_corpus, tmp_path)
    yield running
    shutdown(running.app, [running.outbox, service], drain_seconds=15)


# -- what Slack was sent ------------------------------------------------------------------------------


def strings(value: Any) -> Iterator[str]:
    """Every string in a payload that Slack may show, with `blocks` and `view` (sent
    JSON-encoded) decoded. A button's `value` is left out: Slack never shows or parses it,
    it only hands it back on a click (the Share button's holds the topic as typed)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "value":
                yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        if value[:1] in "[{":
            try:
                yield from strings(json.loads(value))
                return
            except ValueError:
                pass
        yield value


def sent(fake: FakeSlack) -> list[Call]:
    return [c for c in fake.calls if c.method in SLACK_TEXT]


def text_objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, str) and value[:1] in "[{":
        value = json.loads(value)
    if isinstance(value, dict):
        if value.get("type") in ("mrkdwn", "plain_text") and "text" in value:
            yield value
        for item in value.values():
            yield from text_objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from text_objects(item)


def assert_inert(fake: FakeSlack, allowed: Collection[str] = ()) -> str:
    """No live markup in anything the bot sent, but the bot's own; returns all the text sent."""
    calls = sent(fake)
    assert calls, "the bot sent nothing"
    everything = []
    for call in calls:
        assert "link_names" not in call.params, call.params
        assert call.params.get("parse") in (None, "none"), call.params
        for text in strings(call.params):
            for markup in MARKUP.findall(text):
                assert markup in allowed, f"live markup {markup!r} in {call.method}: {text[:300]!r}"
            everything.append(text)
        for obj in text_objects(call.params.get("blocks") or call.params.get("view") or []):
            assert obj["type"] == "plain_text" or obj.get("verbatim") is True, obj
    return "\n".join(everything)


def assert_shown(text: str, *parts: str) -> None:
    for part in parts:
        assert part in text, f"{part!r} not shown"


def hostile_shown(payload: Any) -> list[str]:
    """The hostile quotes a payload shows (each is only found in its escaped form)."""
    text = "\n".join(strings(payload))
    return [quote for quote in QUOTES if escape(quote)[:60] in text]


def settle(bot: BotUnderTest, channel: str, start: float = 0.0) -> None:
    for number, said in enumerate(CONVERSATION):
        assert bot.message(channel, said, ts=new_ts(start + number)).status == 200
        bot.idle()


def quote_ids(bot: BotUnderTest) -> dict[str, int]:
    rows = bot.sql("SELECT id, text FROM feedback WHERE source = ?", (SOURCE,)).fetchall()
    return {text: quote_id for quote_id, text in rows}


# -- the tests ----------------------------------------------------------------------------------------


def test_hostile_quotes_are_imported_as_written(bot):
    assert set(quote_ids(bot)) == set(QUOTES + FILLER)


def test_unprompted_quotes_and_their_buttons_are_inert(bot, fake):
    channel = new_channel()
    settle(bot, channel)
    (post,) = fake.calls_to("chat.postMessage", channel=channel)
    assert post.params["text"].startswith("Customers have said this about")
    assert hostile_shown(post.params["blocks"])
    assert_inert(fake)

    by_text = quote_ids(bot)
    for number, quote in enumerate(QUOTES):  # every hostile quote in full, as only the clicker sees it
        bot.click(ids.FULL_QUOTE, str(by_text[quote]), channel=channel, response=f"full{number}")
        full = fake.wait_for("response", path=f"/response/full{number}")[-1].params
        assert full["response_type"] == "ephemeral"
        assert hostile_shown(full["blocks"]) == [quote]
        assert "tickets &lt;!here&gt; &lt;@U0ADMIN&gt; &lt;https://evil.example|bank&gt;" in json.dumps(full)
    bot.click(ids.MORE_LIKE_THIS, str(by_text[QUOTES[0]]), channel=channel, response="more")
    more = fake.wait_for("response", path="/response/more")[-1].params
    bot.idle()
    assert more["text"].startswith("More like this:")
    assert_inert(fake)


def test_each_hostile_input_is_shown_as_its_text(bot, fake):
    """What Slack receives for each input: the characters, escaped, and nothing live."""
    by_text, channel = quote_ids(bot), new_channel()
    expected = {
        QUOTES[0]: "&lt;@U0ADMIN&gt; my glimmercard is blocked",
        QUOTES[1]: "&lt;!channel&gt; the glimmercard was blocked again, &lt;!here&gt; &lt;!everyone&gt;",
        QUOTES[2]: "reset it at &lt;https://evil.example|https://bank.example/reset&gt;",
        QUOTES[3]: "&amp;lt;@U0ADMIN&amp;gt; is what the app showed when my glimmercard got blocked "
                   "&amp;amp; locked",
        QUOTES[4]: "*URGENT* _my_ glimmercard is ~blocked~ &lt;#C0GENERAL|general&gt; &amp; nobody cares "
                   "&gt; 3 days",
    }
    for number, (quote, shown) in enumerate(expected.items()):
        bot.click(ids.FULL_QUOTE, str(by_text[quote]), channel=channel, response=f"each{number}")
        full = fake.wait_for("response", path=f"/response/each{number}")[-1].params
        assert full["blocks"][0]["text"]["text"] == escape(quote, quote_lines=False)
        assert shown in full["blocks"][0]["text"]["text"] and shown in full["text"]
    assert_inert(fake)


def test_customer_voice_topic_share_and_mention_are_inert(bot, fake):
    channel = new_channel()
    # What Slack sends when someone types a mention, @channel, a link and a literal <b>:
    typed = f"{ADMIN} glimmercard blocked {EVERYONE} {FORGED} &lt;b&gt; &amp;lt;"
    assert bot.command(typed, channel=channel, response="ask").status == 200
    answer = fake.wait_for("response", path="/response/ask")[-1].params
    assert answer["response_type"] == "ephemeral"
    header = answer["text"].split("\n", 1)[0]
    assert header == ("Customers have said this about *@U0ADMIN glimmercard blocked @channel "
                      "https://bank.example/reset &lt;b&gt; &amp;lt;*:")
    assert len(hostile_shown(answer["blocks"])) >= 2

    share = next(b for b in answer["blocks"] if b.get("block_id") == "share")
    bot.click(ids.SHARE, share["elements"][0]["value"], channel=channel, ephemeral=True, response="share")
    public = fake.wait_for("response", path="/response/share")[0].params
    assert public["response_type"] == "in_channel" and public["text"].startswith(f"Shared by <@{USER}>:")
    assert hostile_shown(public["blocks"])

    ts = new_ts()
    question = f"<@{BOT_USER}> what about the {EVERYONE} glimmercard blocked {ADMIN}?"
    bot.event({"type": "app_mention", "channel": channel, "user": USER, "text": question, "ts": ts})
    (reply,) = fake.wait_for("chat.postMessage", channel=channel)
    bot.idle()
    assert reply.params["thread_ts"] == ts
    assert reply.params["text"].startswith(
        "Customers have said this about *what about the @channel glimmercard blocked @U0ADMIN?*")
    assert_shown(assert_inert(fake, {f"<@{USER}>"}), *SHOWN)


def test_decision_thread_answer_list_and_digest_are_inert(bot, fake):
    channel = new_channel()
    ts = new_ts()
    decision = f"Decision: we will unblock every glimmercard for {ADMIN} {EVERYONE}, see {FORGED} &amp;lt;"
    bot.message(channel, decision, ts=ts)
    (asked,) = fake.wait_for("chat.postMessage", channel=channel)
    assert asked.params["thread_ts"] == ts
    assert asked.params["text"].startswith(
        "That sounds like a decision: _Decision: we will unblock every glimmercard for @U0ADMIN @channel, "
        "see https://bank.example/reset &amp;lt;_")
    assert hostile_shown(asked.params["blocks"])  # the quotes that bear on it

    answer = f"{EVERYONE} {ADMIN} they get a new card in a day &lt;3"
    bot.message(channel, answer, ts=new_ts(5), thread_ts=ts)
    bot.idle()
    (logged,) = bot.conn().decisions.list(TEAM, channel)
    assert logged.answer == "@channel @U0ADMIN they get a new card in a day <3"

    assert bot.command("decisions", channel=channel, response="list").status == 200
    listed = fake.wait_for("response", path="/response/list")[-1].params["text"]
    assert listed.startswith(f"Decisions in <#{channel}>:")
    assert "@channel @U0ADMIN they get a new card in a day &lt;3" in listed

    assert bot.command("digest now", channel=channel, response="now").status == 200
    assert fake.wait_for("response", path="/response/now", timeout=30)[-1].params["text"].startswith(
        "Posted the digest for ")
    summary, details = (c for c in fake.calls_to("chat.postMessage", channel=channel)[1:])
    assert details.params["thread_ts"] == fake.messages[channel][1]["ts"]
    summary_text, details_text = json.dumps(summary.params["blocks"]), json.dumps(details.params["blocks"])
    assert "&lt;!channel&gt; glimmercard blocked" in summary_text.lower()  # the hostile label, a theme
    assert_shown(details_text, *SHOWN, "tickets &lt;!here&gt; &lt;@U0ADMIN&gt;",
                 "@channel @U0ADMIN they get a new card in a day &lt;3")
    assert_inert(fake, {f"<#{channel}>"})


def test_app_home_is_inert(bot, fake):
    bot.event({"type": "app_home_opened", "user": USER, "channel": "D0HOME", "tab": "home"})
    (published,) = fake.wait_for("views.publish")
    bot.idle()
    view = published.json("view")
    assert "tickets &lt;!here&gt; &lt;@U0ADMIN&gt; &lt;https://evil.example|bank&gt;: 16 quotes" in \
        json.dumps(view)
    assert_inert(fake)


def test_a_captured_message_is_stored_as_plain_text_and_shown_inert(bot, fake):
    channel, ts = new_channel(), new_ts()
    fake.add_message(channel, ts, f"{ADMIN} my zephyrcard is frozen {EVERYONE} {FORGED} &amp;lt;b&amp;gt;")
    bot.event({"type": "reaction_added", "user": USER, "reaction": "chair",
               "item": {"type": "message", "channel": channel, "ts": ts}})
    fake.wait_for("chat.postEphemeral")
    bot.idle()
    (stored,) = bot.sql("SELECT text FROM feedback WHERE source = 'slack'").fetchall()
    assert stored[0] == "@U0ADMIN my zephyrcard is frozen @channel https://bank.example/reset &lt;b&gt;"
    bot.command("zephyrcard frozen", channel=channel, response="captured")
    shown = json.dumps(fake.wait_for("response", path="/response/captured")[-1].params["blocks"])
    assert "@U0ADMIN my zephyrcard is frozen @channel https://bank.example/reset &amp;lt;b&amp;gt;" in shown
    assert_inert(fake)
