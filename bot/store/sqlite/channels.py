"""Per-channel state: mode, cooldown, context, recent messages, quotes shown."""

from __future__ import annotations

from .connection import Connections


class SqliteChannels:
    def __init__(self, db: Connections) -> None:
        self.db = db
