"""Which field of an export holds what: the customer's words, a title, the id, the date, labels.

Decided once per file from its header and a sample of its first records, never per row,
and kept apart from reading (readers.py) and storing (importer.py) so `import --dry-run`
can show the choice, with the reason for each field, before anything is written.

The choice follows structure, not the file's name: names people and tools use (`Ticket
name`, `Review Content`, `Date/Time Opened`), what the values look like (a column of
long, varied sentences is what customers wrote, even under a question's wording), and
what must never be taken for the customer's words: a reply, an agent's comment, a note,
or a source or status column.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import BadImportFile
from .dates import parse_date

TEXT_NAMES = ("text", "body", "description", "comment", "comments", "review", "review_text",
              "review_content", "feedback", "narrative", "message", "content", "complaint",
              "verbatim", "response", "answer", "first_message", "details")
TITLE_NAMES = ("subject", "title", "summary", "ticket_name", "headline", "review_title")
ID_NAMES = ("id", "case_number", "ticket_number", "ticket_id", "issue_key", "review_id",
            "response_id", "respondent_id", "conversation_id", "external_id", "uuid", "key", "#",
            "token", "number")
DATE_WORDS = ("created", "opened", "submitted", "submit", "started", "received", "date",
              "timestamp", "time")
NOT_DATE_WORDS = ("updated", "update", "last", "closed", "resolved", "reply", "due", "end", "ended",
                  "modified", "solved", "millis", "birth", "since")
LABEL_NAMES = ("category", "categories", "label", "labels", "tags", "tag", "topic", "intent",
               "product", "issue", "theme", "case_reason", "conversation_tags", "ticket_tags",
               "topics", "board")
LABEL_SUFFIXES = ("tags", "labels", "category", "categories")
CUSTOMER_NAMES = ("customer", "segment", "plan", "tier", "customer_segment", "account")
RATING_NAMES = ("rating", "score", "stars", "nps", "csat")
URL_NAMES = ("url", "link", "permalink")
# Words in a column's name that say the words are not the customer's: the company's answer,
# an agent's comment, an internal note; or not words at all: a source, status or channel.
NOT_CUSTOMER_WORDS = frozenset((
    "reply", "replies", "replied", "agent", "agents", "internal", "note", "notes", "developer",
    "company", "admin", "teammate", "assignee", "staff", "operator", "support", "private",
    "source", "status", "state", "channel", "via", "type", "priority", "origin", "language",
    "country", "device", "version", "email", "phone", "name", "url", "link", "author"))
SCORE_WORDS = frozenset(("likely", "recommend", "rate", "rating", "satisfied", "satisfaction", "score"))
SAMPLE = 1000  # records read from the head of a file to decide its layout
CATEGORICAL_MIN_ROWS = 8  # fewer rows than this cannot tell a category from a sentence
ZONE = re.compile(r"^(.*?)\s*\(([A-Za-z_]+(?:/[A-Za-z_+-]+)*|UTC|GMT)\)\s*$")
REPEATED = re.compile(r"^(.*) \((\d+)\)$")
CAMEL = re.compile(r"([a-z])([A-Z])")  # createdDate is created_date
SLASHED = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}")


@dataclass(frozen=True)
class Columns:
    """Which field of a record holds what, and how to read its dates."""

    text: str
    id: str | None = None
    date: str | None = None
    labels: tuple[str, ...] = ()
    customer: str | None = None
    rating: str | None = None
    url: str | None = None
    title: str | None = None
    day_first: bool = False  # slashed dates are day/month (European), decided from the file
    zone: str | None = None  # the time zone the date column's header names
    date_format: str | None = None  # a strptime format from a mapping file
    reasons: tuple[tuple[str, str], ...] = ()  # (field, why), for --dry-run
    rating_scale: str | None = None  # decided from the rating column's values (ratings.scale_of)

    def why(self, name: str) -> str:
        return dict(self.reasons).get(name, "")


@dataclass(frozen=True)
class Forced:
    """Columns a person named (flags, a preset, a mapping file): these win over detection."""

    text: str | None = None
    title: str | None = None
    id: str | None = None
    date: str | None = None
    labels: tuple[str, ...] = ()
    rating: str | None = None
    date_format: str | None = None
    day_first: bool | None = None
    origin: str = "the flags"  # what forced them, for error messages and --dry-run

    def merged(self, over: Forced) -> Forced:
        """`over`'s choices on top of these (flags over a preset)."""
        values = {f.name: getattr(over, f.name) or getattr(self, f.name)
                  for f in fields(self) if f.name != "origin"}
        return Forced(**values, origin=over.origin if over.given() else self.origin)

    def given(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self) if f.name != "origin")


def norm(name: str) -> str:
    """`Date/Time Opened (UTC)` and `satisfaction_rating.score` compared as plain words."""
    match = ZONE.match(name)
    if match:
        name = match.group(1)
    repeated = REPEATED.match(name)
    if repeated:
        name = repeated.group(1)
    name = CAMEL.sub(r"\1_\2", name.strip())
    return re.sub(r"[^\w#]+", "_", name.lower()).strip("_") or name


def _words(name: str) -> set[str]:
    """The words of a field's own name (`source.body` is a body: the last dotted part)."""
    return set(norm(name.rsplit(".", 1)[-1]).split("_"))


def is_repeated(name: str, keys: Sequence[str]) -> bool:
    """A header name the export repeats (Jira's `Comment,Comment`): a thread, not one statement."""
    base = norm(name)
    return sum(1 for k in keys if norm(k) == base) > 1


def _find(keys: Sequence[str], names: Sequence[str], taken: set[str]) -> str | None:
    normal = {norm(k): k for k in reversed(keys) if k not in taken}
    normal = {n: k for n, k in reversed(list(normal.items()))}
    for name in names:
        if name in normal:
            return normal[name]
    for name in names:
        for low, key in normal.items():
            if low.endswith("_" + name):
                return key
    return None


def _strings(sample: Sequence[Mapping[str, Any]], key: str) -> list[str]:
    return [v.strip() for r in sample if isinstance(v := r.get(key), str) and v.strip()]


def categorical(sample: Sequence[Mapping[str, Any]], key: str) -> str | None:
    """Why the column's values are a category rather than words ("2 distinct values in 20
    rows: Organic, Basic link"), or None when they may be what customers wrote."""
    values = _strings(sample, key)
    if len(values) < CATEGORICAL_MIN_ROWS:
        return None
    distinct = sorted(set(values), key=values.index)
    mean = sum(map(len, values)) / len(values)
    if len(distinct) <= max(3, 0.3 * len(values)) and mean < 40:
        shown = ", ".join(repr(v[:30]) for v in distinct[:4])
        return f"{len(distinct)} distinct short values in {len(values)} rows: {shown}"
    return None


def _wordy(sample: Sequence[Mapping[str, Any]], key: str) -> float:
    """Mean length of a column's values that read as words (with a space), 0 if none do."""
    values = _strings(sample, key)
    if not values:
        return 0.0
    worded = [v for v in values if " " in v and not _dateish(v)]
    if len(worded) < max(1, len(values) // 3):
        return 0.0
    return sum(map(len, worded)) / len(values)


def _dateish(value: str) -> bool:
    return len(value) <= 40 and parse_date(value) is not None


def _customer_words(name: str, keys: Sequence[str]) -> bool:
    return not (_words(name) & NOT_CUSTOMER_WORDS) and not is_repeated(name, keys)


def _pick_text(keys: Sequence[str], sample: Sequence[Mapping[str, Any]],
               taken: set[str], path: str) -> tuple[str, str]:
    """The column of the customer's words, and why; refuses a category posing as words."""
    allowed = [k for k in keys if k not in taken and _customer_words(k, keys)]
    refused: list[tuple[str, str]] = []
    by_name = _find(allowed, TEXT_NAMES, set())
    while by_name:
        why_not = categorical(sample, by_name)
        if not why_not:
            return by_name, f"named like the customer's words ({norm(by_name)})"
        refused.append((by_name, why_not))
        allowed = [k for k in allowed if k != by_name]
        by_name = _find(allowed, TEXT_NAMES, set())
    # Question-wording headers (Typeform, SurveyMonkey): the longest free-text answers.
    scored = sorted(((round(_wordy(sample, k), 1), -i, k) for i, k in enumerate(keys)
                     if k not in taken and not is_repeated(k, keys) and k not in dict(refused)
                     and not (_words(k) & {"reply", "replies", "agent", "internal", "note", "notes",
                                           "developer", "admin", "teammate"})), reverse=True)
    for length, _, key in scored:
        if length <= 0:
            break
        why_not = categorical(sample, key)
        if why_not:
            refused.append((key, why_not))
            continue
        count = len(_strings(sample, key))
        return key, (f"the longest free-text answers in the file (mean {length:.0f} characters "
                     f"over {count} sampled rows)")
    if refused:
        key, why_not = refused[0]
        raise BadImportFile(
            f"{path}: column {key!r} would be the text, but it holds {why_not}: a source, status "
            "or category, not what customers wrote; nothing was imported. Name the column of the "
            "customer's words with --text-column")
    shown = ", ".join(repr(k[:40]) for k in keys[:20]) + (", ..." if len(keys) > 20 else "")
    raise BadImportFile(f"{path}: no text column found among: {shown}; name one with --text-column")


def _pick_date(keys: Sequence[str], sample: Sequence[Mapping[str, Any]],
               taken: set[str]) -> tuple[str | None, str]:
    """The date a record was made: by name, checked against what the values hold."""
    best: tuple[int, int, str] | None = None
    named: list[str] = []
    for index, key in enumerate(keys):
        if key in taken:
            continue
        words = _words(key)
        if words & set(NOT_DATE_WORDS):
            continue
        ranks = [DATE_WORDS.index(w) for w in words if w in DATE_WORDS]
        if not ranks and norm(key) not in ("created_at", "submitted_at", "created_date"):
            continue
        named.append(key)
        values = [r.get(key) for r in sample if r.get(key) not in (None, "")][:200]
        if values and sum(parse_date(v) is not None for v in values) < 0.8 * len(values):
            continue
        rank = (min(ranks) if ranks else 0, index, key)
        if best is None or rank < best:
            best = rank
    if best is None and named:
        shown = ", ".join(repr(k[:40]) for k in named[:3])
        return None, f"no date: {shown} named like one, but fewer than 8 in 10 of its values read as dates"
    if best is None:
        return None, "no date column"
    return best[2], f"named like a date ({norm(best[2])}), and its values read as dates"


def _day_order(sample: Sequence[Mapping[str, Any]], key: str | None) -> tuple[bool, str]:
    """Whether slashed dates are day first, from the whole sampled column."""
    if not key:
        return False, ""
    values = [str(r.get(key)) for r in sample if r.get(key) not in (None, "")]
    pairs = [(int(m.group(1)), int(m.group(2))) for v in values if (m := SLASHED.match(v))]
    if not pairs:
        return False, ""
    if any(a > 12 for a, _ in pairs):
        return True, "day first: a first number above 12 (European dates)"
    if any(b > 12 for _, b in pairs):
        return False, "month first: a second number above 12 (US dates)"
    if any(re.search(r"\b[AaPp][Mm]\b", v) for v in values):
        return False, "month first: 12-hour times, as US exports write"
    return False, "month first (no date in the sample tells; US order assumed)"


def detect(keys: Sequence[str], sample: Sequence[Mapping[str, Any]], forced: Forced | None = None,
           path: str = "") -> Columns:
    """The layout of one file from its header and its first records."""
    forced = forced or Forced()
    reasons: dict[str, str] = {}
    if forced.origin.startswith("--preset"):
        forced, reasons = _optional(forced, keys)
    for what, chosen in (("text", forced.text), ("title", forced.title), ("id", forced.id),
                         ("date", forced.date), ("rating", forced.rating)) + tuple(
                             ("label", name) for name in forced.labels):
        if chosen and chosen not in keys:
            shown = ", ".join(repr(k[:40]) for k in keys[:30])
            raise BadImportFile(f"{path}: {chosen!r} is not a column (the {what} column of "
                                f"{forced.origin}); the columns are: {shown}")
    if forced.text:
        text = forced.text
        why_not = categorical(sample, text)
        if why_not:
            raise BadImportFile(f"{path}: column {text!r} ({forced.origin}) holds {why_not}: a source, "
                                "status or category, not what customers wrote; nothing was imported")
        reasons["text"] = f"given by {forced.origin}"
    else:
        text, reasons["text"] = _pick_text(keys, sample, set(forced.labels) | {
            c for c in (forced.title, forced.id, forced.date, forced.rating) if c}, path)
    taken = {text}
    title = forced.title
    if title:
        reasons["title"] = f"given by {forced.origin}"
    elif not forced.text and "title" not in reasons:
        allowed = [k for k in keys if k not in taken and not is_repeated(k, keys)
                   and not (_words(k) & (NOT_CUSTOMER_WORDS - {"name"}))]
        title = _find(allowed, TITLE_NAMES, taken)
        reasons["title"] = (f"named like a subject or title ({norm(title)}); joined before the text"
                            if title else "no subject or title column")
    taken.add(title or "")
    id_ = forced.id or _find(keys, ID_NAMES, taken)
    reasons["id"] = (f"given by {forced.origin}" if forced.id else
                     f"named like an id ({norm(id_)})" if id_ else "")
    taken.add(id_ or "")
    if forced.date:
        date, reasons["date"] = forced.date, f"given by {forced.origin}"
    else:
        date, reasons["date"] = _pick_date(keys, sample, taken)
    taken.add(date or "")
    zone = None
    if date and (match := ZONE.match(date)):
        zone = match.group(2)
        reasons["date"] += f"; times in {zone} (from the header), stored as UTC"
    day_first, order = _day_order(sample, date)
    if forced.day_first is not None:
        day_first, order = forced.day_first, f"{'day' if forced.day_first else 'month'} first, " \
                                             f"given by {forced.origin}"
    if order:
        reasons["date"] += f"; {order}"
    if forced.date_format:
        reasons["date"] += f"; read as {forced.date_format!r}"
    labels = forced.labels or _labels(keys, taken)
    reasons["labels"] = (f"given by {forced.origin}" if forced.labels else
                         "named like tags or a category" if labels else "no tags or category column")
    taken.update(labels)
    rating = forced.rating or _find(keys, RATING_NAMES, taken)
    reasons["rating"] = (f"given by {forced.origin}" if forced.rating else
                         f"named like a rating ({norm(rating)})" if rating else "no rating column")
    if not rating:
        rating = _score_question(keys, sample, taken)
        if rating:
            reasons["rating"] = "a question about a score, answered with whole numbers from 0 to 10"
    taken.add(rating or "")
    url = _find(keys, URL_NAMES, taken)
    if not id_ and url:
        id_ = url
        reasons["id"] = f"no id column; the link to each record ({norm(url)}) is unique to it"
    if not id_:
        reasons["id"] = "no id column: a hash of the text and date keys each row"
    return Columns(text=text, id=id_, date=date, labels=tuple(labels),
                   customer=_find(keys, CUSTOMER_NAMES, taken), rating=rating, url=url, title=title,
                   day_first=day_first, zone=zone, date_format=forced.date_format,
                   reasons=tuple(reasons.items()))


def _optional(forced: Forced, keys: Sequence[str]) -> tuple[Forced, dict[str, str]]:
    """A preset's title, labels and rating where this file has them; what it lacks is noted."""
    notes = {}
    title, rating = forced.title, forced.rating
    if title and title not in keys:
        notes["title"], title = f"{forced.origin}'s title column {title!r} is not in this file", None
    if rating and rating not in keys:
        notes["rating"], rating = f"{forced.origin}'s rating column {rating!r} is not in this file", None
    labels = tuple(name for name in forced.labels if name in keys)
    if forced.labels and not labels:
        notes["labels"] = f"{forced.origin}'s label columns are not in this file"
    return replace(forced, title=title, rating=rating, labels=labels), notes


def _score_question(keys: Sequence[str], sample: Sequence[Mapping[str, Any]], taken: set[str]) -> str | None:
    """A survey question about a score (NPS: "How likely are you to recommend ...?") answered
    with whole numbers from 0 to 10."""
    for key in keys:
        if key in taken or not (_words(key) & SCORE_WORDS):
            continue
        values = _strings(sample, key)
        if values and all(v.isdigit() and int(v) <= 10 for v in values):
            return key
    return None


def _labels(keys: Sequence[str], taken: set[str]) -> tuple[str, ...]:
    found = []
    for key in keys:
        if key in taken:
            continue
        low = norm(key)
        if low in LABEL_NAMES or any(low.endswith("_" + s) for s in LABEL_SUFFIXES):
            found.append(key)
    return tuple(found)


# -- presets and mapping files ----------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    """A known export's layout (bot/ingest/presets.toml)."""

    name: str
    tool: str
    forced: Forced
    doc: str = ""
    aliases: tuple[str, ...] = field(default=())


def _forced(table: Mapping[str, Any], origin: str, where: str) -> Forced:
    known = {"text", "title", "id", "date", "labels", "rating", "date_format", "day_first"}
    unknown = set(table) - known - {"tool", "doc", "format"}
    if unknown:
        raise BadImportFile(f"{where}: unknown key {sorted(unknown)[0]!r}; the keys are: "
                            f"{', '.join(sorted(known))}")
    labels = table.get("labels", ())
    if isinstance(labels, str):
        labels = (labels,)
    for key in ("text", "title", "id", "date", "rating", "date_format"):
        if key in table and not isinstance(table[key], str):
            raise BadImportFile(f"{where}: {key} must be a column name in quotes")
    return Forced(text=table.get("text"), title=table.get("title"), id=table.get("id"),
                  date=table.get("date"), labels=tuple(labels), rating=table.get("rating"),
                  date_format=table.get("date_format"), day_first=table.get("day_first"),
                  origin=origin)


def presets() -> dict[str, Preset]:
    """Every preset shipped in bot/ingest/presets.toml, by name."""
    raw = tomllib.loads(resources.files(__package__).joinpath("presets.toml").read_text("utf-8"))
    found = {}
    for name, table in raw.items():
        found[name] = Preset(name, table.get("tool", name),
                             _forced(table, f"--preset {name}", f"presets.toml [{name}]"),
                             table.get("doc", ""))
    return found


def preset(name: str) -> Forced:
    known = presets()
    if name not in known:
        raise BadImportFile(f"no preset {name!r}; the presets are: {', '.join(sorted(known))}")
    return known[name].forced


def mapping(path: Path) -> Forced:
    """A team's own export described in TOML: `text = "Verbatim"`, `date = "Logged"`, ..."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise BadImportFile(f"{path}: cannot read the mapping file ({err.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise BadImportFile(f"{path}: not a TOML mapping file ({err})") from None
    table = raw.get("columns", raw)
    if not isinstance(table, dict):
        raise BadImportFile(f"{path}: [columns] must be a table")
    return _forced(table, f"--mapping {path.name}", str(path))
