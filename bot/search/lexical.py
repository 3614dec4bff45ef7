"""Finding quotes by their words: the corpus's word statistics, the terms worth searching
for, full-text candidates and how well each one's words match.

A query is never the raw text people typed: it is built from the words that carry
meaning in this corpus (rare enough to discriminate, present at all), so quotes,
parentheses, `AND`, `*`, emoji and Slack markup cannot break it. Candidates come from
FTS5's BM25 (tsvector on PostgreSQL); at a million quotes a query over common words
matches hundreds of thousands of rows, so candidates are read newest first and bounded,
which is also the preference for recent feedback the bot wants. `quotes.search_terms`
puts these together with meaning (`hybrid`) into the bot's one search.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

from .conversation import Term

if TYPE_CHECKING:
    from ..store import Store

MAX_TERMS = 10
COMMON_SHARE = 0.08  # a word in more than 8% of quotes says little about a topic
EXACT_BUDGET = 5000  # up to this many matches, rank them all exactly (about 10 µs each)
CANDIDATES = 300
BOUNDED_CANDIDATES = 150  # newest matches read per query when the match set is huge
BOUNDED_TERMS = 4  # on huge match sets, the rarest few words find candidates; all re-rank


class CorpusStats:
    """Document frequencies of stems, loaded once and reloaded when an import changes them."""

    def __init__(self) -> None:
        self.generation: object = None
        self.docs = 0
        self.avg_chars = 200.0
        self.df: dict[str, int] = {}

    def idf(self, term: str) -> float:
        n = self.df.get(term, 0)
        return math.log(1 + (self.docs - n + 0.5) / (n + 0.5))


_stats: dict[str, CorpusStats] = {}  # by `store.key`: one copy per database in a process
_stats_lock = threading.Lock()


def corpus_stats(store: Store) -> CorpusStats:
    """The cached statistics for this database, reloaded if an import has changed them."""
    generation = store.quotes.stats_generation()
    with _stats_lock:
        stats = _stats.get(store.key)
        if stats is not None and stats.generation == generation and generation is not None:
            return stats
    if generation is None and not store.quotes.is_empty():
        store.quotes.refresh_stats()
        return corpus_stats(store)
    stats = CorpusStats()
    stats.generation = generation
    docs, avg_chars, df = store.quotes.load_stats()
    stats.docs = docs
    stats.avg_chars = avg_chars or 200.0
    stats.df = df
    with _stats_lock:
        _stats[store.key] = stats
    return stats


def choose_terms(terms: Sequence[Term], stats: CorpusStats) -> list[tuple[Term, float]]:
    """The terms worth searching for, with weight x idf, best first.

    Words absent from the corpus can find nothing, so they are left out. Rarity
    counts (square root of idf) but repetition counts more: a word said in three
    messages is the topic; a rare word said once is usually not.
    """
    known = [(t, t.weight**1.5 * math.sqrt(stats.idf(t.stem))) for t in terms if stats.df.get(t.stem)]
    known.sort(key=lambda pair: pair[1], reverse=True)
    return known[:MAX_TERMS]


def index_terms(chosen: Sequence[tuple[Term, float]], stats: CorpusStats) -> list[Term]:
    """The chosen terms the index should match on.

    A word in a large share of quotes ("card" in a card issuer's feedback) makes a
    query slow and says little on its own: when rarer words remain, it only
    re-ranks the candidates they find.
    """
    limit = max(1, int(stats.docs * COMMON_SHARE))
    rare = [t for t, _ in chosen if stats.df[t.stem] <= limit]
    return rare if rare else [t for t, _ in chosen]


def candidates(store: Store, terms: Sequence[Term], stats: CorpusStats, team_id: str = "",
                channel_id: str | None = None) -> tuple[dict[int, float], bool]:
    """Ids of quotes the workspace may see (in the channel), with BM25 relevance (higher is
    better); True when the pool was capped."""
    expected = sum(stats.df.get(t.stem, 0) for t in terms)
    if expected <= EXACT_BUDGET:
        return store.quotes.matches([t.word for t in terms], CANDIDATES, team_id, channel_id), False
    pool: dict[int, float] = {}
    terms = sorted(terms, key=lambda t: stats.df.get(t.stem, 0))[:BOUNDED_TERMS]
    words = [t.word for t in terms]
    # Quotes holding both of the two rarest words first, then any of the few rarest.
    reads = [(words[:2], True), (words, False)] if len(words) >= 2 else [(words, False)]
    for chosen, every in reads:
        found = store.quotes.newest_matches(chosen, BOUNDED_CANDIDATES, every, team_id, channel_id)
        for feedback_id, relevance in found.items():
            pool[feedback_id] = max(pool.get(feedback_id, 0.0), relevance)
    return pool, True


def weight_present(text: str, chosen: Sequence[tuple[Term, float]]) -> float:
    """The query weight a quote contains (stems as substrings: fast, rarely wrong).

    Every chosen term counts here, including the common ones the index query left out.
    """
    lowered = text[:3000].lower()
    return sum(w for t, w in chosen if t.stem in lowered)


def length_norm(chars: int, avg_chars: float, k1: float = 1.2, b: float = 0.75) -> float:
    """BM25's length normalisation: a long complaint mentions many words by chance."""
    return (k1 + 1) / (1 + k1 * (1 - b + b * chars / avg_chars))


def terms_present(text: str, chosen: Sequence[tuple[Term, float]]) -> int:
    lowered = text[:3000].lower()
    return sum(1 for t, _ in chosen if t.stem in lowered)


def recency(created: str | None, today: date) -> float:
    """A gentle preference: last month's quote beats one from two years ago of equal relevance."""
    return _recency_of_day(created[:10], today) if created else 0.0


@lru_cache(maxsize=4096)
def _recency_of_day(day: str, today: date) -> float:
    try:
        then = date.fromisoformat(day)
    except ValueError:
        return 0.0
    age = max(0, (today - then).days)
    return 0.25 * math.exp(-age / 365.0)
