"""What the customer does when someone speaks: share quotes, ask about a decision, or
stay quiet. The Slack app and `empty-chair replay` both call `observe`, so the demo
shows exactly what the bot would do in a channel.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from ..models import NO_EVIDENCE, Action, Channel, Message
from ..search import feedback as clicks
from ..search import semantic
from ..search.conversation import conversation_terms, conversation_texts, stem, words
from ..search.jargon import plain
from ..search.lexical import COMMON_SHARE, corpus_stats
from ..search.quotes import SearchResult, search_terms
from ..store import Store
from ..text import shorten
from ..topic import themes
from ..topic.belief import UNKNOWN, Belief, believe, vote
from ..topic.themes import display_name as theme_name
from ..voice import Voice, evidence_text, quote_text, quotes_message
from . import hands
from .decisions import classify

MAX_QUOTES = 3
MIN_COVERAGE = 0.45  # the best quote must contain this share of the conversation's weight
WINDOW_SECONDS = 20 * 60  # older messages no longer count as the current conversation
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
    if _team_matter(store, message, channel, window):
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


def _team_matter(store: Store, message: Message, channel: Channel, window: list[str]) -> bool:
    """Whether the talk around a decision is the team's own business, not the customers'.

    Either the last messages sound like team talk rather than like any customer (by
    meaning), or they use work words ("standup", "lunch", "deploy") and none about customers.
    A decision's question is asked aloud, so both must let it through.
    """
    belief = read_belief(store, message, channel, window)
    if belief.messages and belief.customer < CUSTOMER_LIKE:
        return True
    return internal_talk(window)


def _maybe_quotes(store: Store, voice: Voice, message: Message,
                  channel: Channel, policy: Policy, now: float) -> Action:
    """Speak when sure the talk has a customer side, raise a hand when it may, else stay silent.

    By meaning, the conversation's belief over the corpus's themes decides (`choose`). By
    words alone (search by meaning off or not ready) the older rule holds: the topic the
    quotes match must have been raised over several messages.
    """
    if channel.mode == "quiet":
        return Action("silent", "quiet mode")
    cooldown = channel.cooldown_seconds if channel.cooldown_seconds is not None else policy.cooldown_seconds
    waiting = _cooldown_left(channel, now, cooldown)
    if waiting and not semantic.available():
        return Action("silent", f"cooldown ({waiting} s left)")
    window = _window(store, message, policy, now)
    taught = hands.bias(store, message.team_id, message.channel_id, hands.talk_words(store, window[-3:]))
    belief = read_belief(store, message, channel, window, taught)
    if not belief.messages:  # search by meaning cannot run here (yet)
        if waiting:
            return Action("silent", f"cooldown ({waiting} s left)")
        return _by_words(store, voice, message, channel, policy, now, window, cooldown)
    outcome = choose(belief)
    topic = theme_name(belief.theme)
    if outcome == SILENT:
        why = f"cooldown ({waiting} s left)" if waiting else _why_silent(belief)
        return Action("silent", why, topic=topic, theme=belief.theme)
    result = _theme_quotes(store, message, channel, window, now, belief.theme)
    if not result.quotes:
        return Action("silent", "no fresh evidence on this theme", topic=topic, theme=belief.theme)
    if outcome == HAND or waiting:
        # A hand is a reaction, not a post: so soon after speaking, the customer raises its
        # hand rather than talk over the meeting again.
        return _hand(store, voice, message, window, now, cooldown, belief.theme, result,
                     why=f"just spoke ({waiting} s of cooldown left): maybe {topic}" if waiting else "")
    text = quotes_message(voice, topic, result.quotes, result.evidence)
    return _speak(store, message, now, cooldown, result, topic, belief.theme, text)


def _speak(store: Store, message: Message, now: float, cooldown: float, result: SearchResult,
           topic: str, theme: str, text: str, why: str = "") -> Action:
    # The cooldown is checked again as the channel's turn is taken: another replica (or thread)
    # hearing the next message at the same moment may have taken it since the first check.
    if not store.channels.claim_post(message.team_id, message.channel_id, now, cooldown):
        return Action("silent", "cooldown (another reply was just posted)", topic=topic, theme=theme)
    store.channels.mark_shown(message.team_id, message.channel_id, [q.id for q in result.quotes], now)
    return Action("quotes", why or f"conversation settled on {topic}", topic=topic, theme=theme,
                  quotes=result.quotes, evidence=result.evidence, text=text)


# One rule for the three outcomes, on the conversation's belief (tuned on the odd lines of
# bench/meeting.py's conversations; the even lines are reported). Speak when, after two
# messages at least, the leading theme holds SPEAK_SHARE of the belief, the latest message
# comes SPEAK_CLOSENESS near a customer's words, and the last few messages sound like
# customers rather than the team's own work (CUSTOMER_LIKE); raise a hand on a plausible theme.
SPEAK, HAND, SILENT = "speak", "hand", "silent"
SPEAK_SHARE = 0.45
SPEAK_CLOSENESS = 0.55
HAND_SHARE = 0.35
HAND_CLOSENESS = 0.5
CUSTOMER_LIKE = 0.7


def choose(belief: Belief) -> str:
    """Speak, raise a hand, or stay silent, from what the talk is about."""
    if not belief.known or belief.customer < CUSTOMER_LIKE:
        return SILENT
    if belief.share >= SPEAK_SHARE and belief.closeness >= SPEAK_CLOSENESS and belief.messages >= 2:
        return SPEAK
    if belief.share >= HAND_SHARE and belief.closeness >= HAND_CLOSENESS:
        return HAND
    return SILENT


def _why_silent(belief: Belief) -> str:
    if not belief.known or belief.customer < CUSTOMER_LIKE:
        return "team talk, not the customers'"
    if belief.closeness < HAND_CLOSENESS:
        return "no customer side in the latest message"
    return "topic not settled yet"


def read_belief(store: Store, message: Message, channel: Channel, window: list[str],
                taught: dict[str, float] | None = None) -> Belief:
    """What the conversation so far is about, in the corpus's themes (UNKNOWN by words alone)."""
    if not semantic.available():
        return UNKNOWN
    messages = window or [message.text]
    votes = [vote(store, text, message.team_id, message.channel_id) for text in messages]
    if not any(v.shares for v in votes):
        return UNKNOWN
    context = [vote(store, text, message.team_id, message.channel_id)
               for text in (channel.topic, channel.purpose) if text]
    return believe(votes, context, bias=taught)


def _theme_quotes(store: Store, message: Message, channel: Channel, window: list[str], now: float,
                  theme: str) -> SearchResult:
    """The best quotes inside the theme: nearest in meaning to the conversation, recent, no
    near-duplicates, none shown here lately; words still count for names the model lacks."""
    return search_terms(store, conversation_terms(window, channel.topic, channel.purpose), limit=MAX_QUOTES,
                        team_id=message.team_id,
                        exclude_ids=store.channels.hidden(message.team_id, message.channel_id, now),
                        today=date.fromtimestamp(now), min_coverage=0.0, min_terms=1,
                        query=conversation_texts(window, channel.topic, channel.purpose),
                        clicks=clicks.load(store, message.team_id, message.channel_id),
                        channel_id=message.channel_id, theme=theme, theme_of=_cluster_of(store))


def _cluster_of(store: Store) -> Callable[[int], str | None] | None:
    found = themes.clusters(store)
    return found.theme_of if found is not None else None


def _by_words(store: Store, voice: Voice, message: Message, channel: Channel, policy: Policy,
              now: float, window: list[str], cooldown: float) -> Action:
    """Search by meaning off: speak only when the conversation has settled on a topic with
    fresh evidence, by the words the quotes match."""
    if not _says_something_specific(store, message.text):
        return Action("silent", "small talk")
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
    if not _settled(result, window):
        theme = hands.theme_of("", result.quotes)
        if not theme:
            return Action("silent", "topic not settled yet", topic=_topic(result))
        return _hand(store, voice, message, window, now, cooldown, theme, result)
    topic = _topic(result)
    return _speak(store, message, now, cooldown, result, topic, "",
                  quotes_message(voice, topic, result.quotes, result.evidence))


def _cooldown_left(channel: Channel, now: float, cooldown: float) -> int:
    """Whole seconds until the channel may hear unprompted quotes again (0: it may now)."""
    if channel.last_post_at is None or now - channel.last_post_at >= cooldown:
        return 0
    return max(1, int(cooldown - (now - channel.last_post_at)))


def _hand(store: Store, voice: Voice, message: Message, window: list[str], now: float, cooldown: float,
          theme: str, result: SearchResult, why: str = "") -> Action:
    """Raise a hand on `theme`, where `hands` allows one now (one open hand per channel, not
    twice on a theme within the hour) and this channel has not said "not this" to it for
    these words; a theme the channel keeps calling the hand on is posted at once instead."""
    name = theme_name(theme)
    silent = Action("silent", f"not sure yet: maybe {name}", topic=name, theme=theme)
    words = hands.talk_words(store, window[-3:])
    team, channel = message.team_id, message.channel_id
    factor = hands.bias(store, team, channel, words).get(theme, 1.0)
    if factor < hands.UNWELCOME:
        return silent
    text = quotes_message(voice, name, result.quotes, result.evidence)
    if factor >= hands.WANTED:
        return _speak(store, message, now, cooldown, result, name, theme, text,
                      why=f"this channel keeps asking about {name}")
    if not hands.may_raise(store, team, channel, theme, now):
        return silent
    if hands.raised(store, team, channel, message.ts, theme, words, now, topic=name) is None:
        return silent
    return Action("hand", why or f"not sure yet: maybe {name}", topic=name, theme=theme, quotes=result.quotes,
                  evidence=result.evidence, text=text, thread_ts=message.ts)


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

    By words: the topic the quotes match was raised in at least two of the last three
    messages, and the latest message says something specific about it (not just "cards").
    """
    matched = {stem(w.lower()) for w in result.matched_terms}
    specific = {stem(w.lower()) for w in result.specific_terms}
    if len(matched) < 2 or not specific or not window:
        return False
    recent = [{stem(w) for w in words(plain(text))} for text in window[-3:]]
    if not recent[-1] & specific:
        return False
    return sum(1 for said in recent if matched & said) >= 2


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
                  "asked" if result.quotes else "asked, no evidence", topic=label, theme=result.theme,
                  quotes=result.quotes, evidence=result.evidence,
                  text=quotes_message(voice, label, result.quotes, result.evidence))
