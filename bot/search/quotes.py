"""The bot's one search: the quotes that bear on what a team is talking about.

Candidates by words (`lexical`) and by meaning (`hybrid`), ranked theme first, the
channel's clicks (`feedback`), then the best few without near-duplicates and the evidence
behind them. The customer's unprompted posts, its answers to a decision, a slash command,
a mention, `empty-chair search` and the digests all come through `search_terms`; a
theme chosen by `topic` keeps the answer inside it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ..models import NO_EVIDENCE, Candidate, Evidence, Quote
from . import hybrid as meaning
from .conversation import Term, conversation_terms, conversation_texts
from .feedback import Clicks, reshape
from .lexical import (
    BOUNDED_CANDIDATES,
    COMMON_SHARE,
    candidates,
    choose_terms,
    corpus_stats,
    index_terms,
    length_norm,
    recency,
    terms_present,
    weight_present,
)

if TYPE_CHECKING:
    from ..store import Store

@dataclass(frozen=True)
class SearchResult:
    """Quotes, best first, and the evidence behind them."""

    terms: tuple[str, ...]
    quotes: list[Quote]
    evidence: Evidence
    matched_terms: tuple[str, ...] = field(default=())
    specific_terms: tuple[str, ...] = field(default=())  # matched, and not common in the corpus
    theme: str = ""  # by meaning: the label the quotes nearest the query agree on most ("" by words)

    @property
    def found(self) -> bool:
        return bool(self.quotes)


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
    placing = meaning.start(store, query, chosen, limit, team_id, channel_id) if semantic else None
    pool, capped = (candidates(store, index_terms(chosen, stats), stats, team_id, channel_id) if chosen
                    else ({}, False))
    hybrid = meaning.finish(placing)
    if hybrid is not None:
        hybrid.widen(pool)
    if not pool:
        return SearchResult(names, [], NO_EVIDENCE)
    found = store.quotes.candidates(pool, team_id, exclude_ids, channel_id)
    today = today or date.today()
    total = sum(w for _, w in chosen) or 1.0
    scored = []
    for quote in found:
        weight = weight_present(quote.text, chosen)
        norm = length_norm(len(quote.text), stats.avg_chars)
        score = (weight * norm + 0.01 * quote.relevance) * (1.0 + recency(quote.created, today))
        # Coverage counts for less in a long text, which mentions many words by chance.
        scored.append((score, weight / total * min(1.0, norm), quote))
    scored.sort(key=lambda item: item[0], reverse=True)
    needed = min(min_terms, len(chosen))
    scored = [item for item in scored if terms_present(item[2].text, chosen) >= needed
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
    anchor = next((q for q in quotes if terms_present(q.text, chosen)), quotes[0] if quotes else None)
    lowered = anchor.text.lower() if anchor else ""
    matched = tuple(t.word for t, _ in chosen if t.stem in lowered)
    limit = stats.docs * COMMON_SHARE
    specific = tuple(t.word for t, _ in chosen if t.stem in lowered and stats.df[t.stem] <= limit)
    return SearchResult(names, quotes, _evidence(relevant, capped), matched, specific,
                        hybrid.theme if hybrid is not None else "")


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
