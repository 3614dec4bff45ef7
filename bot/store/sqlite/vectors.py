"""Sentence embeddings, one per quote, and the model that made them."""

from __future__ import annotations

from .connection import Connections


class SqliteVectors:
    def __init__(self, db: Connections) -> None:
        self.db = db
