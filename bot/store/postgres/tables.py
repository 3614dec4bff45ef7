"""Whole tables for `migrate-db` (see bot/store/tables.py): names come from TABLES only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..tables import TABLES, UNCONSTRAINED
from .connection import Connections
from .rows import text

# ids the database hands out: counters move past copies
SEQUENCED = ("feedback", "votes", "decisions", "hands")


class PostgresTables:
    def __init__(self, db: Connections) -> None:
        self.db = db

    def count(self, table: str) -> int:
        TABLES[table]  # noqa: B018 - a known table, or KeyError
        return self.db.one(f"SELECT count(*) FROM {table}")[0]  # type: ignore[index]

    def read(self, table: str, after: Sequence[Any] | None, limit: int) -> list[tuple[Any, ...]]:
        key, columns = TABLES[table]
        where = f"WHERE ({', '.join(key)}) > ({', '.join(['%s'] * len(key))})" if after is not None else ""
        rows = self.db.all(f"SELECT {', '.join(columns)} FROM {table} {where} ORDER BY {', '.join(key)} "
                           "LIMIT %s", (*(after or ()), limit))
        return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in rows]

    def write(self, table: str, rows: Sequence[Sequence[Any]]) -> int:
        _, columns = TABLES[table]
        values = [tuple(str(v) if table in ("vector_stats",) and v is not None else text(v) for v in row)
                  for row in rows]
        marks = ", ".join(["%s"] * len(columns))
        if table in UNCONSTRAINED:
            same = " AND ".join(f"{column} = %s" for column in columns)
            sql = (f"INSERT INTO {table} ({', '.join(columns)}) SELECT {marks} "
                   f"WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {same})")
            values = [(*row, *row) for row in values]
        else:
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) ON CONFLICT DO NOTHING"
        with self.db.transaction() as conn:
            before = self.count(table)
            conn.cursor().executemany(sql, values)
            return self.count(table) - before

    def finish(self) -> None:
        from .quotes import PostgresQuotes

        with self.db.transaction() as conn:
            for table in SEQUENCED:
                conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)")
            state = conn.execute("SELECT value FROM vector_stats WHERE key = 'state'").fetchone()
            epoch = int(str(state[0]).split(":")[0]) if state else 0
            count = conn.execute("SELECT count(*) FROM quote_vectors").fetchone()[0]
            conn.execute("INSERT INTO vector_stats (key, value) VALUES ('state', %s) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (f"{epoch}:{count}",))
        PostgresQuotes(self.db).refresh_stats()
