"""A belief over the corpus's themes, kept for a channel's conversation.

Each message casts a vote: its nearest quotes by meaning vote for their labels, the
closest ones far more (weight e^(20·cosine)), so a message about swallowed cards votes
for `card_swallowed` even when no word is shared. The conversation's belief adds the
messages' votes, the newest weighing most, each weighted by how customer-like the
message is: how close it comes to any customer's words at all, against how close it comes
to the team's own talk (`wordlists/team_talk.txt`: the corporate card for the team lunch,
the VPN password that expired). "Can everyone see my screen?" moves it little. The
channel's topic and purpose vote a little too.

Why votes per message rather than one vote on the whole conversation: an aside
("who's bringing snacks?") then fades on its own instead of dragging the conversation's
mean away from the customer problem, and a message's vote is computed once and cached.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..search import semantic
from ..search.conversation import clean_text
from ..search.jargon import plain
from ..store import Store
from . import themes

if TYPE_CHECKING:
    import numpy as np

VOTERS = 10  # nearest quotes that vote on a message's theme
SHARPNESS = 20.0  # a vote weighs e^(SHARPNESS·cosine): the closest quotes decide
DECAY = 0.6  # each older message counts this much less than the next
CONTEXT_WEIGHT = 0.3  # the channel's topic and purpose, beside the newest message's 1
# How customer-like a message is, from the cosine of its closest quote: nothing below
# FAR (no customer said anything like it), fully from NEAR on.
FAR, NEAR = 0.25, 0.55
# ... and how much more it is like a customer's words than like the team's own talk: not at
# all when the team's talk is TEAM_MARGIN closer than any quote, fully from TEAM_WIDTH beyond.
TEAM_MARGIN, TEAM_WIDTH = 0.15, 0.15
CUSTOMER_MESSAGES = 3  # the last messages whose customer-likeness the belief reports
TEAM_TALK = Path(__file__).resolve().parent / "wordlists" / "team_talk.txt"


@dataclass(frozen=True)
class Vote:
    """One message's view: each theme's share of its nearest quotes' vote, and how close
    the closest of them is (0 when the corpus has no vectors to compare with)."""

    shares: dict[str, float]
    closeness: float
    team: float = -1.0  # cosine of the closest sentence of team talk (-1: not compared)

    @property
    def customer(self) -> float:
        """0-1: how much more the message is like a customer's words than like team talk."""
        return _ramp(self.closeness - self.team + TEAM_MARGIN, 0.0, TEAM_WIDTH)

    @property
    def weight(self) -> float:
        """How much this message may move the belief: how customer-like it is."""
        return _ramp(self.closeness, FAR, NEAR) * self.customer


def _ramp(value: float, low: float, high: float) -> float:
    return min(1.0, max(0.0, (value - low) / (high - low)))


NO_VOTE = Vote({}, 0.0)


@dataclass(frozen=True)
class Belief:
    """What the conversation is about: the leading theme, its share of the belief, and
    whether it led before the latest message too (a topic, not a passing remark)."""

    theme: str
    share: float
    closeness: float  # of the latest message to its closest quote
    held: bool
    shares: dict[str, float] = field(default_factory=dict)
    customer: float = 0.0  # how customer-like the last few messages are, 0-1 (`Vote.customer`)
    messages: int = 0  # how many messages it was built from

    @property
    def known(self) -> bool:
        return bool(self.theme)


UNKNOWN = Belief("", 0.0, 0.0, False)


def believe(votes: Sequence[Vote], context: Sequence[Vote] = (), decay: float = DECAY,
            bias: dict[str, float] | None = None) -> Belief:
    """The belief after the last of `votes` (oldest first), with the channel's `context`
    votes; `bias` multiplies a theme's weight (what the channel taught the customer)."""
    if not votes:
        return UNKNOWN
    now = _mixed(votes, context, decay, bias)
    before = _mixed(votes[:-1], context, decay, bias) if len(votes) > 1 else {}
    recent = votes[-CUSTOMER_MESSAGES:]
    customer = sum(v.customer for v in recent) / len(recent)
    if not now:
        return Belief("", 0.0, votes[-1].closeness, False, customer=customer, messages=len(votes))
    theme = max(now, key=lambda label: now[label])
    held = bool(before) and max(before, key=lambda label: before[label]) == theme
    return Belief(theme, now[theme], votes[-1].closeness, held, now, customer, len(votes))


def _mixed(votes: Sequence[Vote], context: Sequence[Vote], decay: float,
           bias: dict[str, float] | None) -> dict[str, float]:
    """The themes' shares of the decayed, customer-weighted sum of the votes."""
    weighted = [(vote, decay**age * vote.weight) for age, vote in enumerate(reversed(votes))]
    weighted += [(vote, CONTEXT_WEIGHT * vote.weight) for vote in context]
    total: dict[str, float] = {}
    for vote, weight in weighted:
        if weight <= 0:
            continue
        for label, share in vote.shares.items():
            total[label] = total.get(label, 0.0) + weight * share * (bias or {}).get(label, 1.0)
    whole = sum(total.values())
    return {label: value / whole for label, value in total.items()} if whole > 0 else {}


# ---------------------------------------------------------------- a message's vote

_CACHE_SIZE = 4096
_cache: OrderedDict[tuple, Vote] = OrderedDict()
_cache_lock = threading.Lock()


def vote(store: Store, text: str, team_id: str = "", channel_id: str | None = None) -> Vote:
    """The themes the quotes nearest to `text` agree on, among those the workspace may see
    in the channel; NO_VOTE where search by meaning cannot run or nothing is labelled.

    Cached by database, its statistics, the workspace, channel and text: a conversation's
    belief is recomputed after every message from its last few messages, each voted once.
    """
    cleaned = clean_text(plain(text)).strip()
    if not cleaned:
        return NO_VOTE
    key = (store.key, store.quotes.stats_generation(), team_id, channel_id, cleaned[-4000:])
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    found = _vote(store, cleaned[-4000:], team_id, channel_id)
    with _cache_lock:
        _cache[key] = found
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return found


def _vote(store: Store, text: str, team_id: str, channel_id: str | None) -> Vote:
    placing = semantic.start_neighbourhood(store, [(text, 1.0)], VOTERS, -1.0, team_id, channel_id)
    near = placing.result() if placing is not None else None
    if near is None or not near.found:
        return NO_VOTE
    sims = near.similarity(list(near.found))
    found = themes.clusters(store)
    labels = {feedback_id: themes.labels_or_theme(found, feedback_id, labs)
              for feedback_id, _, labs in store.quotes.text_and_labels(list(sims))}
    return from_neighbours([(sims[i], labels.get(i, ())) for i in sims], team_closeness(near.vector))


def team_closeness(vector: np.ndarray) -> float:
    """Cosine of the sentence of team talk closest to a message's vector (-1 with none)."""
    bank = _team_vectors(semantic.model_key())
    return float((bank @ vector).max()) if len(bank) else -1.0


@lru_cache(maxsize=4)
def _team_vectors(model: str) -> np.ndarray:
    """The team-talk sentences, embedded once per process and model."""
    import numpy as np

    sentences = [line.strip() for line in TEAM_TALK.read_text(encoding="utf-8").splitlines()
                 if line.strip() and not line.lstrip().startswith("#")]
    if not sentences:
        return np.zeros((0, 1), dtype=np.float32)
    return semantic.embedder().embed(sentences, semantic.QUERY_TOKENS)


def from_neighbours(neighbours: Sequence[tuple[float, Sequence[str]]], team: float = -1.0) -> Vote:
    """A vote from (cosine, labels) pairs of the nearest quotes. A quote with several labels
    splits its weight; an unlabelled one votes for nothing but still shows closeness."""
    if not neighbours:
        return NO_VOTE
    closeness = max(cosine for cosine, _ in neighbours)
    votes: dict[str, float] = {}
    for cosine, labels in neighbours:
        for label in labels:
            votes[label] = votes.get(label, 0.0) + math.exp(SHARPNESS * (cosine - closeness)) / len(labels)
    whole = sum(votes.values())
    return Vote({label: v / whole for label, v in votes.items()} if whole else {}, closeness, team)
