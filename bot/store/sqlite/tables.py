"""Whole tables for `migrate-db` (see bot/store/tables.py): names come from TABLES only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..tables import TABLES, UNCONSTRAINED
from .connection import Connections


class SqliteTables:
    def __init__(self, db: Connections) -> None:
        self.db = db

    def count(self, table: str) -> int:
        TABLES[table]  # noqa: B018 - a known table, or KeyError
        return self.db.current().execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def read(self, table: str, after: Sequence[Any] | None, limit: int) -> list[tuple[Any, ...]]:
        key, columns = TABLES[table]
        where = f"WHERE ({', '.join(key)}) > ({', '.join('?' * len(key))})" if after is not None else ""
        rows = self.db.current().execute(
            f"SELECT {', '.join(columns)} FROM {table} {where} ORDER BY {', '.join(key)} LIMIT ?",
            (*(after or ()), limit)).fetchall()
        return [tuple(row) for row in rows]

    def write(self, table: str, rows: Sequence[Sequence[Any]]) -> int:
        """Rows the table lacks; copied quotes get their full-text entries in the same transaction."""
        _, columns = TABLES[table]
        with self.db.transaction() as conn:
            before = self.count(table)
            if table == "feedback":
                ids = [row[0] for row in rows]
                marks = ",".join("?" * len(ids))
                known = {r[0] for r in conn.execute(f"SELECT id FROM feedback WHERE id IN ({marks})", ids)}
            marks = ", ".join("?" * len(columns))
            if table in UNCONSTRAINED:
                same = " AND ".join(f"{column} IS ?" for column in columns)
                conn.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) SELECT {marks} "
                    f"WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {same})",
                    [(*row, *row) for row in rows])
            else:
                conn.executemany(
                    f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    [tuple(row) for row in rows])
            if table == "feedback":
                new = [i for i in ids if i not in known]
                marks = ",".join("?" * len(new))
                if new:
                    conn.execute(f"INSERT INTO feedback_fts (rowid, text) SELECT id, text FROM feedback "
                                 f"WHERE id IN ({marks})", new)
            return self.count(table) - before

    def finish(self) -> None:
        from .quotes import SqliteQuotes

        with self.db.transaction() as conn:
            state = conn.execute("SELECT value FROM vector_stats WHERE key = 'state'").fetchone()
            epoch = int(str(state[0]).split(":")[0]) if state else 0
            count = conn.execute("SELECT count(*) FROM quote_vectors").fetchone()[0]
            conn.execute("INSERT OR REPLACE INTO vector_stats (key, value) VALUES ('state', ?)",
                         (f"{epoch}:{count}",))
        SqliteQuotes(self.db).refresh_stats()
