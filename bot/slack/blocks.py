"""Core data to Block Kit: the only module that knows Slack's message layout.

Slack's limits are kept here: a section holds at most 3000 characters, a message at
most 50 blocks, a button value at most 2000 characters, and every message carries a
plain `text` fallback for notifications.

Slack's markup is read and written here only. What Slack sends becomes plain text once,
in `plain`, before it reaches the core; everything shown that people or customers wrote
is escaped on the way out, in `escape` (`&`, `<`, `>`, with no exceptions), so a quote,
a topic or a decision can never ping anyone, link anywhere or name a channel. The only
live markup in what the bot sends is its own: `<#C123>` and `<@U123>` in its templates,
filled with ids Slack gave it. The bot never sets `link_names` or `parse`, and its mrkdwn
objects are `verbatim`, so a plain `@here` or URL in a quote stays words.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from ..digests import render
from ..digests.build import Digest
from ..models import Action, Channel, Quote
from ..voice import Style, Voice, quote_text, rated
from . import ids

SECTION_LIMIT = 3000
MAX_BLOCKS = 50
VALUE_LIMIT = 2000
TEXT_LIMIT = 3000  # fallback text: enough for a notification, far below Slack's 40k
# Emphasis in Slack's mrkdwn; the core asks for it through the voice's style.
SLACK_STYLE = Style(strong=lambda text: f"*{text}*", emphasis=lambda text: f"_{text}_")
QUOTE_CHARS = 600  # as voice.quote_text trims; longer quotes get a "Full quote" button
MAX_SOURCES = 15

Block = dict[str, Any]

# -- Slack's text to plain text (what arrives) ---------------------------------------------------

_SLACK_TEXT = re.compile(r"<([^<>]*)>|&(amp|lt|gt);")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_CHARACTER = {"amp": "&", "lt": "<", "gt": ">"}
_EVERYONE = frozenset({"here", "channel", "everyone", "group"})


def plain(text: str) -> str:
    """Slack's text as a person reads it: the one place Slack markup becomes plain text,
    done by the adapter before anything Slack sends reaches the core.

    One pass: a raw `<...>` is markup (a link becomes its label, or its address; a user
    becomes `@U123` or `@name`; `<!here>` becomes `@here`; a channel `#name`), and `&amp;`,
    `&lt;`, `&gt;` become characters. A decoded character is never read again, so the
    `&lt;@U1&gt;` of someone who typed `<@U1>` stays the text `<@U1>`, and `&amp;lt;`
    (someone typed `&lt;`) stays `&lt;`.
    """
    return _SLACK_TEXT.sub(_read, text or "").strip()


def _read(match: re.Match[str]) -> str:
    if match.group(2):
        return _CHARACTER[match.group(2)]
    target, _, label = match.group(1).partition("|")
    target, label = _unescape(target), _unescape(label)
    if target.startswith("@"):
        return "@" + (label.removeprefix("@") or target[1:])
    if target.startswith("#"):
        return "#" + (label or "channel")
    if target.startswith("!"):
        command = target[1:].split("^", 1)[0]
        if command in _EVERYONE:
            return "@" + command
        return label or ("@team" if command == "subteam" else "")
    return label or target


def _unescape(text: str) -> str:
    return _ENTITY.sub(lambda m: _CHARACTER[m.group(1)], text)


# -- text to Slack's text (what the bot sends) ------------------------------------------------------


def escape(text: str, *, quote_lines: bool = True) -> str:
    """Text made inert for Slack: every `&`, `<` and `>` becomes `&amp;`, `&lt;`, `&gt;`,
    with no exceptions, so nothing in it can mention anyone, link anywhere or be read as
    a special command. Everything third parties wrote goes through here (it arrives as
    plain text, see `plain`); the bot's own markup (`<#C123>` in a template) does not.

    With `quote_lines`, a line's leading `> ` is kept as it is: the voice's templates frame
    each quote as a block quote. Customer text cannot use it to link or mention anyone.
    """
    lines = []
    for line in text.split("\n"):
        lead = ""
        if quote_lines and (line.startswith("> ") or line == ">"):
            lead, line = line[:2], line[2:]
        lines.append(lead + _escape_chars(line))
    return "\n".join(lines)


def _escape_chars(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    """At most `limit` characters, never ending inside an `&amp;`-style entity."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    amp = cut.rfind("&", max(0, limit - 4))
    return cut[:amp] if amp >= 0 and ";" not in cut[amp:] else cut


def fallback(text: str) -> str:
    """The `text` every message carries, for notifications and clients without blocks."""
    text = escape(text)
    return text if len(text) <= TEXT_LIMIT else _clip(text, TEXT_LIMIT - 2).rstrip() + " …"


def mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn text object. `verbatim` stops Slack from turning plain words into links or
    mentions (a URL, `#general`); the bot's own `<...>` markup still works."""
    return {"type": "mrkdwn", "text": _clip(text, SECTION_LIMIT) or " ", "verbatim": True}


def plain_text(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object. Slack shows it as written (no mentions, no links); it is only
    ever the bot's own words, and goes through `escape` anyway, as all text sent to Slack
    is escaped the same way."""
    return {"type": "plain_text", "text": _clip(escape(text, quote_lines=False), limit) or " ",
            "emoji": True}


def section(text: str) -> Block:
    """A section of mrkdwn the caller made safe (`escape`d, or the bot's own words)."""
    return {"type": "section", "text": mrkdwn(text)}


def sections(text: str) -> list[Block]:
    """Text split at line breaks into as few sections as fit Slack's size limit."""
    chunks: list[str] = []
    current = ""
    for line in text.strip("\n").split("\n"):
        while len(line) > SECTION_LIMIT:
            chunk = _clip(line, SECTION_LIMIT)
            chunks.append(chunk)
            line = line[len(chunk):]
        if current and len(current) + 1 + len(line) > SECTION_LIMIT:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current.strip():
        chunks.append(current)
    return [section(chunk) for chunk in chunks]


def cap(blocks: list[Block]) -> list[Block]:
    """Never more than Slack's 50 blocks: later quotes are dropped, the message stays valid."""
    return blocks[:MAX_BLOCKS]


def _button(text: str, action_id: str, value: str) -> Block:
    return {"type": "button", "text": plain_text(text, 75),
            "action_id": action_id, "value": value[:VALUE_LIMIT]}


def is_trimmed(quote: Quote) -> bool:
    return len(" ".join(quote.text.split())) > QUOTE_CHARS


def quote_buttons(voice: Voice, quote: Quote) -> Block:
    """Not relevant / More like this, and Full quote when the quote was cut short."""
    value = str(quote.id)
    elements = [_button(voice.render("slack.button_not_relevant"), ids.NOT_RELEVANT, value),
                _button(voice.render("slack.button_more"), ids.MORE_LIKE_THIS, value)]
    if is_trimmed(quote):
        elements.append(_button(voice.render("slack.button_full"), ids.FULL_QUOTE, value))
    return {"type": "actions", "block_id": f"quote_{quote.id}", "elements": elements}


def action_blocks(voice: Voice, action: Action, buttons: bool = True) -> list[Block]:
    """Blocks for what the core decided to say, built from the same text it rendered.

    The core's text is cut around each quote, so the words stay the core's and each
    quote gets its own buttons.
    """
    text = action.text
    blocks: list[Block] = []
    position = 0
    missing: list[Quote] = []
    for quote in action.quotes:
        shown = quote_text(voice, quote)
        at = text.find(shown, position)
        if at < 0:
            missing.append(quote)
            continue
        blocks += sections(escape(text[position:at]))
        blocks += _quote_blocks(voice, quote, shown, buttons)
        position = at + len(shown)
    for quote in missing:
        blocks += _quote_blocks(voice, quote, quote_text(voice, quote), buttons)
    blocks += sections(escape(text[position:]))
    return cap(blocks)


def _quote_blocks(voice: Voice, quote: Quote, shown: str, buttons: bool) -> list[Block]:
    blocks = [section(escape(shown))]
    if buttons:
        blocks.append(quote_buttons(voice, quote))
    return blocks


def share_button(voice: Voice, topic: str) -> Block:
    """The button under an answer only the asker sees, to post it for the whole channel."""
    value = json.dumps({"topic": topic[:VALUE_LIMIT - 100]}, ensure_ascii=False)
    while len(value) > VALUE_LIMIT:  # non-ASCII can make the JSON longer than the topic
        topic = topic[: len(topic) * 3 // 4]
        value = json.dumps({"topic": topic}, ensure_ascii=False)
    return {"type": "actions", "block_id": "share",
            "elements": [_button(voice.render("slack.button_share"), ids.SHARE, value)]}


def shared_topic(value: str) -> str:
    """The topic a Share button carries (see `share_button`)."""
    try:
        data = json.loads(value)
    except (TypeError, ValueError):
        return ""
    topic = data.get("topic") if isinstance(data, dict) else None
    return topic if isinstance(topic, str) else ""


def answer_blocks(voice: Voice, action: Action, share_topic: str | None = None) -> list[Block]:
    """An on-demand answer; with `share_topic`, ends in a Share to channel button."""
    blocks = action_blocks(voice, action)
    if share_topic is not None and action.quotes:
        blocks = blocks[:MAX_BLOCKS - 1] + [share_button(voice, share_topic)]
    return blocks


def full_quote_blocks(voice: Voice, quote: Quote) -> list[Block]:
    """A long quote in full, over as many sections as it needs (up to the block limit)."""
    mark = rated(voice, quote.rated)
    if quote.date:
        footer = voice.render("slack.full_quote_footer", rated=mark, source=quote.source,
                              date=quote.date[:10])
    else:
        footer = voice.render("slack.full_quote_footer_undated", rated=mark, source=quote.source)
    body = sections(escape(quote.text, quote_lines=False))
    if len(body) >= MAX_BLOCKS:
        body = body[:MAX_BLOCKS - 2] + [section("…")]
    return body + [context(escape(footer))]


def context(text: str) -> Block:
    """A context line of mrkdwn the caller made safe, like `section`."""
    return {"type": "context", "elements": [mrkdwn(text)]}


def home_view(voice: Voice, count: int, sources: Sequence[tuple[str, int, str | None]],
              seats: Iterable[Channel], reaction: str) -> dict[str, Any]:
    """The App Home tab: what the bot knows, and where it sits."""
    blocks: list[Block] = [
        header(voice.render("slack.home_title")),
        section(voice.render("slack.home_intro")),
        {"type": "divider"},
        section(_corpus_line(voice, count, sources, reaction)),
    ]
    if sources:
        blocks.append(section(_source_lines(voice, sources)))
    blocks += [{"type": "divider"}, section(voice.render("slack.home_channels"))]
    blocks.append(section(_channel_lines(voice, list(seats))))
    blocks.append(context(voice.render("slack.home_how", reaction=reaction)))
    return {"type": "home", "blocks": cap(blocks)}


def _corpus_line(voice: Voice, count: int, sources: Sequence[tuple[str, int, str | None]],
                 reaction: str) -> str:
    if not count:
        return voice.render("slack.home_no_quotes", reaction=reaction)
    dates = [newest for _, _, newest in sources if newest]
    if dates:
        return voice.render("slack.home_corpus", count=count, source_count=len(sources),
                            newest=escape(max(dates)[:10]))
    return voice.render("slack.home_corpus_undated", count=count, source_count=len(sources))


def _source_lines(voice: Voice, sources: Sequence[tuple[str, int, str | None]]) -> str:
    lines = [voice.render("slack.home_sources")]
    for source, count, newest in sources[:MAX_SOURCES]:
        when = voice.render("slack.home_source_newest", date=escape(newest[:10])) if newest else ""
        lines.append(voice.render("slack.home_source", source=escape(source), count=count, newest=when))
    if len(sources) > MAX_SOURCES:
        lines.append(voice.render("slack.home_more_sources", count=len(sources) - MAX_SOURCES))
    return _fit("\n".join(lines))


def _channel_lines(voice: Voice, seats: list[Channel]) -> str:
    if not seats:
        return voice.render("slack.home_no_channels")
    lines = []
    for seat in seats:
        cooldown = ""
        if seat.cooldown_seconds is not None:
            cooldown = voice.render("slack.home_cooldown", minutes=seat.cooldown_seconds // 60)
        mode = voice.render("slack.home_mode_quiet" if seat.mode == "quiet" else "slack.home_mode_active")
        lines.append(voice.render("slack.home_channel", channel=escape(seat.channel_id), mode=mode,
                                  cooldown=cooldown))
    return _fit("\n".join(lines))


def _fit(text: str) -> str:
    """Whole lines up to the section limit."""
    if len(text) <= SECTION_LIMIT:
        return text
    return text[:SECTION_LIMIT - 2].rsplit("\n", 1)[0] + "\n…"


# -- digests ----------------------------------------------------------------------------------------


def header(text: str) -> Block:
    return {"type": "header", "text": plain_text(text, 150)}


def digest_summary(voice: Voice, digest: Digest) -> list[Block]:
    """The digest's main post: title, period, the five-second headline and the top themes."""
    about = [render.period_text(voice, digest.period, digest.tz)]
    if digest.late:
        about.append(render.late_text(voice, digest))
    blocks = [header(voice.render("digest.slack_title")), context(escape("\n".join(about))),
              section(escape(render.headline(voice, digest)))]
    length = render.length_text(voice, digest.period)
    lines = [render.theme_line(voice, line, length) for line in digest.top]
    if lines:
        blocks.append(section(_fit(escape("\n".join(lines)))))
    blocks.append(context(voice.render("digest.summary_more")))
    return cap(blocks)


def digest_summary_text(voice: Voice, digest: Digest) -> str:
    """The summary's notification text: the title line and the headline."""
    return fallback(render.title_text(voice, digest) + "\n" + render.headline(voice, digest))


def digest_details(voice: Voice, digest: Digest) -> list[Block]:
    """The thread reply: each theme with a quote, the severe complaints, the decisions."""
    blocks: list[Block] = []
    for part in (render.theme_section, render.severe_section, render.decision_section):
        if blocks:
            blocks.append({"type": "divider"})
        for text in part(voice, digest):
            blocks += sections(escape(text))
    blocks.append(context(escape(render.footer(voice, digest))))
    if len(blocks) > MAX_BLOCKS:
        blocks = blocks[:MAX_BLOCKS - 2] + [section("…"), blocks[-1]]
    return blocks


def digest_details_text(voice: Voice, digest: Digest) -> str:
    header = voice.style.strong(voice.render("digest.themes_header"))
    return fallback(header + "\n" + render.headline(voice, digest))
