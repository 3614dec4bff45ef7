"""Themes customers raised, and how many quotes each had in a period.

A theme comes from one of three places, in this order of trust:

- labels that came with the import (the `labels` column: category, product, issue,
  tags), because a person or the source system chose them;
- tracked topics a team defines in a TOML file (`EMPTY_CHAIR_TOPICS`, example in
  `data/tracked_topics.toml`): a name and the words that mean it;
- otherwise, for quotes that have neither, the salient terms of the period: words whose
  share of the period's quotes is well above their share of the whole corpus.

A quote counts in a period by when it was said (`created`), or when it was imported if
its source has no dates. The store counts them (`store.themes`); this module decides
what the themes are.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import BadTopicsFile
from ..models import Period, QuoteFilter
from ..search.conversation import stem, words
from ..store import Store

LABEL, TOPIC, TERM = "label", "topic", "term"
SALIENT_SAMPLE = 20_000  # quotes of a period read to find its salient terms
SALIENT_TERMS = 5
MIN_LIFT = 1.5  # a salient term is at least this much more common in the period than overall
OVERLAP = 0.8  # a term found in mostly the same quotes as a better one adds nothing
_TOKEN = re.compile(r"[a-z0-9]+\*?")
_MASK = re.compile(r"^x{2,}$")  # CFPB's XXXX masks


@dataclass(frozen=True)
class TrackedTopic:
    """A topic a team tracks: its name, and entries whose words must all appear."""

    name: str
    entries: tuple[tuple[str, ...], ...]

    @property
    def fts_query(self) -> str:
        """`("card" AND "arrive") OR ("courier")`: safe FTS5 syntax from plain words."""
        return " OR ".join("(" + " AND ".join(_fts_word(w) for w in entry) + ")" for entry in self.entries)


def _fts_word(word: str) -> str:
    return f'"{word[:-1]}"*' if word.endswith("*") else f'"{word}"'


def load_topics(path: str | Path | None) -> list[TrackedTopic]:
    """The tracked topics in a TOML file (`[[topic]]` tables with `name` and `words`).

    No path means no tracked topics. Raises BadTopicsFile naming the file and the problem.
    """
    if path is None:
        return []
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise BadTopicsFile(f"{path}: cannot read the tracked topics file ({err.strerror or err}); "
                            "fix EMPTY_CHAIR_TOPICS") from None
    except tomllib.TOMLDecodeError as err:
        raise BadTopicsFile(f"{path}: invalid TOML ({err})") from None
    topics = [_topic(path, number, item) for number, item in enumerate(data.get("topic", []), 1)]
    names = [t.name for t in topics]
    if len(set(names)) != len(names):
        raise BadTopicsFile(f"{path}: two topics share a name; give each a different `name`")
    return topics


def _topic(path: Path, number: int, item: object) -> TrackedTopic:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
        raise BadTopicsFile(f"{path}: topic {number} needs a `name` (a string)")
    raw = item.get("words")
    if not isinstance(raw, list) or not all(isinstance(w, str) for w in raw):
        raise BadTopicsFile(f"{path}: topic {item['name']!r} needs `words`, a list of strings")
    entries = tuple(e for e in (tuple(_TOKEN.findall(w.lower())) for w in raw) if e)
    if not entries:
        raise BadTopicsFile(f"{path}: topic {item['name']!r} has no usable words")
    return TrackedTopic(item["name"].strip(), entries)


@dataclass(frozen=True)
class Theme:
    """Something customers talk about, and which quotes are its."""

    key: str
    name: str
    kind: str  # label, topic or term
    value: str  # the label, the topic's FTS query, or the term's FTS query

    def where(self, topics: Sequence[TrackedTopic]) -> QuoteFilter:
        """The filter selecting this theme's quotes (a term's only among the uncovered ones)."""
        if self.kind == LABEL:
            return QuoteFilter(label=self.value)
        if self.kind == TOPIC:
            return QuoteFilter(words=self.value)
        return replace(uncovered(topics), words=self.value)


def uncovered(topics: Sequence[TrackedTopic]) -> QuoteFilter:
    """Quotes with no label and no tracked topic: where salient terms make the themes."""
    return QuoteFilter(uncovered=True, tracked=tuple(t.fts_query for t in topics))


def label_name(label: str) -> str:
    """`card_arrival` -> `Card arrival`: labels as a person would write them."""
    text = " ".join(label.replace("_", " ").split())
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class ThemeCount:
    """A theme's quotes in the period and in the period before (same length)."""

    theme: Theme
    count: int
    previous: int

    @property
    def trend(self) -> str:
        """new (none before), growing or fading (by at least 2 quotes and 20%), or steady."""
        if self.previous == 0:
            return "new" if self.count else "steady"
        change = self.count - self.previous
        if abs(change) >= max(2, 0.2 * self.previous):
            return "growing" if change > 0 else "fading"
        return "steady"


# Every count below is of the quotes `team_id` may see in `channel_id`, the channel the digest
# is for: its own and the shared corpus, and a private channel's quotes only in that channel.


def counts_by_period(store: Store, team_id: str, periods: Sequence[Period], theme: Theme | None = None,
                     topics: Sequence[TrackedTopic] = (), channel_id: str | None = None) -> list[int]:
    """How many quotes (of `theme`, or all) fall in each of `periods`."""
    return store.themes.count_by_period(team_id, periods, None if theme is None else theme.where(topics),
                                        channel_id)


def label_counts(store: Store, team_id: str, period: Period,
                 channel_id: str | None = None) -> list[ThemeCount]:
    """Every imported label with quotes in the period or the one before."""
    return [ThemeCount(Theme(f"{LABEL}:{value}", label_name(value), LABEL, value), now, then)
            for value, now, then in store.themes.label_counts(team_id, period, channel_id) if value.strip()]


def topic_counts(store: Store, team_id: str, period: Period, topics: Sequence[TrackedTopic],
                 channel_id: str | None = None) -> list[ThemeCount]:
    found = []
    for topic in topics:
        theme = Theme(f"{TOPIC}:{topic.name}", topic.name, TOPIC, topic.fts_query)
        previous, count = counts_by_period(store, team_id, [period.before(), period], theme, topics,
                                           channel_id)
        found.append(ThemeCount(theme, count, previous))
    return found


def salient_terms(store: Store, team_id: str, period: Period, topics: Sequence[TrackedTopic],
                  limit: int = SALIENT_TERMS, channel_id: str | None = None) -> list[Theme]:
    """Words that stand out in the period's unlabelled, untracked quotes.

    A word's lift is its share of those quotes over its share of the whole corpus; a
    term needs a lift of MIN_LIFT and at least 3 quotes (and 2% of them), and is scored
    by quotes x log(lift), so a word in many quotes beats a rare oddity.
    """
    docs = store.themes.texts(team_id, period, uncovered(topics), SALIENT_SAMPLE, channel_id)
    if len(docs) < 3:
        return []
    found: dict[str, set[int]] = {}
    spelling: dict[str, Counter[str]] = {}
    for doc_id, text in docs:
        for word in set(words(text[:4000])):
            if len(word) < 3 or _MASK.match(word):
                continue
            key = stem(word)
            found.setdefault(key, set()).add(doc_id)
            spelling.setdefault(key, Counter())[word] += 1
    corpus_df, corpus_docs = store.themes.corpus_df(list(found))
    minimum = max(3, math.ceil(0.02 * len(docs)))
    scored = []
    for key, ids in found.items():
        if len(ids) < minimum:
            continue
        lift = (len(ids) / len(docs)) / (max(corpus_df.get(key, 0), len(ids)) / corpus_docs)
        if lift >= MIN_LIFT:
            scored.append((len(ids) * math.log(lift), key))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    return _distinct_terms(scored, found, spelling, limit)


def _distinct_terms(scored: list[tuple[float, str]], found: dict[str, set[int]],
                    spelling: dict[str, Counter[str]], limit: int) -> list[Theme]:
    chosen: list[Theme] = []
    kept: list[set[int]] = []
    for _, key in scored:
        ids = found[key]
        if any(len(ids & other) >= OVERLAP * len(ids) for other in kept):
            continue
        word = spelling[key].most_common(1)[0][0]
        chosen.append(Theme(f"{TERM}:{key}", word, TERM, f'"{word}"'))
        kept.append(ids)
        if len(chosen) >= limit:
            break
    return chosen


def term_counts(store: Store, team_id: str, period: Period, topics: Sequence[TrackedTopic],
                channel_id: str | None = None) -> list[ThemeCount]:
    found = []
    for theme in salient_terms(store, team_id, period, topics, channel_id=channel_id):
        previous, count = counts_by_period(store, team_id, [period.before(), period], theme, topics,
                                           channel_id)
        found.append(ThemeCount(theme, count, previous))
    return found


def theme_counts(store: Store, team_id: str, period: Period, topics: Sequence[TrackedTopic] = (),
                 channel_id: str | None = None) -> list[ThemeCount]:
    """Every theme with quotes in the period or the one before, most quotes first."""
    counts = label_counts(store, team_id, period, channel_id)
    counts += topic_counts(store, team_id, period, topics, channel_id)
    counts += term_counts(store, team_id, period, topics, channel_id)
    counts = [c for c in counts if c.count or c.previous]
    counts.sort(key=lambda c: (-c.count, -c.previous, c.theme.name.lower()))
    return counts
