"""Votes on shown quotes (Not relevant, More like this), kept per channel."""

from __future__ import annotations

import time

from ..sqlite.clicks import KINDS
from .connection import Connections


class PostgresClicks:
    def __init__(self, db: Connections) -> None:
        self.db = db

    def record(self, team_id: str, channel_id: str, feedback_id: int, user_id: str | None, kind: str,
               now: float | None = None) -> None:
        """A click on 'Not relevant' or 'More like this', kept to shape later answers."""
        if kind not in KINDS:
            raise ValueError(f"unknown vote kind {kind!r}")
        self.db.run("INSERT INTO votes (team_id, channel_id, feedback_id, user_id, kind, at) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    (team_id, channel_id, feedback_id, user_id, kind, now or time.time()))

    def recent(self, team_id: str, channel_id: str, kind: str, limit: int) -> tuple[int, ...]:
        """The quotes a channel last clicked `kind` on, newest click first, each once."""
        rows = self.db.all(
            "SELECT feedback_id FROM votes WHERE team_id = %s AND channel_id = %s AND kind = %s "
            "GROUP BY feedback_id ORDER BY max(at) DESC LIMIT %s", (team_id, channel_id, kind, limit))
        return tuple(row[0] for row in rows)
