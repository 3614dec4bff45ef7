"""The digest, "What our customers are saying", as plain data, and as text.

`build_digest` computes it at send time for one channel and period: how many quotes came
in and the change against the period before, the themes customers raised (with counts,
trend and one representative quote each), the most severe new complaints, and the
decisions made in that channel with whether the team answered the customer question.
`render_text` prints it for a terminal (`empty-chair digest --dry-run`); the Slack adapter
lays out the same pieces in Block Kit. Every word comes from `prompts/digest.toml`.

Severity of a complaint is scored from what the data has, strongest signals first:

- words of harm: fraud, scam, stolen/theft, unauthorized, hacked, charged twice, locked
  out, can't access, lost money (3 points each, at most 6); harassment, threats,
  foreclosure, garnishment, eviction, lawsuits, refused refunds (1.5 each, at most 3);
- a low rating, where the source has one: 1 or less +3, 2 or less +2;
- weak signals: length (up to +0.5 at 1,500 characters: an upset customer writes more)
  and exclamation marks (+0.25 each, at most +1).

A complaint needs 3 points (one word of harm, or a rating of 1) to be called severe;
ties go to the newer one.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..models import Decision, Due, Period, utc, zone
from ..search.conversation import stem, words
from ..text import shorten
from ..voice import Voice
from .themes import (
    TOPIC,
    Theme,
    ThemeCount,
    TrackedTopic,
    counts_by_period,
    ensure_time_index,
    theme_counts,
    theme_rows,
)

SUMMARY_THEMES = 3
DETAIL_THEMES = 6
EXTRA_TOPICS = 3  # tracked topics shown beyond the top themes, when customers raised them
FADING_THEMES = 2
SEVERE_SHOWN = 3
SEVERE_MIN = 3.0
SEVERITY_SAMPLE = 20_000
CANDIDATES = 200  # quotes of a theme read to pick its representative one
QUOTE_CHARS = 300
CHART_THEMES = 5
CHART_PERIODS = 6
CHART_MAX_PERIOD = timedelta(days=92)  # longer periods make a chart of years; text says it better
NAME_CHARS = 60

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

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Said:
        created = row["created"]
        return cls(row["id"], row["text"], row["source"], (created or row["imported_at"])[:10], bool(created))


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
    rating: float | None
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

    @property
    def empty(self) -> bool:
        """Nothing to report: no quotes and no decisions in the period (no post is made)."""
        return not self.total and not self.decisions

    @property
    def top(self) -> tuple[ThemeLine, ...]:
        return tuple(t for t in self.themes if t.count.count)[:SUMMARY_THEMES]


def build_digest(conn: sqlite3.Connection, due: Due, topics: Sequence[TrackedTopic] = (),
                 chart: bool = False) -> Digest:
    """Compute a channel's digest for `due.period` from what is stored now."""
    period, team = due.period, due.team_id
    ensure_time_index(conn)
    previous, total = counts_by_period(conn, team, [period.before(), period])
    counts = theme_counts(conn, team, period, topics) if total or previous else []
    severe = severe_complaints(conn, team, period) if total else ()
    used = {c.quote.id for c in severe}  # each quote once: themes pick others where they can
    themes = tuple(ThemeLine(c, _representative(conn, team, period, c, topics, used))
                   for c in _choose_themes(counts))
    return Digest(team, due.channel_id, period, due.tz, total, previous, themes, severe,
                  decision_lines(conn, team, due.channel_id, period), due.late, due.due_at,
                  trend(conn, team, period, themes, topics, due.tz) if chart and total else None,
                  tuple(t.name for t in topics))


def _choose_themes(counts: list[ThemeCount]) -> list[ThemeCount]:
    """The top themes, tracked topics customers raised, and the themes fading most."""
    active = [c for c in counts if c.count]
    chosen = active[:DETAIL_THEMES]
    chosen += [c for c in active if c.theme.kind == TOPIC and c not in chosen][:EXTRA_TOPICS]
    fading = sorted((c for c in counts if c.trend == "fading" and c not in chosen),
                    key=lambda c: (c.count - c.previous, c.theme.name.lower()))
    return chosen + fading[:FADING_THEMES]


def _representative(conn: sqlite3.Connection, team: str, period: Period, count: ThemeCount,
                    topics: Sequence[TrackedTopic], used: set[int]) -> Said | None:
    """The quote that sounds most like the rest of its theme (its words are the theme's
    common words), of a readable length, not shown already for another theme."""
    if not count.count:
        return None
    rows = theme_rows(conn, team, period, count.theme, topics, CANDIDATES)
    rows = [r for r in rows if r["id"] not in used] or rows
    if not rows:
        return None
    stems = [{stem(w) for w in words(r["text"][:2000])} for r in rows]
    common = Counter(s for doc in stems for s in doc)
    best = max(range(len(rows)), key=lambda i: (_typicality(stems[i], common, len(rows[i]["text"])), -i))
    used.add(rows[best]["id"])
    return Said.from_row(rows[best])


def _typicality(doc: set[str], common: Counter[str], chars: int) -> float:
    score = sum(common[s] for s in doc) / (len(doc) + 3)
    if chars < 30:
        score *= 0.7
    elif chars > 500:
        score *= 0.6
    return score


def severity(text: str, rating: float | None = None) -> tuple[float, tuple[str, ...]]:
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
        score += 3.0 if rating <= 1 else 2.0 if rating <= 2 else 0.0
    score += 0.5 * min(1.0, len(text) / 1500) + 0.25 * min(4, text.count("!"))
    return score, tuple(dict.fromkeys(m.lower() for m in (*strong.values(), *medium.values())))


def severe_complaints(conn: sqlite3.Connection, team: str, period: Period) -> tuple[Complaint, ...]:
    """The most severe quotes of the period (new since the last digest), no near-copies."""
    scored = []
    for row in theme_rows(conn, team, period, None, limit=SEVERITY_SAMPLE):
        score, mentions = severity(row["text"], row["rating"])
        if score >= SEVERE_MIN:
            scored.append((score, mentions, row))
    scored.sort(key=lambda item: -item[0])  # stable: newest first among equals
    chosen: list[Complaint] = []
    seen: list[frozenset[str]] = []
    for score, mentions, row in scored:
        shingles = frozenset(re.findall(r"[a-z0-9]+", row["text"][:400].lower()))
        if any(_similar(shingles, other) for other in seen):
            continue
        seen.append(shingles)
        chosen.append(Complaint(Said.from_row(row), score, mentions, row["rating"], len(row["text"]),
                                row["text"].count("!")))
        if len(chosen) >= SEVERE_SHOWN:
            break
    return tuple(chosen)


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    union = len(a | b)
    return bool(union) and len(a & b) / union >= 0.7


def decision_lines(conn: sqlite3.Connection, team: str, channel: str,
                   period: Period) -> tuple[DecisionLine, ...]:
    """Decisions logged in the channel in the period, oldest first, with their evidence."""
    start, end = period.start.timestamp(), period.end.timestamp()
    found = [d for d in conn.decisions.list(team, channel, since=start, limit=50) if d.created_at < end]
    lines = []
    for decision in reversed(found):
        quotes = [q for q in (conn.quotes.get(i, team) for i in decision.evidence[:1]) if q is not None]
        evidence = tuple(Said(q.id, q.text, q.source, (q.date or "")[:10], bool(q.date)) for q in quotes)
        lines.append(DecisionLine(decision, evidence, len(decision.evidence)))
    return tuple(lines)


def trend(conn: sqlite3.Connection, team: str, period: Period, themes: Sequence[ThemeLine],
          topics: Sequence[TrackedTopic], tz: str = "UTC") -> Trend | None:
    """Quotes per period over the last CHART_PERIODS periods, for the top themes."""
    top = [t for t in themes if t.count.count][:CHART_THEMES]
    if not top or period.length > CHART_MAX_PERIOD:
        return None
    periods = [period.before(n) for n in range(CHART_PERIODS - 1, -1, -1)]
    spelling = "%m-%d" if period.length <= timedelta(days=8) else "%Y-%m-%d"
    labels = tuple(p.end.astimezone(zone(tz)).strftime(spelling) for p in periods)  # each period's end
    series = tuple((shorten(t.theme.name, 32), tuple(counts_by_period(conn, team, periods, t.theme, topics)))
                   for t in top)
    return Trend(labels, series)


# -- words ----------------------------------------------------------------------------------------



def _plural(count: int) -> str:
    return "" if count == 1 else "s"


def moment_text(voice: Voice, moment: datetime, tz: str, with_time: bool = True) -> str:
    """`Monday 2025-01-06 09:00` in the schedule's zone (weekday names from the templates)."""
    local = moment.astimezone(zone(tz))
    weekday = voice.choice("digest.weekdays", local.weekday())
    clock = local.strftime("%H:%M") if with_time else ""
    return voice.render("digest.moment", weekday=weekday, date=local.strftime("%Y-%m-%d"), time=clock).strip()


def _bound(moment: datetime, tz: str) -> str:
    local = moment.astimezone(zone(tz))
    midnight = (local.hour, local.minute) == (0, 0)
    return local.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M")


def period_text(voice: Voice, period: Period, tz: str) -> str:
    return voice.render("digest.period", start=_bound(period.start, tz), end=_bound(period.end, tz), zone=tz)


def length_text(voice: Voice, period: Period) -> str:
    """`week`, `day`, or `N days`: what "the period before" means."""
    days = round(period.length.total_seconds() / 86400)
    if days == 7:
        return voice.render("digest.length_week")
    if days == 1:
        return voice.render("digest.length_day")
    return voice.render("digest.length_days", days=f"{max(days, 1):,}")


def change_text(voice: Voice, count: int, previous: int, length: str) -> str:
    if previous == 0:
        return voice.render("digest.change_first", length=length)
    if count == previous:
        return voice.render("digest.change_same", length=length)
    key = "digest.change_up" if count > previous else "digest.change_down"
    return voice.render(key, previous=f"{previous:,}")


def theme_name(line: ThemeLine, limit: int = NAME_CHARS) -> str:
    return shorten(line.theme.name, limit)


def headline(voice: Voice, digest: Digest) -> str:
    """The line a person reads in five seconds: volume, the top theme, what is new or
    fading, and the decisions."""
    length = length_text(voice, digest.period)
    if digest.total:
        quotes = voice.render("digest.headline_quotes", count=f"{digest.total:,}",
                              change=change_text(voice, digest.total, digest.previous_total, length))
    else:
        quotes = voice.render("digest.headline_no_quotes")
    top = ""
    if digest.top:
        first = digest.top[0]
        top = voice.render("digest.headline_top", theme=theme_name(first, 40), count=f"{first.count.count:,}",
                           trend=voice.render(f"digest.trend_{first.count.trend}"))
    return voice.render("digest.headline", quotes=quotes, top=top,
                        new=_names(voice, digest, "new", "digest.headline_new"),
                        fading=_names(voice, digest, "fading", "digest.headline_fading"),
                        decisions=_decisions_summary(voice, digest))


def _names(voice: Voice, digest: Digest, trend_name: str, template: str) -> str:
    names = [theme_name(t, 40) for t in digest.themes[1:] if t.count.trend == trend_name][:3]
    return voice.render(template, themes=", ".join(names)) if names else ""


def _decisions_summary(voice: Voice, digest: Digest) -> str:
    if not digest.decisions:
        return ""
    answered = sum(1 for d in digest.decisions if d.decision.answered)
    return voice.render("digest.headline_decisions", count=len(digest.decisions),
                        plural=_plural(len(digest.decisions)), answered=answered)


def late_text(voice: Voice, digest: Digest) -> str:
    if not digest.late:
        return ""
    due = digest.due_at or digest.period.end
    return voice.render("digest.late", due=moment_text(voice, due, digest.tz))


def theme_line(voice: Voice, line: ThemeLine, length: str) -> str:
    count = line.count
    kind = voice.render(f"digest.kind_{line.theme.kind}")
    return voice.render("digest.theme_line", theme=theme_name(line), kind=kind,
                        count=f"{count.count:,}", plural=_plural(count.count),
                        change=change_text(voice, count.count, count.previous, length),
                        trend=voice.render(f"digest.trend_{count.trend}"))


def said_text(voice: Voice, said: Said, max_chars: int = QUOTE_CHARS) -> str:
    """A quote with its source and date (or the day it was imported)."""
    text = shorten(said.text, max_chars)
    key = "digest.quote" if said.dated else "digest.quote_imported"
    if not said.day:
        return voice.render("digest.quote_undated", text=text, source=said.source)
    return voice.render(key, text=text, source=said.source, date=said.day)


def complaint_why(voice: Voice, complaint: Complaint) -> str:
    reasons = []
    if complaint.mentions:
        reasons.append(voice.render("digest.severe_mentions",
                                    words=", ".join(f"“{m}”" for m in complaint.mentions[:4])))
    if complaint.rating is not None and complaint.rating <= 2:
        reasons.append(voice.render("digest.severe_rating", rating=f"{complaint.rating:g}"))
    if complaint.chars >= 1500:
        reasons.append(voice.render("digest.severe_long", chars=f"{complaint.chars:,}"))
    if complaint.exclamations >= 2:
        reasons.append(voice.render("digest.severe_exclaim", count=complaint.exclamations))
    return voice.render("digest.severe_why", reasons="; ".join(reasons))


def decision_text(voice: Voice, line: DecisionLine) -> list[str]:
    """A decision's lines: what, when, answered or not, and its evidence."""
    decision = line.decision
    day = utc(decision.created_at).strftime("%Y-%m-%d")
    text = shorten(decision.text, 200).replace("_", " ")
    lines = [voice.render("digest.decision_line", text=text, date=day)]
    if decision.answered:
        lines.append(voice.render("digest.decision_answered", answer=shorten(decision.answer or "", 200)))
    else:
        lines.append(voice.render("digest.decision_open", question=decision.question))
    if line.evidence_count:
        lines.append(voice.render("digest.decision_evidence", count=line.evidence_count,
                                  plural=_plural(line.evidence_count)))
        lines += [said_text(voice, s, 200) for s in line.evidence]
    else:
        lines.append(voice.render("digest.decision_no_evidence"))
    return lines


def theme_section(voice: Voice, digest: Digest) -> list[str]:
    """The themes, each with its representative quote (the thread's first part)."""
    length = length_text(voice, digest.period)
    parts = [voice.render("digest.themes_header")]
    if not digest.themes:
        parts.append(voice.render("digest.themes_none"))
    for line in digest.themes:
        text = theme_line(voice, line, length)
        if line.quote:
            text += "\n" + said_text(voice, line.quote)
        parts.append(text)
    return parts


def severe_section(voice: Voice, digest: Digest) -> list[str]:
    parts = [voice.render("digest.severe_header")]
    if not digest.severe:
        parts.append(voice.render("digest.severe_none"))
    for complaint in digest.severe:
        parts.append(said_text(voice, complaint.quote, 500) + "\n" + complaint_why(voice, complaint))
    return parts


def decision_section(voice: Voice, digest: Digest) -> list[str]:
    parts = [voice.render("digest.decisions_header")]
    if not digest.decisions:
        parts.append(voice.render("digest.decisions_none"))
    parts += ["\n".join(decision_text(voice, line)) for line in digest.decisions]
    return parts


def footer(voice: Voice, digest: Digest) -> str:
    tracked = voice.render("digest.footer_topics", topics=", ".join(digest.topics)) if digest.topics else ""
    return voice.render("digest.footer", length=length_text(voice, digest.period), tracked=tracked)


def empty_text(voice: Voice, period: Period, tz: str) -> str:
    return voice.render("digest.empty", period=period_text(voice, period, tz))


def title_text(voice: Voice, digest: Digest) -> str:
    return voice.render("digest.title_line", title=voice.render("digest.title"),
                        period=period_text(voice, digest.period, digest.tz))


def render_text(voice: Voice, digest: Digest) -> str:
    """The whole digest as text a person reads in a minute (`empty-chair digest --dry-run`)."""
    if digest.empty:
        return empty_text(voice, digest.period, digest.tz) + "\n"
    parts = [title_text(voice, digest)]
    if digest.late:
        parts.append(late_text(voice, digest))
    parts.append(headline(voice, digest))
    for section in (theme_section, severe_section, decision_section):
        parts.append("\n\n".join(section(voice, digest)))
    parts.append(footer(voice, digest))
    return "\n\n".join(parts) + "\n"
