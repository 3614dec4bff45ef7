"""Votes on shown quotes (moving to the clicks repository)."""

from __future__ import annotations

import sqlite3
import time


def record_vote(conn: sqlite3.Connection, team_id: str, channel_id: str, feedback_id: int,
                user_id: str | None, kind: str, now: float | None = None) -> None:
    """A click on 'Not relevant' or 'More like this', kept to shape later answers."""
    if kind not in ("not_relevant", "more_like_this"):
        raise ValueError(f"unknown vote kind {kind!r}")
    conn.execute(
        "INSERT INTO votes (team_id, channel_id, feedback_id, user_id, kind, at) VALUES (?, ?, ?, ?, ?, ?)",
        (team_id, channel_id, feedback_id, user_id, kind, now or time.time()))
