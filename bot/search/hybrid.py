"""Meaning in the ranking: the quotes nearest the conversation by meaning join the word
matches, and all are re-ranked by cosine, theme first.

Without onnxruntime, switched off, or before any quote has a vector, `start` gives None
and nothing here runs: the lexical ranking is the whole search.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ..models import Candidate
from .conversation import Term
from .lexical import recency

if TYPE_CHECKING:
    from concurrent.futures import Future

    from ..store import Store
    from .semantic import Neighbourhood

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
class Hybrid:
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
            value = cosine + LEXICAL_SHARE * score / best_lexical + 0.2 * recency(quote.created, today)
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


def start(store: Store, query: Sequence[tuple[str, float]], chosen: Sequence[tuple[Term, float]],
                  limit: int, team_id: str = "", channel_id: str | None = None
                  ) -> Future[Neighbourhood | None] | None:
    """Start embedding the query (on a worker thread, while the lexical candidates are found);
    None without onnxruntime, when switched off, or before any quote has a vector. The
    neighbours are chosen among the quotes this workspace may see in this channel."""
    from . import semantic

    texts = list(query) or [(" ".join(t.word for t, _ in chosen), 1.0)]
    return semantic.start_neighbourhood(store, texts, max(SEMANTIC_NEIGHBOURS, 2 * limit), NEIGHBOUR_FLOOR,
                                        team_id, channel_id)


def finish(placing: Future[Neighbourhood | None] | None) -> Hybrid | None:
    near = placing.result() if placing is not None else None
    return Hybrid(near, frozenset(near.found)) if near is not None else None
