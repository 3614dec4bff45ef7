"""Votes on shown quotes (Not relevant, More like this), kept per channel."""

from __future__ import annotations

import time

from .connection import Connections

KINDS = ("not_relevant", "more_like_this")


class SqliteClicks:
    def __init__(self, db: Connections) -> None:
        self.db = db

    def record(self, team_id: str, channel_id: str, feedback_id: int, user_id: str | None, kind: str,
               now: float | None = None) -> None:
        """A click on 'Not relevant' or 'More like this', kept to shape later answers."""
        if kind not in KINDS:
            raise ValueError(f"unknown vote kind {kind!r}")
        self.db.current().execute(
            "INSERT INTO votes (team_id, channel_id, feedback_id, user_id, kind, at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (team_id, channel_id, feedback_id, user_id, kind, now or time.time()))

    def recent(self, team_id: str, channel_id: str, kind: str, limit: int) -> tuple[int, ...]:
        """The quotes a channel last clicked `kind` on, newest click first, each once.

        Only the latest clicks shape an answer: a channel's interests drift.
        """
        rows = self.db.current().execute(
            "SELECT feedback_id FROM votes WHERE team_id = ? AND channel_id = ? AND kind = ? "
            "GROUP BY feedback_id ORDER BY max(at) DESC LIMIT ?", (team_id, channel_id, kind, limit))
        return tuple(row[0] for row in rows)
