"""The decision log: what a team decided, the question it was asked for the customer, the
evidence shown, and the team's answer (replies in the decision's thread)."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence

from ...models import Decision
from .connection import Connections


class SqliteDecisions:
    def __init__(self, db: Connections) -> None:
        self.db = db

    def record(self, team_id: str, channel_id: str, ts: str, user_id: str | None, text: str,
               question: str, evidence: Sequence[int], now: float | None = None) -> int | None:
        """Log a decision once per message; its id, or None if that message was logged already."""
        cursor = self.db.current().execute(
            "INSERT INTO decisions (team_id, channel_id, ts, user_id, text, question, evidence, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (team_id, channel_id, ts) DO NOTHING",
            (team_id, channel_id, ts, user_id, text, question, json.dumps(list(evidence)),
             now or time.time()))
        return cursor.lastrowid if cursor.rowcount else None

    def forget_team(self, team_id: str) -> int:
        """Delete a workspace's decision log (it uninstalled the app); how many went."""
        if not team_id:
            raise ValueError("forget_team needs a workspace id")
        return self.db.current().execute("DELETE FROM decisions WHERE team_id = ?", (team_id,)).rowcount

    def at(self, team_id: str, channel_id: str, ts: str) -> Decision | None:
        """The decision stated in the message `ts`, if there is one (a thread's parent)."""
        row = self.db.current().execute(
            "SELECT * FROM decisions WHERE team_id = ? AND channel_id = ? AND ts = ?",
            (team_id, channel_id, ts)).fetchone()
        return _decision(row) if row else None

    def record_answer(self, decision_id: int, text: str, user_id: str | None,
                      now: float | None = None) -> None:
        """The team's answer; later replies in the thread add to it rather than replace it."""
        self.db.current().execute(
            "UPDATE decisions SET answer = CASE WHEN answer IS NULL THEN ? ELSE answer || char(10) || ? END, "
            "answered_by = coalesce(answered_by, ?), answered_at = coalesce(answered_at, ?) WHERE id = ?",
            (text, text, user_id, now or time.time(), decision_id))

    def list(self, team_id: str, channel_id: str | None = None, since: float | None = None,
             limit: int = 50) -> list[Decision]:
        """Newest first; a channel's, or a workspace's when `channel_id` is None."""
        sql = "SELECT * FROM decisions WHERE team_id = ?"
        args: list[object] = [team_id]
        if channel_id is not None:
            sql += " AND channel_id = ?"
            args.append(channel_id)
        if since is not None:
            sql += " AND created_at >= ?"
            args.append(since)
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        args.append(limit)
        return [_decision(row) for row in self.db.current().execute(sql, args)]

    def count(self, team_id: str, channel_id: str) -> int:
        """How many decisions a channel has logged (it picks the next question's wording)."""
        return self.db.current().execute(
            "SELECT count(*) FROM decisions WHERE team_id = ? AND channel_id = ?",
            (team_id, channel_id)).fetchone()[0]


def _decision(row: sqlite3.Row) -> Decision:
    return Decision(row["id"], row["team_id"], row["channel_id"], row["ts"], row["user_id"],
                    row["text"], row["question"], tuple(json.loads(row["evidence"])),
                    row["created_at"], row["answer"], row["answered_by"], row["answered_at"])
