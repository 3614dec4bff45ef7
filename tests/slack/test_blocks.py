"""Block Kit limits and escaping (bot/slack/blocks.py), without any server."""

from __future__ import annotations

import json
import re

import pytest

from bot.config import DEFAULT_PROMPTS
from bot.models import Action, Channel, Evidence, Quote
from bot.slack import blocks, ids
from bot.voice import Voice, quotes_message


@pytest.fixture(scope="module")
def voice() -> Voice:
    return Voice.load(DEFAULT_PROMPTS)


def quote(number: int, text: str, date: str | None = "2024-05-01") -> Quote:
    return Quote(number, text, "support-tickets", date, 1.0)


def action_for(voice: Voice, quotes: list[Quote]) -> Action:
    evidence = Evidence(len(quotes), ("support-tickets",), "2024-05-01", "2024-05-01", "some")
    return Action("quotes", "asked", topic="refunds", quotes=quotes, evidence=evidence,
                  text=quotes_message(voice, "refunds", quotes, evidence))


def sections_of(built: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in built if b["type"] == "section"]


def test_long_quotes_are_trimmed_and_get_a_full_quote_button(voice):
    long_quote = quote(1, "My refund never arrived. " * 400)
    built = blocks.action_blocks(voice, action_for(voice, [long_quote, quote(2, "Refund took a week")]))
    assert all(len(text) <= 3000 for text in sections_of(built))
    buttons = {b["block_id"]: [e["action_id"] for e in b["elements"]]
               for b in built if b["type"] == "actions"}
    assert buttons["quote_1"] == [ids.NOT_RELEVANT, ids.MORE_LIKE_THIS, ids.FULL_QUOTE]
    assert buttons["quote_2"] == [ids.NOT_RELEVANT, ids.MORE_LIKE_THIS]
    assert all(e["value"] in ("1", "2") for b in built if b["type"] == "actions" for e in b["elements"])


def test_blocks_keep_the_cores_words_in_order(voice):
    action = action_for(voice, [quote(1, "Refund took a week"), quote(2, "Still no refund", None)])
    text = "\n".join(sections_of(blocks.action_blocks(voice, action)))
    assert text == action.text


def test_never_more_than_fifty_blocks(voice):
    many = [quote(n, f"Refund problem number {n}") for n in range(1, 60)]
    assert len(blocks.action_blocks(voice, action_for(voice, many))) == 50
    giant = quote(7, "word " * 60_000)  # 300 kB
    full = blocks.full_quote_blocks(voice, giant)
    assert len(full) <= 50 and all(len(text) <= 3000 for text in sections_of(full))


def test_fallback_text_is_always_set_and_bounded(voice):
    action = action_for(voice, [quote(1, "x" * 10_000)])
    assert 0 < len(blocks.fallback(action.text)) <= 3000
    assert blocks.fallback("I have no customer feedback on *x*.") == "I have no customer feedback on *x*."


def test_quotes_cannot_ping_or_forge_links(voice):
    hostile = quote(1, "<!channel> refund now <script> & <!subteam^S1|@oncall>")
    built = blocks.action_blocks(voice, action_for(voice, [hostile]))
    text = "\n".join(sections_of(built))
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text and "&lt;script&gt;" in text
    assert "<!subteam" not in text
    assert text.count("\n> ") + text.startswith("> ") >= 1  # still a block quote


def test_a_quotes_rating_stands_beside_its_source_escaped(voice):
    """Stars, NPS and CSAT marks in an answer and under a full quote; the source is still inert."""
    rated = [Quote(1, "The app crashes on start", "App Store <!channel>", "2024-03-14", 1.0,
                   rating=0.0, rating_scale="stars5"),
             Quote(2, "Would not recommend", "survey", "2024-03-15", 1.0, rating=0.3, rating_scale="nps10"),
             Quote(3, "Nobody answered", "zendesk", None, 1.0, rating=0.0, rating_scale="csat2"),
             Quote(4, "Fine", "old import", None, 1.0, rating=4.0)]  # stored before scales: stars
    text = "\n".join(sections_of(blocks.action_blocks(voice, action_for(voice, rated))))
    assert "— ★☆☆☆☆ App Store &lt;!channel&gt;, 2024-03-14" in text and "<!channel>" not in text
    assert "— NPS 3 survey, 2024-03-15" in text
    assert "— CSAT bad zendesk" in text and "— ★★★★☆ old import" in text
    footer = blocks.full_quote_blocks(voice, rated[0])[-1]["elements"][0]["text"]
    assert footer == "— ★☆☆☆☆ App Store &lt;!channel&gt;, 2024-03-14"


HOSTILE = [
    "<@U0ADMIN> my card is blocked",
    "<!channel> <!here> <!everyone> <!subteam^S1|@oncall>",
    "<#C0GENERAL|general> and <#C1>",
    "reset it <https://evil.example|https://bank.example/reset> now",
    "<mailto:a@evil.example|support@bank.example>",
    "&lt;@U0ADMIN&gt; &amp; &lt; &gt; &amp;lt;",
    "*bold* _italic_ ~strike~ `code` a & b, 3 > 2 < 4",
]
ENTITY_OR_TEXT = re.compile(r"(?:[^<>&]|&amp;|&lt;|&gt;)*")


@pytest.mark.parametrize("text", HOSTILE)
def test_escape_leaves_no_markup_at_all(text):
    escaped = blocks.escape(text)
    assert ENTITY_OR_TEXT.fullmatch(escaped), escaped
    assert blocks.plain(escaped) == text  # nothing lost: Slack shows exactly the text


def test_escape_has_no_allow_list_and_decodes_nothing():
    assert blocks.escape("<@U0ADMIN> my card is blocked") == "&lt;@U0ADMIN&gt; my card is blocked"
    assert blocks.escape("<https://evil.example|https://bank.example/reset>") == \
        "&lt;https://evil.example|https://bank.example/reset&gt;"
    assert blocks.escape("<#C1|general> <!here>") == "&lt;#C1|general&gt; &lt;!here&gt;"
    assert blocks.escape("&lt; &amp; &") == "&amp;lt; &amp;amp; &amp;"
    assert blocks.escape("*bold* @here") == "*bold* @here"  # formatting stays; plain @here pings nobody


def test_escape_keeps_the_templates_block_quotes_only_when_asked():
    assert blocks.escape("> a <b>\n— src & co") == "> a &lt;b&gt;\n— src &amp; co"
    assert blocks.escape("> a\n>b", quote_lines=False) == "&gt; a\n&gt;b"


def test_plain_reads_slack_markup_as_text():
    assert blocks.plain("<@U1> waited <https://a.b/c|three weeks> in <#C1|support> &amp; <!here>") == \
        "@U1 waited three weeks in #support & @here"
    assert blocks.plain("<https://evil.example|https://bank.example/reset>") == "https://bank.example/reset"
    assert blocks.plain("<https://x.y/?a=1&amp;b=2> <mailto:a@b.c|write us> <#C1>") == \
        "https://x.y/?a=1&b=2 write us #channel"
    assert blocks.plain("<!subteam^S1|@oncall> <!date^1392734382^{date}|Feb 18> <!channel> <@U2|bob>") == \
        "@oncall Feb 18 @channel @bob"


def test_plain_decodes_once_so_typed_markup_stays_text():
    """Someone who typed `<@U1>` sent `&lt;@U1&gt;`: that is text, not a mention to strip."""
    assert blocks.plain("&lt;@U1&gt; is not a mention") == "<@U1> is not a mention"
    assert blocks.plain("&amp;lt;") == "&lt;"  # someone typed `&lt;`; no second decoding
    assert blocks.plain("<https://a.b|x &amp;lt; y>") == "x &lt; y"


def test_cuts_never_split_an_entity(voice):
    text = blocks.fallback("&" * 5000)
    assert text.endswith(" …") and ENTITY_OR_TEXT.fullmatch(text[:-2])
    for part in blocks.sections(blocks.escape("<" * 7000)):
        assert ENTITY_OR_TEXT.fullmatch(part["text"]["text"])
    assert blocks.header("Q&A " * 100)["text"]["text"].endswith("&amp;")


def test_text_objects_are_verbatim_and_plain_text_is_escaped(voice):
    built = blocks.full_quote_blocks(voice, quote(1, "<!here> refund", None)) + [blocks.header("a <b>")]
    objects = [b["text"] for b in built if "text" in b] + [e for b in built for e in b.get("elements", [])]
    assert all(o["verbatim"] is True for o in objects if o["type"] == "mrkdwn")
    assert blocks.header("a <b>")["text"] == {"type": "plain_text", "text": "a &lt;b&gt;", "emoji": True}
    assert "&lt;!here&gt; refund" in json.dumps(built)


def test_share_button_value_fits_and_round_trips(voice):
    action = action_for(voice, [quote(1, "Refund took a week")])
    topic = "refunds ünïcödé " * 400
    share = blocks.answer_blocks(voice, action, share_topic=topic)[-1]
    value = share["elements"][0]["value"]
    assert share["elements"][0]["action_id"] == ids.SHARE and len(value) <= 2000
    assert topic.startswith(blocks.shared_topic(value)) and blocks.shared_topic(value)
    assert blocks.shared_topic("not json") == "" and blocks.shared_topic(json.dumps([1])) == ""


def test_home_view_lists_sources_and_channels(voice):
    sources = [(f"source-{n}", 100 - n, "2024-06-01T00:00:00" if n % 2 else None) for n in range(30)]
    seats = [Channel("T1", "C1", "quiet", 600, "", "", None, None, True),
             Channel("T1", "C2", "active", None, "", "", None, None, True)]
    view = blocks.home_view(voice, 2000, sources, seats, "chair")
    text = json.dumps(view)
    assert view["type"] == "home" and len(view["blocks"]) <= 50
    assert "2000 quotes" in text and "30 sources" in text and "2024-06-01" in text
    assert "and 15 more sources" in text
    assert "<#C1>: quiet" in text and "every 10 min" in text and "<#C2>: active" in text
    empty = json.dumps(blocks.home_view(voice, 0, [], [], "chair"))
    assert "No customer feedback yet" in empty and "not in any channel" in empty
