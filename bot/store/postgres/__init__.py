"""The PostgreSQL backend: one database shared by any number of replicas of the bot.

Opened with a `postgresql://` URL (see `bot.store.connect`). Everything the replicas
must agree on is decided inside the database: an event id is handled by the replica
whose insert lands, a digest run by the one holding its row, a channel's turn to speak
by one conditional update.
"""

from __future__ import annotations

from ..common import StoreCommon
from .channels import PostgresChannels
from .clicks import PostgresClicks
from .connection import Connections, _safe
from .decisions import PostgresDecisions
from .digests import PostgresDigests
from .events import PostgresEvents
from .hands import PostgresHands
from .outbox import PostgresOutbox
from .quotes import PostgresQuotes
from .tables import PostgresTables
from .themes import PostgresThemes
from .vectors import PostgresVectors


class PostgresStore(StoreCommon):
    """Every repository over one PostgreSQL database, through a pool shared by threads."""

    backend = "postgres"

    def __init__(self, url: str) -> None:
        self.url = url
        self.db = Connections(url)
        self.key = url  # per-process caches (corpus statistics, the vector index) are per database
        self.quotes = PostgresQuotes(self.db)
        self.themes = PostgresThemes(self.db)
        self.vectors = PostgresVectors(self.db)
        self.channels = PostgresChannels(self.db)
        self.clicks = PostgresClicks(self.db)
        self.decisions = PostgresDecisions(self.db)
        self.digests = PostgresDigests(self.db)
        self.events = PostgresEvents(self.db)
        self.hands = PostgresHands(self.db)
        self.outbox = PostgresOutbox(self.db)
        self.tables = PostgresTables(self.db)

    def ping(self) -> bool:
        """Whether the database answers (for a load balancer's health check)."""
        try:
            return self.db.one("SELECT 1")[0] == 1  # type: ignore[index]
        except Exception:  # any failure means "not healthy", never a crash of the server
            return False

    def __repr__(self) -> str:
        return f"PostgresStore({_safe(self.url)})"
