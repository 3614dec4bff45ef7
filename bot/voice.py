"""Every word the bot says, rendered from the editable templates in `prompts/`.

Templates are TOML files of `string.Template` strings (`$topic`, `$$` for a dollar
sign). A missing variable is an error, never a blank: a message with a hole in it
would be worse than none. The customer speaks only through real quotes; these
templates frame the quotes and never stand in for them.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import MissingVariables, NoSuchPrompt
from .models import SCALES, Evidence, Quote, Rating
from .text import shorten


def _as_is(text: str) -> str:
    return text


@dataclass(frozen=True)
class Style:
    """How emphasis is written. Plain text (the CLI, replay, the demo) has none; the Slack
    adapter passes its own, so only it writes Slack markup."""

    strong: Callable[[str], str] = _as_is  # a topic, a theme, a section header
    emphasis: Callable[[str], str] = _as_is  # a decision as it was stated


PLAIN = Style()


@dataclass
class Voice:
    """The loaded templates of one `prompts/` folder, and how emphasis is written."""

    folder: Path
    templates: dict[str, Any] = field(default_factory=dict)
    style: Style = PLAIN

    @classmethod
    def load(cls, folder: str | Path, style: Style = PLAIN) -> Voice:
        folder = Path(folder)
        if not folder.is_dir():
            raise NoSuchPrompt(f"prompts folder {folder} does not exist")
        templates: dict[str, Any] = {}
        for path in sorted(folder.glob("*.toml")):
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as err:
                raise NoSuchPrompt(f"{path}: invalid TOML ({err})") from None
            for key, value in data.items():
                templates[f"{path.stem}.{key}"] = value
        return cls(folder, templates, style)

    def raw(self, name: str) -> Any:
        try:
            return self.templates[name]
        except KeyError:
            raise NoSuchPrompt(f"no prompt {name!r} in {self.folder} "
                               f"(file {name.split('.')[0]}.toml, key {name.split('.')[-1]})") from None

    def render(self, name: str, **variables: object) -> str:
        """Fill template `name` (`file.key`); every `$variable` it uses must be given."""
        return fill(self.raw(name), name, variables)

    def choice(self, name: str, index: int, **variables: object) -> str:
        """The `index`-th entry (cycling) of a list template, filled in."""
        options = self.raw(name)
        if not isinstance(options, list) or not options:
            raise NoSuchPrompt(f"prompt {name!r} should be a non-empty list")
        return fill(options[index % len(options)], name, variables)


def fill(template: str, name: str, variables: dict[str, object]) -> str:
    tpl = string.Template(template)
    missing = [v for v in tpl.get_identifiers() if v not in variables]
    if missing:
        raise MissingVariables(f"prompt {name!r} needs: {', '.join(sorted(missing))}")
    return tpl.substitute({k: "" if v is None else str(v) for k, v in variables.items()})


def rating_mark(voice: Voice, rating: Rating | None) -> str:
    """A rating as a reader recognises it, on the customer's own scale: ★☆☆☆☆, NPS 3, CSAT bad."""
    if rating is None:
        return ""
    mark = rating.original
    scale = SCALES[rating.scale]
    key = rating.scale
    if scale.best - scale.worst == 1:  # two marks: good or bad, up or down
        key += "_good" if mark == scale.best else "_bad"
    full = int(mark + 0.5) if rating.scale == "stars5" else 0
    stars = voice.render("ratings.star_full") * full + voice.render("ratings.star_empty") * (5 - full)
    return voice.render(f"ratings.mark_{key}", mark=f"{mark:g}", stars=stars)


def rated(voice: Voice, rating: Rating | None) -> str:
    """The rating's mark as it stands before a quote's source ("★☆☆☆☆ "), or nothing."""
    mark = rating_mark(voice, rating)
    return voice.render("ratings.beside", mark=mark) if mark else ""


def quote_text(voice: Voice, quote: Quote, max_chars: int = 400) -> str:
    """One quote with its rating, source and date; long quotes are cut at a word boundary."""
    text = shorten(quote.text, max_chars)
    mark = rated(voice, quote.rated)
    if quote.date:
        return voice.render("meeting.quote", text=text, rated=mark, source=quote.source, date=quote.date[:10])
    return voice.render("meeting.quote_undated", text=text, rated=mark, source=quote.source)


def evidence_text(voice: Voice, evidence: Evidence) -> str:
    """One sentence on how strong the evidence is, so one customer is not mistaken for many."""
    if evidence.strength == "none":
        return ""
    date_range = ""
    if evidence.first_date and evidence.last_date and evidence.first_date != evidence.last_date:
        date_range = voice.render("meeting.date_range", first=evidence.first_date,
                                  last=evidence.last_date)
    count = f"{evidence.count}+" if evidence.capped else str(evidence.count)
    return voice.render(f"meeting.evidence_{evidence.strength}", count=count,
                        source_count=len(evidence.sources), date_range=date_range,
                        plural="" if evidence.count == 1 else "s")


def quotes_message(voice: Voice, topic: str, quotes: Sequence[Quote], evidence: Evidence) -> str:
    """The plain-text form of a quotes post (Slack builds blocks from the same parts)."""
    if not quotes:
        return voice.render("meeting.no_evidence", topic=voice.style.strong(topic))
    parts = [voice.render("meeting.quotes_header", topic=voice.style.strong(topic))]
    parts += [quote_text(voice, q) for q in quotes]
    parts.append(evidence_text(voice, evidence))
    return "\n".join(p for p in parts if p)
