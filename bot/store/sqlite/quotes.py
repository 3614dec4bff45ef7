"""Quotes: bulk writes, lookups, full-text candidates and corpus statistics."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from ...models import Candidate, Quote
from .connection import Connections
from .rows import labels_json, labels_of

# Who may see a quote: a workspace sees its own quotes and the operator's shared corpus
# (team_id ''), except quotes saved in a private channel, which only that channel sees.
# Arguments: the workspace, then the channel asking (None, as in the App Home: no private ones).
VISIBLE = "team_id IN ('', ?) AND (private = 0 OR origin_channel = ?)"
# The same test inside a full-text query: a lookup by primary key per match, so the index
# still hands matches over in its own order (rank, or newest rowid first) and the LIMIT
# counts only quotes this workspace may see.
SEES = ("EXISTS (SELECT 1 FROM feedback f WHERE f.id = feedback_fts.rowid AND f.team_id IN ('', ?) "
        "AND (f.private = 0 OR f.origin_channel = ?))")

# Hand-written rather than sqlite-utils' insert_all: this is the import's measured hot path.
# One prepared statement run by executemany over plain tuples, with ON CONFLICT doing the
# de-duplication inside SQLite, is what keeps a million-row import in tens of seconds;
# insert_all turns every row into a dict and builds a new multi-row statement per chunk.
INSERT_SQL = """
INSERT INTO feedback (team_id, source, external_id, text, created, customer, rating, url,
                      labels, imported_at, rating_scale)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (team_id, source, external_id) DO NOTHING
"""

# The new rows of a batch, found by id: they all come after the largest id before it, since
# the batch holds the write lock and ids are handed out in order.
INDEX_NEW_SQL = "INSERT INTO feedback_fts (rowid, text) SELECT id, text FROM feedback WHERE id > ?"

# A large import repeats a few hundred label sets; encode each once.
_labels_json = lru_cache(maxsize=65_536)(labels_json)


def _stored(row: Sequence[Any], _encode: Any = _labels_json) -> tuple[Any, ...]:
    """The row with its labels as the column stores them (a JSON list, or NULL), and its
    rating's scale (a row of ten has none: its rating, if any, is read as stars)."""
    try:
        labels = _encode(row[8])
    except TypeError:  # a list: not hashable, so not cached
        labels = labels_json(row[8])
    return (*row[:8], labels, row[9], row[10] if len(row) > 10 else None)


class SqliteQuotes:
    def __init__(self, db: Connections) -> None:
        self.db = db

    def add_many(self, rows: Iterable[Sequence[Any]]) -> int:
        """Store quotes and their full-text entries together, so a crash or a kill never
        leaves a quote that search cannot find; returns how many were new.

        A quote stored before (same workspace, source and external id) is skipped, which
        is what makes re-running an interrupted import safe. Each row is a plain tuple:
        (team_id, source, external_id, text, created, customer, rating, url, labels,
        imported_at, rating_scale), `labels` a tuple of strings, text already redacted, `rating`
        on the common 0..1 scale of `rating_scale` (see `models.Rating`; may be left off).
        """
        with self.db.transaction() as conn:
            before = conn.execute("SELECT coalesce(max(id), 0) FROM feedback").fetchone()[0]
            added = conn.executemany(INSERT_SQL, map(_stored, rows)).rowcount
            if added:
                conn.execute(INDEX_NEW_SQL, (before,))
        return added

    def add(self, row: Sequence[Any], origin_channel: str | None = None, private: bool = False) -> int | None:
        """One quote (captured in Slack, typed in by hand): its id, so the caller can point
        at it, or None when it was stored before. `row` is shaped as for `add_many`;
        `origin_channel` is the channel it was saved in, which alone sees it if `private`."""
        with self.db.transaction() as conn:
            if not self.add_many([row]):
                return None
            quote_id = conn.execute(
                "SELECT id FROM feedback WHERE team_id = ? AND source = ? AND external_id = ?",
                (row[0], row[1], row[2])).fetchone()[0]
            if origin_channel is not None or private:
                conn.execute("UPDATE feedback SET origin_channel = ?, private = ? WHERE id = ?",
                             (origin_channel, int(private), quote_id))
            return quote_id

    def edit_saved(self, team_id: str, channel_id: str, external_id: str, text: str) -> int:
        """New words for the quotes a workspace saved from one message of `channel_id` (edited
        where it was written), with their full-text entries; how many changed.

        Their vectors go, so the embedder gives them new ones; the epoch stays, so a search
        process keeps its index (its rows are read back from here, with the new words).
        """
        with self.db.transaction() as conn:
            ids = self._saved(conn, team_id, channel_id, external_id)
            if ids:
                marks = ",".join("?" * len(ids))
                conn.execute("INSERT INTO feedback_fts (feedback_fts, rowid, text) "
                             f"SELECT 'delete', id, text FROM feedback WHERE id IN ({marks})", ids)
                conn.execute(f"UPDATE feedback SET text = ? WHERE id IN ({marks})", (text, *ids))
                conn.execute(f"INSERT INTO feedback_fts (rowid, text) SELECT id, text FROM feedback "
                             f"WHERE id IN ({marks})", ids)
                conn.execute(f"DELETE FROM quote_vectors WHERE feedback_id IN ({marks})", ids)
        return len(ids)

    def remove_saved(self, team_id: str, channel_id: str, external_id: str) -> int:
        """Delete the quotes a workspace saved from one message of `channel_id` (deleted where
        it was written), with their full-text entries and vectors; how many went. A search
        index built before keeps their vectors, but finds no quote behind them any more."""
        with self.db.transaction() as conn:
            ids = self._saved(conn, team_id, channel_id, external_id)
            if ids:
                marks = ",".join("?" * len(ids))
                conn.execute(f"DELETE FROM quote_vectors WHERE feedback_id IN ({marks})", ids)
                conn.execute("INSERT INTO feedback_fts (feedback_fts, rowid, text) "
                             f"SELECT 'delete', id, text FROM feedback WHERE id IN ({marks})", ids)
                conn.execute(f"DELETE FROM feedback WHERE id IN ({marks})", ids)
        return len(ids)

    @staticmethod
    def _saved(conn: sqlite3.Connection, team_id: str, channel_id: str, external_id: str) -> list[int]:
        if not team_id:
            raise ValueError("a saved message belongs to a workspace; the shared corpus is not edited")
        return [row[0] for row in conn.execute(
            "SELECT id FROM feedback WHERE team_id = ? AND origin_channel = ? AND external_id = ?",
            (team_id, channel_id, external_id))]

    def forget_team(self, team_id: str) -> dict[str, int]:
        """Delete every quote a workspace added, with its full-text entry. Rows deleted, by table.

        The shared corpus (team_id '') is never deleted this way. Vectors go first, through
        `vectors.forget_team`; corpus statistics are recounted afterwards (`refresh_stats`).
        """
        if not team_id:
            raise ValueError("forget_team needs a workspace id; the shared corpus is not forgotten")
        with self.db.transaction() as conn:
            # An external-content index forgets a row only when told its old text.
            entries = conn.execute(
                "INSERT INTO feedback_fts (feedback_fts, rowid, text) "
                "SELECT 'delete', id, text FROM feedback WHERE team_id = ?", (team_id,)).rowcount
            quotes = conn.execute("DELETE FROM feedback WHERE team_id = ?", (team_id,)).rowcount
        return {"feedback": quotes, "feedback_fts": entries}

    def total(self) -> int:
        """How many quotes the database holds for every workspace together (what an
        operator's import reports, unlike `count`, which is one workspace's view)."""
        return self.db.current().execute("SELECT count(*) FROM feedback").fetchone()[0]

    def address(self) -> str | None:
        """What `bot.store.connect` needs to open this database from another process (the
        import's writer processes), or None for an in-memory one, which no other process sees."""
        return self.db.current().execute("PRAGMA database_list").fetchone()[2] or None

    def count(self, team_id: str = "", channel_id: str | None = None) -> int:
        """How many quotes a workspace can draw on (its own plus the shared corpus), in a
        channel (None: outside any, so no private channel's quotes)."""
        return self.db.current().execute(
            f"SELECT count(*) FROM feedback WHERE {VISIBLE}", (team_id, channel_id)).fetchone()[0]

    def sources(self, team_id: str = "", channel_id: str | None = None) -> list[tuple[str, int, str | None]]:
        """Each source a workspace can draw on (in a channel, or outside any): its name, how
        many quotes, the newest date.

        Largest first; the date is the newest `created` (None when a source has no dates).
        """
        rows = self.db.current().execute(
            f"SELECT source, count(*), max(created) FROM feedback WHERE {VISIBLE} "
            "GROUP BY source ORDER BY count(*) DESC, source", (team_id, channel_id)).fetchall()
        return [(row[0], row[1], row[2]) for row in rows]

    def get(self, quote_id: int, team_id: str = "", channel_id: str | None = None) -> Quote | None:
        """One stored quote, if this workspace may see it (its own or the shared corpus) in
        this channel (a private channel's quotes only there)."""
        row = self.db.current().execute(
            "SELECT id, text, source, created, url, labels, external_id, rating, rating_scale FROM feedback "
            f"WHERE id = ? AND {VISIBLE}", (quote_id, team_id, channel_id)).fetchone()
        return quote_of(row) if row is not None else None

    # -- full-text candidates: every search runs these (bench/speed.py times them at up to
    # a million quotes), so their SQL is written by hand, tuned to FTS5 and the rowid.

    def matches(self, words: Sequence[str], limit: int, team_id: str = "",
                channel_id: str | None = None) -> dict[int, float]:
        """The `limit` best full-text matches of any of `words` this workspace may see (in
        this channel), best first, with their relevance.

        For match sets small enough to rank exactly; relevance is BM25, higher is better.
        The workspace is tested before the limit, so one workspace's many quotes cannot
        crowd another's few out of its own search.
        """
        query = _fts_query(words, "OR")
        if not query:
            return {}
        rows = self._tuples().execute(
            f"SELECT rowid, bm25(feedback_fts) FROM feedback_fts WHERE feedback_fts MATCH ? AND {SEES} "
            "ORDER BY rank LIMIT ?", (query, team_id, channel_id, limit)).fetchall()
        return {rowid: -score for rowid, score in rows}

    def newest_matches(self, words: Sequence[str], limit: int, every: bool = False, team_id: str = "",
                       channel_id: str | None = None) -> dict[int, float]:
        """The `limit` newest quotes this workspace may see (in this channel) matching any
        (or, with `every`, all) of `words`, with relevance.

        On a match set of hundreds of thousands, ranking all of it takes seconds; the
        newest rows come straight off the index, and recent feedback is preferred anyway.
        """
        query = _fts_query(words, "AND" if every else "OR")
        if not query:
            return {}
        rows = self._tuples().execute(
            f"SELECT rowid, bm25(feedback_fts) FROM feedback_fts WHERE feedback_fts MATCH ? AND {SEES} "
            "ORDER BY rowid DESC LIMIT ?", (query, team_id, channel_id, limit)).fetchall()
        return {rowid: -score for rowid, score in rows}

    def candidates(self, relevance: Mapping[int, float], team_id: str = "",
                   exclude_ids: Collection[int] = (), channel_id: str | None = None) -> list[Candidate]:
        """The quotes of a search's pool this workspace may see in this channel, each with its
        match relevance.

        The pool holds full-text matches and, with embeddings, quotes close in meaning:
        one read of both, so the ranking has one kind of record to weigh.
        """
        ids = [i for i in relevance if i not in exclude_ids]
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        # `+team_id`: the id lookup is the selective one; the workspace index would not help.
        rows = self._tuples().execute(
            f"SELECT id, text, source, created, url, labels, external_id, rating, rating_scale FROM feedback "
            f"WHERE id IN ({marks}) AND +team_id IN ('', ?) AND (private = 0 OR origin_channel = ?)",
            (*ids, team_id, channel_id)).fetchall()
        return [Candidate(i, text, source, created, url, _labels(labels), external_id, relevance[i],
                          rating, scale)
                for i, text, source, created, url, labels, external_id, rating, scale in rows]

    def unlabelled(self, after: int = 0, limit: int = 10_000) -> list[int]:
        """Ids of quotes with no label, above `after`, in id order: what themes must be found for."""
        rows = self.db.current().execute(
            "SELECT id FROM feedback WHERE labels IS NULL AND id > ? ORDER BY id LIMIT ?",
            (after, limit)).fetchall()
        return [row[0] for row in rows]

    def text_and_labels(self, ids: Sequence[int]) -> list[tuple[int, str, tuple[str, ...]]]:
        """Id, text and labels of a few quotes (the ones a channel clicked on), to compare others with."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self.db.current().execute(
            f"SELECT id, text, labels FROM feedback WHERE id IN ({marks})", tuple(ids)).fetchall()
        return [(row[0], row[1], labels_of(row[2])) for row in rows]

    def _tuples(self) -> sqlite3.Cursor:
        """A cursor returning plain tuples: cheaper than rows by name for hundreds of rows."""
        cursor = self.db.current().cursor()
        cursor.row_factory = None
        return cursor

    # -- corpus statistics: how rare each word is, so a query knows which words discriminate

    def refresh_stats(self) -> int:
        """Recount document frequencies from the full-text index (after an import); returns quotes counted.

        The generation marker changes with every import, so every process reloads.
        """
        self.db.current().execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.feedback_vocab "
            "USING fts5vocab(main, feedback_fts, 'row')"
        )
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM term_df")
            conn.execute("INSERT INTO term_df (term, docs) SELECT term, doc FROM temp.feedback_vocab")
            docs, top = conn.execute("SELECT count(*), coalesce(max(id), 0) FROM feedback").fetchone()
            # The newest few thousand quotes tell the typical length well enough, without a full scan.
            chars = conn.execute(
                "SELECT coalesce(avg(length(text)), 200) FROM "
                "(SELECT text FROM feedback ORDER BY id DESC LIMIT 5000)").fetchone()[0]
            conn.executemany(
                "INSERT OR REPLACE INTO corpus_stats (key, value) VALUES (?, ?)",
                [("docs", docs), ("avg_chars", chars), ("generation", f"{top}:{docs}")],
            )
        return docs

    def stats_generation(self) -> str | None:
        """Which count the stored statistics are (None before the first): cheap, asked every search."""
        row = self.db.current().execute(
            "SELECT value FROM corpus_stats WHERE key = 'generation'").fetchone()
        return row[0] if row else None

    def load_stats(self) -> tuple[int, float | None, dict[str, int]]:
        """Quotes counted, their typical length in characters (None if never counted), and how
        many quotes hold each stemmed word."""
        conn = self.db.current()
        values = dict(conn.execute("SELECT key, value FROM corpus_stats").fetchall())
        avg_chars = values.get("avg_chars")
        df = dict(conn.execute("SELECT term, docs FROM term_df").fetchall())
        return int(values.get("docs", 0)), float(avg_chars) if avg_chars is not None else None, df

    def is_empty(self) -> bool:
        """No quote at all, in any workspace (statistics of nothing need no counting)."""
        return self.db.current().execute("SELECT 1 FROM feedback LIMIT 1").fetchone() is None


_TOKEN = re.compile(r"[^\W_]+")


def _fts_query(words: Sequence[str], joiner: str) -> str:
    """An FTS5 query of whole words: each is quoted, so nothing in it is read as syntax.

    A "word" the tokenizer would split (o'brien, a-b) becomes its tokens joined by AND:
    quoted, it would be a phrase, which this index (detail=column) refuses, and SQLite has
    been seen to crash on such queries. A word with no token in it is left out.
    """
    parts = []
    for word in words:
        tokens = _TOKEN.findall(word)
        if tokens:
            parts.append(" AND ".join(f'"{token}"' for token in tokens))
    if len(parts) > 1 and joiner == "OR":
        parts = [f"({part})" if " AND " in part else part for part in parts]
    return f" {joiner} ".join(parts)


# Labels repeat (a ticket category, an intent): decode each spelling once, not once per candidate.
_labels = lru_cache(maxsize=4096)(labels_of)


def quote_of(row: sqlite3.Row, score: float = 0.0, coverage: float = 0.0) -> Quote:
    return Quote(row["id"], row["text"], row["source"], row["created"], score, row["url"],
                 labels_of(row["labels"]), row["external_id"], coverage, row["rating"], row["rating_scale"])
