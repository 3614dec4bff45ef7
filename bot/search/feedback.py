"""Learning from clicks: what a channel said about earlier quotes shapes its next answers.

"More like this" lifts quotes like the clicked one in that channel: the same label
(a ticket category, an intent), near the same words, or, with search by meaning,
close in meaning. "Not relevant" already hides the clicked quote there (and in the whole
workspace once enough of its channels agree, see `store.channels.hidden`); here it also pushes down
near-copies of it in that channel. Other channels are not affected by one channel's
"not relevant" until the quorum agrees: what is noise to one team is evidence to another.

Ranking only: nothing is hidden here, so a clicked-away topic can still come back
when nothing better exists.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..models import Candidate

if TYPE_CHECKING:
    import numpy as np

    from ..store import Store

RECENT = 20  # clicks of each kind a channel remembers for ranking
LIKE_BOOST = 0.5  # a quote just like one the channel wanted more of scores up to 1.5x
SAME_LABEL = 0.6  # likeness of two quotes that share a label
NEAR_COPY_WORDS = 0.6  # word overlap (Jaccard) that makes two quotes near-copies ...
NEAR_COPY_COSINE = 0.9  # ... or this cosine, with search by meaning
DISLIKED_COPY = 0.2  # a near-copy of a quote called not relevant here keeps a fifth of its score

_TOKEN = re.compile(r"[a-z0-9]+")
Scored = list[tuple[float, float, Candidate]]


@dataclass(frozen=True)
class Clicks:
    """A channel's recent votes: quotes it wanted more of, and quotes it called not relevant."""

    liked: tuple[int, ...] = ()
    disliked: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.liked or self.disliked)


def load(store: Store, team_id: str, channel_id: str) -> Clicks:
    """The clicks that should shape this channel's next answer."""
    return Clicks(store.clicks.recent(team_id, channel_id, "more_like_this", RECENT),
                  store.clicks.recent(team_id, channel_id, "not_relevant", RECENT))


@dataclass(frozen=True)
class _Example:
    """A clicked quote, reduced to what likeness is measured on."""

    id: int
    labels: frozenset[str]
    words: frozenset[str]


def _words(text: str) -> frozenset[str]:
    return frozenset(_TOKEN.findall(text[:400].lower()))


def _examples(store: Store, ids: Sequence[int]) -> list[_Example]:
    return [_Example(i, frozenset(labels), _words(text))
            for i, text, labels in store.quotes.text_and_labels(ids)]


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


class _Likeness:
    """How alike a candidate is to a clicked quote, by labels, words and (if stored) meaning."""

    def __init__(self, vectors: Mapping[int, np.ndarray]) -> None:
        self.vectors = vectors

    def cosine(self, a: int, b: int) -> float | None:
        if a in self.vectors and b in self.vectors:
            return float(self.vectors[a] @ self.vectors[b])
        return None

    def like(self, quote: Candidate, labels: frozenset[str], words: frozenset[str], ex: _Example) -> float:
        """0 (nothing in common) to 1 (the same quote, in effect)."""
        score = max(SAME_LABEL if labels & ex.labels else 0.0, _jaccard(words, ex.words))
        cosine = self.cosine(quote.id, ex.id)
        if cosine is not None:
            score = max(score, (cosine - 0.3) / 0.7)
        return min(1.0, max(0.0, score))

    def near_copy(self, quote: Candidate, words: frozenset[str], ex: _Example) -> bool:
        cosine = self.cosine(quote.id, ex.id)
        return _jaccard(words, ex.words) >= NEAR_COPY_WORDS or (cosine or 0.0) >= NEAR_COPY_COSINE


def _vectors(store: Store, ids: Sequence[int]) -> Mapping[int, np.ndarray]:
    from . import semantic

    return semantic.vectors_of(store, ids) if semantic.available() else {}


def reshape(store: Store, scored: Scored, clicks: Clicks) -> Scored:
    """Scored candidates (score, coverage, quote), re-ordered by what the channel clicked."""
    if not clicks or not scored:
        return scored
    liked, disliked = _examples(store, clicks.liked), _examples(store, clicks.disliked)
    ids = [quote.id for _, _, quote in scored] + [e.id for e in liked + disliked]
    likeness = _Likeness(_vectors(store, ids) if liked or disliked else {})
    out = []
    for score, coverage, quote in scored:
        labels, words = frozenset(quote.labels), _words(quote.text)
        factor = 1.0 + LIKE_BOOST * max((likeness.like(quote, labels, words, e) for e in liked), default=0.0)
        if any(likeness.near_copy(quote, words, e) for e in disliked):
            factor *= DISLIKED_COPY
        out.append((score * factor, coverage, quote))
    out.sort(key=lambda item: item[0], reverse=True)
    return out
