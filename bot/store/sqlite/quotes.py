"""Quotes: bulk writes, lookups, full-text candidates and corpus statistics."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from ...models import Quote
from .connection import Connections
from .rows import labels_json, labels_of

# A workspace sees its own quotes and the operator's shared corpus (team_id '').
VISIBLE = "team_id IN ('', ?)"

# Hand-written rather than sqlite-utils' insert_all: this is the import's measured hot path.
# One prepared statement run by executemany over plain tuples, with ON CONFLICT doing the
# de-duplication inside SQLite, is what keeps a million-row import in tens of seconds;
# insert_all turns every row into a dict and builds a new multi-row statement per chunk.
INSERT_SQL = """
INSERT INTO feedback (team_id, source, external_id, text, created, customer, rating, url,
                      labels, imported_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (team_id, source, external_id) DO NOTHING
"""

# The new rows of a batch, found by id: they all come after the largest id before it, since
# the batch holds the write lock and ids are handed out in order.
INDEX_NEW_SQL = "INSERT INTO feedback_fts (rowid, text) SELECT id, text FROM feedback WHERE id > ?"

# A large import repeats a few hundred label sets; encode each once.
_labels_json = lru_cache(maxsize=65_536)(labels_json)


def _stored(row: Sequence[Any], _encode: Any = _labels_json) -> tuple[Any, ...]:
    """The row with its labels as the column stores them (a JSON list, or NULL)."""
    try:
        labels = _encode(row[8])
    except TypeError:  # a list: not hashable, so not cached
        labels = labels_json(row[8])
    return (*row[:8], labels, row[9])


class SqliteQuotes:
    def __init__(self, db: Connections) -> None:
        self.db = db

    def add_many(self, rows: Iterable[Sequence[Any]]) -> int:
        """Store quotes and their full-text entries together, so a crash or a kill never
        leaves a quote that search cannot find; returns how many were new.

        A quote stored before (same workspace, source and external id) is skipped, which
        is what makes re-running an interrupted import safe. Each row is a plain tuple:
        (team_id, source, external_id, text, created, customer, rating, url, labels,
        imported_at), `labels` a tuple of strings, text already redacted.
        """
        with self.db.transaction() as conn:
            before = conn.execute("SELECT coalesce(max(id), 0) FROM feedback").fetchone()[0]
            added = conn.executemany(INSERT_SQL, map(_stored, rows)).rowcount
            if added:
                conn.execute(INDEX_NEW_SQL, (before,))
        return added

    def add(self, row: Sequence[Any]) -> int | None:
        """One quote (captured in Slack, typed in by hand): its id, so the caller can point
        at it, or None when it was stored before. `row` is shaped as for `add_many`."""
        with self.db.transaction() as conn:
            if not self.add_many([row]):
                return None
            return conn.execute(
                "SELECT id FROM feedback WHERE team_id = ? AND source = ? AND external_id = ?",
                (row[0], row[1], row[2])).fetchone()[0]

    def total(self) -> int:
        """How many quotes the database holds for every workspace together (what an
        operator's import reports, unlike `count`, which is one workspace's view)."""
        return self.db.current().execute("SELECT count(*) FROM feedback").fetchone()[0]

    def address(self) -> str | None:
        """What `bot.store.connect` needs to open this database from another process (the
        import's writer processes), or None for an in-memory one, which no other process sees."""
        return self.db.current().execute("PRAGMA database_list").fetchone()[2] or None

    def count(self, team_id: str = "") -> int:
        """How many quotes a workspace can draw on (its own plus the shared corpus)."""
        return self.db.current().execute(
            f"SELECT count(*) FROM feedback WHERE {VISIBLE}", (team_id,)).fetchone()[0]

    def sources(self, team_id: str = "") -> list[tuple[str, int, str | None]]:
        """Each source a workspace can draw on: its name, how many quotes, the newest date.

        Largest first; the date is the newest `created` (None when a source has no dates).
        """
        rows = self.db.current().execute(
            f"SELECT source, count(*), max(created) FROM feedback WHERE {VISIBLE} "
            "GROUP BY source ORDER BY count(*) DESC, source", (team_id,)).fetchall()
        return [(row[0], row[1], row[2]) for row in rows]

    def get(self, quote_id: int, team_id: str = "") -> Quote | None:
        """One stored quote, if this workspace may see it (its own or the shared corpus)."""
        row = self.db.current().execute(
            "SELECT id, text, source, created, url, labels, external_id FROM feedback "
            f"WHERE id = ? AND {VISIBLE}", (quote_id, team_id)).fetchone()
        return quote_of(row) if row is not None else None


def quote_of(row: sqlite3.Row, score: float = 0.0, coverage: float = 0.0) -> Quote:
    return Quote(row["id"], row["text"], row["source"], row["created"], score, row["url"],
                 labels_of(row["labels"]), row["external_id"], coverage)
