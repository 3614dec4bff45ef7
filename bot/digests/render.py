"""The digest in words: every line a person reads, from `prompts/digest.toml` via `Voice`.

`render_text` prints a whole digest for a terminal (`empty-chair digest --dry-run`); the
Slack adapter takes the same pieces (headline, sections, footer) into Block Kit.
"""

from __future__ import annotations

from datetime import datetime

from ..models import SCALES, Period, utc, zone
from ..text import shorten
from ..voice import Voice, rated, rating_mark
from .build import Complaint, DecisionLine, Digest, Said, ThemeLine, rating_weight

QUOTE_CHARS = 300
NAME_CHARS = 60


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
    return voice.render("digest.headline", quotes=quotes, ratings=ratings_text(voice, digest), top=top,
                        new=_names(voice, digest, "new", "digest.headline_new"),
                        fading=_names(voice, digest, "fading", "digest.headline_fading"),
                        decisions=_decisions_summary(voice, digest))


def ratings_text(voice: Voice, digest: Digest) -> str:
    """How many of the period's quotes were unhappy ratings, per scale: the NPS detractors, the
    one and two stars, CSAT bad; empty where no quote was rated."""
    parts = []
    for count in digest.ratings:
        scale = SCALES[count.scale]
        parts.append(voice.render(f"digest.unhappy_{count.scale}", count=f"{count.unhappy:,}",
                                  rated=f"{count.rated:,}", worst=f"{scale.worst:g}",
                                  unhappy=f"{scale.unhappy:g}"))
    return voice.render("digest.headline_ratings", parts="; ".join(parts)) if parts else ""


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
    return voice.render("digest.theme_line", theme=voice.style.strong(theme_name(line)), kind=kind,
                        count=f"{count.count:,}", plural=_plural(count.count),
                        change=change_text(voice, count.count, count.previous, length),
                        trend=voice.render(f"digest.trend_{count.trend}"))


def said_text(voice: Voice, said: Said, max_chars: int = QUOTE_CHARS) -> str:
    """A quote with its source and date (or the day it was imported)."""
    text = shorten(said.text, max_chars)
    key = "digest.quote" if said.dated else "digest.quote_imported"
    mark = rated(voice, said.rating)
    if not said.day:
        return voice.render("digest.quote_undated", text=text, rated=mark, source=said.source)
    return voice.render(key, text=text, rated=mark, source=said.source, date=said.day)


def complaint_why(voice: Voice, complaint: Complaint) -> str:
    reasons = []
    if complaint.mentions:
        reasons.append(voice.render("digest.severe_mentions",
                                    words=", ".join(f"“{m}”" for m in complaint.mentions[:4])))
    if complaint.rating is not None and rating_weight(complaint.rating):
        reasons.append(voice.render("digest.severe_rating", mark=rating_mark(voice, complaint.rating)))
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
    lines = [voice.render("digest.decision_line", text=voice.style.emphasis(text), date=day)]
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
    parts = [voice.style.strong(voice.render("digest.themes_header"))]
    if not digest.themes:
        parts.append(voice.render("digest.themes_none"))
    for line in digest.themes:
        text = theme_line(voice, line, length)
        if line.quote:
            text += "\n" + said_text(voice, line.quote)
        parts.append(text)
    return parts


def severe_section(voice: Voice, digest: Digest) -> list[str]:
    parts = [voice.style.strong(voice.render("digest.severe_header"))]
    if not digest.severe:
        parts.append(voice.render("digest.severe_none"))
    for complaint in digest.severe:
        parts.append(said_text(voice, complaint.quote, 500) + "\n" + complaint_why(voice, complaint))
    return parts


def decision_section(voice: Voice, digest: Digest) -> list[str]:
    parts = [voice.style.strong(voice.render("digest.decisions_header"))]
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
