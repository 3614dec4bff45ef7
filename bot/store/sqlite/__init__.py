"""The SQLite backend: one file, no server, WAL for one writer beside many readers."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from ...errors import StoreUnavailable
from ..common import StoreCommon
from .channels import SqliteChannels
from .clicks import SqliteClicks
from .connection import MEMORY, Connections
from .decisions import SqliteDecisions
from .digests import SqliteDigests
from .events import SqliteEvents
from .hands import SqliteHands
from .outbox import SqliteOutbox
from .quotes import SqliteQuotes
from .tables import SqliteTables
from .themes import SqliteThemes
from .vectors import SqliteVectors


class SqliteStore(StoreCommon):
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
        self.hands = SqliteHands(self.db)
        self.outbox = SqliteOutbox(self.db)
        self.tables = SqliteTables(self.db)

    @property
    def connection(self) -> Any:
        """This thread's raw sqlite3 connection, for tests and benchmarks that inspect the file."""
        return self.db.current()

    def ping(self) -> bool:
        """Whether the database answers (for a load balancer's health check)."""
        try:
            return self.db.current().execute("SELECT 1").fetchone()[0] == 1
        except Exception:  # any failure means "not healthy", never a crash of the server
            return False
