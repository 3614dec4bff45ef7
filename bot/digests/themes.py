"""Themes customers raised, and how many quotes each had in a period.

A theme comes from one of three places, in this order of trust:

- labels that came with the import (the `labels` column: category, product, issue,
  tags), because a person or the source system chose them;
- tracked topics a team defines in a TOML file (`EMPTY_CHAIR_TOPICS`, example in
  `data/tracked_topics.toml`): a name and the words that mean it;
- otherwise, for quotes that have neither, the salient terms of the period: words whose
  share of the period's quotes is well above their share of the whole corpus.

A quote counts in a period by when it was said (`created`), or when it was imported if
its source has no dates. Counting is done in SQLite over the `feedback_time` index (made
by the first digest), so a period of a large corpus is a range scan, not a full one.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import BadTopicsFile
from ..models import Period, iso
from ..search.conversation import stem, words

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
    """Something customers talk about, and how to find its quotes in SQL."""

    key: str
    name: str
    kind: str  # label, topic or term
    value: str  # the label, the topic's FTS query, or the term's FTS query

    def predicate(self, topics: Sequence[TrackedTopic]) -> tuple[str, tuple[object, ...]]:
        """A WHERE clause over `feedback f` selecting this theme's quotes."""
        if self.kind == LABEL:
            return "EXISTS (SELECT 1 FROM json_each(f.labels) WHERE json_each.value = ?)", (self.value,)
        match = "f.id IN (SELECT rowid FROM feedback_fts WHERE feedback_fts MATCH ?)"
        if self.kind == TOPIC:
            return match, (self.value,)
        uncovered, args = uncovered_predicate(topics)
        return f"{uncovered} AND {match}", (*args, self.value)


def uncovered_predicate(topics: Sequence[TrackedTopic]) -> tuple[str, tuple[object, ...]]:
    """Quotes with no label and no tracked topic: where salient terms make the themes."""
    sql = "(f.labels IS NULL OR f.labels = '[]')"
    if not topics:
        return sql, ()
    query = " OR ".join(f"({t.fts_query})" for t in topics)
    return f"{sql} AND f.id NOT IN (SELECT rowid FROM feedback_fts WHERE feedback_fts MATCH ?)", (query,)


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


def _range_sql(team_id: str) -> tuple[str, tuple[object, ...]]:
    return (f"{QUOTE_TIME_SQL} >= ? AND {QUOTE_TIME_SQL} < ? AND +f.team_id IN ('', ?)", (team_id,))


# When a quote was said, as a sortable 'YYYY-MM-DDTHH:MM:SS' (UTC): its own date, else when it
# was imported (banking77 has no dates). Digests count quotes by it; the index made by
# `ensure_time_index` makes a period's quotes a range scan. Queries must spell the
# expression exactly like this.
QUOTE_TIME_SQL = ("coalesce(CASE WHEN length(created) = 10 THEN created || 'T00:00:00' "
                  "ELSE substr(created, 1, 19) END, substr(imported_at, 1, 19))")


TIME_INDEX_SQL = f"CREATE INDEX IF NOT EXISTS feedback_time ON feedback ({QUOTE_TIME_SQL})"


def ensure_time_index(conn: sqlite3.Connection) -> None:
    """Index quotes by time the first time a digest needs it, not in a migration.

    Every imported row pays for this index; a deployment that never sends digests
    should not, and bulk imports into a fresh database stay fast.
    """
    conn.execute(TIME_INDEX_SQL)


def counts_by_period(conn: sqlite3.Connection, team_id: str, periods: Sequence[Period],
                     theme: Theme | None = None, topics: Sequence[TrackedTopic] = ()) -> list[int]:
    """How many quotes (of `theme`, or all) fall in each of `periods`, in one query."""
    cases = " ".join(f"WHEN t >= ? AND t < ? THEN {i}" for i in range(len(periods)))
    bounds = [b for p in periods for b in p.bounds]
    where, args = ("1", ()) if theme is None else theme.predicate(topics)
    rows = conn.execute(
        f"SELECT CASE {cases} END AS bucket, count(*) FROM ("
        f"SELECT {QUOTE_TIME_SQL} AS t FROM feedback f WHERE {QUOTE_TIME_SQL} >= ? AND {QUOTE_TIME_SQL} < ? "
        f"AND +f.team_id IN ('', ?) AND {where}) GROUP BY bucket",
        (*bounds, iso(min(p.start for p in periods)), iso(max(p.end for p in periods)), team_id,
         *args)).fetchall()
    counts = [0] * len(periods)
    for bucket, count in rows:
        if bucket is not None:
            counts[bucket] = count
    return counts


def label_counts(conn: sqlite3.Connection, team_id: str, period: Period) -> list[ThemeCount]:
    """Every imported label with quotes in the period or the one before."""
    before = period.before()
    rows = conn.execute(
        f"SELECT value, sum(t >= ?), sum(t < ?) FROM (SELECT DISTINCT f.id, j.value AS value, "
        f"{QUOTE_TIME_SQL} AS t FROM feedback f, json_each(f.labels) j WHERE {QUOTE_TIME_SQL} >= ? "
        f"AND {QUOTE_TIME_SQL} < ? AND +f.team_id IN ('', ?) AND f.labels IS NOT NULL) GROUP BY value",
        (period.bounds[0], period.bounds[0], before.bounds[0], period.bounds[1], team_id)).fetchall()
    return [ThemeCount(Theme(f"{LABEL}:{value}", label_name(str(value)), LABEL, str(value)), now, then)
            for value, now, then in rows if str(value).strip()]


def topic_counts(conn: sqlite3.Connection, team_id: str, period: Period,
                 topics: Sequence[TrackedTopic]) -> list[ThemeCount]:
    found = []
    for topic in topics:
        theme = Theme(f"{TOPIC}:{topic.name}", topic.name, TOPIC, topic.fts_query)
        previous, count = counts_by_period(conn, team_id, [period.before(), period], theme, topics)
        found.append(ThemeCount(theme, count, previous))
    return found


def salient_terms(conn: sqlite3.Connection, team_id: str, period: Period,
                  topics: Sequence[TrackedTopic], limit: int = SALIENT_TERMS) -> list[Theme]:
    """Words that stand out in the period's unlabelled, untracked quotes.

    A word's lift is its share of those quotes over its share of the whole corpus; a
    term needs a lift of MIN_LIFT and at least 3 quotes (and 2% of them), and is scored
    by quotes x log(lift), so a word in many quotes beats a rare oddity.
    """
    docs = _uncovered_texts(conn, team_id, period, topics)
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
    corpus_df, corpus_docs = _corpus_df(conn, list(found))
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


def _uncovered_texts(conn: sqlite3.Connection, team_id: str, period: Period,
                     topics: Sequence[TrackedTopic]) -> list[tuple[int, str]]:
    where, args = uncovered_predicate(topics)
    range_sql, team = _range_sql(team_id)
    return [(row[0], row[1]) for row in conn.execute(
        f"SELECT f.id, f.text FROM feedback f WHERE {range_sql} AND {where} "
        f"ORDER BY {QUOTE_TIME_SQL} DESC LIMIT ?", (*period.bounds, *team, *args, SALIENT_SAMPLE))]


def _corpus_df(conn: sqlite3.Connection, stems: list[str]) -> tuple[dict[str, int], int]:
    """Document frequencies from the search statistics (refreshed after each import)."""
    df: dict[str, int] = {}
    for start in range(0, len(stems), 500):
        chunk = stems[start:start + 500]
        marks = ",".join("?" * len(chunk))
        df.update(conn.execute(f"SELECT term, docs FROM term_df WHERE term IN ({marks})", chunk).fetchall())
    total = conn.execute("SELECT count(*) FROM feedback").fetchone()[0]
    return df, max(total, 1)


def term_counts(conn: sqlite3.Connection, team_id: str, period: Period,
                topics: Sequence[TrackedTopic]) -> list[ThemeCount]:
    found = []
    for theme in salient_terms(conn, team_id, period, topics):
        previous, count = counts_by_period(conn, team_id, [period.before(), period], theme, topics)
        found.append(ThemeCount(theme, count, previous))
    return found


def theme_counts(conn: sqlite3.Connection, team_id: str, period: Period,
                 topics: Sequence[TrackedTopic] = ()) -> list[ThemeCount]:
    """Every theme with quotes in the period or the one before, most quotes first."""
    counts = label_counts(conn, team_id, period) + topic_counts(conn, team_id, period, topics)
    counts += term_counts(conn, team_id, period, topics)
    counts = [c for c in counts if c.count or c.previous]
    counts.sort(key=lambda c: (-c.count, -c.previous, c.theme.name.lower()))
    return counts


QUOTE_COLUMNS = "f.id, f.text, f.source, f.created, f.url, f.labels, f.external_id, f.rating, f.imported_at"


def theme_rows(conn: sqlite3.Connection, team_id: str, period: Period, theme: Theme | None,
               topics: Sequence[TrackedTopic] = (), limit: int = 200) -> list[sqlite3.Row]:
    """The newest quotes of a theme (or of all themes) in the period."""
    where, args = ("1", ()) if theme is None else theme.predicate(topics)
    range_sql, team = _range_sql(team_id)
    return conn.execute(
        f"SELECT {QUOTE_COLUMNS} FROM feedback f WHERE {range_sql} AND {where} "
        f"ORDER BY {QUOTE_TIME_SQL} DESC, f.id DESC LIMIT ?",
        (*period.bounds, *team, *args, limit)).fetchall()


def row_labels(row: sqlite3.Row) -> tuple[str, ...]:
    return tuple(json.loads(row["labels"])) if row["labels"] else ()
