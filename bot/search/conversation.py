"""What a conversation is about, as weighted terms the feedback index understands.

People in meetings talk around a topic over several messages; the newest message
weighs most, older ones fade, and the channel's topic and purpose add a little. The
team's jargon is read as the customers' words first ("card loads" -> "top ups by card").
Words are stemmed the way the full-text index stems them (Porter), so the corpus's
own statistics can tell which words carry meaning.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from .jargon import plain

_STEMMER = snowballstemmer.stemmer("porter")

_EMOJI = re.compile(r":[a-z0-9_+\-']+:")
_CODE = re.compile(r"```.*?```", re.S)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

# Function words, and the words meetings are full of but feedback never settles on.
STOPWORDS = frozenset(
    """
    a about above after again against all almost also am an and any anyone anything are aren't as at
    be because been before being below between both but by can can't cannot could couldn't did didn't
    do does doesn't doing don't down during each either else etc even ever every few for from further
    get gets getting go goes going gone got gotten had hadn't has hasn't have haven't having he he'd
    he'll he's her here here's hers herself him himself his how how's however i i'd i'll i'm i've if in
    into is isn't it it's its itself just let let's lets like likely may maybe me might more most much
    must mustn't my myself need needs no nor not now of off on once one only or other others ought our
    ours ourselves out over own per quite rather really same shall shan't she she'd she'll she's should
    shouldn't since so some something still such than that that's the their theirs them themselves then
    there there's these they they'd they'll they're they've thing things this those though through to
    too under until up upon us very via was wasn't we we'd we'll we're we've were weren't what what's
    when when's where where's whether which while who who's whom why why's will with within without
    won't would wouldn't yes yet you you'd you'll you're you've your yours yourself yourselves
    ok okay yeah yep nope hey hi hello thanks thank please lol sure right well actually basically guys
    folks team everyone anybody somebody someone people customer customers client clients user users
    say says said saying tell told think thinks thought know knows knew want wants wanted see seen look
    looks looking talk talking talked discuss discussed discussing meeting meetings call today tomorrow
    yesterday week weeks next last time lot lots kind sort way ways good great bad better best make
    makes made made sense mean means idea ideas point agree question questions also probably definitely
    final decision decisions decide decided deciding agreed plan plans planned fine done sorted
    start started stuck
    monday mondays tuesday tuesdays wednesday wednesdays thursday thursdays friday fridays saturday
    saturdays sunday sundays january february march april june july august september october
    november december q1 q2 q3 q4 eod eow asap anyway else lunch coffee morning afternoon
    """.split()
)


@dataclass(frozen=True)
class Term:
    """A stemmed word of the query, how much the conversation stresses it, and a spelling of it."""

    stem: str
    weight: float
    word: str


def clean_text(text: str) -> str:
    """The words of a plain text: code blocks and emoji shortcodes go.

    Text from Slack arrives here as plain text already (the adapter reads Slack's
    markup once, see `bot.slack.blocks.plain`), so nothing here knows Slack's markup.
    """
    text = _CODE.sub(" ", text or "")
    text = _EMOJI.sub(" ", text)
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """Porter stem, as FTS5's porter tokenizer computes it."""
    return _STEMMER.stemWord(word)


def words(text: str) -> list[str]:
    """Meaningful words of a text, lower-cased, stopwords and bare numbers removed."""
    found = []
    for word in _WORD.findall(clean_text(text).lower()):
        word = word.replace("'s", "")
        if len(word) < 2 or word in STOPWORDS or word.isdigit() or "'" in word:
            continue
        found.append(word)
    return found


def stems(text: str) -> set[str]:
    """The set of stems in a text, for checking what a quote covers."""
    return {stem(word) for word in _WORD.findall(clean_text(text).lower())}


def conversation_terms(
    messages: Sequence[str],
    topic: str = "",
    purpose: str = "",
    decay: float = 0.6,
    context_weight: float = 0.3,
) -> list[Term]:
    """Weighted terms of a conversation, newest message last in `messages`.

    Limited to the last 4 KB of each message, so a 10 kB paste cannot drown the rest.
    """
    weights: dict[str, float] = {}
    spelling: dict[str, str] = {}
    for text, weight in _weighted(messages, topic, purpose, decay, context_weight):
        stems_here: dict[str, str] = {}
        for word in words(text[-4096:]):
            stems_here.setdefault(stem(word), word)
        for key, word in stems_here.items():  # a stem counts once per message
            weights[key] = weights.get(key, 0.0) + weight
            spelling.setdefault(key, word)
    return [Term(key, weight, spelling[key]) for key, weight in weights.items()]


def conversation_texts(
    messages: Sequence[str],
    topic: str = "",
    purpose: str = "",
    decay: float = 0.6,
    context_weight: float = 0.3,
) -> list[tuple[str, float]]:
    """The conversation as weighted texts, for embeddings: the same weights as
    `conversation_terms` (newest message 1, each older one `decay` times less, the
    channel's topic and purpose `context_weight`), with Slack markup cleaned away."""
    weighted = _weighted(messages, topic, purpose, decay, context_weight)
    cleaned = [(clean_text(text), weight) for text, weight in weighted]
    return [(text, weight) for text, weight in cleaned if text.strip()]


def _weighted(messages: Sequence[str], topic: str, purpose: str, decay: float,
              context_weight: float) -> list[tuple[str, float]]:
    """The one weighting both the terms and the embeddings use: newest message 1,
    each older one `decay` times less, the channel's topic and purpose `context_weight`.
    Both read the team's jargon as the customers' words (`jargon.plain`)."""
    weighted = [(message, decay**age) for age, message in enumerate(reversed(messages))]
    weighted += [(context, context_weight) for context in (topic, purpose) if context]
    return [(plain(text), weight) for text, weight in weighted]
