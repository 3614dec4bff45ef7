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
   the sentence: a trailing question mark, a conditional or hypothetical
   frame ("if", "say we", "were we to"), a "proposal:"-style label, or work
   that waits on a future decision ("once we've decided"), or a "we decided"
   that is only a reminder or was overturned ("for the record, we decided
   ...", "we decided X but legal vetoed it").
4. Each remaining clause is checked for clause-level blockers (deferral,
   escalation such as "raising this with legal", past report, hedge/proposal,
   "would" modality, inverted question) and, if it is clean, for positive
   evidence of a settled commitment (markers, "we'll/we're/we + action",
   imperatives, gerund and "gonna" announcements, verbless settled
   statements, scope/"becomes the default"/price changes, confirmations +
   content).  A bare "we decided to/on/against X" announces the decision;
   only a time cue ("in March", "last sprint", "at the offsite") makes it a
   report.  Gerunds and imperatives about personal errands or meeting
   mechanics ("dropping off the call in 5", "moving my 1:1") are status.
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

Everything is precompiled at import time and the big alternations sit behind
cheap substring gates; a typical message takes about 0.2 ms, a 10 kB paste
a few ms (input is capped).  ``classify`` never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

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
# Vocabulary
# --------------------------------------------------------------------------

# Product actions a team commits to, as "base:-ing" pairs.
_ACTION_PAIRS = (
    "ship:shipping, launch:launching, release:releasing, drop:dropping, kill:killing, "
    "remove:removing, keep:keeping, cut:cutting, move:moving, roll out:rolling out, "
    "roll back:rolling back, switch:switching, go with:going with, go ahead:going ahead, "
    "go live:going live, go back to:going back to, stick with:sticking with, "
    "stay with:staying with, stay on:staying on, use:using, pick:picking, choose:choosing, "
    "adopt:adopting, sunset:sunsetting, deprecate:deprecating, retire:retiring, "
    "discontinue:discontinuing, cancel:cancelling, delay:delaying, push:pushing, "
    "postpone:postponing, raise:raising, lower:lowering, increase:increasing, "
    "reduce:reducing, replace:replacing, migrate:migrating, grandfather:grandfathering, "
    "turn off:turning off, turn on:turning on, disable:disabling, enable:enabling, "
    "add:adding, offer:offering, support:supporting, charge:charging, require:requiring, "
    "limit:limiting, cap:capping, extend:extending, stop:stopping, start:starting, "
    "pull:pulling, scrap:scrapping, ditch:ditching, axe:axing, nuke:nuking, "
    "revert:reverting, restore:restoring, merge:merging, deploy:deploying, "
    "take down:taking down, pause:pausing, freeze:freezing, waive:waiving, "
    "phase out:phasing out, build:building, announce:announcing, block:blocking, "
    "allow:allowing, ban:banning, default:defaulting, bump:bumping, try:trying, "
    "get rid of:getting rid of, do:doing, lock:locking, bundle:bundling, split:splitting, "
    "rename:renaming, hide:hiding, sell:selling, price:pricing, skip:skipping"
)
_ACTIONS: tuple[tuple[str, str], ...] = tuple(
    (base, ing) for base, ing in (pair.split(":") for pair in _ACTION_PAIRS.split(", "))
)

# Objects/particles after an action verb that turn it into small talk.
_ACTION_STOP = (
    r"(?:keep(?:ing)? (?:in mind|an eye|me|us|you|going|thinking|talking|discussing|posted|track|up|it up|"
    r"in touch|(?:it|this|that|things|them) (?:short|simple|brief|quick|tight|moving|focused|civil|"
    r"in mind|between us))|move on|moving on|push back|pushing back|"
    r"start (?:with|by)|starting (?:with|by)|end (?:up|of)|use case|drop (?:by|me|a line|in)|"
    r"(?:go|going) with (?:the flow|my gut|your gut|our gut|it for now\?)|"
    r"(?:pick|picking|pull|pulling) (?:up|this up|it up|the (?:numbers|data|report|stats|dashboard|logs))|"
    r"try (?:to|and)|trying (?:to|and)|do (?:some|you|we|a lot|a bit)\b|"
    r"doing (?:some|ok|okay|fine|well|great|good|a lot|a bit|alright)\b|stop (?:it|that|by)|"
    r"add (?:to|me|it to)|cut (?:it out|off)|block (?:of|out)|lock (?:up)|price (?:of|is|tag)|"
    r"pricing (?:is|page|team|doc|model|question|discussion|decision)|using (?:the|a|an)\b|"
    # personal presence and errands: "dropping off the call in 5", "skipping standup today"
    r"(?:drop|dropping|stop|stopping|pop|popping|cut|cutting) (?:off|out|away)\b|"
    r"(?:skip|skipping) (?:to|over|ahead|standup|lunch|today|tomorrow|this one|it today|"
    r"(?:the |this |today's |tomorrow's )?(?:standup|stand-up|sync|meeting|call|retro|1:1|demo|"
    r"lunch|offsite|session))\b)"
)

_DAYS = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|"
    r"thu|thur|thurs|fri|sat|sun)"
)
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|"
    r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)

_WHEN = _DAYS + "|" + _MONTHS

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


def _alt(words: tuple[str, ...]) -> str:
    """Regex alternation, longest first so multi-word verbs win over prefixes."""
    return "(?:" + "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)) + ")"


_BASE_ALT = _alt(_BASES)
_ING_ALT = _alt(_INGS)
_VERB_ALT = _alt(_BASES + _INGS + _THIRDS)

# Simple past forms that mark a report of something already done.
_PAST_VERBS = frozenset(
    "decided agreed shipped dropped launched killed moved rolled switched removed picked "
    "released deployed announced canceled cancelled changed tried tested discussed talked "
    "planned wanted started stopped added pushed raised lowered pulled scrapped ditched "
    "sunsetted sunset deprecated retired replaced migrated settled landed opted signed "
    "approved finalized finalised considered went chose kept made took did had said "
    "found saw decided increased reduced delayed postponed disabled enabled turned "
    "introduced implemented closed opened broke noticed complained churned "
    "voted concluded determined committed".split()
)
# Past forms that, said live ("ok so we decided ..."), announce the decision itself.
_LIVE_PAST = frozenset("decided agreed settled landed picked chose opted voted concluded".split())
# Tokens that cannot be the subject of a following past verb.
_NON_SUBJECT = frozenset(
    "is are was were be been being am get gets got getting have has had having will would "
    "shall should can could may might must to not never the a an this that these those "
    "ok okay k kk so yep yes yeah yup sure right alright fine cool great perfect and or "
    "but then also just please agreed decided settled done final well oh anyway fyi btw who "
    "which as for by of in on with at from than like per via when once until".split()
)
_DISCOURSE = frozenset("ok okay so alright right then yep yes yeah".split())
_ADVERBS = frozenset(
    "already just originally also then actually eventually finally initially all both "
    "never recently ultimately basically kind sort of totally".split()
)

_FILLERS = re.compile(
    r"^(?:(?:ok(?:ay)?|k|kk|mkay|m'kay|mhm|okie|oki|so|yep|yes|yeah|ya|yup|sure|right|alright|"
    r"all right|cool|great|"
    r"perfect|awesome|nice|well|and|then|also|fyi|btw|hey|hi|team|folks|everyone|guys|"
    r"y'all|all|nah|anyway|anyways|lol|haha|oh|hmm|um|uh|look|listen|wait|just|please|pls|"
    r"sounds good|makes sense|fair enough|fair|got it|gotcha|thanks|ty|\+1|@u|understood|"
    r"good|good call|honestly|tbh|basically|folks|now|ack)\b[\s,:.!-]*)+"
)

# Confirmations that stand alone as a statement of decision.
_STRONG_CONFIRM = (
    r"(?:decided|settled|decision made|that's (?:settled|decided|final|that|the call|the decision|"
    r"the plan|our call|the way|the rule|the policy|the deal|the way forward)(?: now)?|"
    r"it's (?:settled|decided|final|official|a go|locked in)|"
    r"locked in|done deal|so be it|approved|greenlit|green ?lit|final answer|we're (?:all )?"
    r"(?:agreed|aligned|settled|decided)|we have a decision|we've got a decision)"
)
# Confirmations that need content after them ("agreed, <what>").
_WEAK_CONFIRM = (
    r"(?:ok(?:ay)? then|alright then|all right then|fine then|right then|fine|agreed|done|deal|"
    r"final|confirmed|consensus|so|final call|final decision|sorted|all sorted)"
)


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

_TYPOS: dict[str, str] = {
    "lets": "let's",
    "dont": "don't",
    "wont": "won't",
    "cant": "can't",
    "didnt": "didn't",
    "isnt": "isn't",
    "arent": "aren't",
    "wasnt": "wasn't",
    "werent": "weren't",
    "shouldnt": "shouldn't",
    "couldnt": "couldn't",
    "wouldnt": "wouldn't",
    "doesnt": "doesn't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "thats": "that's",
    "whats": "what's",
    "im": "i'm",
    "ive": "i've",
    "weve": "we've",
    "theyre": "they're",
    "youre": "you're",
    "shud": "should",
    "shld": "should",
    "pls": "please",
    "plz": "please",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tmrrw": "tomorrow",
    "tomo": "tomorrow",
    "2moro": "tomorrow",
    "nxt": "next",
    "wk": "week",
    "b4": "before",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "idk": "i don't know",
    "prob": "probably",
    "probs": "probably",
    "def": "definitely",
    "defo": "definitely",
    "ppl": "people",
    "u": "you",
    "ur": "your",
    "decison": "decision",
    "descision": "decision",
    "desicion": "decision",
    "decsion": "decision",
    "decied": "decided",
    "decidd": "decided",
    "shiping": "shipping",
    "revist": "revisit",
    "agred": "agreed",
    "agreeed": "agreed",
    "gonna": "going to",
    "wanna": "want to",
    "okey": "okay",
    "kk": "ok",
    "k": "ok",
    "thru": "through",
    "w/": "with",
    "w/o": "without",
    "b/c": "because",
}
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

_RE_HYPO_OPEN = re.compile(
    r"^(?:if|suppose|supposing|assuming|assume|imagine|hypothetically|what if|in case|"
    r"in the event|in a world where|provided|granted|say (?:we|you|they|the|that|it|i)\b|"
    r"let's say|let us say|were we to|should we (?:decide|go|end up)|as long as|only if|"
    r"worst case|best case|in theory|theoretically|in (?:the|a|that|this) scenario|scenario|"
    r"in that case|in which case|hypothetical(?:ly)?)\b"
)
# A conditional "if" that is not an embedded question ("not sure if", "check if").
_RE_MID_IF = re.compile(
    r"(?:(\S+) )?\b(?:if|assuming|provided that|as long as|only if)\b"
    r"(?! (?:needed|necessary|required|applicable|any|anything|so|relevant|appropriate)\b)"
)
# Words before "if" that make it an embedded question or a concession, not a condition.
_IF_NOT_CONDITIONAL = frozenset(
    "even see check ask know sure wonder wondering unclear matter decide as what asking "
    "checking curious idea".split()
)


def _has_conditional(text: str) -> bool:
    """True if ``text`` contains a real conditional ("we keep SMS if legal says no")."""
    if "if" not in text and "assuming" not in text and "provided" not in text and "as long as" not in text:
        return False
    return any(m.group(1) not in _IF_NOT_CONDITIONAL for m in _RE_MID_IF.finditer(text))


_RE_LABEL = re.compile(r"^([a-z][a-z' ]{0,24}?)\s*(?::|\s-\s)\s*(.*)$")
_DECISION_LABELS = frozenset(
    "decision decided final final call final answer final decision verdict resolution "
    "resolved consensus conclusion outcome settled agreed locked locked in approved "
    "confirmed decision made so plan the plan new plan the call call it's official "
    "official greenlit done".split(" ")
) | {
    "final call",
    "final answer",
    "final decision",
    "locked in",
    "decision made",
    "the plan",
    "new plan",
    "the call",
    "it's official",
    "ok decided",
    "ok team decision made",
    "team decision made",
    "the decision",
    "our decision",
    "so the decision",
    "the verdict",
    "plan of record",
}
_PROPOSAL_LABELS = re.compile(
    r"^(?:proposal|proposed|idea|suggestion|strawman|straw man|option(?: [a-z0-9])?|"
    r"alternative|alt|draft|pitch|hypothesis|thought|my vote|vote|rfc|brainstorm)$"
)
_QUESTION_LABELS = re.compile(r"^(?:q|quick q|question|quick question|open question|qq)$")
_DEFERRAL_LABELS = re.compile(r"^(?:parking lot|parked|tbd|later|backlog|follow[- ]?up|todo)$")

_RE_WAITS_ON_DECISION = re.compile(
    r"\b(?:once|after|when|until|till|before)\s+(?:we(?:'ve| have)?|the|legal|finance|"
    r"leadership|[a-z]+)\s+(?:\S+\s+){0,2}?(?:decide[ds]?|decision|agree[sd]?|sign(?:s|ed)? off|"
    r"approve[sd]?|confirm(?:s|ed)?|weigh(?:s|ed)? in|make (?:the|a) call)\b"
)


_RE_REVERSAL = re.compile(
    r"\b(?:vetoed|overruled|overturned|reversed|walked (?:it |that |this )?back|rolled (?:it |that )?back|"
    r"changed (?:our|their|his|her) minds?|fell through|ignored it|but then|then ignored|"
    r"didn't stick|never happened|didn't happen)\b"
)
# "Decision on pricing: ...", "final call from this meeting: ...": a decision label with a topic.
_RE_TOPIC_LABEL = re.compile(
    r"^(?:the |our |so the |ok the )?(?:final (?:call|answer|decision|verdict)|decision|verdict|"
    r"outcome|resolution|conclusion)s? (?:from|for|on|re|about|regarding|of) [a-z0-9$%'/&. -]{1,40}?"
    r"\s*(?::|\s-\s)\s*(.+)$"
)
_RE_OPEN_CONTENT = re.compile(
    r"^(?:still |not |none )?(?:pending|open|unclear|unknown|undecided|yet|tbd|tbc|n/a|none|"
    r"nothing|waiting|on hold|blocked|not made|outstanding)\b"
)
_RE_RECAP = re.compile(
    r"\b(?:for the record|just (?:confirming|recapping|a reminder|checking)|as a reminder|"
    r"reminder(?: that|:)|to recap|recapping|as (?:we )?discussed|as agreed|as you know|"
    r"fwiw|for context|for reference)\b"
)


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
    r"(?:i'm )?wondering (?:if|whether)|i wonder|do you know|curious (?:if|whether))"
)
_RE_QUESTION_TAIL = re.compile(r"(?<=\w) (?:or not|right|correct|yes or no|no\?|yeah\?)$")

_RE_DEFERRAL = re.compile(
    r"\b(?:revisit|re-visit|revisiting|circle back|circling back|come back to|coming back to|"
    r"get back to|pick (?:this|it|that) (?:up|back up)|punt|punting|punted|defer|deferring|"
    r"hold off|holding off|sleep on|take (?:it|this|that|the \w+(?: \w+)?) offline|"
    r"taking (?:it|this|that) offline|parking lot|tbd|tbc|to be (?:decided|determined|confirmed)|"
    r"wait (?:for|until|till|and see|on)|waiting (?:for|until|till)|let's wait|"
    r"not (?:to )?(?:deciding|decide|decided|making (?:a|the|that|this) call)|no decision|"
    r"no call (?:yet|today)|undecided|(?:haven't|have not|didn't|did not|don't|do not|can't) "
    r"(?:yet )?(?:decide|decided|made a call|make a call)|still (?:open|undecided|deciding|"
    r"discussing|debating|up in the air)|up in the air|(?:deciding|choosing|torn) between|"
    r"we're (?:still )?(?:deciding|debating|weighing)|not yet decided|open question|"
    r"(?:table|park) (?:this|it|that|the)\b|tabling|let's (?:table|park)|parked|parking|"
    r"(?:decided|agreed|settled|landed) (?:on )?(?:nothing|anything)|"
    r"(?:decided|agreed) (?:to|we'd|we would|we'll|we will) (?:\w+ )?(?:decide|discuss|talk|revisit|"
    r"circle back|come back|wait|hold off|sleep on|table|park|punt|defer|finalize|finalise|figure|"
    r"regroup|reconvene)|"
    r"nothing (?:was |got |is |has been )?(?:decided|agreed|settled))\b"
)
_RE_DEFER_DECIDE = _Gated(
    "decide|discuss|final|make |figure|sort|settle|confirm|determin|vote|talk|chat|revisit|align|hash",
    r"(?:'ll|\bwill|\bgoing to|\blet's|\blet us|\bwe can|\bneed to|\bhave to|\bwant to|"
    r"\bplan to|\bshould|\bshall|\bto)\s+(?:\w+\s+)?(?:decide|discuss|finalize|finalise|"
    r"make (?:the|a|that|this) (?:call|decision)|make a decision|figure|sort|settle|confirm|"
    r"determine|vote|talk|chat|revisit|align|hash)\b",
)
_RE_DEFER_PICK = re.compile(
    r"(?:'ll|\bwill|\bgoing to|\bto)\s+(?:\w+\s+)?(?:pick|choose|select|settle on|agree on|"
    r"land on)\b.*\b(?:next|tomorrow|later|after|once|when|by (?:" + _DAYS + r"|eod|eow|end)|"
    r"on " + _DAYS + r"|this afternoon|tonight|eod|eow|in (?:a|the) (?:week|few|bit))\b"
)
_RE_DEFER_MOVE = re.compile(
    r"\b(?:decision|call|discussion|conversation|vote|topic|question|debate)\b.{0,40}?"
    r"\b(?:pushed|moved|postponed|deferred|delayed|punted|bumped|parked)\b|"
    r"\b(?:pushing|moving|punting|bumping|deferring|postponing|delaying|parking)\b.{0,40}?"
    r"\b(?:decision|call|discussion|conversation|vote|topic|question|debate)\b|"
    r"\b(?:postpone|defer|punt|push|move)\s+(?:this|it|that)\s+(?:to|until|till)\b"
)

_RE_ESCALATION = _Gated(
    "need|require|waiting|pending|can't|cannot|can not|couldn't|won't be able|up to|pay|"
    "escalat|call|decision|sign|decide|approve|weigh|take|taking|bring|run |check with|"
    "loop in|ask |rais|flag|kick|send|pass|hand|go",
    r"\b(?:needs?|requires?|waiting (?:on|for)|pending)\s+(?:a |an |the |some )?(?:\w+ )?"
    r"(?:call|decision|sign-?off|signoff|approval|input|ok|okay|green ?light|blessing|"
    r"go-?ahead|buy-?in|yes|nod|thumbs up|say-?so)\b|"
    r"\b(?:can't|cannot|can not|couldn't|won't be able to)\s+(?:\w+\s+){0,3}?(?:without|until)\b|"
    r"(?<!goes )(?<!go )(?<!going )(?<!went )(?<!gone )\bup to (?!\$|\d|date|speed|you guys)"
    r"(?:\w+)|"
    r"\b(?:above my pay ?grade|escalate|escalating|escalation|not (?:our|my|your|the team's) "
    r"(?:call|decision)|(?:isn't|is not|it's not) (?:our|my) (?:call|decision)|"
    r"(?:leadership|exec|executive|ceo|cto|cfo|vp|board|legal|finance|management|founder|"
    r"founders)(?:'s)? (?:call|decision|sign-?off)|owns? (?:that|this|the) (?:decision|call)|"
    r"(?:has|have|needs?|gets?) to (?:make (?:this|that|the|a) (?:call|decision)|decide|"
    r"sign off|approve|weigh in)|(?:take|taking|bring|bringing) (?:it|this|that) to "
    r"(?:the )?(?:ceo|cto|cfo|vp|leadership|exec|execs|board|legal|finance|founders)|"
    r"run (?:it|this|that) (?:by|past)|check with|loop in|sign off on|ask (?:legal|finance|"
    r"leadership|the ceo|the vp))\b|"
    r"\bneeds? (?:\S+ ){1,3}to (?:decide|approve|sign off|weigh in|make (?:the|this|that|a) "
    r"call|bless)\b|"
    # "raising this with legal", "bringing it to the CFO", "pricing goes to the board"
    r"\b(?:raise|raising|flag|flagging|bring|bringing|escalate|escalating|kick|kicking|send|sending|"
    r"pass|passing|hand|handing|take|taking) (?:this|it|that|the (?:\w+ )?(?:question|issue|topic|"
    r"point|decision|call))(?: up| over| upstairs)? (?:with|to)\b(?! (?:prod|production|staging|"
    r"the (?:team|channel|thread|doc|backlog)|everyone|customers|users|the next level))|"
    r"\b(?:raise|raising|flag|flagging|bring|bringing) (?:this|it|that)(?: up)? (?:at|in) (?:the |our )?"
    r"(?:\w+ )?(?:exec|leadership|board|steering|sync|review|council|committee|staff meeting)\b|"
    r"\bkick(?:ing)? (?:this|it|that) upstairs\b|"
    r"\b(?:goes|go|going|went) (?:up )?to (?:the )?(?:board|leadership|exec|execs|exec team|ceo|cto|"
    r"cfo|vp|legal|finance|committee|risk committee|management|founders|steering)\b",
)

_RE_PAST_MARKER = re.compile(
    r"\b(?:back (?:in|when|then)|\d+ (?:days?|weeks?|months?|years?|quarters?) ago|"
    r"a (?:while|year|month|week|few \w+|couple \w+(?: \w+)?) ago|ago|last (?:week|month|"
    r"quarter|year|time|sprint|spring|summer|fall|autumn|winter|release|cycle|meeting|"
    r"night|" + _DAYS + r")(?! of)|previously|originally|used to|remember when|at the time|"
    r"in the end|earlier this (?:year|month|quarter|week)|yesterday|"
    r"(?:was|were) (?:going to|planning to|supposed to|about to|meant to)|"
    r"the (?:plan|decision|call|idea) was|had (?:agreed|decided|planned|chosen|picked|"
    r"settled)|(?:was|were) (?:decided|agreed|settled|chosen|shipped|dropped|launched|killed|"
    r"removed|cut|moved|cancell?ed|rolled out|released|approved|discussed)|"
    r"(?:we've|we have|they've|they have|has|have) (?:already |just |recently )?(?:shipped|"
    r"dropped|launched|killed|removed|moved|rolled out|switched|released|deployed|cut|"
    r"sunset|retired|tried|tested))\b"
)

_RE_HEDGE = re.compile(
    r"\b(?:maybe|perhaps|might|could|possibly|probably|likely|potentially|ideally|hopefully|"
    r"should|shouldn't|ought to|we can|i(?:'d| would) (?:suggest|propose|say|go|vote|lean|"
    r"rather|prefer|like|love|recommend|opt|want|keep|drop|ship|kill|do)|(?:i|we) (?:suggest|"
    r"propose|recommend|vote|nominate)|suggest|suggestion|propose|proposal|proposing|"
    r"recommend|recommendation|how about|what about|what if|why don't we|why not|"
    r"how do (?:we|you|people|folks) feel|thoughts on|open to|worth (?:trying|considering|"
    r"exploring|a try|a shot|a look|it|testing|a test|doing|dropping|keeping|a go)|"
    r"one option|an option|options are|alternatively|strawman|straw man|"
    r"my vote|i vote|(?:i'm|i am) (?:inclined|leaning|tempted)|lean(?:ing)? towards?|"
    r"in favou?r of|i (?:thought|assumed|figured|understood|was under the impression)|"
    r"(?:i|we) (?:don't |do not )?(?:think|guess|feel|believe|reckon|suspect|"
    r"suppose|expect)|i don't know|not sure|imo|imho|i'd say|my (?:take|sense|gut|"
    r"preference|two cents)|let's (?:consider|explore|think|discuss|talk|look|brainstorm|see|"
    r"evaluate|investigate|chat|hear|review|go over|check|get|ask|figure|poll|vote|try to|try and|"
    r"weigh|compare|model|scope|debate|dig)|let me|worth considering|would be (?:nice|good|"
    r"great|cool)|nice to have|if possible|tempted)\b"
)
_RE_WOULD = re.compile(r"\b(?:would|wouldn't|we'd|it'd|that'd|they'd|you'd)\b")

# --------------------------------------------------------------------------
# Positive evidence
# --------------------------------------------------------------------------

_EVALUATIVE = (
    r"(?:hard|tough|difficult|easy|tricky|important|big|huge|complicated|complex|yours|mine|ours|"
    r"theirs|not|still|pending|above|up|on|probably|kind|really|going|clear|obvious|unclear|"
    r"fine|good|great|solid|ok|okay|bad|risky|ambitious|aggressive|tight|vague|reasonable|"
    r"sound|doable|the same|simple|weird|wrong|right|a tough|a hard|a big|a good|a bad|"
    r"overdue|long overdue|above my|out of|in flux|tbd|open|changing|a mess|unrealistic|"
    r"realistic|interesting|a bit|too|very|pretty|kinda|sort of|somewhat|missing|broken|"
    r"due|on track|behind|late|slipping|at risk)\b"
)
_RE_MARKER = _Gated(
    "decision|verdict|resolution|conclusion|consensus|ruling|call|answer|outcome|we|decided|"
    "settled|that's|it's|locked|done deal|so be it|approved|green|final",
    r"^(?:the |our |my |so the |ok the )?(?:final )?(?:decision|verdict|resolution|conclusion|"
    r"consensus|ruling|call|answer|outcome)(?: now)? is\b(?! " + _EVALUATIVE + r")|"
    r"\b(?:the|our) (?:final )?(?:decision|call|verdict) is\b(?! " + _EVALUATIVE + r")|"
    r"\bwe(?:'ve| have)? (?:just |now |all |finally |officially )?(?:decided|agreed|settled|"
    r"landed|chosen|picked|chose|gone with|opted|committed|aligned)\b"
    r"(?! (?:to disagree|on nothing|nothing|anything|on anything))|"
    r"\bwe're (?:all )?(?:agreed|aligned|settled|decided|locked)\b|" + _STRONG_CONFIRM + r"\b",
)
_RE_PLAN = re.compile(
    r"^(?:the |our )?(?:new |final |current )?(?:plan|call|game plan|rule|policy)(?: now)?"
    r"(?: is| now is|'s)\s+(?:(?:still|now|just|simply)\s+)?(?:to|that|we|:|(?!" + _EVALUATIVE + r")\S)"
)
_RE_LETS = re.compile(
    r"\blet's\s+(?:just\s+|all\s+|definitely\s+)?(?:(?:not|never)\s+)?(?:"
    + _BASE_ALT
    + r"|do it|do this|do that|go for it|go for|make it|call it|lock|finalize|"
    r"finalise|commit|proceed|stay|stick|run with|roll with|move forward|move ahead|"
    r"get rid of|kill|axe|nuke|make (?:\S+ ){1,3}the (?:default|standard|norm|rule))\b|"
    r"\blet's (?:not|never) (?!get ahead|panic|worry|rush|"
    r"overthink|go down|forget|bikeshed|argue|fight)[a-z]+"
)
# Habitual framing: "we ship a lot of bugs on fridays" describes, it does not commit.
_RE_HABITUAL = re.compile(
    r"\b(?:a lot of|lots of|tons of|too many|too much|so many|usually|often|always|normally|"
    r"sometimes|typically|generally|rarely|never|every (?:week|day|month|time|sprint|release|"
    r"quarter|year|night|morning|evening|hour|weekend|other day|" + _DAYS + r")|on (?:mondays|tuesdays|"
    r"wednesdays|thursdays|fridays|weekends)|weekly|daily|nightly|hourly|"
    r"each (?:week|month|time))\b"
)
_RE_WE_COMMIT = re.compile(
    r"(?:^|\b)(?:we|we all|the team)\s*(?P<aux>'ll|'re|'re going to|will|won't|will not|are|"
    r"aren't|are not|are going to|'re not|do not|don't|shall|'re definitely|'re officially)?\s*"
    r"(?:(?:not|never|definitely|just|also|now|still|officially|totally|then|all|absolutely|"
    r"both|only|officially|finally|actually)\s+){0,2}(?P<v>" + _VERB_ALT + r")\b"
)
_RE_GERUND_OPEN = re.compile(r"^" + _ING_ALT + r"\b")
# Subjectless "gonna go with B" / "going to drop the banner" (normalised "gonna" -> "going to").
_RE_GOING_TO_OPEN = re.compile(
    r"^going to (?:just |definitely |now )?(?=(?:go with|go ahead|go for|stick with|stay with|stay on|"
    r"switch|keep|drop|kill|cut|pick|choose|adopt|sunset|deprecate|retire|scrap|ditch|axe|skip|"
    r"cancel|pause|freeze|postpone|delay|roll back|revert|grandfather|waive|remove|discontinue)\b)"
)
# "we're going monthly-only", "we go usage-based": go + a business-model adjective.
_RE_WE_GO_ADJ = re.compile(
    r"\bwe\s*(?:'re|are|'ll|will)?\s*go(?:ing)?\s+(?:[\w]+-only|monthly|annual|yearly|remote|"
    r"open[- ]source|usage[- ]based|per[- ]seat|freemium|paid[- ]only|invite[- ]only|all[- ]in|"
    r"public|private|self[- ]serve|sales[- ]led|enterprise[- ]only)\b"
)

# "we'll <verb>" / "we're (not) <verb>ing" with any verb: commitments use open
# vocabulary ("we'll hire", "we're rewriting"), so exclude the verbs that make
# predictions, experiences or meta-talk instead of listing the actions.
_WE_ADVERBS = (
    r"(?:(?:just|also|definitely|now|then|officially|totally|all|both|only|still|actually|"
    r"finally|never)\s+){0,2}"
)
_RE_WE_WILL = re.compile(
    r"\bwe\s*(?:'ll|will|'re going to|are going to|won't|will not|'re not going to|"
    r"are not going to)\s+" + _WE_ADVERBS + r"([a-z]+)\b"
)
_RE_WE_WILL_BE = re.compile(
    r"\bwe\s*(?:'ll|will|won't|will not)\s+be\s+(?:not\s+)?" + _WE_ADVERBS + r"([a-z]+ing)\b"
)
# Ongoing-status framing: "we're onboarding 3 customers this week" reports, not decides.
_RE_STATUS = re.compile(
    r"\b(?:this week|right now|currently|at the moment|these days|as we speak|already|"
    r"so far|lately|recently|every (?:day|week|month)|all the time|still)\b"
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
_RE_CONFIRM_PREFIX = re.compile(
    r"^(?:ok(?:ay)?|mkay|m'kay|mhm|okie|oki|yep|yup|yes|yeah|fine|alright|all right|right|cool|"
    r"great|perfect|so|then|agreed|done|good)\b"
)
_WE_VERB_EXCLUDE = frozenset(
    "need see know have be get lose miss figure talk discuss decide find learn hear look check "
    "think try want hope wait regret ask meet hit make run end feel notice struggle spend burn "
    "fail face deal fall survive manage owe sort circle come go let help continue monitor "
    "review evaluate explore consider revisit follow share ping report sync chat catch confirm "
    "investigate dig work probably likely maybe definitely also just still all both get "
    "understand remember forget agree disagree say tell mean guess assume expect wonder "
    "should could would might must can may do are is was were had has got lost saw knew "
    "needed spent ran tried went came keep".split()
)
_PROG_EXCLUDE = frozenset(
    "losing seeing getting running spending struggling talking discussing thinking hearing "
    "burning bleeding waiting hoping looking trying having making doing going working feeling "
    "noticing missing paying falling growing hitting facing dealing fighting chasing wasting "
    "debating considering evaluating exploring investigating planning hiring learning asking "
    "checking reviewing leaning wondering assuming guessing aiming expecting overthinking "
    "overcomplicating rushing drowning testing tracking monitoring measuring saying arguing "
    "circling repeating coming sitting standing bringing seeing trending heading being "
    "getting starting keeping figuring sorting".split()
)
# Personal errands and meeting mechanics: "moving my 1:1 to 3pm", "starting the recording",
# "dropping the link here" report what one person does, not what the team settled.
_RE_ERRAND = re.compile(
    r"\b(?:my|me|myself|you|him|her)\b|"
    r"\b(?:camera|cam|mic|microphone|wifi|laptop|headset|1:1|room|rooms)\b|"
    r"\bthe recording\b(?! (?:feature|option|setting))|\bvideo (?:off|on)\b|"
    r"\b(?:to|from|on) the (?:invite|call|meeting|agenda)\b|\b(?:calendar|meeting) invite\b|"
    r"\b(?:the|a) (?:link|deck|doc|file|recap|summary|notes|slides|agenda)s?\b(?= *$| (?:here|in|into|to|"
    r"after|before|later|now|for (?:the|this) (?:call|meeting))\b)"
)
_RE_GERUND_SUBJECT = re.compile(
    r"\b(?:is|are|was|were|seems|sounds|feels|looks|means|makes|would|could|might|can|"
    r"isn't|won't|will be|has been|helps|hurts|costs|takes|gets us|saves|causes|kills|matters|"
    r"means|works|needs|requires|depends|beats|sucks|adds|drives|brings|leads|gives|breaks|"
    r"scares|worries|bothers|annoys|confuses|solves|fixes|creates|wins|tends|feels like)\b|"
    r"^\w+ing (?:fast|quickly|early|often|weekly|daily|late|too|so|more|less|faster|slower)\b"
)
_RE_IMPERATIVE = re.compile(
    r"^(?:just |please |definitely |also |don't |do not |never )?"
    + _BASE_ALT
    + r"\b\s+(?!(?:is|are|was|were|'s|has|"
    r"have|had|seems|looks|will|would|can|could|should|might|costs?|needs|team|teams|page|"
    r"gets|goes|keeps|makes|takes|does|gives|wants|hates|loves|says|thinks|knows|sees|"
    r"date|dates|ticket|tickets|queue|volume|side|numbers|data|plan|process|cycle|request|"
    r"requests|issue|issues|question|questions|me|myself)\b)\S"
)
_RE_NO_MORE = re.compile(
    r"^no more\b|^no\b.{1,40}\b(?:anymore|any more|from now on|going forward|this (?:quarter|"
    r"year|month|release|sprint|cycle|time)|at launch|for launch|in v\d+|for now|until "
    r"further notice)\b"
)
_NO_SHORT_EXCLUDE = frozenset(
    "idea clue worries worry problem problems prob way one rush need decision objection "
    "objections strong opinion opinions comment comments update updates news thoughts word "
    "doubt big pressure thanks thank sorry offense offence kidding joke rush clue issue "
    "issues stress wonder matter difference reason chance i you we it that this".split()
)
_RE_ONLY = re.compile(
    r"(?:^|\s)(?!(?:the|it's|is|that's|we|i|you|they)\s)[\w$%'/.-]+(?: |-)only"
    r"(?: (?:for|in|on|from|starting|going|at|until|through|after)\b.*)?(?: then| now)?$"
)
_ONLY_BAD_START = frozenset("i i'm we it it's that's this there you they he she".split())
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
    r"\b(?:gets|get|getting|is getting|are getting|will be|'ll be|is being|are being|"
    r"is to be|are to be) (?:cut|dropped|killed|removed|sunset|sunsetted|deprecated|retired|"
    r"discontinued|shipped|launched|released|moved|pushed|delayed|cancell?ed|replaced|"
    r"grandfathered|capped|limited|disabled|enabled|turned off|turned on|rolled out|"
    r"rolled back|raised|lowered|increased|reduced|waived|frozen|paused|scrapped|axed|"
    r"pulled|merged|deployed|phased out|bumped|extended|shortened|renamed|hidden)\b|"
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
    r"^(?:i|you|they|he|she|customers|users|people|churn|revenue|it|that|this|costs?|"
    r"signups|conversions?|numbers|(?:the |our |their )?(?:vendor|competitor|partner|provider|"
    r"supplier|bank|regulator|new hire|intern|contractor|client)s?)\b"
)
_RE_IT_IS = re.compile(r"^(?:[\w$%'/.-]+ ){0,3}[\w$%'/.-]+ it is(?: then| now)?$")
_IT_IS_BAD = frozenset(
    "how what that this there as so whatever where whoever which who is yes yep yeah sure "
    "ok okay it i you we they because".split()
)
_RE_NP_THEN = re.compile(r"^(?:[\w$%'/.-]+ ){0,3}[\w$%'/.-]+ then$")
_NP_BAD = frozenset(
    "sounds see talk bye thanks ok okay alright fine cool right and what so but well sure yes "
    "yeah yep good great later tomorrow you me them us i we it that this is are was were "
    "what's how why who when where which catch speak chat next moving".split()
)
_RE_POLICY = re.compile(
    r"\b(?:from now on|going forward|moving forward|until further notice|by default|"
    r"effective (?:immediately|today|now|tomorrow|\d|" + _WHEN + r")|"
    r"starting (?:today|tomorrow|now|next|this|on|the \d|" + _WHEN + r")|"
    r"as of (?:today|now|next|the \d|" + _DAYS + r"))\b"
)
_CONTENT_BAD = frozenset(
    "is are was were be look looks seem seems sound sounds make makes think feel know need "
    "needs want wants like love hate agree guess hope wonder mean means see say said got have "
    "has had do does did can can't will won't would should could might i i'm i'll me my you "
    "thanks thank lol haha good great nice cool point works work fair next topic item agenda "
    "moving on question thing talk later tomorrow bye".split()
)


# "X is out of scope for 3.0", "the widget is in scope for v2": a scoping decision.
_RE_SCOPE = _Gated(
    "scope",
    r"^(?:the |our )?(?:[\w$%'/.-]+ ){0,3}[\w$%'/.-]+ (?:is|are|'s|'re|stays|stay) (?:now |officially )?"
    r"(?:out of|in) scope\b(?! (?:creep|question|discussion))",
)

# "the price goes up 10% in january", "the fee drops to 1.5%": a pricing or limit change.
_RE_PRICE_MOVE = _Gated(
    "price|pricing|fee|plan|tier|subscription|discount|markup|commission|rate|limit|cap|quota|threshold|"
    "minimum|trial",
    r"^(?:the |our |all |new )?(?:[\w$%'/.-]+ ){0,2}(?:price|prices|pricing|fee|fees|plan|plans|tier|"
    r"subscription|subscriptions|discount|markup|commission|rate|limit|cap|quota|threshold|minimum|"
    r"trial)s? (?:goes|go|moves|move|drops|drop|rises|rise|increases|increase|decreases|decrease|"
    r"jumps|jump) (?:up |down )?(?:to |by )?(?:[$€£]|eur |usd )?\d",
)

# "the pro plan becomes the default", "2FA is now mandatory for admins": a new rule.
_RE_BECOMES = _Gated(
    "become|now",
    r"^(?:the |our |all |new )?(?:[\w$%'/.-]+ ){0,3}[\w$%'/.-]+ (?:becomes|become|is now|are now) "
    r"(?:a |an |the )?(?:new )?(?:default|mandatory|optional|required|opt-in|opt-out|free|paid|"
    r"invite-only|read-only|standard|(?:paid )?add-on|enterprise-only|admin-only|deprecated|"
    r"[\w-]+-only)\b(?! (?:of|to|from)\b)",
)

# After an acknowledgement, a present-tense statement about a thing settles it:
# "mkay, the welcome email drops the coupon", "ok business accounts get the new
# dashboard first", "ok the card flip animation is out".  Only verbs that assign
# or arrange things count; evaluations and measurements ("looks", "loads",
# "takes") stay descriptions.
_ACK_VERBS_OBJ = frozenset(
    "get gets show shows use uses keep keeps include includes require requires offer offers "
    "support supports charge charges cover covers handle handles own owns replace replaces "
    "drop drops lose loses skip skips receive receives pay pays display displays hide hides "
    "default defaults send sends issue issues block blocks allow allows".split()
)
_ACK_VERBS_INTRANS = frozenset(
    "go goes stay stays wait waits move moves ship ships launch launches "
    "expire expires renew renews apply applies follow follows switch switches "
    "become becomes remain remains land lands".split()
)
_ACK_ARRANGE = frozenset(
    "get gets go goes stay stays wait waits move moves ship ships launch launches become becomes "
    "switch switches skip skips lose loses drop drops remain remains".split()
)
# Verbs whose object can be a quantity or direction ("conversion drops by 2%").
_ACK_AMBIG = frozenset("drop drops lose loses show shows go goes move moves charge charges".split())
_ACK_SUBJ_BAD = frozenset(
    "i i'm i've i'll you you're we we're we'll they they're he she it it's that that's this "
    "there there's these those everyone everybody someone somebody nobody anyone what who how "
    "why which when where is are was were numbers churn revenue conversion conversions "
    "traffic usage sales latency load errors data results metrics nps csat mrr arr "
    "retention activation engagement growth cost costs time "
    # outside parties and people: what they do is reported, not decided here
    "vendor vendors competitor competitors competition market industry regulator regulators "
    "bank banks partner partners provider providers ceo cto cfo vp boss manager lead pm "
    "legal finance hr".split()
)
# "the old plan includes SMS" describes; "the old pricing page stays" decides.
_ACK_SUBJ_DESCRIPTIVE = frozenset("old current legacy existing previous today's".split())
_RE_ACK_DESCRIPTIVE_OBJ = re.compile(r"\b(?:old|current|existing|legacy|same|usual)\b")
_ACK_KEEP_VERBS = frozenset("stay stays remain remains keep keeps".split())
# Things that "are out" because they were published, not cut.
_OUT_PUBLISHED = frozenset(
    "release version build update patch hotfix numbers results report email newsletter post "
    "notes invite invites deck draft doc pr fix survey video article announcement blog "
    "changelog results data figures app beta test experiment poll rfc proposal form ad ads "
    "campaign promo press job posting listing recording slides invoice invoices quote".split()
)
_RE_ACCEPT_ACK = re.compile(
    r"^(?:ok(?:ay)?|k|kk|mkay|m'kay|okie|oki|fine|alright|all right|cool|then|done|agreed|great|"
    r"perfect|deal|sorted)\b"
)
_RE_ACK_PERMIT = re.compile(
    r"^((?:[\w$%'/.-]+ ){0,3}[\w$%'/.-]+) (?:can|may|must) (?:now |only |also )?"
    r"(?:issue|refund|approve|grant|give|offer|"
    r"spend|charge|waive|override|deploy|merge|book|expense|access|request|cancel|credit|"
    r"discount|sign|extend|comp|pause|release|ship|send|escalate|skip|bypass|change|edit|"
    r"delete|export|invite|add|remove)\b.*?\b(?:"
    r"(?:up to|at most|at least|no more than|max(?:imum)?|over|under|above|below) (?:[$€£]|eur |usd )?\d|"
    r"without (?:approval|sign-?off|review|asking|a ticket|a manager|manager approval))"
)
# "..., that's why it's slow": the statement explains what happens, it settles nothing.
_RE_EXPLAIN = re.compile(
    r"\b(?:that's why|that is why|which is why|which explains|that explains|that's how|which means|"
    r"that's because|apparently|turns out|it seems|seems like)\b"
)
_RE_ACK_LIMIT = re.compile(
    r"^(?:only|max(?:imum)?|at most|no more than|up to|limit(?: of)?|cap(?: of| at)?) (?:one|two|three|"
    r"four|five|a single|[$€£]?\d[\w.,%]*) [\w-]+(?: [\w-]+){0,3} (?:per|each|a|every) "
    r"[\w-]+(?: [\w-]+){0,2}$"
)
_RE_ACK_ONLY = re.compile(
    r"^only (?:the )?[\w-]+(?: [\w-]+){0,2} (?:for|in|on|at|from|via|through) [\w-]+(?: [\w-]+){0,2}$"
)
_RE_YES_ACK = re.compile(r"^(?:yes|yep|yup)\b")
_RE_ACK_MEASURE = re.compile(
    r"\b(?:spikes?|dips?|drops?|increases?|decreases?|declines?|jumps?|growth|errors?|bugs?|crash(?:es)?|"
    r"issues?|problems?|users|customers|people|signups|money|revenue|time|traffic|results?|numbers|"
    r"trend|pattern|signs?|lots?|much|many|percent|\d+(?:\.\d+)?%)(?!\w)"
)
_ACK_DETERMINERS = frozenset("the our all every new each".split())
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
_RE_ANNOUNCE_WHEN = re.compile(
    r"\b(?:decided|agreed|settled|landed|picked|chose|opted|voted)\b(?: \w+)?? (?:back )?"
    r"(?:in|during|at|over) (?:\d{4}|" + _MONTHS + r"|q\d|the (?:offsite|retro|kickoff|last|"
    r"all-hands|summit|workshop|planning)|(?:early|late|mid) )\b|\bin (?:19|20)\d\d\b|"
    r"\b(?:at|during) (?:the|our|that) (?:offsite|off-site|retro|retrospective|kickoff|all-hands|summit|"
    r"workshop|planning|board meeting|last \w+|\w+ sync|\w+ review)\b"
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
        if subj in _NON_SUBJECT or "'" in subj:
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
    if _RE_PLAN.match(core):
        return "plan: " + snippet
    m = _RE_LETS.search(core)
    if m and not _RE_LETS_GO.search(core) and not _RE_LETS_STOP.match(core[m.start() :]):
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
        if m and m.group(1) not in bad and not (rx is _RE_WE_PROG and _RE_STATUS.search(core)):
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
    if len(toks) <= 8 and toks[0] not in _ONLY_BAD_START and _RE_ONLY.search(core):
        return "settled: " + snippet
    if (
        _RE_SETTLED_STATE.search(core)
        and not _RE_SETTLED_BAD_SUBJ.match(core)
        and not _RE_HABITUAL.search(core)
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
_RE_TRAILING_CONFIRM = re.compile(
    r"(?:done|sorted|all sorted|final|final call|final decision|agreed|deal|confirmed|settled|"
    r"locked|ok then|fine then|alright then)"
)


def _is_pair(core: str) -> bool:
    """True for one verbless assignment of a parallel list ("Adyen for EU", "desktop later")."""
    if not _RE_PAIR.match(core) or _RE_STATUS.search(core) or _RE_THANKS.search(core):
        return False
    toks = _tokens(core)
    if toks and toks[-1] in ("later", "next", "first", "last"):
        toks = toks[:-1]
    return 1 <= len(toks) <= 8 and not any(t in _CONTENT_BAD for t in toks)


# Past forms that open an errand report ("done, sent the invite").
_RE_THANKS = re.compile(r"\b(?:thanks|thank you|thx|ty|cheers|sorry|apologies)\b")
_ERRAND_PAST = frozenset(
    "done finished completed sent wrote built put made got gave told left paid bought ran set".split()
)


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
        if conf == "strong":
            return "marker: " + (_strip_fillers(clause) or clause), None
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
    if ends_q:
        return None, "question"

    m = _RE_TOPIC_LABEL.match(core)
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
_RE_OPTIONS_HEADING = re.compile(
    r"\b(?:options?|alternatives?|choices|ideas|proposals?|candidates|possibilities|approaches|"
    r"scenarios|suggestions)\b[^.!?]{0,30}:\s*$"
)


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
