"""What the customer does when someone speaks: share quotes, ask about a decision, or
stay quiet. The Slack app and `empty-chair replay` both call `observe`, so the demo
shows exactly what the bot would do in a channel.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date

from ..models import NO_EVIDENCE, Action, Channel, Message
from ..search import feedback as clicks
from ..search.conversation import conversation_terms, conversation_texts, stem, words
from ..search.jargon import plain
from ..search.lexical import COMMON_SHARE, SearchResult, corpus_stats, search_terms
from ..store import Store
from ..text import shorten
from ..voice import Voice, evidence_text, quote_text, quotes_message
from .decisions import classify

MAX_QUOTES = 3
MIN_COVERAGE = 0.45  # the best quote must contain this share of the conversation's weight
WINDOW_SECONDS = 20 * 60  # older messages no longer count as the current conversation
# By meaning, an unprompted post needs the nearest quotes to agree on a theme and be this close
# to the conversation (tuned on the odd lines of bench/meeting.py).
THEME_AGREEMENT = 0.5
CLOSENESS = 0.5
NO_QUOTES = SearchResult((), [], NO_EVIDENCE)  # a decision asked where quotes may not be shown


@dataclass(frozen=True)
class Policy:
    """The knobs of when to speak; one place, filled from settings by the adapters."""

    cooldown_seconds: int = 300
    window_messages: int = 8
    min_coverage: float = MIN_COVERAGE


def introduce(store: Store, voice: Voice, team_id: str, channel_id: str,
              policy: Policy, now: float | None = None) -> str:
    """The one short introduction when invited; the channel starts in active mode."""
    store.channels.ensure(team_id, channel_id, now)
    store.channels.update(team_id, channel_id, active=1, joined_at=now or time.time(),
                            last_post_at=None)
    return voice.render("meeting.introduction", quote_count=store.quotes.count(team_id, channel_id),
                        source_count=len(store.quotes.sources(team_id, channel_id)),
                        cooldown_minutes=max(1, policy.cooldown_seconds // 60))


def observe(store: Store, voice: Voice, message: Message, policy: Policy,
            now: float | None = None, share_quotes: bool = True) -> Action:
    """Remember the message and decide whether the customer speaks up.

    Without `share_quotes` (people of another organisation read the channel) no quote is
    posted: the customer stays silent, and a decision's question is asked without evidence.
    """
    now = now if now is not None else message.time
    channel = store.channels.ensure(message.team_id, message.channel_id, now)
    if message.is_reply:
        return _thread_reply(store, message, now)
    store.channels.remember_message(message.team_id, message.channel_id, message.ts,
                              message.user_id, message.text, message.thread_ts)
    verdict = classify(message.text)
    if verdict.is_decision:
        return _decision(store, voice, message, channel, policy, now, verdict.reason, share_quotes)
    if not share_quotes:
        return Action("silent", "shared with another organisation: no quotes here")
    return _maybe_quotes(store, voice, message, channel, policy, now)


def _thread_reply(store: Store, message: Message, now: float) -> Action:
    decision = store.decisions.at(message.team_id, message.channel_id, message.thread_ts or "")
    if decision is None:
        return Action("silent", "thread reply")
    store.decisions.record_answer(decision.id, message.text, message.user_id, now)
    return Action("answer", "answer to a decision recorded", decision_id=decision.id,
                  thread_ts=message.thread_ts)


def _window(store: Store, message: Message, policy: Policy, now: float) -> list[str]:
    return store.channels.recent_messages(message.team_id, message.channel_id,
                                    policy.window_messages, since_ts=now - WINDOW_SECONDS)


def _decision(store: Store, voice: Voice, message: Message, channel: Channel, policy: Policy,
              now: float, why: str, share_quotes: bool = True) -> Action:
    """Ask the customer's question in the decision's thread, with the quotes that bear on it."""
    window = _window(store, message, policy, now)[-3:] or [message.text]
    terms = conversation_terms(window, channel.topic, channel.purpose, decay=0.4)
    result = NO_QUOTES if not share_quotes else search_terms(
                          store, terms, limit=MAX_QUOTES, team_id=message.team_id,
                          exclude_ids=store.channels.hidden(message.team_id, message.channel_id,
                                                          now, include_shown=False),
                          today=date.fromtimestamp(now), min_coverage=0.25, min_terms=2,
                          query=conversation_texts(window, channel.topic, channel.purpose, decay=0.4),
                          clicks=clicks.load(store, message.team_id, message.channel_id),
                          channel_id=message.channel_id)
    index = store.decisions.count(message.team_id, message.channel_id)
    question = voice.choice("meeting.decision_questions", index)
    decision_id = store.decisions.record(message.team_id, message.channel_id, message.ts,
                                  message.user_id, message.text, question, [q.id for q in result.quotes], now)
    if decision_id is None:
        return Action("silent", "decision already logged", decision=True)
    if channel.mode == "quiet":
        return Action("silent", "decision logged (quiet mode)", decision_id=decision_id, decision=True)
    if internal_talk(window):
        # "standup moves to 9:45": logged for the record; asking the customer about it is noise.
        return Action("silent", "decision logged (internal talk)", decision_id=decision_id, decision=True)
    stated = voice.style.emphasis(shorten(message.text, 200))
    parts = [voice.render("meeting.decision_intro", decision=stated), question]
    if result.quotes:
        parts.append(voice.render("meeting.decision_evidence"))
        parts += [quote_text(voice, q) for q in result.quotes]
        parts.append(evidence_text(voice, result.evidence))
    elif not share_quotes:
        parts.append(voice.render("meeting.decision_quotes_withheld"))
    else:
        parts.append(voice.render("meeting.decision_no_evidence"))
    parts.append(voice.render("meeting.decision_answer_prompt"))
    return Action("decision", f"decision ({why})", topic=_topic(result), quotes=result.quotes,
                  evidence=result.evidence, text="\n".join(p for p in parts if p),
                  question=question, decision_id=decision_id, thread_ts=message.ts, decision=True)


def _maybe_quotes(store: Store, voice: Voice, message: Message,
                  channel: Channel, policy: Policy, now: float) -> Action:
    """Speak only when the conversation has settled on a topic with fresh evidence."""
    if channel.mode == "quiet":
        return Action("silent", "quiet mode")
    cooldown = channel.cooldown_seconds if channel.cooldown_seconds is not None else policy.cooldown_seconds
    if channel.last_post_at is not None and now - channel.last_post_at < cooldown:
        return Action("silent", f"cooldown ({int(cooldown - (now - channel.last_post_at))} s left)")
    if not _says_something_specific(store, message.text):
        return Action("silent", "small talk")
    window = _window(store, message, policy, now)
    if internal_talk(window[-3:]):
        return Action("silent", "internal talk")
    terms = conversation_terms(window, channel.topic, channel.purpose)
    result = search_terms(store, terms, limit=MAX_QUOTES, team_id=message.team_id,
                          exclude_ids=store.channels.hidden(message.team_id, message.channel_id, now),
                          today=date.fromtimestamp(now), min_coverage=policy.min_coverage,
                          min_terms=2, query=conversation_texts(window, channel.topic, channel.purpose),
                          clicks=clicks.load(store, message.team_id, message.channel_id),
                          channel_id=message.channel_id)
    if not result.quotes:
        return Action("silent", "no fresh evidence on this conversation")
    if not _settled(result, window) or not _dwelt(store, message, channel, window, result, now):
        return Action("silent", "topic not settled yet", topic=_topic(result))
    # The cooldown is checked again as the channel's turn is taken: another replica (or thread)
    # hearing the next message at the same moment may have taken it since the check above.
    if not store.channels.claim_post(message.team_id, message.channel_id, now, cooldown):
        return Action("silent", "cooldown (another reply was just posted)")
    store.channels.mark_shown(message.team_id, message.channel_id, [q.id for q in result.quotes], now)
    topic = _topic(result)
    return Action("quotes", f"conversation settled on {topic}", topic=topic, quotes=result.quotes,
                  evidence=result.evidence,
                  text=quotes_message(voice, topic, result.quotes, result.evidence))


# Team talk uses the customers' words in its own sense: the corporate card for the team lunch,
# the VPN password that expired, the training budget to transfer. These words place a
# conversation at work rather than at the customer; written from general office,
# engineering and planning vocabulary, not from any benchmark.
WORKPLACE = frozenset("""
    team teams teammate colleague colleagues coworker coworkers boss manager managers hr payroll
    office offices desk desks floor building reception facilities kitchen lunch lunches dinner
    snacks pizza coffee cake birthday drinks offsite offsites party kitty
    laptop laptops vpn wifi helpdesk intranet mdm sso okta password passwords login
    calendar invite invites standup standups all-hands allhands retro retros sprint sprints
    agenda minutes recording dial-in zoom slack wiki confluence jira doc docs deck slides
    spreadsheet csv runbook postmortem playbook rota on-call pager oncall
    interview interviews candidate candidates hiring recruiter rubric headcount
    staging deploy deploys deployment ci build builds pipeline pipelines repo branch merge css
    browser frontend backend schema column columns warehouse etl cluster logging aws gcp azure
    cert certs tls api apis endpoint endpoints microservice terraform kubernetes
    expense expenses expensed budget budgets training trainings course courses workshop
    landlord lease-break parking permit dentist holiday holidays vacation pto sick commute
    corporate subscription vendor-portal
    """.split())
# ... unless it is about customers: these words put the customer back in the conversation.
CUSTOMER_WORDS = frozenset("""
    customer customers user users people person client clients member members cardholder
    cardholders borrower borrowers consumer consumers traveller travellers traveler travelers
    applicant applicants homeowner homeowners buyer buyers caller callers complaint complaints
    complainant complainants account-holders households shoppers patients students tenants
    """.split())


def internal_talk(recent: list[str]) -> bool:
    """The last messages place the talk at work (the team's lunch, its laptops, its budget)
    and none of them mentions customers: their words are used in the team's own sense."""
    said = {word for text in recent for word in _WORDISH.findall(text.lower())}
    return bool(said & WORKPLACE) and not said & CUSTOMER_WORDS


_WORDISH = re.compile(r"[a-z][a-z0-9'-]*[a-z0-9]|[a-z]")


def _says_something_specific(store: Store, text: str) -> bool:
    """Whether the latest message has a word the corpus knows and does not find everywhere.

    `_settled` demands such a word of the latest message anyway; checking it first
    spares a search on every "can everyone see my screen?".
    """
    stats = corpus_stats(store)
    limit = stats.docs * COMMON_SHARE
    return any(0 < stats.df.get(stem(word), 0) <= limit for word in words(plain(text)))


def _settled(result: SearchResult, window: list[str]) -> bool:
    """Whether the quotes found answer what the conversation is about.

    By meaning: the quotes nearest the conversation agree on one theme (a label of the
    corpus) and are close to it. By words alone: the topic the quotes match was raised in
    at least two of the last three messages, and the latest message says something
    specific about it (not just "cards").
    """
    if result.closeness is not None and result.theme:
        return result.theme_share >= THEME_AGREEMENT and result.closeness >= CLOSENESS
    matched = {stem(w.lower()) for w in result.matched_terms}
    specific = {stem(w.lower()) for w in result.specific_terms}
    if len(matched) < 2 or not specific or not window:
        return False
    recent = [{stem(w) for w in words(plain(text))} for text in window[-3:]]
    if not recent[-1] & specific:
        return False
    return sum(1 for said in recent if matched & said) >= 2


def _dwelt(store: Store, message: Message, channel: Channel, window: list[str], result: SearchResult,
           now: float) -> bool:
    """By meaning, the conversation has stayed on the theme: it led before the latest message too.

    One message on a customer theme is often a passing remark ("my password expired");
    two in a row is a topic. (By words, `_settled` asks this of the matched words.)
    """
    if result.closeness is None or not result.theme:
        return True
    earlier = window[:-1]
    if not earlier:
        return False
    before = search_terms(store, conversation_terms(earlier, channel.topic, channel.purpose),
                          limit=MAX_QUOTES, team_id=message.team_id, today=date.fromtimestamp(now),
                          query=conversation_texts(earlier, channel.topic, channel.purpose))
    return before.theme == result.theme


def _topic(result: SearchResult) -> str:
    chosen = result.matched_terms or result.terms
    return ", ".join(chosen[:3])



def answer_topic(store: Store, voice: Voice, team_id: str, channel_id: str | None,
                 topic: str, limit: int = MAX_QUOTES, exclude_ids: set[int] | None = None) -> Action:
    """An on-demand answer (slash command, mention): no cooldown, and it says so plainly
    when there is no evidence."""
    hidden = set(exclude_ids or ())  # the caller's set stays as it was
    if channel_id:
        hidden |= store.channels.hidden(team_id, channel_id, include_shown=False)
    result = search_terms(store, conversation_terms([topic]), limit=limit, team_id=team_id,
                          exclude_ids=hidden, min_coverage=0.2, query=conversation_texts([topic]),
                          clicks=clicks.load(store, team_id, channel_id) if channel_id else None,
                          channel_id=channel_id)
    label = shorten(topic, 80) or "that"
    return Action("quotes" if result.quotes else "silent",
                  "asked" if result.quotes else "asked, no evidence", topic=label,
                  quotes=result.quotes, evidence=result.evidence,
                  text=quotes_message(voice, label, result.quotes, result.evidence))
