"""Offline detector: does a meeting chat message *state a decision*?

A message "states a decision" when it says the team has now settled something
("Going with vendor B.", "ok then, monthly only", "Kill the banner.").  It does
not when it discusses, proposes, asks, hypothesises, reports an earlier
decision, defers or escalates -- even if it is full of decision words
("Let's revisit the fee next week", "Back in 2023 we decided against SMS").

Keyword lists fail in both directions, so this module reads sentence
structure instead, using only the standard library:

1. ``_normalise`` strips Slack markup (mentions, links, emoji, code, quotes),
   lowercases and repairs common chat typos ("lets", "dont", "were shipping").
2. ``_split_sentences`` / ``_split_clauses`` cut the message into sentences and
   each sentence into clauses.
3. Sentence-wide blockers come first, because they scope over everything in
   the sentence: a trailing question mark (or an alternative question without
   one: "..., or did that change"), a conditional or hypothetical
   frame ("if", "say we", "were we to"), a "proposal:"-style label, or work
   that waits on a future decision ("once we've decided"), or a "we decided"
   that is only a reminder or was overturned ("for the record, we decided
   ...", "we decided X but legal vetoed it").
4. Each remaining clause is checked for clause-level blockers (deferral,
   escalation such as "raising this with legal", past report, hedge/proposal,
   "would" modality, inverted question, also without its question mark:
   "do premium users still get it") and, if it is clean, for positive
   evidence of a settled commitment (markers and decision labels such as
   "Decision:" or "Product decision, ...", "we'll/we're/we + action",
   "let's" + any verb acting on the product, imperatives, gerund and "gonna"
   announcements, verbless settled statements, scope/"becomes the
   default"/price changes, "effective <time>", confirmations + content).  A
   bare "(we) decided to/on/against X" or "Agreed to X" announces the
   decision; only a time cue ("in March", "last sprint", "at the offsite")
   makes it a report.  A scheduled commitment is a thing, a present-tense
   verb and a time still to come ("the export job runs tonight", "ramping to
   half of users on Monday"); the team's own meetings, papers and
   organisation, outside parties and habits are left out.  Gerunds and
   imperatives about personal errands or meeting mechanics ("dropping off the
   call in 5", "moving my 1:1", "dropping it at reception") are status.
5. Acknowledgements matter: after an acceptance ("ok", "fine", "alright",
   "cool", "ok then") a present-tense statement that assigns or arranges
   something settles it ("mkay, the welcome email drops the coupon", "ok the
   card flip animation is out", "cool, Stripe for US, Adyen for EU", "ok
   then, only one discount code per order"); a bare "yes"/"yep" admits only
   verbs that move things ("yep, enterprise gets SSO"), and "yeah"/"right"
   none, because they also agree with observations.  Evaluations,
   measurements, habits and outside parties ("the page loads slowly", "the
   vendor charges 2.9%") stay descriptions.  A confirmation can also follow
   its content ("then it's net-60 for the big accounts, done").
6. A message is a decision if any sentence is; otherwise the first blocker
   found is reported as the reason.

The words the rules look for (markers, commitment verbs, deferral and hedge
phrases, fillers, time words, errands ...) live in ``wordlists/*.toml`` beside
this file, each list with a comment saying what belongs in it; adding a word
there needs no change here (see ``wordlists/README.md``).  They are read once,
at import.  Everything is precompiled at import time and the big alternations
sit behind cheap substring gates; a typical message takes about 0.2 ms, a 10 kB paste
a few ms (input is capped).  ``classify`` never raises.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

__all__ = ["Verdict", "classify", "is_decision"]

MAX_CHARS = 4000  # decisions are stated early; bound the work on huge pastes
MAX_SENTENCES = 40
MAX_SENTENCE_CHARS = 400  # a run-on "sentence" longer than this is a paste, not a decision
MAX_CLAUSE_WORDS = 60


@dataclass(frozen=True)
class Verdict:
    """Outcome of :func:`classify`: the boolean plus a short human-readable why."""

    is_decision: bool
    reason: str


# --------------------------------------------------------------------------
# Vocabulary: the word lists live in wordlists/*.toml, the rules here
# --------------------------------------------------------------------------

_WORDLISTS = Path(__file__).resolve().with_name("wordlists")
_USED: set[str] = set()  # "file:key" of every list read, so a test can find unused lists


@cache
def _wordfile(name: str) -> dict:
    """One file of wordlists/, parsed once."""
    with (_WORDLISTS / f"{name}.toml").open("rb") as fh:
        return tomllib.load(fh)


def _entry(name: str, key: str) -> object:
    value: object = _wordfile(name)
    for part in key.split("."):
        value = value[part]  # type: ignore[index]
    _USED.add(f"{name}:{key}")
    return value


def _clean(word: object) -> str:
    return " ".join(str(word).lower().replace("\u2019", "'").split())


def _words(name: str, key: str) -> tuple[str, ...]:
    """The list ``key`` of wordlists/<name>.toml ("table.list" inside a table), as typed there."""
    return tuple(_clean(w) for w in _entry(name, key))  # type: ignore[union-attr]


def _table(name: str, key: str) -> dict[str, str]:
    """The table ``key`` of wordlists/<name>.toml ("ship" = "shipping")."""
    return {_clean(k): _clean(v) for k, v in _entry(name, key).items()}  # type: ignore[union-attr]


def _set(name: str, key: str) -> frozenset[str]:
    return frozenset(_words(name, key))


def _alt(words: tuple[str, ...] | frozenset[str]) -> str:
    """Regex alternation, longest first so multi-word entries win over their prefixes."""
    return "(?:" + "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w))) + ")"


def _keys(*lists: tuple[str, ...], extra: str = "") -> str:
    """Substring keys for a :class:`_Gated` regex: each literal entry is one (see there)."""
    words = [w for ws in lists for w in ws] + ([k for k in extra.split("|") if k] if extra else [])
    return "|".join(dict.fromkeys(words))


# Product actions a team commits to, base -> -ing form ("ship" -> "shipping").
_ACTIONS: tuple[tuple[str, str], ...] = tuple(_table("actions", "commit").items())

_DAY_WORDS = _set("time", "days")
_DAYS = _alt(_DAY_WORDS)
_MONTHS = _alt(_words("time", "months"))
_WHEN = _DAYS + "|" + _MONTHS
_MEETINGS = _alt(_words("errands", "meetings"))

# Objects/particles after an action verb that turn it into small talk.
_ACTION_STOP = (
    r"(?:" + _alt(_words("actions", "phrases.small_talk")) + r"\b|"
    r"keep(?:ing)? (?:it|this|that|things|them) " + _alt(_words("actions", "phrases.keep_it")) + r"|"
    r"(?:pick|picking|pull|pulling) (?:up|this up|it up|the "
    + _alt(_words("actions", "phrases.fetch_objects"))
    + r")|"
    # personal presence and errands: "dropping off the call in 5", "skipping standup today"
    r"(?:drop|dropping|stop|stopping|pop|popping|cut|cutting) (?:off|out|away)\b|"
    r"(?:skip|skipping) (?:to|over|ahead|standup|lunch|today|tomorrow|this one|it today|"
    r"(?:the |this |today's |tomorrow's )?" + _MEETINGS + r")\b)"
)

_BASES = tuple(base for base, _ in _ACTIONS)
_INGS = tuple(ing for _, ing in _ACTIONS)
_THIRDS = tuple(
    (
        b.split(" ", 1)[0]
        + ("es" if b.split(" ", 1)[0].endswith(("sh", "ch", "x", "s")) else "s")
        + ((" " + b.split(" ", 1)[1]) if " " in b else "")
    )
    for b in _BASES
)

_BASE_ALT = _alt(_BASES)
_ING_ALT = _alt(_INGS)
_VERB_ALT = _alt(_BASES + _INGS + _THIRDS)

# Simple past forms that mark a report of something already done.
_PAST_VERBS = _set("blockers", "past.verbs")
# Past forms that, said live ("ok so we decided ..."), announce the decision itself.
_LIVE_PAST = _set("blockers", "past.live")
# Tokens that cannot be the subject of a following past verb.
_NON_SUBJECT = _set("grammar", "non_subject")
_DISCOURSE = _set("fillers", "discourse")
_ADVERBS = _set("grammar", "past_adverbs")

_FILLERS = re.compile(r"^(?:" + _alt(_words("fillers", "fillers")) + r"\b[\s,:.!-]*)+")

# Confirmations that stand alone as a statement of decision.
_STRONG_WORDS = _words("markers", "strong_confirm")
_STRONG_CONFIRM = _alt(_STRONG_WORDS)
# Confirmations that need content after them ("agreed, <what>").
_WEAK_CONFIRM = _alt(_words("markers", "weak_confirm"))


class _Gated:
    """A regex behind cheap substring checks.

    Python's backtracking engine is slow on big alternations, while ``in`` is
    a fast C scan; most clauses contain none of the keys, so the regex rarely
    runs.  Every branch of the pattern must contain at least one key.
    """

    __slots__ = ("keys", "rx")

    def __init__(self, keys: str, pattern: str) -> None:
        self.keys = tuple(keys.split("|"))
        self.rx = re.compile(pattern)

    def search(self, text: str) -> re.Match[str] | None:
        """``re.search`` if any key occurs in ``text``, else None."""
        for key in self.keys:
            if key in text:
                return self.rx.search(text)
        return None


_RE_STRONG_ONLY = re.compile(
    r"(?:ok(?:ay)? |so |alright |then |yep |well )*" + _STRONG_CONFIRM + r"(?: then| now| here)?"
)
_RE_WEAK_ONLY = re.compile(r"(?:ok(?:ay)? |so |alright |yep |yeah )*" + _WEAK_CONFIRM + r"(?: then| now)?")
_RE_ACTION_STOP = re.compile(_ACTION_STOP)
_RE_IMPERATIVE_STOP = re.compile(r"(?:just |please |don't |do not |never )?" + _ACTION_STOP)
_RE_LETS_STOP = re.compile(r"let's\s+(?:just\s+)?" + _ACTION_STOP)
_RE_LETS_GO = re.compile(r"\blet's go\b(?! (?:with|ahead|for|live))")
_RE_FIRST_PERSON = re.compile(r"\bi(?:'m|'ll)?\b")
_RE_HAS_WORD = re.compile(r"[a-z0-9$]")
_RE_LEAD_CONJ = re.compile(r"^(?:but|and then)\b\s*")
_RE_TOKEN = re.compile(r"[a-z0-9$%@][a-z0-9$%'@/.-]*")
_RE_LABEL_COPULA = re.compile(r" (?:is|was|now)$")

# --------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------

_RE_CODE_BLOCK = re.compile(r"```.*?```", re.S)
_RE_CODE = re.compile(r"`[^`\n]*`")
_RE_QUOTE_LINE = re.compile(r"^\s*>.*$", re.M)
# An address, without the punctuation after it ("see https://x.io/a, then ...").
_RE_URL = re.compile(r"(?:https?://|ftp://|mailto:)[^\s<>]*[^\s<>.,;:!?)\]'\"]")
_RE_MENTION = re.compile(r"(?<![\w@.])@[\w.-]*\w")
_RE_EMOJI_CODE = re.compile(r":[a-z0-9_+\-']{1,40}:(?::skin-tone-\d:)?")
_RE_UNICODE_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d\u2190-\u21ff\u2300-\u23ff]"
)
_RE_WS = re.compile(r"[ \t\f\v]+")
_RE_STRIKE = re.compile(r"(?<![\w~])~[^~\n]+~(?![\w~])")
_RE_BOLD_ITALIC = re.compile(r"(?<![\w*_])[*_]+([^*_\n]+?)[*_]+(?![\w*_])")
_RE_PRONOUN_R = re.compile(r"\b(we|you|they) r\b")

# "were shipping friday" is a typo for "we're"; "were we ..." is a real question.
_RE_WERE_TYPO = re.compile(
    r"(^|[.!?,;:\n-]\s*|\b(?:ok|okay|so|yep|yeah|yes|alright|fine|cool|nah)\s+)were\s+"
    r"(?!we\b|you\b|they\b|the\b|there\b|it\b|these\b|those\b|our\b|all\b|any\b|i\b)"
    r"(?=(?:not\b|going\b|gonna\b|definitely\b|just\b|all\b|also\b|officially\b|\w+ing\b))"
)

_TYPOS: dict[str, str] = _table("fillers", "typos")
_RE_TYPO = re.compile(
    r"(?<![\w'/])(" + "|".join(re.escape(k) for k in sorted(_TYPOS, key=len, reverse=True)) + r")(?![\w'/])"
)
_RE_ITS = re.compile(r"\bits (settled|decided|final|official|a go|gone|going|locked|done|happening)\b")


def _coerce(text: object) -> str:
    """Turn whatever the caller passed into a bounded ``str`` (never raises)."""
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    elif not isinstance(text, str):
        text = str(text)
    return text[:MAX_CHARS]


def _normalise(text: str) -> str:
    """Strip formatting, addresses and emoji, lowercase, fix chat typos.

    The text is plain text: a Slack message's markup was read before it came
    here (`bot.slack.blocks.plain`: a link is its label or its address, a
    mention `@name`).  Quoted lines (``> ...``) are dropped: quoting someone's
    decision is not stating one.  Mentions become ``@u`` so "we need @u to
    decide" keeps its shape; addresses go, link labels stay.
    """
    if "`" in text:
        text = _RE_CODE.sub(" ", _RE_CODE_BLOCK.sub(" ", text))
    if ">" in text:
        text = _RE_QUOTE_LINE.sub(" ", text)
    if "~" in text:
        text = _RE_STRIKE.sub(" ", text)
    if "*" in text or "_" in text:
        text = _RE_BOLD_ITALIC.sub(r"\1", text)
    if ":" in text:
        text = _RE_URL.sub(" ", text)
    if "@" in text:
        text = _RE_MENTION.sub(" @u ", text)
    text = (
        text.replace("\u2019", "'")
        .replace("\u2018", "'")
        .replace("\u201c", '"')
        .replace("\u201d", '"')
        .replace("\u2014", " - ")
        .replace("\u2013", " - ")
        .replace("\u2026", "...")
    )
    text = text.lower()
    if ":" in text:
        text = _RE_EMOJI_CODE.sub(" ", text)
    if not text.isascii():
        text = _RE_UNICODE_EMOJI.sub(" ", text)
    text = _RE_TYPO.sub(lambda m: _TYPOS[m.group(1)], text)
    if "its " in text:
        text = _RE_ITS.sub(r"it's \1", text)
    if " r " in text:
        text = _RE_PRONOUN_R.sub(r"\1 are", text)
    if "were " in text:
        text = _RE_WERE_TYPO.sub(lambda m: m.group(1) + "we're ", text)
    return _RE_WS.sub(" ", text).strip()


# --------------------------------------------------------------------------
# Segmentation
# --------------------------------------------------------------------------

_RE_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+|;\s*|(?<=[!?])(?=[a-z@])")
_RE_CLAUSE_SPLIT = re.compile(
    r"\s*,\s*|\s*:\s+|\s+-+\s+|\s*\(\s*|\s*\)\s*|\s+(?=(?:but|so|and then|and so|although|though|"
    r"because|since|whereas|except|unless|even if|even though|once|until|till|while)\b)"
)
_SUBORDINATE = re.compile(
    r"^(?:even if|even though|unless|because|since|although|though|whereas|while|once|until|"
    r"till|except)\b"
)


def _split_sentences(text: str) -> list[str]:
    """Sentences, keeping each one's terminal punctuation so questions stay visible."""
    parts = [p.strip() for p in _RE_SENT_SPLIT.split(text)]
    return [p[:MAX_SENTENCE_CHARS] for p in parts if p and _RE_HAS_WORD.search(p)][:MAX_SENTENCES]


def _split_clauses(sentence: str) -> list[str]:
    """Clauses on commas, dashes, brackets and conjunctions that start a new clause."""
    parts = [p.strip(" .!?:\"'") for p in _RE_CLAUSE_SPLIT.split(sentence)]
    out = []
    for p in parts:
        p = _RE_LEAD_CONJ.sub("", p).strip()
        if p:
            out.append(" ".join(p.split()[:MAX_CLAUSE_WORDS]))
    return out


@lru_cache(maxsize=8192)
def _strip_fillers(clause: str) -> str:
    """Drop discourse fillers ("ok so", "yep", "@u") that hide the clause's real start."""
    return _FILLERS.sub("", clause).strip(" ,:.!-")


def _tokens(clause: str) -> list[str]:
    """Word tokens, keeping apostrophes so contractions stay one token."""
    return _RE_TOKEN.findall(clause)


# --------------------------------------------------------------------------
# Sentence-wide blockers
# --------------------------------------------------------------------------

_RE_HYPO_OPEN = re.compile(r"^" + _alt(_words("blockers", "hypothetical.openers")) + r"\b")
# A conditional "if" that is not an embedded question ("not sure if", "check if").
_RE_MID_IF = re.compile(
    r"(?:(\S+) )?\b(?:if|assuming|provided that|as long as|only if)\b"
    r"(?! " + _alt(_words("blockers", "hypothetical.if_formula")) + r"\b)"
)
# Words before "if" that make it an embedded question or a concession, not a condition.
_IF_NOT_CONDITIONAL = _set("blockers", "hypothetical.if_not_conditional")


def _has_conditional(text: str) -> bool:
    """True if ``text`` contains a real conditional ("we keep SMS if legal says no")."""
    if "if" not in text and "assuming" not in text and "provided" not in text and "as long as" not in text:
        return False
    return any(m.group(1) not in _IF_NOT_CONDITIONAL for m in _RE_MID_IF.finditer(text))


_RE_LABEL = re.compile(r"^([a-z][a-z' ]{0,24}?)\s*(?::|\s-\s)\s*(.*)$")
_DECISION_LABELS = _set("markers", "decision_labels")
_PROPOSAL_LABELS = re.compile(r"^" + _alt(_words("markers", "proposal_labels")) + r"(?: [a-z0-9])?$")
_QUESTION_LABELS = re.compile(r"^" + _alt(_words("markers", "question_labels")) + r"$")
_DEFERRAL_LABELS = re.compile(r"^" + _alt(_words("markers", "deferral_labels")) + r"$")

_RE_WAITS_ON_DECISION = re.compile(
    r"\b(?:once|after|when|until|till|before)\s+(?:we(?:'ve| have)?|the|legal|finance|"
    r"leadership|[a-z]+)\s+(?:\S+\s+){0,2}?(?:decide[ds]?|decision|agree[sd]?|sign(?:s|ed)? off|"
    r"approve[sd]?|confirm(?:s|ed)?|weigh(?:s|ed)? in|make (?:the|a) call)\b"
)


_RE_REVERSAL = re.compile(r"\b" + _alt(_words("blockers", "past.reversal")) + r"\b")
_DECISION_NOUNS = _alt(_words("markers", "decision_nouns"))
# "Decision on pricing: ...", "final call from this meeting: ...": a decision label with a topic.
_RE_TOPIC_LABEL = re.compile(
    r"^(?:the |our |so the |ok the )?(?:final (?:call|answer|decision|verdict)|decision|verdict|"
    r"outcome|resolution|conclusion)s? (?:from|for|on|re|about|regarding|of) [a-z0-9$%'/&. -]{1,40}?"
    r"\s*(?::|\s-\s)\s*(.+)$"
)
# "Product decision, one-click cancel", "Team call: monthly only": a decision noun qualified by
# whose or what kind of decision it is, with a colon, dash or comma before the content.
_RE_KIND_LABEL = re.compile(
    r"^(?:the |our |a )?" + _alt(_words("markers", "decision_label_kinds")) + r" "
    r"(?:decision|call|verdict|ruling)s?(?: made| taken)?\s*(?::|,|\s-\s)\s*(.+)$"
)
_RE_OPEN_CONTENT = re.compile(r"^(?:still |not |none )?" + _alt(_words("markers", "open_content")) + r"\b")
_RE_RECAP = re.compile(r"\b" + _alt(_words("blockers", "past.recap")) + r"\b")


def _label(sentence: str) -> tuple[str, str] | None:
    """Split a "label: content" sentence ("Decision: keep SMS") into its two parts."""
    m = _RE_LABEL.match(sentence)
    if not m:
        return None
    label = _strip_fillers(m.group(1).strip()) or m.group(1).strip()
    label = _RE_LABEL_COPULA.sub("", label)
    return label, m.group(2).strip()


# --------------------------------------------------------------------------
# Clause-level blockers
# --------------------------------------------------------------------------

_RE_QUESTION_OPEN = re.compile(
    r"^(?:(?:who|whom|whose|which|when|where|why|what|how)(?!\s+about\b)"
    r"(?!\s+if\b)(?!\s+don't\b)(?!\s+not\b)\b|what's\b|(?:are|is|was|were|does|did|should|"
    r"shall|can|could|will|would|have|has|had|am|may|might|must|won't|isn't|aren't|don't|"
    r"doesn't|didn't|can't|shouldn't|wasn't|weren't|haven't|hasn't)\s+(?:we|you|they|i|he|"
    r"she|there|our|your|my|everyone|anyone|anybody|someone|somebody|people|all|the|this|"
    r"that|these|those|it)\b|do\s+(?:we|you|they|i|he|she|our|your|everyone|anyone|people|"
    r"the)\b|(?:does|do)\s+(?:anyone|anybody)|anyone (?:know|have|seen|got)|any (?:update|news|"
    r"word|thoughts|idea|decision|call)s?\b|not sure (?:if|whether|what|which|how|when|who)|"
    r"(?:i'm )?wondering (?:if|whether)|i wonder|do you know|curious (?:if|whether)|"
    # no question mark: "does the export include fees", "do premium users still get it"
    r"(?:does|did)\s+(?!not\b)[\w$%'-]+\s+\S|"
    r"do\s+(?:[\w$%'-]+\s+){1,3}?" + _alt(_words("grammar", "question_adverbs")) + r"\b)"
)
# "..., or did that change": an alternative question, with or without its question mark.
_RE_ALT_QUESTION = re.compile(
    r"\bor (?:did|does|do|is|are|was|were|has|have|had|can|could|will|would|should) "
    r"(?:it|that|this|they|we|you|he|she|the|there|those|these|our|anyone)\b"
)
_RE_QUESTION_TAIL = re.compile(r"(?<=\w) (?:or not|right|correct|yes or no|no\?|yeah\?)$")

_RE_DEFERRAL = re.compile(
    r"\b(?:" + _alt(_words("blockers", "deferral.phrases")) + r"|"
    r"take (?:it|this|that|the \w+(?: \w+)?) offline|"
    r"not (?:to )?(?:deciding|decide|decided|making (?:a|the|that|this) call)|"
    r"(?:haven't|have not|didn't|did not|don't|do not|can't) "
    r"(?:yet )?(?:decide|decided|made a call|make a call)|"
    r"(?:table|park) (?:this|it|that|the)\b|"
    r"(?:decided|agreed|settled|landed) (?:on )?(?:nothing|anything)|"
    r"(?:decided|agreed) (?:to|we'd|we would|we'll|we will) (?:\w+ )?"
    + _alt(_words("blockers", "deferral.later_verbs"))
    + r"|nothing (?:was |got |is |has been )?(?:decided|agreed|settled))\b"
)
_DECIDE_VERBS = _words("blockers", "deferral.decide_verbs")
_RE_DEFER_DECIDE = _Gated(
    _keys(_DECIDE_VERBS),
    r"(?:'ll|\bwill|\bgoing to|\blet's|\blet us|\bwe can|\bneed to|\bhave to|\bwant to|"
    r"\bplan to|\bshould|\bshall|\bto)\s+(?:\w+\s+)?" + _alt(_DECIDE_VERBS) + r"\b",
)
_RE_DEFER_PICK = re.compile(
    r"(?:'ll|\bwill|\bgoing to|\bto)\s+(?:\w+\s+)?" + _alt(_words("blockers", "deferral.pick_verbs"))
    + r"\b.*\b(?:next|tomorrow|later|after|once|when|by (?:" + _DAYS + r"|eod|eow|end)|"
    r"on " + _DAYS + r"|this afternoon|tonight|eod|eow|in (?:a|the) (?:week|few|bit))\b"
)
_DISCUSSION = _alt(_words("blockers", "deferral.discussion_nouns"))
_RE_DEFER_MOVE = re.compile(
    r"\b" + _DISCUSSION + r"\b.{0,40}?\b" + _alt(_words("blockers", "deferral.postponed")) + r"\b|"
    r"\b" + _alt(_words("blockers", "deferral.postponing")) + r"\b.{0,40}?\b" + _DISCUSSION + r"\b|"
    r"\b(?:postpone|defer|punt|push|move)\s+(?:this|it|that)\s+(?:to|until|till)\b"
)

_DECIDERS = _words("blockers", "escalation.deciders")
_DECIDER = _alt(_DECIDERS)
_ESCALATION_PHRASES = _words("blockers", "escalation.phrases")
_RE_ESCALATION = _Gated(
    _keys(
        _DECIDERS,
        _ESCALATION_PHRASES,
        extra="need|require|waiting|pending|can't|cannot|can not|couldn't|won't be able|up to|call|"
        "decision|sign|decide|approve|weigh|take|taking|bring|run |ask |rais|flag|kick|send|pass|hand|go",
    ),
    r"\b(?:needs?|requires?|waiting (?:on|for)|pending)\s+(?:a |an |the |some )?(?:\w+ )?"
    + _alt(_words("blockers", "escalation.approvals"))
    + r"\b|"
    r"\b(?:can't|cannot|can not|couldn't|won't be able to)\s+(?:\w+\s+){0,3}?(?:without|until)\b|"
    r"(?<!goes )(?<!go )(?<!going )(?<!went )(?<!gone )\bup to (?!\$|\d|date|speed|you guys)"
    r"(?:\w+)|"
    r"\b(?:" + _alt(_ESCALATION_PHRASES) + r"|not (?:our|my|your|the team's) "
    r"(?:call|decision)|(?:isn't|is not|it's not) (?:our|my) (?:call|decision)|"
    + _DECIDER
    + r"(?:'s)? (?:call|decision|sign-?off)|owns? (?:that|this|the) (?:decision|call)|"
    r"(?:has|have|needs?|gets?) to (?:make (?:this|that|the|a) (?:call|decision)|decide|"
    r"sign off|approve|weigh in)|(?:take|taking|bring|bringing) (?:it|this|that) to "
    r"(?:the )?" + _DECIDER + r"|"
    r"run (?:it|this|that) (?:by|past)|ask (?:the )?" + _DECIDER + r")\b|"
    r"\bneeds? (?:\S+ ){1,3}to (?:decide|approve|sign off|weigh in|make (?:the|this|that|a) "
    r"call|bless)\b|"
    # "raising this with legal", "bringing it to the CFO", "pricing goes to the board"
    r"\b(?:raise|raising|flag|flagging|bring|bringing|escalate|escalating|kick|kicking|send|sending|"
    r"pass|passing|hand|handing|take|taking) (?:this|it|that|the (?:\w+ )?(?:question|issue|topic|"
    r"point|decision|call))(?: up| over| upstairs)? (?:with|to)\b(?! (?:prod|production|staging|"
    r"the (?:team|channel|thread|doc|backlog)|everyone|customers|users|the next level))|"
    r"\b(?:raise|raising|flag|flagging|bring|bringing) (?:this|it|that)(?: up)? (?:at|in) (?:the |our )?"
    r"(?:\w+ )?" + _alt(_words("blockers", "escalation.forums")) + r"\b|"
    r"\bkick(?:ing)? (?:this|it|that) upstairs\b|"
    r"\b(?:goes|go|going|went) (?:up )?to (?:the )?" + _DECIDER + r"\b",
)

_RE_PAST_MARKER = re.compile(
    r"\b(?:" + _alt(_words("blockers", "past.markers")) + r"|"
    r"last (?:" + _alt(_words("blockers", "past.last")) + r"|" + _DAYS + r")(?! of)|"
    r"(?:was|were) " + _alt(_words("blockers", "past.was_going")) + r"|"
    r"had " + _alt(_words("blockers", "past.had")) + r"|"
    r"(?:was|were) " + _alt(_words("blockers", "past.was_done")) + r"|"
    r"(?:we've|we have|they've|they have|has|have) (?:already |just |recently )?"
    + _alt(_words("blockers", "past.have_done"))
    + r")\b"
)

_RE_HEDGE = re.compile(
    r"\b(?:" + _alt(_words("blockers", "hedge.phrases")) + r"|"
    r"i(?:'d| would) " + _alt(_words("blockers", "hedge.i_would")) + r"|"
    r"(?:i|we) " + _alt(_words("blockers", "hedge.we_suggest")) + r"|"
    r"worth " + _alt(_words("blockers", "hedge.worth")) + r"|"
    r"(?:i'm|i am) " + _alt(_words("blockers", "hedge.inclined")) + r"|"
    r"i " + _alt(_words("blockers", "hedge.i_thought")) + r"|"
    r"(?:i|we) (?:don't |do not )?" + _alt(_words("blockers", "hedge.opinion_verbs")) + r"|"
    r"my " + _alt(_words("blockers", "hedge.my_view")) + r"|"
    r"let's " + _alt(_words("blockers", "deliberation.lets_verbs")) + r"|let me|"
    r"would be " + _alt(_words("blockers", "hedge.would_be")) + r")\b"
)
_RE_WOULD = re.compile(r"\b(?:would|wouldn't|we'd|it'd|that'd|they'd|you'd)\b")

# --------------------------------------------------------------------------
# Positive evidence
# --------------------------------------------------------------------------

_EVALUATIVE = _alt(_words("markers", "evaluative")) + r"\b"
_WE_DECIDED = _words("markers", "we_decided")
_RE_MARKER = _Gated(
    _keys(_STRONG_WORDS, _words("markers", "decision_nouns"), extra="we"),
    r"^(?:the |our |my |so the |ok the )?(?:final )?" + _DECISION_NOUNS + r"(?: now)? is\b(?! "
    + _EVALUATIVE
    + r")|"
    r"\b(?:the|our) (?:final )?(?:decision|call|verdict) is\b(?! " + _EVALUATIVE + r")|"
    r"\bwe(?:'ve| have)? (?:just |now |all |finally |officially )?" + _alt(_WE_DECIDED) + r"\b"
    r"(?! (?:to disagree|on nothing|nothing|anything|on anything))|"
    r"\bwe're (?:all )?(?:agreed|aligned|settled|decided|locked)\b|\b" + _STRONG_CONFIRM + r"\b",
)
# Subjectless "Agreed to X", "Decided against Y", "Settled on Z": the team's decision,
# announced (a time cue such as "in March" makes it a report, see _RE_ANNOUNCE_WHEN).
_RE_SUBJECTLESS_DECIDED = re.compile(
    r"^" + _alt(_LIVE_PAST) + r" (?:to|on|against|for)\b(?! (?:disagree|nothing|anything)\b)"
)
_RE_PLAN = re.compile(
    r"^(?:the |our )?(?:new |final |current )?" + _alt(_words("markers", "plan_nouns")) + r"(?: now)?"
    r"(?: is| now is|'s)\s+(?:(?:still|now|just|simply)\s+)?(?:to|that|we|:|(?!" + _EVALUATIVE + r")\S)"
)
_RE_LETS = re.compile(
    r"\blet's\s+(?:just\s+|all\s+|definitely\s+)?(?:(?:not|never)\s+)?(?:"
    + _alt(_BASES + _words("actions", "phrases.lets"))
    + r"|make (?:\S+ ){1,3}the (?:default|standard|norm|rule))\b|"
    r"\blet's (?:not|never) (?!" + _alt(_words("actions", "phrases.lets_not_small_talk")) + r")[a-z]+"
)
# "let's <any verb> <object>": "let's make the card PIN visible in the app", "let's hire a
# contractor for the audit".  Deliberation ("let's discuss") is blocked before, as a proposal
# or deferral; verbs that run the meeting or the talk ("let's sync", "let's be honest") and
# giving something time ("let's give it a week") commit to nothing.
_RE_LETS_ANY = re.compile(r"\blet's\s+(?:just\s+|all\s+|definitely\s+|also\s+)?([a-z]+)\b")
_RE_LETS_NOT = re.compile(_alt(_words("actions", "phrases.lets_not_commit")) + r"\b")
_PARTICLES = frozenset("up down on off out over back in along ahead around through away".split())
_NOT_AN_OBJECT = frozenset("later soon again now first quickly asap offline together here there".split())
_RE_GIVE_TIME = re.compile(
    r"\bgive (?:\S+ ){1,2}(?:a|another|some|more) (?:week|day|month|few|couple|bit|moment|minute|"
    r"second|sec|try|go|shot|chance|time)\b"
)


def _lets_commit(core: str) -> bool:
    """True for "let's <verb> <object>" with a verb that acts on the product."""
    m = _RE_LETS_ANY.search(core)
    if not m or _RE_LETS_NOT.match(core, m.start(1)):
        return False
    if _RE_LETS_STOP.match(core[m.start() :]) or _RE_GIVE_TIME.search(core):
        return False
    rest = core[m.end(1) :].split()
    while rest and rest[0] in _PARTICLES:  # "bring back the old layout"
        rest = rest[1:]
    if not rest or rest[0] in _NOT_AN_OBJECT or rest[0] in _DAY_WORDS:
        return False
    if _RE_FUTURE.match(" ".join(rest)):
        return False  # "let's regroup tomorrow": nothing but a time after the verb
    return not (_RE_ERRAND.search(core) or _RE_FIRST_PERSON.search(core))


# Habitual framing: "we ship a lot of bugs on fridays" describes, it does not commit.
_RE_HABITUAL = re.compile(
    r"\b(?:" + _alt(_words("blockers", "description.habitual")) + r"|"
    r"every (?:" + _alt(_words("time", "periods")) + r"|" + _DAYS + r")|"
    # a frequency, unless it qualifies a noun: "a 500 daily limit", "the weekly digest"
    r"(?<!\ba )(?<!\ban )(?<!\bthe )(?<!\bour )(?<!\bper )(?<![\d%] )"
    + _alt(_words("blockers", "description.frequency"))
    + r")\b"
)
_WE_ADVERB = _alt(_words("grammar", "we_adverbs"))
_WE_ADVERBS = r"(?:" + _WE_ADVERB + r"\s+){0,2}"
_RE_WE_COMMIT = re.compile(
    r"(?:^|\b)(?:we|we all|the team)\s*(?P<aux>'ll|'re|'re going to|will|won't|will not|are|"
    r"aren't|are not|are going to|'re not|do not|don't|shall|'re definitely|'re officially)?\s*"
    r"(?:(?:not|" + _WE_ADVERB + r")\s+){0,2}(?P<v>" + _VERB_ALT + r")\b"
)
_RE_GERUND_OPEN = re.compile(r"^" + _ING_ALT + r"\b")
# Subjectless "gonna go with B" / "going to drop the banner" (normalised "gonna" -> "going to").
_RE_GOING_TO_OPEN = re.compile(
    r"^going to (?:just |definitely |now )?(?=" + _alt(_words("actions", "phrases.going_to")) + r"\b)"
)
# "we're going monthly-only", "we go usage-based": go + a business-model adjective.
_RE_WE_GO_ADJ = re.compile(
    r"\bwe\s*(?:'re|are|'ll|will)?\s*go(?:ing)?\s+(?:[\w]+-only|"
    + _alt(_words("actions", "phrases.go_models"))
    + r")\b"
)

# "we'll <verb>" / "we're (not) <verb>ing" with any verb: commitments use open
# vocabulary ("we'll hire", "we're rewriting"), so exclude the verbs that make
# predictions, experiences or meta-talk instead of listing the actions.
_RE_WE_WILL = re.compile(
    r"\bwe\s*(?:'ll|will|'re going to|are going to|won't|will not|'re not going to|"
    r"are not going to)\s+" + _WE_ADVERBS + r"([a-z]+)\b"
)
_RE_WE_WILL_BE = re.compile(
    r"\bwe\s*(?:'ll|will|won't|will not)\s+be\s+(?:not\s+)?" + _WE_ADVERBS + r"([a-z]+ing)\b"
)
# Ongoing-status framing: "we're onboarding 3 customers this week" reports, not decides.
_RE_STATUS = re.compile(r"\b" + _alt(_words("blockers", "description.status")) + r"\b")
# Status words that can also name the time a commitment is for.
_FUTURE_STATUS = _set("blockers", "description.status_or_future")
# -ing verbs of a person's own day ("interviewing", "travelling"), not the product's.
_ACTIVITIES = _set("errands", "activities")

# "we're reversing all of it this week" plans; "we're onboarding 3 customers this week" reports.
_RE_DEFINITE_OBJECT = re.compile(r"\s*(?:all|every|each|both|the|it|them|these|those|our)\b")


def _ongoing(core: str, verb: re.Match[str]) -> bool:
    """True if "we're <verb>ing ..." reports ongoing work rather than announcing it.

    A status word says so ("currently", "already"), except "this week" / "this
    sprint" before a definite object ("we're reversing all of it this week"),
    which is the week the team commits to.
    """
    found = _RE_STATUS.findall(core)
    if not found:
        return False
    return not (
        set(found) <= _FUTURE_STATUS
        and verb.group(1) not in _ACTIVITIES
        and _RE_DEFINITE_OBJECT.match(core[verb.end() :])
    )


_RE_WE_PROG = re.compile(r"\bwe\s*(?:'re|are)\s+(?:not\s+)?" + _WE_ADVERBS + r"([a-z]+ing)\b")
# Verbs that usually describe ongoing state ("we're hiring", "we're doing ok") but,
# after an acknowledgement and with a definite object, commit to something.
_RE_WE_PROG_ACKED = re.compile(
    r"\bwe\s*(?:'re|are)\s+(?:hiring|bringing in|bringing on|doing|making|getting|running|starting|"
    r"keeping)\s+(?:the|an?)\s+(?!(?:lot|bit|mess|job|good|great|bad|best|same|math|numbers|"
    r"meeting|call|standup|sync)\b)\w+"
)
_RE_WE_SIMPLE = re.compile(r"^we\s+" + _WE_ADVERBS + r"([a-z]+)\s+\S")
_RE_CONFIRM_PREFIX = re.compile(r"^" + _alt(_words("fillers", "confirm")) + r"\b")
_WE_VERB_EXCLUDE = _set("grammar", "we_verb_exclude")
_PROG_EXCLUDE = _set("grammar", "prog_exclude")
# Personal errands and meeting mechanics: "moving my 1:1 to 3pm", "starting the recording",
# "dropping the link here" report what one person does, not what the team settled.
_RE_ERRAND = re.compile(
    r"\b" + _alt(_words("errands", "people") + _words("errands", "gear")) + r"\b|"
    r"\bthe recording\b(?! (?:feature|option|setting))|\bvideo (?:off|on)\b|"
    r"\b(?:to|from|on) the (?:invite|call|meeting|agenda)\b|\b(?:calendar|meeting) invite\b|"
    r"\b(?:the|a) " + _alt(_words("errands", "shared")) + r"s?\b(?= *$| (?:here|in|into|to|"
    r"after|before|later|now|for (?:the|this) (?:call|meeting))\b)|"
    r"\b(?:at|to|from|in) " + _alt(_words("errands", "places")) + r"\b|"
    r"\b" + _alt(_words("errands", "manner")) + r"\b|"
    r"\bin (?:one|a single) " + _alt(_words("errands", "stretches")) + r"\b"
)
# "live on staging", "deployed to the sandbox": an internal build, not a customer decision.
_RE_ENVIRONMENT = re.compile(r"\b(?:on|in|to) (?:the )?" + _alt(_words("errands", "environments")) + r"\b")
# "mornings only": someone's availability.
_HOURS = _set("errands", "hours")
_RE_GERUND_SUBJECT = re.compile(
    r"\b" + _alt(_words("grammar", "gerund_subject_verbs")) + r"\b|"
    r"^\w+ing " + _alt(_words("grammar", "gerund_manner")) + r"\b"
)
_NOUN_NEXT = _set("grammar", "action_as_noun_next")
_RE_IMPERATIVE = re.compile(
    r"^(?:just |please |definitely |also |don't |do not |never )?"
    + _BASE_ALT
    + r"\b\s+(?!"
    + _alt(_NOUN_NEXT)
    + r"\b)\S"
)
_RE_NO_MORE = re.compile(
    r"^no more\b|^no\b.{1,40}\b(?:anymore|any more|from now on|going forward|this (?:quarter|"
    r"year|month|release|sprint|cycle|time)|at launch|for launch|in v\d+|for now|until "
    r"further notice)\b"
)
_NO_SHORT_EXCLUDE = _set("grammar", "no_short_exclude")
_RE_ONLY = re.compile(
    r"(?:^|\s)(?!(?:the|it's|is|that's|we|i|you|they)\s)[\w$%'/.-]+(?: |-)only"
    r"(?: (?:for|in|on|from|starting|going|at|until|through|after)\b.*)?(?: then| now)?$"
)
_ONLY_BAD_START = _set("grammar", "only_bad_start")
_RE_SETTLED_STATE = _Gated(
    "go|com|jump|drop|move|chang|stay|stand|remain|get|be|ship|launch|live|ahead|pause|frozen|"
    "shelved|cancel|postpon|delay|depriorit|approv|gone|dead|kill|scrap|remov|confirm|greenlit|"
    "parked|hold|table|final|official|locked|release|deadline|cut|price|pricing|fee|trial|"
    "limit|cap",
    r"\b(?:goes|go|comes|come|(?:is|are|'s|'re) (?:going|coming)) (?:away|down|live)\b|"
    r"\b(?:comes|come|(?:is|are|'s|'re) coming) off\b|"
    r"\b(?:still )?stands$|"
    r"\b(?:goes|is going|are going|go) out (?:on |this |next |tomorrow|today|tonight|"
    + _DAYS
    + r"|"
    + _MONTHS
    + r"|\d)|"
    r"\b(?:goes|is going|jumps|drops|moves|changes|is moving|are moving|is changing) "
    r"(?:up |down )?to (?:\$?\d|" + _DAYS + r"|" + _MONTHS + r"|monthly|annual|yearly|"
    r"weekly|free|the \d|next|email|sms)|"
    r"\b(?:stays|remains|is staying|are staying|stay put|remain)\b(?! (?:longer|engaged|"
    r"around|active|loyal|happy|with us|the same|quiet|unclear|open))|"
    # "instant transfers stay free": a plural subject (an opening "stay" is an imperative)
    r"(?<=[a-z0-9] )stay (?=free|paid|on|off|at|as|in|the|with|monthly|annual|opt-in|opt-out|"
    r"invite-only|hidden|visible|disabled|enabled|manual|unchanged|capped|blocked|available|"
    r"\$?\d)(?!on (?:it|top|the line|track)\b|in touch\b)|"
    r"\b(?:gets|get|getting|is getting|are getting|will be|'ll be|is being|are being|"
    r"is to be|are to be) " + _alt(_words("grammar", "changed_participles")) + r"\b|"
    r"\b(?:ships|launches|is launching|is shipping|goes live|go live|is live|comes out|"
    r"goes ahead|is going ahead|are going ahead)\b|"
    r"\b(?:goes|moves|is going|is moving|are going|are moving|gets moved|get moved) (?:in)?to "
    r"(?:the )?(?:[\w-]+ ){0,2}(?:plan|plans|tier|tiers|settings|menu|page|sidebar|footer|"
    r"header|nav|navbar|backlog|roadmap|release|sprint|version|v\d\S*|q\d|add-on|addon)\b|"
    r"^(?:paused|frozen|shelved|cancell?ed|postponed|delayed|deprioriti[sz]ed|approved|gone|dead|"
    r"killed|scrapped|dropped|removed|confirmed|greenlit|parked indefinitely)"
    r"(?: (?:until|till|for|to|from|in|on|indefinitely|effective|starting|as of)\b|$)|"
    r"\b(?:is|are|'s|'re) (?:paused|frozen|shelved|postponed|deprioriti[sz]ed|on hold) "
    r"(?:until|till|for|indefinitely)\b|"
    r"\b(?:is|are|'s|'re) (?:gone|dead|cancell?ed|scrapped|killed|off the table|a go|"
    r"a no-go|no-go|final|official|locked|locked in|confirmed|approved|greenlit)\b|"
    r"\b(?:launch|release|launch date|release date|ship date|go-live|cutover|cut-over|"
    r"deadline|cutoff|price|new price|pricing|the fee|fee|trial|trial length|limit|cap)"
    r"\s+(?:is|will be|'s)\s+(?:now\s+)?(?:on\s+)?(?:the\s+)?(?:\$?\d|"
    + _DAYS
    + r"|"
    + _MONTHS
    + r"|next|this|tomorrow|today|end of)",
)
_RE_SETTLED_BAD_SUBJ = re.compile(
    r"^(?:" + _alt(_words("grammar", "observed_subjects")) + r"|(?:the |our |their )?"
    + _alt(_words("grammar", "outsiders"))
    + r"s?)\b"
)
_RE_IT_IS = re.compile(r"^(?:[\w$%'/.-]+ ){0,3}[\w$%'/.-]+ it is(?: then| now)?$")
_IT_IS_BAD = _set("grammar", "it_is_bad")
_RE_NP_THEN = re.compile(r"^(?:[\w$%'/.-]+ ){0,3}[\w$%'/.-]+ then$")
_NP_BAD = _set("grammar", "np_then_bad")
_ORDINAL = r"\d{1,2}(?:st|nd|rd|th)?"
# A time still to come: "tonight", "on Monday", "in Sept", "next release", "from the 1st", "by Q3".
_FUTURE = (
    r"(?:" + _alt(_words("time", "future")) + r"|"
    r"(?:this|next|the next|coming|the coming) (?:" + _alt(_words("time", "units")) + r"|" + _WHEN + r")|"
    r"(?:on|from|by|until|starting|before) (?:the )?\d{1,2}(?:st|nd|rd|th)|"
    r"(?:on|from|by|starting|until) " + _DAYS + r"|"
    r"(?:in|from|by|starting|until|early|mid|late|end of) " + _MONTHS + r"|"
    r"(?:on |from |by |starting )?(?:" + _MONTHS + r") " + _ORDINAL + r"|"
    r"(?:on |from |by |starting )?(?:the )?" + _ORDINAL + r" (?:of )?" + _MONTHS + r"|"
    r"(?:in|from|by|for|starting) q[1-4]|in \d+ (?:days|weeks|hours)|"
    # "in the March release", "with the spring update", "from the v2.3 build"
    r"(?:in|with|for|from) the (?:" + _MONTHS + r"|q[1-4]|upcoming|spring|summer|autumn|fall|winter|"
    r"v?\d[\w.]*) (?:" + _alt(_words("time", "units")) + r"|update))\b"
)
# "effective tonight", "starting next month": a change with the date it takes effect.
_RE_TAKES_EFFECT = re.compile(
    r"\b(?:effective|starting|as of) (?:immediately|today|now|\d|" + _WHEN + r"|" + _FUTURE + r")"
)
_PRONOUNS = frozenset("i we you they he she it".split())
_RE_POLICY = re.compile(
    r"\b(?:" + _alt(_words("time", "policy")) + r"|"
    r"effective (?:immediately|today|now|\d|" + _WHEN + r"|" + _FUTURE + r")|"
    r"starting (?:today|tomorrow|now|next|this|on|the \d|" + _WHEN + r")|"
    r"as of (?:today|now|next|the \d|" + _DAYS + r"))\b"
)
_CONTENT_BAD = _set("grammar", "content_bad")
# "X is out of scope for 3.0", "the widget is in scope for v2": a scoping decision.
_RE_SCOPE = _Gated(
    "scope",
    r"^(?:the |our )?(?:[\w$%'/.-]+ ){0,3}[\w$%'/.-]+ (?:is|are|'s|'re|stays|stay) (?:now |officially )?"
    r"(?:out of|in) scope\b(?! (?:creep|question|discussion))",
)

# "the price goes up 10% in january", "the fee drops to 1.5%": a pricing or limit change.
_PRICE_NOUNS = _words("grammar", "price_nouns")
_RE_PRICE_MOVE = _Gated(
    _keys(_PRICE_NOUNS),
    r"^(?:the |our |all |new )?(?:[\w$%'/.-]+ ){0,2}" + _alt(_PRICE_NOUNS) + r"s? "
    + _alt(_words("grammar", "price_moves"))
    + r" (?:up |down )?(?:to |by )?(?:[$€£]|eur |usd )?\d",
)
# "the pro plan becomes the default", "2FA is now mandatory for admins": a new rule.
_RE_BECOMES = _Gated(
    "become|now",
    r"^(?:the |our |all |new )?(?:[\w$%'/.-]+ ){0,3}[\w$%'/.-]+ (?:becomes|become|is now|are now) "
    r"(?:a |an |the )?(?:new )?(?:" + _alt(_words("grammar", "rule_states")) + r"|"
    r"[\w-]+-only)\b(?! (?:of|to|from)\b)",
)
# After an acknowledgement, a present-tense statement about a thing settles it:
# "mkay, the welcome email drops the coupon", "ok business accounts get the new
# dashboard first", "ok the card flip animation is out".  Only verbs that assign
# or arrange things count; evaluations and measurements ("looks", "loads",
# "takes") stay descriptions.
_ACK_VERBS_OBJ = _set("grammar", "ack.verbs_obj")
_ACK_VERBS_INTRANS = _set("grammar", "ack.verbs_intrans")
_ACK_ARRANGE = _set("grammar", "ack.arrange")
# Verbs whose object can be a quantity or direction ("conversion drops by 2%").
_ACK_AMBIG = _set("grammar", "ack.ambiguous")
_ACK_SUBJ_BAD = _set("grammar", "ack.bad_subjects")
# "the old plan includes SMS" describes; "the old pricing page stays" decides.
_ACK_SUBJ_DESCRIPTIVE = _set("grammar", "ack.descriptive")
_RE_ACK_DESCRIPTIVE_OBJ = re.compile(r"\b(?:old|current|existing|legacy|same|usual)\b")
_ACK_KEEP_VERBS = _set("grammar", "ack.keep_verbs")
# Things that "are out" because they were published, not cut.
_OUT_PUBLISHED = _set("grammar", "ack.published")
_RE_ACCEPT_ACK = re.compile(r"^" + _alt(_words("fillers", "accept")) + r"\b")
_RE_ACK_PERMIT = re.compile(
    r"^((?:[\w$%'/.-]+ ){0,3}[\w$%'/.-]+) (?:can|may|must) (?:now |only |also )?"
    + _alt(_words("grammar", "ack.permit_verbs"))
    + r"\b.*?\b(?:"
    r"(?:up to|at most|at least|no more than|max(?:imum)?|over|under|above|below) (?:[$€£]|eur |usd )?\d|"
    r"without (?:approval|sign-?off|review|asking|a ticket|a manager|manager approval))"
)
# "The export job runs tonight", "Extra cards ship with the family plan in May": a thing, a
# present-tense verb that moves or schedules it, and a time still to come.  A timetable set
# by the team; outside parties, people, metrics and habits are excluded as elsewhere.
_RE_FUTURE = re.compile(r"\b" + _FUTURE)
_QUANTIFIERS = _set("grammar", "quantifiers")
_PROBLEMS = _set("grammar", "problems")
# Inside a subject a preposition is fine: "extra cards for children", "alerts on large payments".
_PREPOSITIONS = frozenset("for of on in with at from per via without under over".split())
_SCHEDULED_VERBS = frozenset(_BASES + _THIRDS + _words("grammar", "scheduled_verbs"))
_SCHEDULED_FIRST = frozenset(v.split()[0] for v in _SCHEDULED_VERBS)
_OUTSIDERS = _set("grammar", "outsiders")
# Subjects that are the team's own meetings, events, papers, organisation and calendar:
# logistics, not the product.
_LOGISTICS = frozenset().union(
    *(_set("errands", key) for key in ("meetings", "events", "documents", "shared", "organisation")),
    _set("time", "calendar"),
)


def _scheduled(core: str) -> bool:
    """True for "<thing> <present verb> ... <future time>", said as the team's timetable."""
    when = _RE_FUTURE.search(core)
    if not when or _RE_HABITUAL.search(core) or _RE_FIRST_PERSON.search(core):
        return False
    after = core[when.end():].split()
    if after and after[0].strip(",.;:!?") in _PAST_VERBS:
        return False  # "the courier switch in May made delivery slower": a noun, and a past report
    if _RE_ERRAND.search(core) or _RE_STATUS.search(core) or _RE_SETTLED_BAD_SUBJ.match(core):
        return False
    toks = core.split()
    if not toks or toks[0] in ("their", "his"):  # someone else's timetable
        return False
    start = 1 if toks[0] in _ACK_DETERMINERS else 0
    for i in range(start + 1, min(len(toks), start + 7)):
        if toks[i] not in _SCHEDULED_FIRST:
            continue
        if not any(" ".join(toks[i : i + n]) in _SCHEDULED_VERBS for n in (1, 2)):
            continue
        if i + 1 < len(toks) and toks[i + 1] in _NOUN_NEXT:
            continue  # "the v2 build is broken": a noun after all
        subj = toks[start:i]
        if subj[0] in _NON_SUBJECT or subj[-1] in _NON_SUBJECT:
            return False
        if any(
            (w in _CONTENT_BAD and w not in _PREPOSITIONS)
            or w in _ACK_SUBJ_BAD
            or w.removesuffix("'s") in _OUTSIDERS
            for w in subj
        ):
            return False
        if i + 1 < len(toks) and toks[i + 1].endswith("ing"):
            return False  # "tickets start piling up on Monday": something developing, not planned
        if i + 1 < len(toks) and toks[i + 1] in ("its", "their", "his", "her"):
            return False  # "<someone> changes its fee table in April": their own business
        head = next((subj[k - 1] for k, w in enumerate(subj) if k and w in _PREPOSITIONS), subj[-1])
        if subj[0] in _QUANTIFIERS or head in _PROBLEMS:
            return False  # "most disputes land in May", "delays for Ireland start Monday": descriptions
        if head not in _LOGISTICS:  # "the offsite starts tomorrow", "the outage report lands"
            return True
        # else the word may be a noun ("holiday freeze starts ..."): look further
    return False


_RE_ING_OPEN = re.compile(r"^([a-z]+ing)\b")


def _scheduled_gerund(core: str) -> bool:
    """True for "<verb>ing <something> <future time>" ("Ramping to half of users on Monday").

    Any verb, not only the commitment verbs, as long as it is not a state or
    experience ("losing", "waiting") or a person's own activity ("interviewing",
    "travelling"), and something besides the time follows it.
    """
    m = _RE_ING_OPEN.match(core)
    if not m or m.group(1) in _PROG_EXCLUDE or m.group(1) in _ACTIVITIES:
        return False
    future = _RE_FUTURE.search(core)
    if not future or _RE_ACTION_STOP.match(core) or _RE_GERUND_SUBJECT.search(core):
        return False
    if _RE_ERRAND.search(core) or _RE_HABITUAL.search(core) or _RE_FIRST_PERSON.search(core):
        return False
    rest = (core[m.end() : future.start()] + " " + core[future.end() :]).split()
    return bool(rest) and not all(w in _CONTENT_BAD for w in rest)


# "..., that's why it's slow": the statement explains what happens, it settles nothing.
_RE_EXPLAIN = re.compile(r"\b" + _alt(_words("blockers", "description.explain")) + r"\b")
_RE_ACK_LIMIT = re.compile(
    r"^(?:only|max(?:imum)?|at most|no more than|up to|limit(?: of)?|cap(?: of| at)?) (?:one|two|three|"
    r"four|five|a single|[$€£]?\d[\w.,%]*) [\w-]+(?: [\w-]+){0,3} (?:per|each|a|every) "
    r"[\w-]+(?: [\w-]+){0,2}$"
)
_RE_ACK_ONLY = re.compile(
    r"^only (?:the )?[\w-]+(?: [\w-]+){0,2} (?:for|in|on|at|from|via|through) [\w-]+(?: [\w-]+){0,2}$"
)
_RE_YES_ACK = re.compile(r"^" + _alt(_words("fillers", "yes")) + r"\b")
_RE_ACK_MEASURE = re.compile(
    r"\b(?:spikes?|dips?|drops?|increases?|decreases?|declines?|jumps?|growth|errors?|bugs?|crash(?:es)?|"
    r"issues?|problems?|users|customers|people|signups|money|revenue|time|traffic|results?|numbers|"
    r"trend|pattern|signs?|lots?|much|many|percent|\d+(?:\.\d+)?%)(?!\w)"
)
_ACK_DETERMINERS = _set("grammar", "ack.determiners")
_RE_ACK_BAD_NEXT = re.compile(
    r"^(?:up|off|by|at|down|out|in|from|a lot|lots|too|more|less|about|around|roughly|"
    r"approximately|nearly|almost|before|after|when|whenever|every|through a|like)\b"
)
_RE_ACK_BAD_REST = re.compile(
    r"\b(?:wrong|broken|weird|bad|slow|buggy|incorrect|stale|outdated|flaky|confusing|ugly|"
    r"currently|right now|at the moment|already|still|so far|lately|recently|anyway|"
    r"every (?:night|morning|evening|hour|weekend|week|day|month|time)|for some reason|"
    r"some (?:people|users|customers|accounts|folks)|randomly|sometimes|blank|empty|spinner|"
    r"nothing|(?:an?|per) (?:day|week|month|year|hour|minute|second))\b|"
    r"^(?:\w+ing|\w+ed|abused|broken|stuck|lost|hit|spun|bitten|eaten|taken|shown|seen)\b"
)
_RE_ACK_OUT = re.compile(
    r"^((?:[\w$%'/.-]+ ){0,3}[\w$%'/.-]+) (?:is|are|'s|'re) (?:now )?(?:out|off the table)"
    r"(?: (?:for (?:v?\d|now|(?:the|this|next) (?:launch|release|mvp|beta|redesign|quarter|year|sprint|"
    r"cycle|version))|too|then|now|completely|entirely)\b.*)?$"
)


def _ack_statement(core: str, strict: bool = False) -> bool:
    """True for "NP <arranging verb> ..." or "NP is out" said right after an acceptance.

    ``strict`` (after a bare "yes" / "yep", which also answers factual
    questions) admits only the verbs that move or assign things.
    """
    if _RE_HABITUAL.search(core) or _RE_FIRST_PERSON.search(core):
        return False
    toks = core.split()
    if not toks or toks[0] in _ACK_SUBJ_BAD or toks[0] in _CONTENT_BAD:
        return False
    if not strict and (_RE_ACK_LIMIT.match(core) or _RE_ACK_ONLY.match(core)):
        # "ok then, only one discount code per order", "ok, only email for receipts"
        return not any(
            t in _PAST_VERBS or t in _CONTENT_BAD or t in _ERRAND_PAST or t.endswith("ed") for t in toks
        )
    m = None if strict else _RE_ACK_OUT.match(core)
    if m:
        words = m.group(1).split()
        return (
            (words[0] in _ACK_DETERMINERS or len(words) >= 2)
            and not any(w in _CONTENT_BAD for w in words)
            and words[-1] not in _ACK_SUBJ_BAD
            and words[-1] not in _OUT_PUBLISHED
        )
    m = _RE_ACK_PERMIT.match(core)
    if m:
        # "tier-1 can issue credits up to 50 eur without approval": a rule with a limit
        words = m.group(1).split()
        return not any(w in _CONTENT_BAD for w in words) and words[-1] not in _ACK_SUBJ_BAD
    start = 1 if toks[0] in _ACK_DETERMINERS else 0
    for i in range(start + 1, min(len(toks), start + 5)):
        subj = toks[start:i]
        if any(w in _CONTENT_BAD for w in subj):
            return False
        if toks[i] in _ACK_VERBS_OBJ or toks[i] in _ACK_VERBS_INTRANS:
            if subj[-1] in _ACK_SUBJ_BAD:  # the head noun: "the vendor ships ..."
                return False
        verb = toks[i]
        if verb not in _ACK_VERBS_OBJ and verb not in _ACK_VERBS_INTRANS:
            continue
        if strict and verb not in _ACK_ARRANGE:
            return False
        rest = " ".join(toks[i + 1 :])
        if _RE_ACK_BAD_REST.search(rest):
            return False
        if verb not in _ACK_KEEP_VERBS and (
            any(w in _ACK_SUBJ_DESCRIPTIVE for w in subj) or _RE_ACK_DESCRIPTIVE_OBJ.search(rest)
        ):
            return False
        if verb in _ACK_VERBS_OBJ:
            if not rest or _RE_ACK_BAD_NEXT.match(rest):
                return False
            return verb not in _ACK_AMBIG or not (
                rest[0].isdigit() or _RE_ACK_MEASURE.search(" ".join(rest.split()[:4]))
            )
        return not (verb in _ACK_AMBIG and rest and _RE_ACK_BAD_NEXT.match(rest))
    return False


@lru_cache(maxsize=8192)
def _is_confirmation(clause: str) -> str | None:
    """'strong' / 'weak' if the clause is nothing but a confirmation word or phrase."""
    core = (_strip_fillers(clause) or clause).strip(" ,.!:-")
    if _RE_STRONG_ONLY.fullmatch(core):
        return "strong"
    if _RE_WEAK_ONLY.fullmatch(core):
        return "weak"
    return None


def _clause_blocker(clause: str) -> str | None:
    """Why this clause does not state a decision, or None if it might.

    Order matters only for the reported reason: deferral and escalation are
    the most specific; hedges come after past reports so "we had agreed"
    reads as past, not as a proposal.
    """
    core = _strip_fillers(clause) or clause
    if _RE_QUESTION_OPEN.match(core) or _RE_QUESTION_TAIL.search(core):
        return "question"
    if _RE_DEFERRAL.search(clause) or _RE_DEFER_MOVE.search(clause):
        return "deferral"
    if (_RE_DEFER_DECIDE.search(clause) or _RE_DEFER_PICK.search(clause)) and not _RE_MARKER.search(clause):
        return "deferral"
    if _RE_ESCALATION.search(clause):
        return "escalation"
    if _is_past(clause):
        return "past report"
    if _RE_HEDGE.search(clause):
        return "proposal"
    if _RE_WOULD.search(clause):
        return "hypothetical"
    return None


# "we decided to X" / "we agreed on X" said in the meeting announces the decision;
# only a time cue ("we decided in March", "back in 2023 ...") makes it a report.
_RE_WE_ANNOUNCE = re.compile(
    r"\bwe (?:(?:all|finally|officially|now|have|'ve) )?(?:decided|agreed (?:to|on|that we|we)|"
    r"settled on|landed on|picked|chose|opted|voted (?:to|for|against))\b"
)
_OCCASIONS = _alt(_words("time", "occasions"))
_RE_ANNOUNCE_WHEN = re.compile(
    r"\b(?:decided|agreed|settled|landed|picked|chose|opted|voted)\b(?: \w+)?? (?:back )?"
    r"(?:in|during|at|over) (?:\d{4}|" + _MONTHS + r"|q\d|the (?:" + _OCCASIONS + r"|last)|"
    r"(?:early|late|mid) )\b|\bin (?:19|20)\d\d\b|"
    r"\b(?:at|during) (?:the|our|that) (?:" + _OCCASIONS + r"|last \w+|\w+ sync|\w+ review)\b"
)


def _is_past(clause: str) -> bool:
    """Past-tense report: time markers, 'was going to', or subject + simple past verb.

    "ok so we decided ..." / "we just agreed ..." are live announcements, not
    reports, so decide-type verbs after a discourse marker or "just" pass; so
    does a bare "we decided to/on X" without any time cue.
    """
    if _RE_PAST_MARKER.search(clause):
        return True
    toks = _tokens(clause)
    # "Overdraft buffer raised to 50 effective next month": a headline's participle, not a past
    headline = bool(_RE_TAKES_EFFECT.search(clause))
    for i, tok in enumerate(toks):
        if tok not in _PAST_VERBS:
            continue
        j = i - 1
        saw_just = False
        while j >= 0 and toks[j] in _ADVERBS:
            saw_just = saw_just or toks[j] == "just"
            j -= 1
        if j < 0:
            continue  # clause-initial "Decided." / "Agreed, ..." are markers
        subj = toks[j]
        if subj in _NON_SUBJECT or "'" in subj or (headline and subj not in _PRONOUNS):
            continue
        if tok in _LIVE_PAST and subj == "we":
            # "we just decided", "ok so we decided": announced now, not reported.
            if saw_just or (j > 0 and toks[j - 1] in _DISCOURSE):
                continue
            if _RE_WE_ANNOUNCE.search(clause) and not _RE_ANNOUNCE_WHEN.search(clause):
                continue
        return True
    return False


def _evidence(clause: str, acked: str = "") -> str | None:
    """Positive evidence that this (unblocked) clause states a settled commitment.

    ``acked`` is the acknowledgement the clause follows ("yep", "ok then"; empty
    if none), which
    turns a plain present "we outsource X" from description into commitment.
    """
    core = _strip_fillers(clause)
    if not core:
        return None
    snippet = " ".join(core.split()[:6])
    if _RE_MARKER.search(core) or _RE_MARKER.search(clause):
        return "marker: " + snippet
    if _RE_SUBJECTLESS_DECIDED.match(core) and not _RE_ANNOUNCE_WHEN.search(core):
        return "marker: " + snippet
    if _RE_PLAN.match(core):
        return "plan: " + snippet
    m = _RE_LETS.search(core)
    if m and not _RE_LETS_GO.search(core) and not _RE_LETS_STOP.match(core[m.start() :]):
        return "commitment: " + snippet
    if _lets_commit(core):
        return "commitment: " + snippet
    m = _RE_WE_COMMIT.search(core)
    if (
        m
        and not _RE_ACTION_STOP.match(core[m.start("v") :])
        and not (not m.group("aux") and _RE_HABITUAL.search(core))
    ):
        return "commitment: " + snippet
    if _RE_WE_GO_ADJ.search(core):
        return "commitment: " + snippet
    for rx, bad in (
        (_RE_WE_WILL, _WE_VERB_EXCLUDE),
        (_RE_WE_WILL_BE, _PROG_EXCLUDE),
        (_RE_WE_PROG, _PROG_EXCLUDE),
    ):
        m = rx.search(core)
        if m and m.group(1) not in bad and not (rx is _RE_WE_PROG and _ongoing(core, m)):
            return "commitment: " + snippet
    if (
        (acked or _RE_CONFIRM_PREFIX.match(clause.strip()))
        and _RE_WE_PROG_ACKED.search(core)
        and not _RE_STATUS.search(core)
        and not _RE_HABITUAL.search(core)
    ):
        return "commitment: " + snippet  # "yep we're hiring the contractor for the audit"
    m = _RE_WE_SIMPLE.match(core)
    if (
        m
        and (acked or _RE_CONFIRM_PREFIX.match(clause.strip()))
        and m.group(1) not in _WE_VERB_EXCLUDE
        and not m.group(1).endswith(("ed", "ly"))
    ):
        return "commitment: " + snippet
    errand = _RE_ERRAND.search(core)
    if (
        _RE_GERUND_OPEN.match(core)
        and not _RE_ACTION_STOP.match(core)
        and not _RE_GERUND_SUBJECT.search(core)
        and not errand
    ):
        return "commitment: " + snippet
    if _RE_IMPERATIVE.match(core) and not _RE_IMPERATIVE_STOP.match(core) and not errand:
        return "imperative: " + snippet
    m = _RE_GOING_TO_OPEN.match(core)
    if (
        m
        and not _RE_IMPERATIVE_STOP.match(core[m.end() :])
        and _RE_IMPERATIVE.match(core[m.end() :])
        and not errand
    ):
        return "commitment: " + snippet
    if _RE_NO_MORE.search(core):
        return "settled: " + snippet
    toks = core.split()
    if (
        toks
        and toks[0] == "no"
        and len(toks) >= 2
        and toks[1] not in _NO_SHORT_EXCLUDE
        and (len(toks) <= 4 or acked)
    ):
        return "settled: " + snippet
    if len(toks) <= 8 and toks[0] not in _ONLY_BAD_START and toks[0] not in _HOURS and _RE_ONLY.search(core):
        return "settled: " + snippet
    if (
        _RE_SETTLED_STATE.search(core)
        and not _RE_SETTLED_BAD_SUBJ.match(core)
        and not _RE_HABITUAL.search(core)
        and not _RE_ENVIRONMENT.search(core)
    ):
        return "settled: " + snippet
    if (
        _RE_SCOPE.search(core) or _RE_BECOMES.search(core) or _RE_PRICE_MOVE.search(core)
    ) and not _RE_SETTLED_BAD_SUBJ.match(core):
        return "settled: " + snippet
    if _RE_ACCEPT_ACK.match(acked) or _RE_ACCEPT_ACK.match(clause.strip()):
        if _ack_statement(core):
            return "acknowledged: " + snippet
    elif (_RE_YES_ACK.match(acked) or _RE_YES_ACK.match(clause.strip())) and _ack_statement(core, True):
        return "acknowledged: " + snippet
    if _scheduled(core) or _scheduled_gerund(core):
        return "scheduled: " + snippet
    if len(toks) >= 2 and toks[0] not in _IT_IS_BAD and _RE_IT_IS.match(core):
        return "settled: " + snippet
    if (
        len(toks) >= 2
        and toks[0] not in _NP_BAD
        and _RE_NP_THEN.match(core)
        and not any(t in _CONTENT_BAD for t in toks[:-1])
    ):
        return "settled: " + snippet
    return None


# "Stripe for US", "vendor B as backup", "Spain first", "Italy in Q3": one assignment of a
# parallel list.
_RE_PAIR = re.compile(
    r"^(?:it's |the |an? )?[\w$%'/.&+-]+(?: [\w$%'/.&+-]+){0,2} (?:(?:for|as|in|on|from|via|through) "
    r"(?:the |all |an? )?"
    r"[\w$%'/.&+-]+(?: [\w$%'/.&+-]+){0,2}|first|later|next|last|after (?:that|\w+(?: \w+)?))$"
)
_RE_TRAILING_CONFIRM = re.compile(_alt(_words("markers", "trailing_confirm")))


def _is_pair(core: str) -> bool:
    """True for one verbless assignment of a parallel list ("Adyen for EU", "desktop later")."""
    if not _RE_PAIR.match(core) or _RE_STATUS.search(core) or _RE_THANKS.search(core):
        return False
    toks = _tokens(core)
    if toks and toks[-1] in ("later", "next", "first", "last"):
        toks = toks[:-1]
    return 1 <= len(toks) <= 8 and not any(t in _CONTENT_BAD for t in toks)


# Past forms that open an errand report ("done, sent the invite").
_RE_THANKS = re.compile(r"\b" + _alt(_words("fillers", "thanks")) + r"\b")
_ERRAND_PAST = _set("blockers", "past.errand")


def _np_content(clause: str) -> bool:
    """True for a short content phrase ("vendor B", "friday") that can follow a confirmation."""
    toks = _tokens(_strip_fillers(clause))
    if _RE_THANKS.search(clause):
        return False
    return (
        1 <= len(toks) <= 6
        and not any(t in _CONTENT_BAD for t in toks)
        and not (toks[0] in _PAST_VERBS or toks[0] in _ERRAND_PAST or toks[0].endswith("ed"))
    )


# --------------------------------------------------------------------------
# Sentence and message level
# --------------------------------------------------------------------------


def _analyse_clauses(
    text: str, acked: str = "", confirmed: str | None = None
) -> tuple[str | None, str | None]:
    """(decision reason, blocker reason) over the clauses of one sentence body.

    ``acked`` / ``confirmed`` carry an acknowledgement or confirmation from
    the previous sentence ("Fine. No annual plans for new customers.").
    """
    clauses = _split_clauses(text)
    blocker: str | None = None
    last_content = ""  # the previous content clause, if it was a short content phrase
    n_content = n_pairs = 0
    accepted = bool(_RE_ACCEPT_ACK.match(acked) or confirmed)
    for clause in clauses:
        if _SUBORDINATE.match(clause):
            continue  # "even if we ship", "because ..." assert nothing themselves
        if _is_confirmation(clause) == "strong":
            # before the blockers: "decision made" is not a past report
            return "marker: " + (_strip_fillers(clause) or clause), None
        why = _clause_blocker(clause)
        if why:
            blocker = blocker or why
            core = _strip_fillers(clause)
            # A bare hedge ("maybe,", "I think,") colours the whole sentence.
            if (
                why in ("proposal", "question", "hypothetical")
                and len(core.split()) <= 3
                and not _evidence(clause)
            ):
                return None, why
            continue
        if not _strip_fillers(clause) and _RE_CONFIRM_PREFIX.match(clause):
            acked = clause  # a bare "yep" / "ok" before the content clause
            accepted = accepted or bool(_RE_ACCEPT_ACK.match(clause))
            continue
        conf = _is_confirmation(clause)
        if conf == "weak":
            word = _strip_fillers(clause) or clause
            if last_content and _RE_TRAILING_CONFIRM.fullmatch(word) and (
                word != "done" or _is_pair(last_content) or last_content.startswith("it's ")
            ):
                # "then it's net-60 for the big accounts, done": confirmation after its content
                return f"confirmation: {last_content}, {word}", None
            confirmed = word
            acked = clause
            accepted = True
            continue
        ev = _evidence(clause, acked)
        if ev and not (ev.startswith("acknowledged: ") and _RE_EXPLAIN.search(text)):
            return ev, None
        if confirmed and _np_content(clause):
            return f"confirmation: {confirmed}, {_strip_fillers(clause)}", None
        core = _strip_fillers(clause)
        n_content += 1
        if _is_pair(core):
            n_pairs += 1
            accepted = accepted or bool(_RE_ACCEPT_ACK.match(clause))
        n_toks = len(_tokens(core))
        last_content = core if (_np_content(clause) or _is_pair(core)) and n_toks <= 8 else ""
    if accepted and n_pairs >= 2 and n_pairs == n_content:
        # "cool, Stripe for US, Adyen for EU": parallel assignments after an acceptance
        return "settled: " + " ".join(_strip_fillers(text).split()[:6]), None
    return None, blocker


def _analyse_sentence(
    sentence: str, acked: str = "", confirmed: str | None = None
) -> tuple[str | None, str | None]:
    """(decision reason, blocker reason) for one sentence, sentence-wide blockers first."""
    ends_q = sentence.rstrip(" .!").endswith("?")
    body = sentence.strip().rstrip(" .!?")
    core = _strip_fillers(body)
    if not core:
        # Only fillers / a confirmation word: "agreed", "ok", "lol".
        if _is_confirmation(body) == "strong":
            return "marker: " + body, None
        return None, None
    if _RE_HYPO_OPEN.match(core):
        return None, "hypothetical"
    if ends_q or _RE_ALT_QUESTION.search(core):
        return None, "question"

    m = _RE_TOPIC_LABEL.match(core) or _RE_KIND_LABEL.match(core)
    lab = ("decision", m.group(1).strip()) if m else (_label(body) or _label(core))
    if lab:
        label, content = lab
        if _PROPOSAL_LABELS.match(label):
            return None, "proposal"
        if _QUESTION_LABELS.match(label):
            return None, "question"
        if _DEFERRAL_LABELS.match(label):
            return None, "deferral"
        if label in _DECISION_LABELS or _RE_MARKER.search(label) or _is_confirmation(label):
            if not content:
                return None, None
            if _RE_OPEN_CONTENT.match(content):
                return None, "deferral"  # "decision: pending"
            dec, why = _analyse_clauses(content)
            if dec:
                return dec, None
            if why in ("deferral", "escalation", "question", "hypothetical", "proposal"):
                return None, why
            return "marker: " + label + ": " + " ".join(content.split()[:6]), None
        if _RE_QUESTION_OPEN.match(content):
            return None, "question"

    if _has_conditional(core):
        return None, "hypothetical"
    if _RE_WE_ANNOUNCE.search(core) and (_RE_RECAP.search(core) or _RE_REVERSAL.search(core)):
        # "for the record, we decided ...", "we decided X but legal vetoed it": narrative
        return None, "past report"
    if _RE_WAITS_ON_DECISION.search(core):
        return None, "deferral"

    dec, why = _analyse_clauses(body, acked, confirmed)
    if dec:
        return dec, None
    if (
        why is None
        and _RE_POLICY.search(core)
        and len(core.split()) >= 4
        and not _RE_FIRST_PERSON.search(core)
    ):
        return "policy: " + " ".join(core.split()[:6]), None
    return None, why


# "Options:" / "a few ideas:" headings turn the list after them into proposals.
_RE_OPTIONS_HEADING = re.compile(r"\b" + _alt(_words("markers", "option_headings")) + r"\b[^.!?]{0,30}:\s*$")


def _classify(text: object) -> Verdict:
    """Unguarded implementation behind :func:`classify`."""
    raw = _coerce(text)
    if not raw.strip():
        return Verdict(False, "empty")
    norm = _normalise(raw)
    sentences = _split_sentences(norm)
    if not sentences:
        return Verdict(False, "no text")
    first_blocker: str | None = None
    in_options = False
    acked = ""
    confirmed: str | None = None
    prev_np = False
    for sentence in sentences:
        if _RE_OPTIONS_HEADING.search(sentence):
            in_options = True
            first_blocker = first_blocker or "proposal"
            continue
        if in_options and not _RE_MARKER.search(sentence):
            continue
        body = sentence.strip(" .!")
        conf = _is_confirmation(body) if "?" not in sentence else None
        if conf == "weak" and prev_np:
            # "Vendor B. Final." -- the confirmation comes after its content.
            return Verdict(True, f"confirmation: {body}")
        dec, why = _analyse_sentence(sentence, acked, confirmed)
        if dec:
            return Verdict(True, dec)
        first_blocker = first_blocker or why
        # What this sentence hands on to the next one.
        is_ack = conf is not None or (not _strip_fillers(body) and bool(_RE_CONFIRM_PREFIX.match(body)))
        acked = body if is_ack else ""
        confirmed = body if conf == "weak" else None
        prev_np = (
            why is None
            and "?" not in sentence
            and (_np_content(body) or all(_is_pair(_strip_fillers(c)) for c in _split_clauses(body)))
        )
    return Verdict(False, first_blocker or "no decision")


def classify(text: str) -> Verdict:
    """Classify one chat message; never raises (errors become a non-decision)."""
    try:
        return _classify(text)
    except Exception as exc:  # a classifier bug must never break the Slack handler
        return Verdict(False, f"error: {type(exc).__name__}")


def is_decision(text: str) -> bool:
    """Shorthand for ``classify(text).is_decision``."""
    return classify(text).is_decision
