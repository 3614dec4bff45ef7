"""Quotes: bulk writes, lookups, full-text candidates and corpus statistics."""

from __future__ import annotations

import sqlite3

from ...models import Quote
from .connection import Connections
from .rows import labels_of

# A workspace sees its own quotes and the operator's shared corpus (team_id '').
VISIBLE = "team_id IN ('', ?)"


class SqliteQuotes:
    def __init__(self, db: Connections) -> None:
        self.db = db

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
