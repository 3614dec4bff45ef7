"""Votes on shown quotes (Not relevant, More like this), kept per channel."""

from __future__ import annotations

from .connection import Connections


class SqliteClicks:
    def __init__(self, db: Connections) -> None:
        self.db = db
