"""The SQLite backend: one file, no server, WAL for one writer beside many readers."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ...errors import StoreUnavailable
from .channels import SqliteChannels
from .clicks import SqliteClicks
from .connection import MEMORY, Connections
from .decisions import SqliteDecisions
from .digests import SqliteDigests
from .events import SqliteEvents
from .quotes import SqliteQuotes
from .tables import SqliteTables
from .themes import SqliteThemes
from .vectors import SqliteVectors


class SqliteStore:
    """Every repository over one SQLite file; safe to share between threads."""

    backend = "sqlite"

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        try:
            self.db = Connections(self.path)
        except (sqlite3.Error, OSError) as err:
            raise StoreUnavailable(f"{self.path} cannot be opened as a SQLite database ({err})") from None
        # A stable name for process-wide caches (corpus statistics, the vector index).
        self.key = self.path if self.path != MEMORY else f"memory:{id(self)}"
        self.quotes = SqliteQuotes(self.db)
        self.themes = SqliteThemes(self.db)
        self.vectors = SqliteVectors(self.db)
        self.channels = SqliteChannels(self.db)
        self.clicks = SqliteClicks(self.db)
        self.decisions = SqliteDecisions(self.db)
        self.digests = SqliteDigests(self.db)
        self.events = SqliteEvents(self.db)
        self.tables = SqliteTables(self.db)

    @property
    def connection(self) -> Any:
        """This thread's raw sqlite3 connection, for tests and benchmarks that inspect the file."""
        return self.db.current()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One unit of work: everything inside lands together or not at all."""
        with self.db.transaction():
            yield

    def forget_team(self, team_id: str) -> dict[str, int]:
        """Delete every row of one workspace (it uninstalled the app, or the operator was asked
        to): its quotes with their vectors and index entries, channel state, messages, shown
        quotes, votes, decisions, digest schedules and runs, counted command uses. All in one
        transaction; rows deleted, by table. The shared corpus is not touched.
        """
        if not team_id:
            raise ValueError("forget_team needs a workspace id; the shared corpus is not forgotten")
        with self.transaction():
            counts = {"quote_vectors": self.vectors.forget_team(team_id)}
            counts.update(self.quotes.forget_team(team_id))
            counts.update(self.channels.forget_team(team_id))
            counts["decisions"] = self.decisions.forget_team(team_id)
            counts.update(self.digests.forget_team(team_id))
            counts["rate_events"] = self.events.forget_team(team_id)
        if counts["feedback"]:
            self.quotes.refresh_stats()  # its words no longer count in the corpus statistics
        return counts

    def ping(self) -> bool:
        """Whether the database answers (for a load balancer's health check)."""
        try:
            return self.db.current().execute("SELECT 1").fetchone()[0] == 1
        except Exception:  # any failure means "not healthy", never a crash of the server
            return False

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
