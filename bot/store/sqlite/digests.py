"""Digest schedules and the exactly-once ledger of digest runs."""

from __future__ import annotations

from .connection import Connections


class SqliteDigests:
    def __init__(self, db: Connections) -> None:
        self.db = db
