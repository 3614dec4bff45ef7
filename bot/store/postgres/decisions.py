"""The decision log: what a team decided, the question asked, the evidence, the answer."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from ...models import Decision
from .connection import Connections
from .rows import text as clean

COLUMNS = ("id, team_id, channel_id, ts, user_id, text, question, evidence, created_at, answer, "
           "answered_by, answered_at")


class PostgresDecisions:
    def __init__(self, db: Connections) -> None:
        self.db = db

    def record(self, team_id: str, channel_id: str, ts: str, user_id: str | None, text: str,
               question: str, evidence: Sequence[int], now: float | None = None) -> int | None:
        """Log a decision once per message; its id, or None if that message was logged already."""
        row = self.db.one(
            "INSERT INTO decisions (team_id, channel_id, ts, user_id, text, question, evidence, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (team_id, channel_id, ts) DO NOTHING "
            "RETURNING id",
            (team_id, channel_id, ts, user_id, clean(text), question, json.dumps(list(evidence)),
             now or time.time()))
        return row[0] if row else None

    def forget_team(self, team_id: str) -> int:
        """Delete a workspace's decision log (it uninstalled the app); how many went."""
        if not team_id:
            raise ValueError("forget_team needs a workspace id")
        return self.db.run("DELETE FROM decisions WHERE team_id = %s", (team_id,))

    def at(self, team_id: str, channel_id: str, ts: str) -> Decision | None:
        """The decision stated in the message `ts`, if there is one (a thread's parent)."""
        row = self.db.one(f"SELECT {COLUMNS} FROM decisions WHERE team_id = %s AND channel_id = %s "
                          "AND ts = %s", (team_id, channel_id, ts))
        return _decision(row) if row else None

    def record_answer(self, decision_id: int, text: str, user_id: str | None,
                      now: float | None = None) -> None:
        """The team's answer; later replies in the thread add to it rather than replace it."""
        self.db.run(
            "UPDATE decisions SET answer = CASE WHEN answer IS NULL THEN %s "
            "ELSE answer || chr(10) || %s END, answered_by = coalesce(answered_by, %s), "
            "answered_at = coalesce(answered_at, %s) WHERE id = %s",
            (clean(text), clean(text), user_id, now or time.time(), decision_id))

    def list(self, team_id: str, channel_id: str | None = None, since: float | None = None,
             limit: int = 50) -> list[Decision]:
        """Newest first; a channel's, or a workspace's when `channel_id` is None."""
        sql = f"SELECT {COLUMNS} FROM decisions WHERE team_id = %s"
        args: list[object] = [team_id]
        if channel_id is not None:
            sql += " AND channel_id = %s"
            args.append(channel_id)
        if since is not None:
            sql += " AND created_at >= %s"
            args.append(since)
        sql += " ORDER BY created_at DESC, id DESC LIMIT %s"
        args.append(limit)
        return [_decision(row) for row in self.db.all(sql, args)]

    def count(self, team_id: str, channel_id: str) -> int:
        """How many decisions a channel has logged (it picks the next question's wording)."""
        return self.db.one("SELECT count(*) FROM decisions WHERE team_id = %s AND channel_id = %s",
                           (team_id, channel_id))[0]  # type: ignore[index]


def _decision(row: Sequence[Any]) -> Decision:
    return Decision(row[0], row[1], row[2], row[3], row[4], row[5], row[6], tuple(json.loads(row[7])),
                    row[8], row[9], row[10], row[11])
