"""Copy one database into another (SQLite to PostgreSQL, or back), for `empty-chair migrate-db`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .base import Store
from .tables import TABLES, key_of

BATCH = 5000


@dataclass(frozen=True)
class Copied:
    """One table: rows written now, and the counts on both sides afterwards."""

    table: str
    copied: int
    source: int
    destination: int

    @property
    def complete(self) -> bool:
        return self.destination >= self.source


def copy_database(source: Store, destination: Store, batch: int = BATCH,
                  progress: Callable[[str, int], None] | None = None) -> list[Copied]:
    """Every table of `source` into `destination`, a batch per transaction, in key order.

    Rows already in the destination are kept as they are, so an interrupted copy is run
    again to finish. The counts of each table on both sides come back for checking.
    """
    results = []
    for table in TABLES:
        copied, after = 0, None
        while rows := source.tables.read(table, after, batch):
            copied += destination.tables.write(table, rows)
            after = key_of(table, rows[-1])
            if progress:
                progress(table, copied)
        results.append(Copied(table, copied, source.tables.count(table), destination.tables.count(table)))
    destination.tables.finish()
    return results
