"""Finding the customer quotes that bear on what a team is talking about.

A query is never the raw text people typed: it is built from the words that carry
meaning in this corpus (rare enough to discriminate, present at all), so quotes,
parentheses, `AND`, `*`, emoji and Slack markup cannot break it. Candidates come from
FTS5's BM25; at a million quotes a query over common words matches hundreds of
thousands of rows, so candidates are read newest first and bounded, which is also
the preference for recent feedback the bot wants.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

from ..models import NO_EVIDENCE, Candidate, Evidence, Quote
from .conversation import Term, conversation_terms, conversation_texts
from .feedback import Clicks, reshape

if TYPE_CHECKING:
    from concurrent.futures import Future

    from ..store import Store
    from .semantic import Neighbourhood

MAX_TERMS = 10
COMMON_SHARE = 0.08  # a word in more than 8% of quotes says little about a topic
EXACT_BUDGET = 5000  # up to this many matches, rank them all exactly (about 10 µs each)
CANDIDATES = 300
BOUNDED_CANDIDATES = 150  # newest matches read per query when the match set is huge
BOUNDED_TERMS = 4  # on huge match sets, the rarest few words find candidates; all re-rank


@dataclass(frozen=True)
class SearchResult:
    """Quotes, best first, and the evidence behind them."""

    terms: tuple[str, ...]
    quotes: list[Quote]
    evidence: Evidence
    matched_terms: tuple[str, ...] = field(default=())
    specific_terms: tuple[str, ...] = field(default=())  # matched, and not common in the corpus
    # Search by meaning only (None / "" when the search ran on words alone):
    closeness: float | None = None  # cosine of the conversation to the quote closest in meaning
    theme: str = ""  # the label the quotes nearest in meaning agree on most
    theme_share: float = 0.0  # how much of their vote it got (0-1)

    @property
    def found(self) -> bool:
        return bool(self.quotes)


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


def _index_terms(chosen: Sequence[tuple[Term, float]], stats: CorpusStats) -> list[Term]:
    """The chosen terms the index should match on.

    A word in a large share of quotes ("card" in a card issuer's feedback) makes a
    query slow and says little on its own: when rarer words remain, it only
    re-ranks the candidates they find.
    """
    limit = max(1, int(stats.docs * COMMON_SHARE))
    rare = [t for t, _ in chosen if stats.df[t.stem] <= limit]
    return rare if rare else [t for t, _ in chosen]


def _candidates(store: Store, terms: Sequence[Term], stats: CorpusStats, team_id: str = "",
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


def _weight_present(text: str, chosen: Sequence[tuple[Term, float]]) -> float:
    """The query weight a quote contains (stems as substrings: fast, rarely wrong).

    Every chosen term counts here, including the common ones the index query left out.
    """
    lowered = text[:3000].lower()
    return sum(w for t, w in chosen if t.stem in lowered)


def _length_norm(chars: int, avg_chars: float, k1: float = 1.2, b: float = 0.75) -> float:
    """BM25's length normalisation: a long complaint mentions many words by chance."""
    return (k1 + 1) / (1 + k1 * (1 - b + b * chars / avg_chars))


def _terms_present(text: str, chosen: Sequence[tuple[Term, float]]) -> int:
    lowered = text[:3000].lower()
    return sum(1 for t, _ in chosen if t.stem in lowered)


def _recency(created: str | None, today: date) -> float:
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


_TOKEN = re.compile(r"[a-z0-9]+")


def _shingles(text: str) -> frozenset[str]:
    """The words of a quote's opening, enough to tell a copy from a different quote."""
    return frozenset(_TOKEN.findall(text[:400].lower()))


def _near_duplicate(mine: frozenset[str], kept: list[frozenset[str]]) -> bool:
    if mine in kept:
        return True
    for other in kept:
        union = len(mine | other)
        if union and len(mine & other) / union >= 0.7:
            return True
    return False


def search_terms(
    store: Store,
    terms: Sequence[Term],
    *,
    limit: int = 5,
    team_id: str = "",
    exclude_ids: Collection[int] = (),
    today: date | None = None,
    min_coverage: float = 0.0,
    min_terms: int = 1,
    query: Sequence[tuple[str, float]] = (),
    clicks: Clicks | None = None,
    semantic: bool = True,
    channel_id: str | None = None,
    theme: str = "",
    theme_of: Callable[[int], str | None] | None = None,
) -> SearchResult:
    """Search with weighted terms (from `topic.conversation_terms`).

    `min_coverage` and `min_terms` say how much of the conversation a quote must
    contain to be shown: the bot would rather stay quiet than quote off-topic.
    `query` is the same conversation as weighted texts (`topic.conversation_texts`),
    for the hybrid ranking when search by meaning is installed (`semantic=False`
    keeps a search lexical); `clicks` are a channel's votes, which re-rank the answer.
    `channel_id` is where the answer is shown: a private channel's quotes are found there only.
    `theme` (a label) keeps the answer inside that theme where any candidate carries it;
    `theme_of` says the theme of a quote with no label (its cluster), where themes were found.
    """
    stats = corpus_stats(store)
    chosen = choose_terms(terms, stats)
    names = tuple(t.word for t, _ in chosen)
    placing = _start_hybrid(store, query, chosen, limit, team_id, channel_id) if semantic else None
    pool, capped = (_candidates(store, _index_terms(chosen, stats), stats, team_id, channel_id) if chosen
                    else ({}, False))
    hybrid = _hybrid(placing)
    if hybrid is not None:
        hybrid.widen(pool)
    if not pool:
        return SearchResult(names, [], NO_EVIDENCE)
    found = store.quotes.candidates(pool, team_id, exclude_ids, channel_id)
    today = today or date.today()
    total = sum(w for _, w in chosen) or 1.0
    scored = []
    for quote in found:
        weight = _weight_present(quote.text, chosen)
        norm = _length_norm(len(quote.text), stats.avg_chars)
        score = (weight * norm + 0.01 * quote.relevance) * (1.0 + _recency(quote.created, today))
        # Coverage counts for less in a long text, which mentions many words by chance.
        scored.append((score, weight / total * min(1.0, norm), quote))
    scored.sort(key=lambda item: item[0], reverse=True)
    needed = min(min_terms, len(chosen))
    scored = [item for item in scored if _terms_present(item[2].text, chosen) >= needed
              or (hybrid is not None and item[2].id in hybrid.neighbours)]
    floor = None
    if hybrid is not None:
        scored, floor = hybrid.rerank(scored, today)
    if clicks is not None:
        scored = reshape(store, scored, clicks)
    if theme:
        scored = _inside(scored, theme, theme_of)
    quotes, relevant = _select(scored, limit, min_coverage, floor)
    # The terms the answer matched come from the best quote that has any: with
    # search by meaning the top quote may match in meaning only (lexically: always the top one).
    anchor = next((q for q in quotes if _terms_present(q.text, chosen)), quotes[0] if quotes else None)
    lowered = anchor.text.lower() if anchor else ""
    matched = tuple(t.word for t, _ in chosen if t.stem in lowered)
    limit = stats.docs * COMMON_SHARE
    specific = tuple(t.word for t, _ in chosen if t.stem in lowered and stats.df[t.stem] <= limit)
    if hybrid is None:
        return SearchResult(names, quotes, _evidence(relevant, capped), matched, specific)
    return SearchResult(names, quotes, _evidence(relevant, capped), matched, specific,
                        hybrid.closeness, hybrid.theme, hybrid.theme_share)


def _inside(scored: list[tuple[float, float, Candidate]], theme: str,
            theme_of: Callable[[int], str | None] | None = None) -> list[tuple[float, float, Candidate]]:
    """Only the candidates of the theme (by label, or by cluster for an unlabelled quote), in
    their order; all of them when none is (a theme this workspace has no quote of)."""
    kept = [item for item in scored if theme in item[2].labels
            or (not item[2].labels and theme_of is not None and theme_of(item[2].id) == theme)]
    return kept or scored


def _select(scored: list[tuple[float, float, Candidate]], limit: int, min_coverage: float,
            floor: float | None = None) -> tuple[list[Quote], list[Candidate]]:
    """Best quotes, skipping near-duplicates; plus every candidate relevant enough to count
    (scoring at least `floor`, by default half the best score)."""
    quotes: list[Quote] = []
    kept: list[frozenset[str]] = []
    relevant: list[Candidate] = []
    best = scored[0][0] if scored else 0.0
    floor = best * 0.5 if floor is None else floor
    for score, coverage, candidate in scored:
        if score >= floor:
            relevant.append(candidate)
        if len(quotes) >= limit or coverage < min_coverage:
            continue
        words = _shingles(candidate.text)
        if _near_duplicate(words, kept):
            continue
        kept.append(words)
        quotes.append(candidate.quote(score, coverage))
    return quotes, relevant


def _evidence(found: Sequence[Candidate], capped: bool) -> Evidence:
    """How many quotes bear on it, from how many sources: strong takes ten from two or more
    sources; three or more (from anywhere) are some; one or two are thin (maybe one customer)."""
    if not found:
        return NO_EVIDENCE
    sources = tuple(sorted({c.source for c in found}))
    dates = sorted(c.created[:10] for c in found if c.created)
    count = len(found)
    if count >= 10 and len(sources) >= 2:
        strength = "strong"
    elif count >= 3:
        strength = "some"
    else:
        strength = "single"
    return Evidence(count, sources, dates[0] if dates else None, dates[-1] if dates else None,
                    strength, capped and count >= BOUNDED_CANDIDATES // 2)


def search_quotes(
    store: Store,
    text: str,
    *,
    limit: int = 5,
    team_id: str = "",
    exclude_ids: Collection[int] = (),
    today: date | None = None,
) -> SearchResult:
    """Quotes relevant to free text: a topic, a sentence, or pasted meeting notes."""
    return search_terms(store, conversation_terms([text]), limit=limit, team_id=team_id,
                        exclude_ids=exclude_ids, today=today, query=conversation_texts([text]))


# ---------------------------------------------------------------- hybrid (search by meaning)
# Without onnxruntime, switched off, or before any quote has a vector, `_hybrid` is None and nothing
# below runs: the lexical ranking above is the whole search.

SEMANTIC_NEIGHBOURS = 50  # nearest quotes by meaning that join the lexical candidates ...
NEIGHBOUR_FLOOR = 0.4  # ... if they are that close at all: "quantum llamas" finds nothing
LEXICAL_SHARE = 0.1  # weight of BM25 (as a share of the best) beside cosine; tuned on half the benchmark
EVIDENCE_MARGIN = 0.1  # quotes within this of the best blended score count as evidence ...
EVIDENCE_FLOOR = 0.45  # ... if they reach this at all (cosine of unrelated banking texts: ~0.2)
# Theme first: the labels (intents, ticket categories) of the quotes nearest in meaning vote
# on what the conversation is about, and every candidate carrying a winning label gains up to
# THEME_SHARE. Tuned on the odd lines of bench/meeting.py (0.15-1.0 tried; 10-40 voters).
THEME_SHARE = 0.5
THEME_VOTERS = 20


@dataclass
class _Hybrid:
    """The query's embedding against the stored ones: widens and re-ranks the candidates."""

    near: Neighbourhood
    neighbours: frozenset[int]
    closeness: float = 0.0
    theme: str = ""
    theme_share: float = 0.0

    def widen(self, pool: dict[int, float]) -> None:
        """Quotes close in meaning join the pool even when they share no word with the query."""
        for feedback_id in self.neighbours:
            pool.setdefault(feedback_id, 0.0)

    def rerank(self, scored: list[tuple[float, float, Candidate]], today: date
               ) -> tuple[list[tuple[float, float, Candidate]], float]:
        """Cosine plus a share of the lexical score; coverage may come from meaning too.

        Returns the new order and the score a quote needs to count as evidence.
        """
        sims = self.near.similarity([quote.id for _, _, quote in scored])
        unknown = sum(sims.values()) / len(sims) if sims else 0.0  # not embedded yet
        best_lexical = max((score for score, _, _ in scored), default=0.0) or 1.0
        blended = []
        for score, coverage, quote in scored:
            cosine = sims.get(quote.id, unknown)
            value = cosine + LEXICAL_SHARE * score / best_lexical + 0.2 * _recency(quote.created, today)
            blended.append((value, max(coverage, _semantic_coverage(cosine)), quote))
        blended.sort(key=lambda item: item[0], reverse=True)
        blended, self.theme, self.theme_share = _by_theme(blended, sims)
        self.closeness = max(sims.values(), default=0.0)
        best = blended[0][0] if blended else 0.0
        return blended, min(best, max(best - EVIDENCE_MARGIN, EVIDENCE_FLOOR))  # the best always counts


def _by_theme(blended: list[tuple[float, float, Candidate]], sims: dict[int, float]
              ) -> tuple[list[tuple[float, float, Candidate]], str, float]:
    """Theme first: the labels the quotes nearest in meaning agree on lift every quote
    that carries them, so the answer stays on one customer problem rather than mixing
    five near misses. Returns the new order, the leading theme and its share of the vote.

    A quote without labels (a message captured in Slack, an unlabelled export) cannot
    show its theme: it gains as much as the leading theme when it is at least as close
    in meaning as the quotes that voted, and nothing otherwise.
    """
    votes: dict[str, float] = {}
    voters = sorted(((sims[q.id], q) for _, _, q in blended if q.id in sims), key=lambda p: p[0],
                    reverse=True)[:THEME_VOTERS]
    for cosine, quote in voters:
        for label in quote.labels:
            votes[label] = votes.get(label, 0.0) + max(cosine, 0.0)
    total = sum(votes.values())
    if not total:
        return blended, "", 0.0
    theme = max(votes, key=lambda label: votes[label])
    leading, weakest_voter = votes[theme], voters[-1][0]
    out = []
    for value, coverage, quote in blended:
        if quote.labels:
            share = max(votes.get(label, 0.0) for label in quote.labels)
        else:
            share = leading if sims.get(quote.id, -1.0) >= weakest_voter else 0.0
        out.append((value + THEME_SHARE * share / total, coverage, quote))
    out.sort(key=lambda item: item[0], reverse=True)
    return out, theme, leading / total


def _semantic_coverage(cosine: float) -> float:
    """How much of the conversation a quote covers in meaning: 0 below cosine 0.35, all from 0.7.

    Lets a paraphrase pass `min_coverage` (0.2 for an asked question: cosine 0.42;
    0.45 for an unprompted post: cosine 0.51) without sharing the query's words.
    """
    return min(1.0, max(0.0, (cosine - 0.35) / 0.35))


def _start_hybrid(store: Store, query: Sequence[tuple[str, float]], chosen: Sequence[tuple[Term, float]],
                  limit: int, team_id: str = "", channel_id: str | None = None
                  ) -> Future[Neighbourhood | None] | None:
    """Start embedding the query (on a worker thread, while the lexical candidates are found);
    None without onnxruntime, when switched off, or before any quote has a vector. The
    neighbours are chosen among the quotes this workspace may see in this channel."""
    from . import semantic

    texts = list(query) or [(" ".join(t.word for t, _ in chosen), 1.0)]
    return semantic.start_neighbourhood(store, texts, max(SEMANTIC_NEIGHBOURS, 2 * limit), NEIGHBOUR_FLOOR,
                                        team_id, channel_id)


def _hybrid(placing: Future[Neighbourhood | None] | None) -> _Hybrid | None:
    near = placing.result() if placing is not None else None
    return _Hybrid(near, frozenset(near.found)) if near is not None else None
