"""The digest, "What our customers are saying", as plain data.

`build_digest` computes it at send time for one channel and period: how many quotes came
in and the change against the period before, the themes customers raised (with counts,
trend and one representative quote each), the most severe new complaints, and the
decisions made in that channel with whether the team answered the customer question.
`bot.digests.render` turns it into words; the Slack adapter lays out the same pieces in
Block Kit.

Severity of a complaint is scored from what the data has, strongest signals first:

- words of harm: fraud, scam, stolen/theft, unauthorized, hacked, charged twice, locked
  out, can't access, lost money (3 points each, at most 6); harassment, threats,
  foreclosure, garnishment, eviction, lawsuits, refused refunds (1.5 each, at most 3);
- a low rating, where the source has one, on the common 0..1 scale (`models.Rating`): the
  worst marks (1 star, NPS 0-1, CSAT bad, thumbs down) +3, low ones (2 stars, NPS 2-3,
  Intercom's "Bad") +2, any other unhappy one (an NPS detractor, 4-6) +1;
- weak signals: length (up to +0.5 at 1,500 characters: an upset customer writes more)
  and exclamation marks (+0.25 each, at most +1).

A complaint needs 3 points (one word of harm, or one of the worst ratings) to be called
severe; ties go to the newer one.

Besides, the digest counts the unhappy ratings among the period's quotes, scale by scale
(detractors among NPS scores, one and two stars, CSAT bad): `rating_counts`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..models import Decision, Due, Period, PeriodQuote, Rating, zone
from ..search.conversation import stem, words
from ..store import Store
from ..text import shorten
from .themes import TOPIC, Theme, ThemeCount, TrackedTopic, counts_by_period, theme_counts

SUMMARY_THEMES = 3
DETAIL_THEMES = 6
EXTRA_TOPICS = 3  # tracked topics shown beyond the top themes, when customers raised them
FADING_THEMES = 2
SEVERE_SHOWN = 3
SEVERE_MIN = 3.0
WORST_RATING, LOW_RATING = 0.1, 0.3  # on the common 0..1 scale: see the module doc
SEVERITY_SAMPLE = 20_000
CANDIDATES = 200  # quotes of a theme read to pick its representative one
CHART_THEMES = 5
CHART_PERIODS = 6
CHART_MAX_PERIOD = timedelta(days=92)  # longer periods make a chart of years; text says it better

_STRONG = {
    "fraud": r"fraud\w*", "scam": r"scam\w*", "stolen": r"stolen|\bstole\b|theft",
    "unauthorized": r"unauthori[sz]ed", "hacked": r"hack(?:ed|er|ers)\b",
    "charged twice": r"charged (?:me )?twice|double[- ]charged|charged two times"
                     r"|duplicate (?:charge|payment)",
    "locked out": r"lock(?:ed)? (?:me )?out",
    "can't access": r"(?:can'?t|cannot|can not|unable to|couldn'?t) (?:access|log ?in|sign in|get into)",
    "lost money": r"lost (?:my |all (?:of )?my |all )?(?:money|savings|funds)",
}
_MEDIUM = {
    "harass": r"harass\w*", "threat": r"threat\w*", "foreclosure": r"foreclos\w*",
    "garnish": r"garnish\w*", "evict": r"evict\w*", "lawsuit": r"lawsuit\w*|\bsued\b",
    "refund refused": r"(?:refus|denie|declin)\w* (?:a |my |to )?refund",
}
# Every pattern above contains one of these: most quotes are ruled out by fast substring tests.
_ANCHORS = ("fraud", "scam", "stol", "theft", "unauthori", "hack", "twice", "double", "two times",
            "duplicate", "lock", "access", "log in", "login", "sign in", "get into", "lost", "harass",
            "threat", "foreclos", "garnish", "evict", "lawsuit", "sued", "refund")
# One pass over lower-cased text, tried only at word starts: long complaints stay cheap.
_HARM = re.compile(r"\b(?:" + "|".join(f"(?P<s{i}>{p})" for i, p in enumerate(_STRONG.values())) + "|"
                   + "|".join(f"(?P<m{i}>{p})" for i, p in enumerate(_MEDIUM.values())) + ")")


@dataclass(frozen=True)
class Said:
    """A quote as the digest shows it; `day` is when it was said, or imported if undated."""

    id: int
    text: str
    source: str
    day: str
    dated: bool
    rating: Rating | None = None

    @classmethod
    def of(cls, found: PeriodQuote) -> Said:
        quote = found.quote
        day = (quote.date or found.imported_at)[:10]
        return cls(quote.id, quote.text, quote.source, day, bool(quote.date), quote.rated)


@dataclass(frozen=True)
class ThemeLine:
    """A theme in the digest: its counts and trend, and one representative quote."""

    count: ThemeCount
    quote: Said | None = None

    @property
    def theme(self) -> Theme:
        return self.count.theme


@dataclass(frozen=True)
class Complaint:
    """A severe new complaint and the signals that made it one."""

    quote: Said
    score: float
    mentions: tuple[str, ...]
    rating: Rating | None
    chars: int
    exclamations: int


@dataclass(frozen=True)
class DecisionLine:
    """A decision made in the channel in the period, with the quotes shown with it."""

    decision: Decision
    evidence: tuple[Said, ...]
    evidence_count: int


@dataclass(frozen=True)
class Trend:
    """Quotes per period for the top themes, oldest period first (the chart's data)."""

    labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[int, ...]], ...]


@dataclass(frozen=True)
class RatingCount:
    """How many of the period's quotes were rated on one scale, and how many of those unhappily."""

    scale: str
    rated: int
    unhappy: int


@dataclass(frozen=True)
class Digest:
    """One channel's digest for one period, as plain data."""

    team_id: str
    channel_id: str
    period: Period
    tz: str
    total: int
    previous_total: int
    themes: tuple[ThemeLine, ...] = ()
    severe: tuple[Complaint, ...] = ()
    decisions: tuple[DecisionLine, ...] = ()
    late: bool = False
    due_at: datetime | None = None
    trend: Trend | None = None
    topics: tuple[str, ...] = field(default=())
    ratings: tuple[RatingCount, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing to report: no quotes and no decisions in the period (no post is made)."""
        return not self.total and not self.decisions

    @property
    def top(self) -> tuple[ThemeLine, ...]:
        return tuple(t for t in self.themes if t.count.count)[:SUMMARY_THEMES]


def build_digest(store: Store, due: Due, topics: Sequence[TrackedTopic] = (),
                 chart: bool = False) -> Digest:
    """Compute a channel's digest for `due.period` from what is stored now."""
    period, team, channel = due.period, due.team_id, due.channel_id
    store.themes.index_time()
    previous, total = counts_by_period(store, team, [period.before(), period], channel_id=channel)
    counts = theme_counts(store, team, period, topics, channel) if total or previous else []
    severe = severe_complaints(store, team, period, channel) if total else ()
    used = {c.quote.id for c in severe}  # each quote once: themes pick others where they can
    themes = tuple(ThemeLine(c, _representative(store, team, period, c, topics, used, channel))
                   for c in _choose_themes(counts))
    return Digest(team, channel, period, due.tz, total, previous, themes, severe,
                  decision_lines(store, team, channel, period), due.late, due.due_at,
                  trend(store, team, period, themes, topics, due.tz, channel) if chart and total else None,
                  tuple(t.name for t in topics), rating_counts(store, team, period, channel) if total else ())


def _choose_themes(counts: list[ThemeCount]) -> list[ThemeCount]:
    """The top themes, tracked topics customers raised, and the themes fading most."""
    active = [c for c in counts if c.count]
    chosen = active[:DETAIL_THEMES]
    chosen += [c for c in active if c.theme.kind == TOPIC and c not in chosen][:EXTRA_TOPICS]
    fading = sorted((c for c in counts if c.trend == "fading" and c not in chosen),
                    key=lambda c: (c.count - c.previous, c.theme.name.lower()))
    return chosen + fading[:FADING_THEMES]


def _representative(store: Store, team: str, period: Period, count: ThemeCount,
                    topics: Sequence[TrackedTopic], used: set[int],
                    channel: str | None = None) -> Said | None:
    """The quote that sounds most like the rest of its theme (its words are the theme's
    common words), of a readable length, not shown already for another theme."""
    if not count.count:
        return None
    found = store.themes.newest(team, period, count.theme.where(topics), CANDIDATES, channel)
    found = [f for f in found if f.quote.id not in used] or found
    if not found:
        return None
    stems = [{stem(w) for w in words(f.quote.text[:2000])} for f in found]
    common = Counter(s for doc in stems for s in doc)
    best = max(range(len(found)), key=lambda i: (_typicality(stems[i], common, len(found[i].quote.text)), -i))
    used.add(found[best].quote.id)
    return Said.of(found[best])


def _typicality(doc: set[str], common: Counter[str], chars: int) -> float:
    score = sum(common[s] for s in doc) / (len(doc) + 3)
    if chars < 30:
        score *= 0.7
    elif chars > 500:
        score *= 0.6
    return score


def severity(text: str, rating: Rating | None = None) -> tuple[float, tuple[str, ...]]:
    """A complaint's severity score and the words of harm it contains (see the module doc)."""
    lowered = text.lower().replace("\u2019", "'")
    strong: dict[str, str] = {}
    medium: dict[str, str] = {}
    harmful = any(anchor in lowered for anchor in _ANCHORS)
    for match in _HARM.finditer(lowered) if harmful else ():
        group = match.lastgroup or ""
        found = strong if group.startswith("s") else medium
        found.setdefault(group, match.group(0))
    score = min(6.0, 3.0 * len(strong)) + min(3.0, 1.5 * len(medium))
    if rating is not None:
        score += rating_weight(rating)
    score += 0.5 * min(1.0, len(text) / 1500) + 0.25 * min(4, text.count("!"))
    return score, tuple(dict.fromkeys(m.lower() for m in (*strong.values(), *medium.values())))


def rating_weight(rating: Rating) -> float:
    """What a rating adds to a complaint's severity (see the module doc)."""
    if rating.value <= WORST_RATING:
        return 3.0
    if rating.value <= LOW_RATING:
        return 2.0
    return 1.0 if rating.unhappy else 0.0


def rating_counts(store: Store, team: str, period: Period,
                  channel: str | None = None) -> tuple[RatingCount, ...]:
    """The period's rated quotes and unhappy ones per scale, the most rated scale first."""
    rated: Counter[str] = Counter()
    unhappy: Counter[str] = Counter()
    for scale, value, count in store.themes.ratings(team, period, channel):
        rating = Rating.stored(value, scale)
        if rating is not None:
            rated[rating.scale] += count
            unhappy[rating.scale] += count if rating.unhappy else 0
    return tuple(RatingCount(scale, count, unhappy[scale]) for scale, count in rated.most_common())


def severe_complaints(store: Store, team: str, period: Period,
                      channel: str | None = None) -> tuple[Complaint, ...]:
    """The most severe quotes of the period (new since the last digest), no near-copies."""
    scored = []
    for found in store.themes.newest(team, period, limit=SEVERITY_SAMPLE, channel_id=channel):
        score, mentions = severity(found.quote.text, found.rating)
        if score >= SEVERE_MIN:
            scored.append((score, mentions, found))
    scored.sort(key=lambda item: -item[0])  # stable: newest first among equals
    chosen: list[Complaint] = []
    seen: list[frozenset[str]] = []
    for score, mentions, found in scored:
        text = found.quote.text
        shingles = frozenset(re.findall(r"[a-z0-9]+", text[:400].lower()))
        if any(_similar(shingles, other) for other in seen):
            continue
        seen.append(shingles)
        chosen.append(Complaint(Said.of(found), score, mentions, found.rating, len(text), text.count("!")))
        if len(chosen) >= SEVERE_SHOWN:
            break
    return tuple(chosen)


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    union = len(a | b)
    return bool(union) and len(a & b) / union >= 0.7


def decision_lines(store: Store, team: str, channel: str,
                   period: Period) -> tuple[DecisionLine, ...]:
    """Decisions logged in the channel in the period, oldest first, with their evidence."""
    start, end = period.start.timestamp(), period.end.timestamp()
    found = [d for d in store.decisions.list(team, channel, since=start, limit=50) if d.created_at < end]
    lines = []
    for decision in reversed(found):
        quotes = [q for q in (store.quotes.get(i, team, channel) for i in decision.evidence[:1])
                  if q is not None]
        evidence = tuple(Said(q.id, q.text, q.source, (q.date or "")[:10], bool(q.date), q.rated)
                         for q in quotes)
        lines.append(DecisionLine(decision, evidence, len(decision.evidence)))
    return tuple(lines)


def trend(store: Store, team: str, period: Period, themes: Sequence[ThemeLine],
          topics: Sequence[TrackedTopic], tz: str = "UTC", channel: str | None = None) -> Trend | None:
    """Quotes per period over the last CHART_PERIODS periods, for the top themes."""
    top = [t for t in themes if t.count.count][:CHART_THEMES]
    if not top or period.length > CHART_MAX_PERIOD:
        return None
    periods = [period.before(n) for n in range(CHART_PERIODS - 1, -1, -1)]
    spelling = "%m-%d" if period.length <= timedelta(days=8) else "%Y-%m-%d"
    labels = tuple(p.end.astimezone(zone(tz)).strftime(spelling) for p in periods)  # each period's end
    series = tuple((shorten(t.theme.name, 32),
                    tuple(counts_by_period(store, team, periods, t.theme, topics, channel))) for t in top)
    return Trend(labels, series)


