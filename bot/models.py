"""The records every room shares: plain dataclasses with no storage or Slack types in them.

The store returns these, the core passes them around, and the adapters render them;
so a second storage backend, the CLI and the Slack app all speak one vocabulary.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

WEEKLY, DAILY = "weekly", "daily"
SCHEDULED, MANUAL = "scheduled", "manual"


# -- quotes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    """One real customer's words, with where and when they said it."""

    id: int
    text: str
    source: str
    date: str | None
    score: float
    url: str | None = None
    labels: tuple[str, ...] = ()
    external_id: str = ""
    coverage: float = 0.0
    rating: float | None = None  # on the common scale, 0 (worst) to 1 (best); see `Rating`
    rating_scale: str | None = None

    @property
    def rated(self) -> Rating | None:
        return Rating.stored(self.rating, self.rating_scale)

    def as_dict(self) -> dict[str, object]:
        """`id` is the imported row's own id (a ticket number: what its owner recognises;
        `sha1:...` of the text where the export had none); `rowid` is this database's key.
        `rating` is on the common 0..1 scale, `rating_value` on the source's own."""
        rated = self.rated
        return {
            "id": self.external_id,
            "rowid": self.id,
            "text": self.text,
            "source": self.source,
            "date": self.date,
            "score": round(self.score, 4),
            "url": self.url,
            "labels": list(self.labels),
            "rating": round(rated.value, 4) if rated else None,
            "rating_scale": rated.scale if rated else None,
            "rating_value": rated.original if rated else None,
        }


# -- ratings --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """A scale customers rate on: its worst and best marks, and the highest mark that is an
    unhappy customer (a detractor on NPS, one or two stars, CSAT bad), on the scale itself."""

    name: str
    worst: float
    best: float
    unhappy: float
    about: str


# Stored as `rating_scale`; bot/ingest/ratings.py reads each from an export.
SCALES: dict[str, Scale] = {s.name: s for s in (
    Scale("stars5", 1, 5, 2, "1 to 5 stars (App Store, Google Play, Trustpilot, G2)"),
    Scale("nps10", 0, 10, 6, "0 to 10, how likely to recommend (NPS: 0-6 detractors, 9-10 promoters)"),
    Scale("score10", 0, 10, 4, "a score out of 10 that is not an NPS question (\"7/10\")"),
    Scale("csat5", 1, 5, 2, "satisfaction 1 to 5 (Intercom's Terrible, Bad, OK, Great, Amazing)"),
    Scale("csat2", 0, 1, 0, "satisfied or not (Zendesk's good and bad)"),
    Scale("thumbs2", 0, 1, 0, "thumbs up or down"),
    Scale("pct100", 0, 100, 40, "a percentage"),
)}
# What a rating stored with no scale was: before scales were kept, every rating was taken as
# the number in the export, and read as stars (a rating of 1 or 2 was a severe complaint).
LEGACY_SCALE = "stars5"


@dataclass(frozen=True)
class Rating:
    """A customer's score, kept on one common scale with the scale it was given on.

    The common scale runs from 0, the worst mark the customer's scale has, to 1, its best:
    stars start at 1, NPS at 0, CSAT has two marks, so only the distance from worst to best
    means the same on all of them. "The worst a customer could say" is then one test for
    every source (1 star, NPS 0, CSAT bad are all 0), while the source's own mark, which is
    what a reader recognises, is always recovered from the two (`original`).
    """

    value: float
    scale: str

    @classmethod
    def on(cls, mark: float, scale: str) -> Rating:
        """The rating of `mark` given on `scale` (which must hold it)."""
        s = SCALES[scale]
        return cls((mark - s.worst) / (s.best - s.worst), scale)

    @classmethod
    def stored(cls, value: float | None, scale: str | None) -> Rating | None:
        """A rating as the store keeps it; a row from before scales were kept holds the
        export's number itself, read as stars (anything outside 1..5 was never a star)."""
        if value is None:
            return None
        if scale is None:
            legacy = SCALES[LEGACY_SCALE]
            return cls.on(value, LEGACY_SCALE) if legacy.worst <= value <= legacy.best else None
        if scale not in SCALES:
            return None
        return cls(value, scale)

    @property
    def original(self) -> float:
        """The mark on the customer's own scale (4 stars, NPS 3), rounded off float noise."""
        s = SCALES[self.scale]
        mark = round(s.worst + self.value * (s.best - s.worst), 2)
        return int(mark) if mark == int(mark) else mark

    @property
    def unhappy(self) -> bool:
        """A detractor (NPS 0-6), one or two stars, CSAT bad, thumbs down."""
        return self.original <= SCALES[self.scale].unhappy



@dataclass(frozen=True)
class Evidence:
    """How much the customers said about it: enough to know one customer from many."""

    count: int
    sources: tuple[str, ...]
    first_date: str | None
    last_date: str | None
    strength: str  # "strong", "some", "single" or "none"
    capped: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "count": self.count,
            "count_is_lower_bound": self.capped,
            "sources": list(self.sources),
            "first_date": self.first_date,
            "last_date": self.last_date,
            "strength": self.strength,
        }



NO_EVIDENCE = Evidence(0, (), None, None, "none")



# -- meetings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """A message as the core sees it: no Slack types, just who said what, where and when."""

    team_id: str
    channel_id: str
    ts: str
    user_id: str | None
    text: str
    thread_ts: str | None = None

    @property
    def is_reply(self) -> bool:
        return bool(self.thread_ts) and self.thread_ts != self.ts

    @property
    def time(self) -> float:
        try:
            return float(self.ts)
        except ValueError:
            return time.time()



@dataclass
class Action:
    """What to do about one message; `kind` is quotes, decision, answer, hand or silent.

    A "hand" is the customer raising its hand: a theme it is not sure enough to speak on,
    shown in Slack as a reaction on `thread_ts` and heard only when someone answers it.
    `theme` is the corpus label (or cluster name) the talk is about, where there is one.
    """

    kind: str
    reason: str
    topic: str = ""
    quotes: list[Quote] = field(default_factory=list)
    evidence: Evidence = NO_EVIDENCE
    text: str = ""
    question: str = ""
    decision_id: int | None = None
    thread_ts: str | None = None
    decision: bool = False  # the message states a decision (asked about, or logged quietly)
    theme: str = ""  # the corpus's label the talk is about, as the corpus spells it

    @property
    def speaks(self) -> bool:
        return self.kind in ("quotes", "decision")

    def as_dict(self) -> dict[str, object]:
        return {
            "action": self.kind,
            "decision": self.decision,
            "reason": self.reason,
            "topic": self.topic,
            "theme": self.theme or None,
            "quotes": [q.external_id for q in self.quotes],  # the ids `search --json` gives
            "question": self.question or None,
            "evidence": self.evidence.as_dict(),
            "text": self.text,
        }


@dataclass(frozen=True)
class Hand:
    """A hand the customer raised in a channel: a reaction on message `ts`, about `theme`.

    `state` is open (raised, waiting), heard (someone answered it and got the quotes),
    declined (its quotes were marked not relevant), ignored (taken down unanswered: the
    talk moved on or its time ran out) or withdrawn (it never showed: Slack refused the
    reaction; it teaches nothing). `words` are the stems of the talk it was raised on, which
    the channel's answer is remembered for.
    """

    id: int
    team_id: str
    channel_id: str
    ts: str
    theme: str
    topic: str
    words: tuple[str, ...]
    emoji: str
    raised_at: float
    state: str
    closed_at: float | None = None
    heard_by: str | None = None
    quote_ids: tuple[int, ...] = ()

    @property
    def open(self) -> bool:
        return self.state == "open"


@dataclass(frozen=True)
class HandSettings:
    """Whether a channel lets the customer raise its hand, and with which emoji."""

    enabled: bool = True
    emoji: str = ""  # empty: the bot's default


@dataclass(frozen=True)
class Post:
    """One post the bot owes Slack, kept in the outbox from before its first try until it lands,
    or no longer makes sense (`expires_at`). Generic on purpose: a Web API `method` (or
    `response_url`) with its `payload`, and what to do once it lands (`after`)."""

    id: int
    kind: str  # why it is owed: decision, quotes, answer, intro, response, ...
    team_id: str
    method: str  # chat.postMessage, reactions.add, ..., or "response_url"
    payload: dict[str, Any]
    created_at: float
    expires_at: float
    attempts: int = 0
    next_at: float = 0.0
    unknown: bool = False  # a try may have landed unseen (a timeout, a crash): look before trying again
    first_try_at: float | None = None
    after: dict[str, Any] = field(default_factory=dict)
    status: str = "pending"  # pending, done (landed), dropped (expired or refused for good)
    ts: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Channel:
    team_id: str
    channel_id: str
    mode: str
    cooldown_seconds: int | None
    topic: str
    purpose: str
    joined_at: float | None
    last_post_at: float | None
    active: bool
    # Slack Connect: whether the channel is shared with another organisation (None: not known
    # yet), the names of those organisations, and the admin who allowed quotes here anyway.
    shared: bool | None = None
    shared_with: str = ""
    shared_allowed_by: str | None = None
    # A source channel: its members' messages are quotes ("people"; "bots": feedback tools'
    # posts too), under `source_name`; None: an ordinary channel.
    source: str | None = None
    source_name: str = ""


@dataclass(frozen=True)
class Decision:
    """One logged decision and whether the team answered for the customer."""

    id: int
    team_id: str
    channel_id: str
    ts: str
    user_id: str | None
    text: str
    question: str
    evidence: tuple[int, ...]
    created_at: float
    answer: str | None
    answered_by: str | None
    answered_at: float | None

    @property
    def answered(self) -> bool:
        return self.answer is not None



# -- digests --------------------------------------------------------------------------------------


LENGTHS = {WEEKLY: timedelta(days=7), DAILY: timedelta(days=1)}

@dataclass(frozen=True)
class Spec:
    """A parsed schedule: weekly on `weekday` (0 = Monday) or daily, at hour:minute in `tz`."""

    cadence: str
    hour: int
    minute: int
    tz: str
    weekday: int | None = None

    @property
    def zone(self) -> tzinfo:
        return zone(self.tz)

    @property
    def length(self) -> timedelta:
        """How long a first digest looks back: a week, or a day."""
        return LENGTHS[self.cadence]



@lru_cache(maxsize=512)
def zone(name: str) -> tzinfo:
    return UTC if name.upper() == "UTC" else ZoneInfo(name)



def utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)



def iso(moment: datetime) -> str:
    """The sortable UTC form periods are stored and compared in (as quote times are)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")



def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)



@dataclass(frozen=True)
class Period:
    """[start, end): what a digest covers, as aware UTC datetimes."""

    start: datetime
    end: datetime

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def before(self, count: int = 1) -> Period:
        """The period of the same length `count` periods earlier (the comparison)."""
        shift = self.length * count
        return Period(self.start - shift, self.end - shift)

    @property
    def bounds(self) -> tuple[str, str]:
        return iso(self.start), iso(self.end)



@dataclass(frozen=True)
class Schedule:
    """A channel's digest schedule as stored; `set_at` is epoch seconds."""

    team_id: str
    channel_id: str
    spec: Spec
    enabled: bool
    set_by: str | None
    set_at: float
    off_reason: str | None = None
    enterprise_id: str | None = None  # the workspace's Enterprise Grid organisation, if it has one



@dataclass(frozen=True)
class Due:
    """A digest to send now: whose, which period, and whether it is late."""

    team_id: str
    channel_id: str
    period: Period
    kind: str = SCHEDULED
    late: bool = False
    tz: str = "UTC"
    due_at: datetime | None = None



@dataclass(frozen=True)
class Run:
    """One row of the ledger; `status` is claimed, done, empty, cancelled or gap."""

    team_id: str
    channel_id: str
    kind: str
    period: Period
    status: str
    late: bool
    marker: str
    claimed_by: str
    first_claimed_at: float
    lease_until: float
    attempts: int
    ts: str | None
    details_ts: str | None
    chart: str | None
    note: str | None

    def takeover_due(self, now: float) -> bool:
        """A claim whose sender stopped renewing it (crashed, or gave it back to retry later)."""
        return self.status == "claimed" and self.lease_until <= now



@dataclass(frozen=True)
class Claim:
    """The right to send one run; `recovering` when a previous sender may have posted parts."""

    run: Run
    instance: str
    recovering: bool

    def key(self) -> tuple[str, str, str, str]:
        return (self.run.team_id, self.run.channel_id, self.run.kind, iso(self.run.period.end))




# -- quotes in a digest's period ------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteFilter:
    """Which quotes a digest theme covers, as values any backend can turn into its own query.

    `label`: quotes carrying this imported label. `words`: quotes matching this full-text
    query (quoted words, AND, OR, and `"word"*` for a prefix). `uncovered`: only quotes with
    no label that match none of `tracked` (the tracked topics' full-text queries), the ones
    salient terms are found in. Set parts must all hold.
    """

    label: str | None = None
    words: str | None = None
    uncovered: bool = False
    tracked: tuple[str, ...] = ()


@dataclass(frozen=True)
class PeriodQuote:
    """A quote as a digest reads it: `imported_at` dates it when the source has no dates,
    and `rating` (where the source has one) tells how upset the customer was."""

    quote: Quote
    imported_at: str

    @property
    def rating(self) -> Rating | None:
        return self.quote.rated


# -- search ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Candidate:
    """A quote a search is weighing, with how well its words matched the query.

    Not frozen: a search builds hundreds of these per query, and a frozen dataclass
    costs five times as much to create.
    """

    id: int
    text: str
    source: str
    created: str | None
    url: str | None
    labels: tuple[str, ...]
    external_id: str
    relevance: float  # full-text match, higher is better; 0 for a quote found by meaning alone
    rating: float | None = None
    rating_scale: str | None = None

    def quote(self, score: float, coverage: float) -> Quote:
        return Quote(self.id, self.text, self.source, self.created, score, self.url,
                     self.labels, self.external_id, coverage, self.rating, self.rating_scale)
