"""The decision log: what a team decided, the evidence shown, and its answer."""

from __future__ import annotations

from .connection import Connections


class SqliteDecisions:
    def __init__(self, db: Connections) -> None:
        self.db = db
