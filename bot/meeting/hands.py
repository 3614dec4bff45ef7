"""The customer's raised hand: what it does when the talk is plausibly about a customer theme
but not surely enough to speak.

The policy decides *whether* a theme is worth a hand; this module decides whether a hand
*may* go up now in this channel (one open hand at a time, one per cooldown, never the same
theme twice in a window, not where the channel switched hands off), records it, answers it
when someone calls it, takes it down when the talk moves on or its time runs out, and
learns from what became of it: a hand heard, declined ("not relevant" on its quotes) or
ignored moves `bias`, the factor the policy's theme belief multiplies a theme's weight by.

Nothing here knows Slack: the adapter shows a hand as a reaction on the message it was
raised on, and calls `hear` when someone adds the same reaction. Everything learnt is kept
per workspace and channel (`store.hands`), and `forget` resets a channel's.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..models import NO_EVIDENCE, Action, Evidence, Hand, Period, Quote, QuoteFilter, utc
from ..search import feedback as clicks
from ..search.conversation import conversation_terms, conversation_texts, stem, words
from ..search.jargon import plain
from ..search.lexical import COMMON_SHARE, corpus_stats
from ..search.quotes import search_terms
from ..store import Store
from ..topic.themes import display_name as theme_name
from ..voice import Voice, quote_text

DEFAULT_EMOJI = "raising_hand"
HAND_COOLDOWN = 300.0  # seconds: at most one hand raised per channel in this time
THEME_WINDOW = 3600.0  # seconds: a theme's hand is never raised twice in a channel in this time
HAND_SECONDS = 900.0  # seconds an unanswered hand stays up (EMPTY_CHAIR_HAND_SECONDS in the bot)
DECLINE_SECONDS = 24 * 3600.0  # a "not relevant" on a heard hand's quote counts this long after
TALK_SECONDS = 20 * 60.0  # older messages are not the talk a hand is answered with
HEARD_QUOTES = 3
MAX_WORDS = 30

# How one outcome moves a theme's factor in `bias` (multiplied, then kept within the bounds).
CALLED = 1.25  # someone answered the hand on this theme: the channel wants to hear it
NOT_THIS = 0.1  # its quotes were declined, for talk in these words: not this theme for them
NOT_THIS_ELSEWHERE = 0.8  # declined for other words: a little less likely anywhere
IGNORED = 0.8  # taken down unanswered for talk in these words
LOWEST, HIGHEST = 0.05, 2.0
SAME_WORDS = 0.5  # share of the smaller word set two talks must share to be "the same words"
UNWELCOME = 0.5  # below this factor, a theme is not offered (as a hand) for these words
WANTED = 1.5  # from this factor on (its hand called twice here), a theme is posted, not raised


# -- raising ---------------------------------------------------------------------------------------


def talk_words(store: Store, texts: list[str]) -> set[str]:
    """The words of the talk that place it: ones the corpus knows and does not find everywhere
    (lower-cased, as said). A hand's answer is remembered for these words."""
    stats = corpus_stats(store)
    limit = stats.docs * COMMON_SHARE
    found = {word for text in texts for word in words(plain(text))
             if 0 < stats.df.get(stem(word), 0) <= limit}
    return set(sorted(found)[:MAX_WORDS])


def may_raise(store: Store, team_id: str, channel_id: str, theme: str, now: float, *,
              cooldown: float = HAND_COOLDOWN, window: float = THEME_WINDOW) -> bool:
    """Whether the customer may raise its hand on `theme` in this channel now: hands are on
    here, no hand is open, none went up in the last `cooldown` seconds, and none on `theme`
    in the last `window` seconds (a hand withdrawn because Slack refused it does not count)."""
    if not theme or not store.hands.settings(team_id, channel_id).enabled:
        return False
    for hand in store.hands.recent(team_id, channel_id, now - max(cooldown, window)):
        if hand.state == "withdrawn":
            continue
        age = now - hand.raised_at
        if hand.open or age < cooldown or (hand.theme == theme and age < window):
            return False
    return True


def raised(store: Store, team_id: str, channel_id: str, ts: str, theme: str, words: set[str] | list[str],
           now: float, *, topic: str = "", cooldown: float = HAND_COOLDOWN,
           window: float = THEME_WINDOW) -> Hand | None:
    """Record a hand raised on message `ts` (with the channel's emoji), checking `may_raise`'s
    rules again in the same write, so that of two replicas raising at once only one does.
    None if the hand may not go up (then nothing is shown)."""
    if not theme or not store.hands.settings(team_id, channel_id).enabled:
        return None
    return store.hands.raise_hand(team_id, channel_id, ts, theme, topic or theme_name(theme),
                                  sorted(words)[:MAX_WORDS], emoji(store, team_id, channel_id), now,
                                  cooldown, window)


def emoji(store: Store, team_id: str, channel_id: str) -> str:
    """The emoji the customer raises its hand with in this channel."""
    return store.hands.settings(team_id, channel_id).emoji or DEFAULT_EMOJI


def withdraw(store: Store, hand: Hand, now: float) -> None:
    """The hand never showed (Slack refused the reaction): it comes down and teaches nothing."""
    store.hands.close(hand.id, "withdrawn", now)


# -- lowering --------------------------------------------------------------------------------------


def lower(store: Store, team_id: str, channel_id: str, now: float, *, theme: str = "",
          spoke: bool = False, seconds: float = HAND_SECONDS) -> list[Hand]:
    """The open hands that come down after a message: all of them when the customer just spoke
    (its post says it; they teach nothing), else those whose theme the talk left (`theme` is
    what it is about now, "" when unknown: small talk moves nothing) or that have been up for
    `seconds` (ignored: they teach the channel's silence). Returned so the adapter can take
    the reactions down."""
    down = []
    for hand in store.hands.recent(team_id, channel_id, now):
        if not hand.open:
            continue
        if spoke:
            state = "withdrawn"
        elif now - hand.raised_at >= seconds or (theme and theme != hand.theme):
            state = "ignored"
        else:
            continue
        if store.hands.close(hand.id, state, now):
            down.append(hand)
    return down


def overdue(store: Store, now: float, seconds: float = HAND_SECONDS) -> list[Hand]:
    """Hands in any channel that have been up for `seconds` unanswered, taken down (ignored):
    the sweep for channels that fell quiet, where no next message lowers them."""
    return [hand for hand in store.hands.stale(now - seconds)
            if store.hands.close(hand.id, "ignored", now)]


def after_message(store: Store, team_id: str, channel_id: str, action: Action, now: float,
                  seconds: float = HAND_SECONDS) -> list[Hand]:
    """What comes down after the customer decided `action` on a top-level message: every caller
    of `observe` (the Slack bot, `replay`) applies this, so both see the same hands."""
    return lower(store, team_id, channel_id, now, theme=action.theme, spoke=action.kind == "quotes",
                 seconds=seconds)


# -- hearing ---------------------------------------------------------------------------------------


def hear(store: Store, voice: Voice, team_id: str, channel_id: str, ts: str, now: float,
         user_id: str | None = None, window_messages: int = 8) -> Action | None:
    """Someone called the hand on message `ts`: the customer's quotes on its theme, to post in
    that message's thread, or None when there is no open hand there (or another person's call
    was answered first). The quotes are chosen as for an unprompted post: nearest the talk,
    not shown here lately, none marked not relevant here, all on the hand's theme."""
    hand = store.hands.at(team_id, channel_id, ts)
    if hand is None:
        return None
    quotes, evidence = _theme_quotes(store, hand, now, window_messages)
    if not store.hands.close(hand.id, "heard", now, heard_by=user_id, quote_ids=[q.id for q in quotes]):
        return None
    if quotes:
        store.channels.mark_shown(team_id, channel_id, [q.id for q in quotes], now)
    total, month = _counts(store, hand, now)
    header = voice.render("meeting.hand_header", theme=voice.style.strong(hand.topic), count=total,
                          month=month)
    parts = [header] + [quote_text(voice, q) for q in quotes]
    if not quotes:
        parts.append(voice.render("meeting.hand_no_quotes"))
    return Action("quotes", f"hand heard on {hand.topic}", topic=hand.topic, theme=hand.theme,
                  quotes=quotes, evidence=evidence, text="\n".join(parts), thread_ts=hand.ts)


def _theme_quotes(store: Store, hand: Hand, now: float,
                  window_messages: int) -> tuple[list[Quote], Evidence]:
    """The best few quotes carrying the hand's theme: from a search on the talk, then on the
    theme's own words, then the theme's newest quotes."""
    team, channel = hand.team_id, hand.channel_id
    seat = store.channels.get(team, channel)
    topic, purpose = (seat.topic, seat.purpose) if seat else ("", "")
    talk = store.channels.recent_messages(team, channel, window_messages,
                                          since_ts=hand.raised_at - TALK_SECONDS) or [hand.topic]
    hidden = store.channels.hidden(team, channel, now)
    chosen: list[Quote] = []
    evidence = NO_EVIDENCE
    for texts in (talk, talk[-1:] + [hand.topic]):
        result = search_terms(store, conversation_terms(texts, topic, purpose), limit=20, team_id=team,
                              exclude_ids=hidden | {q.id for q in chosen},
                              query=conversation_texts(texts, topic, purpose),
                              clicks=clicks.load(store, team, channel), channel_id=channel)
        if evidence is NO_EVIDENCE:
            evidence = result.evidence
        chosen += [q for q in result.quotes if hand.theme in q.labels][:HEARD_QUOTES - len(chosen)]
        if len(chosen) >= HEARD_QUOTES:
            break
    if len(chosen) < HEARD_QUOTES:
        recent = store.themes.newest(team, _all_time(now), QuoteFilter(label=hand.theme), limit=20,
                                     channel_id=channel)
        taken = {q.id for q in chosen} | hidden
        chosen += [pq.quote for pq in recent if pq.quote.id not in taken][:HEARD_QUOTES - len(chosen)]
    return chosen, evidence


def _all_time(now: float) -> Period:
    return Period(datetime(1970, 1, 1, tzinfo=UTC), utc(now) + timedelta(days=1))


def _counts(store: Store, hand: Hand, now: float) -> tuple[int, int]:
    """How many quotes carry the hand's theme here, in all and this month."""
    end = utc(now) + timedelta(days=1)
    month = utc(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    where = QuoteFilter(label=hand.theme)
    # One period per count: a quote counts in the first of overlapping periods only.
    total, recent = (store.themes.count_by_period(hand.team_id, [period], where, hand.channel_id)[0]
                     for period in (_all_time(now), Period(month, end)))
    return total, recent


# -- learning --------------------------------------------------------------------------------------


def declined(store: Store, team_id: str, channel_id: str, quote_id: int, now: float) -> Hand | None:
    """A quote was marked not relevant here: if it was a heard hand's answer, that hand's theme
    was "not this" for its words. The hand, or None."""
    hand = store.hands.showing(team_id, channel_id, quote_id, now - DECLINE_SECONDS)
    if hand is None or not store.hands.close(hand.id, "declined", now, from_states=("heard",)):
        return None
    return hand


def _stems(said: set[str] | tuple[str, ...] | list[str]) -> set[str]:
    return {stem(word) for word in said}


def same_words(these: set[str], those: set[str]) -> bool:
    """Two talks in the same words: they share at least half of the smaller one's (stems)."""
    if not these or not those:
        return False
    shared = len(these & those)
    return shared >= max(1, math.ceil(SAME_WORDS * min(len(these), len(those))))


def bias(store: Store, team_id: str, channel_id: str, words: set[str]) -> dict[str, float]:
    """Theme -> the factor (> 0) this channel's answers put on it for talk in `words`: below 1
    where its hand was declined for the same words (0.1) or ignored (0.8 each), above 1 where
    people keep calling its hand (1.25 each); within 0.05..2. Themes the channel never
    answered are absent (factor 1)."""
    said = _stems(words)
    factors: dict[str, float] = {}
    for hand in store.hands.outcomes(team_id, channel_id):
        same = same_words(said, _stems(hand.words))
        factor = factors.get(hand.theme, 1.0)
        if hand.state == "heard":
            factor *= CALLED
        elif hand.state == "declined":
            factor *= NOT_THIS if same else NOT_THIS_ELSEWHERE
        elif hand.state == "ignored" and same:
            factor *= IGNORED
        factors[hand.theme] = min(HIGHEST, max(LOWEST, factor))
    return factors


@dataclass(frozen=True)
class Lesson:
    """What a channel taught the customer about one theme."""

    theme: str
    topic: str
    heard: int
    declined: int
    ignored: int
    declined_words: tuple[str, ...]  # the talk it was declined for, a few of its words


def learnt(store: Store, team_id: str, channel_id: str) -> list[Lesson]:
    """What this channel has taught the customer, theme by theme, most answered first."""
    outcomes = store.hands.outcomes(team_id, channel_id)
    states: dict[str, Counter[str]] = {}
    topics: dict[str, str] = {}
    refused: dict[str, list[str]] = {}
    for hand in outcomes:
        states.setdefault(hand.theme, Counter())[hand.state] += 1
        topics[hand.theme] = hand.topic
        if hand.state == "declined":
            said = refused.setdefault(hand.theme, [])
            said += [word for word in hand.words if word not in said]
    lessons = [Lesson(theme, topics[theme], count["heard"], count["declined"], count["ignored"],
                      tuple(refused.get(theme, [])[:5])) for theme, count in states.items()]
    return sorted(lessons, key=lambda one: (-(one.heard + one.declined + one.ignored), one.topic))


def learnt_text(voice: Voice, lessons: list[Lesson]) -> str:
    """The lessons in the bot's words (plain text; the adapter escapes it)."""
    if not lessons:
        return voice.render("meeting.learnt_nothing")
    lines = [voice.render("meeting.learnt_header")]
    for lesson in lessons:
        parts = []
        if lesson.heard:
            parts.append(voice.render("meeting.learnt_heard", count=lesson.heard))
        if lesson.declined:
            parts.append(voice.render("meeting.learnt_declined", count=lesson.declined,
                                      words=", ".join(lesson.declined_words)))
        if lesson.ignored:
            parts.append(voice.render("meeting.learnt_ignored", count=lesson.ignored))
        lines.append(voice.render("meeting.learnt_line", theme=lesson.topic, what="; ".join(parts)))
    lines.append(voice.render("meeting.learnt_forget"))
    return "\n".join(lines)


def forget(store: Store, team_id: str, channel_id: str) -> int:
    """Reset what this channel taught the customer (its closed hands); how many went."""
    return store.hands.forget_learning(team_id, channel_id)


def switch(store: Store, team_id: str, channel_id: str, on: bool) -> None:
    """Let the customer raise its hand in this channel, or not."""
    store.hands.set_settings(team_id, channel_id, enabled=on)


def set_emoji(store: Store, team_id: str, channel_id: str, name: str) -> None:
    """The emoji the customer raises its hand with here, from its next hand on."""
    store.hands.set_settings(team_id, channel_id, emoji=name)


def theme_of(result_theme: str, quotes: list[Quote]) -> str:
    """The theme a search settled on: its vote by meaning, or (on words alone) the label most
    of its quotes carry, if at least two of them do."""
    if result_theme:
        return result_theme
    labels = Counter(label for quote in quotes for label in set(quote.labels))
    if not labels:
        return ""
    label, count = labels.most_common(1)[0]
    return label if count >= 2 else ""
