"""What digests count over quotes: per period, per label, per tracked topic."""

from __future__ import annotations

from .connection import Connections


class SqliteThemes:
    def __init__(self, db: Connections) -> None:
        self.db = db
