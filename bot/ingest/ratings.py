"""Ratings in exports: stars, NPS, CSAT, thumbs and percentages, read onto one scale.

A bare "3" means nothing alone: three stars of five is middling, NPS 3 a detractor, 3%
a disaster. So the scale is decided once per column, from its name and its values
(`scale_of`: a column holding 0..10 is NPS, one holding 1..5 is stars), and each row's
value is then read on that scale (`read`). A value the column's scale cannot hold is a
field error naming the column, never a silently dropped rating; "offered" and
"unoffered" (Zendesk's survey states) are no rating at all.

The rating is kept on the common 0..1 scale with the name of its own scale (see
`models.Rating` for why 0..1), so the digest compares a 1-star review with NPS 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..models import SCALES, Rating
from .readers import read_records

__all__ = ["SCALES", "Rating", "read", "scale_in_file", "scale_of"]

SAMPLE = 10_000  # values of a column its scale is decided on: all of them, in all but big files

# Written instead of a rating: nothing was given (Zendesk's states of an unanswered survey).
NO_RATING = frozenset({"", "offered", "unoffered", "n/a", "na", "none", "null", "-", "—", "not rated",
                       "no rating", "unrated", "skipped"})
CSAT2 = {"good": 1, "bad": 0, "satisfied": 1, "unsatisfied": 0, "dissatisfied": 0, "positive": 1,
         "negative": 0, "happy": 1, "unhappy": 0}
# Intercom's conversation ratings, by word and by the emoji it shows.
CSAT5 = {"terrible": 1, "bad": 2, "ok": 3, "okay": 3, "great": 4, "amazing": 5,
         "\U0001F621": 1, "\U0001F620": 1, "\U0001F641": 2, "\U0001F610": 3, "\U0001F603": 4,
         "\U0001F929": 5}
THUMBS = {"thumbs up": 1, "thumbs down": 0, "thumbsup": 1, "thumbsdown": 0, "up": 1, "down": 0,
          "\U0001F44D": 1, "\U0001F44E": 0, "+1": 1, "-1": 0, "true": 1, "false": 0, "yes": 1, "no": 0,
          "helpful": 1, "not helpful": 0, "like": 1, "dislike": 0}
FULL_STARS, EMPTY_STARS = "★✭✮⭐", "☆✩"

# Words in a column's name that say which scale it is, tried before the values' ranges.
_HINTS = (
    ("nps10", re.compile(r"\bnps\b|net.promoter|recommend|how.likely|likelihood")),
    ("csat5", re.compile(r"csat|satisf|conversation.rating")),
    ("stars5", re.compile(r"stars?\b|star.rating")),
    ("thumbs2", re.compile(r"thumb|helpful|upvote|\bvote|\blike\b")),
    ("pct100", re.compile(r"percent|pct|%")),
)
# Where no name says: the narrowest scale holding every value wins.
_ORDER = ("stars5", "nps10", "pct100", "csat2", "csat5", "thumbs2", "score10")

_NUMBER = r"([0-9]+(?:[.,][0-9]+)?)"
_OUT_OF = re.compile(rf"^{_NUMBER}\s*(?:/|out of|of)\s*(5|10|100)(?:\s*stars?)?$")
_STARS = re.compile(rf"^{_NUMBER}\s*(?:stars?|★)$")
_PERCENT = re.compile(rf"^{_NUMBER}\s*%$")
_BARE = re.compile(rf"^[+]?{_NUMBER}$")


class _Form:
    """A value as written: a bare number, or a number with what it is out of, or a word."""

    __slots__ = ("number", "out_of", "word")

    def __init__(self, number: float | None = None, out_of: int | None = None, word: str | None = None):
        self.number, self.out_of, self.word = number, out_of, word


def _text(raw: Any) -> str | None:
    """The value as text; a Zendesk `satisfaction_rating` object gives its `score`."""
    if isinstance(raw, dict):
        for key in ("score", "rating", "value"):
            if key in raw:
                return _text(raw[key])
        return None
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if raw is None:
        return ""
    return " ".join(str(raw).split()).lower()


def _form(raw: Any) -> _Form | None:
    """How `raw` is written; None when it is no rating (empty, "offered")."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return _Form(float(raw))
    text = _text(raw)
    if text is None or text in NO_RATING:
        return None
    if text and all(c in FULL_STARS + EMPTY_STARS for c in text.replace(" ", "")):
        return _Form(float(sum(c in FULL_STARS for c in text)), 5)
    for pattern, out_of in ((_OUT_OF, None), (_STARS, 5), (_PERCENT, 100), (_BARE, 0)):
        match = pattern.match(text)
        if match:
            number = float(match.group(1).replace(",", "."))
            if out_of is None:
                out_of = int(match.group(2))
            return _Form(number, out_of or None)
    return _Form(word=text)


def _mark(form: _Form, scale: str) -> float | None:
    """The mark `form` is on `scale`, or None when that scale cannot hold it."""
    s = SCALES[scale]
    if form.word is not None:
        words = {"csat2": CSAT2, "csat5": CSAT5, "thumbs2": THUMBS}.get(scale, {})
        mark = words.get(form.word)
        return float(mark) if mark is not None else None
    assert form.number is not None
    if scale == "csat2" or (form.out_of is not None and form.out_of != s.best):
        return None  # good and bad are words: a bare 1 may be Intercom's "Terrible"
    if scale == "thumbs2" and form.out_of is not None:
        return None
    if scale == "nps10" and form.number != int(form.number):
        return None  # NPS answers are whole numbers; 7.5 is an average or another scale
    return form.number if s.worst <= form.number <= s.best else None


def _hinted(column: str) -> list[str]:
    name = column.lower().replace("_", " ")
    return [scale for scale, pattern in _HINTS if pattern.search(name)]


def scale_of(column: str, values: Iterable[Any]) -> str | None:
    """The scale of a rating column, from its name and its values (all of them, or a sample).

    The scales its name suggests are tried first (a column named NPS is NPS even if this
    week's answers are all 1..5), then the narrowest that holds every value; if none holds
    them all, the one holding most. None when the column holds no rating at all.
    """
    forms = [f for f in (_form(v) for v in values) if f is not None]
    if not forms:
        return None
    hinted = _hinted(column)
    if "csat5" in hinted:  # satisfaction in words: good/bad is two marks, Intercom's five
        hinted.insert(hinted.index("csat5"), "csat2")
    order = hinted + [s for s in _ORDER if s not in hinted]
    if "nps10" not in hinted and any(f.out_of == 10 for f in forms):
        order.remove("score10")  # "7/10" in a column not about recommending is a score, not NPS
        order.insert(0, "score10")
    held = {scale: sum(_mark(f, scale) is not None for f in forms) for scale in order}
    best = max(held.values())
    if not best:
        return None
    return next(scale for scale in order if held[scale] == best)


def read(raw: Any, column: str, scale: str | None = None) -> Rating | str | None:
    """The rating in one row's `raw` value of `column` on the column's `scale` (from
    `scale_of`; without one, decided from this value alone): a Rating, None when the row
    gives none, or the reason it cannot be read, naming the column.

    A rating column repeats a handful of values over a whole export: each is read once.
    """
    if type(raw) not in (str, int, float):  # a dict (Zendesk), or a bool, which equals 1
        return _read(raw, column, scale)
    key = (raw, column, scale)
    try:
        return _cache[key]
    except KeyError:
        found = _cache[key] = _read(raw, column, scale)
        if len(_cache) > 50_000:
            _cache.clear()
        return found


_cache: dict[tuple[Any, str, str | None], Rating | str | None] = {}


def _read(raw: Any, column: str, scale: str | None) -> Rating | str | None:
    form = _form(raw)
    if form is None:
        return None
    scale = scale or scale_of(column, [raw])
    mark = _mark(form, scale) if scale else None
    if mark is None:
        shown = str(raw)[:40]
        if not scale:
            return f"unreadable rating {shown!r} in column {column!r}"
        return f"rating {shown!r} in column {column!r} is not on its scale ({SCALES[scale].about})"
    return Rating.on(mark, scale)


def scale_in_file(path: Path, fmt: str, column: str | None, limit: int = SAMPLE) -> str | None:
    """The scale of `column` in an export, decided on its first `limit` values (reading
    them is a small fraction of an import; the rows are converted after)."""
    if not column:
        return None
    values = []
    for record in read_records(path, fmt):
        if record is not None and record.fields is not None and column in record.fields:
            values.append(record.fields[column])
            if len(values) >= limit:
                break
    return scale_of(column, values)

