"""Event ids already handled, so a Slack retry is not handled twice; and recent uses of
rate-limited commands."""

from __future__ import annotations

import time

from .connection import Connections

_USES = "team_id = ? AND user_id = ? AND action = ?"


class SqliteEvents:
    def __init__(self, db: Connections) -> None:
        self.db = db

    def seen(self, event_id: str, now: float | None = None) -> bool:
        """Record an event id; True if it was recorded before (a retry), so it is not handled twice."""
        if not event_id:
            return False
        cursor = self.db.current().execute(
            "INSERT OR IGNORE INTO events (event_id, received_at) VALUES (?, ?)",
            (event_id, now or time.time()))
        return cursor.rowcount == 0

    def prune(self, older_than: float) -> int:
        """Forget event ids older than Slack's retry window; returns how many went."""
        return self.db.current().execute(
            "DELETE FROM events WHERE received_at < ?", (older_than,)).rowcount

    def allow(self, team_id: str, user_id: str, action: str, limit: int, window: float,
              now: float | None = None) -> bool:
        """Count one use of `action` by a user, unless `limit` uses in the last `window` seconds
        were counted already: then False, and nothing is counted.

        One write transaction (taken at once), so two instances on one database never both
        let the eleventh use through; uses older than the window are dropped on the way.
        """
        now = time.time() if now is None else now
        key = (team_id, user_id, action)
        with self.db.transaction() as conn:
            conn.execute(f"DELETE FROM rate_events WHERE {_USES} AND at <= ?", (*key, now - window))
            used = conn.execute(f"SELECT count(*) FROM rate_events WHERE {_USES}", key).fetchone()[0]
            if used >= limit:
                return False
            conn.execute("INSERT INTO rate_events (team_id, user_id, action, at) VALUES (?, ?, ?, ?)",
                         (*key, now))
        return True

    def forget_team(self, team_id: str) -> int:
        """Delete a workspace's counted uses of rate-limited commands. (Event ids are not kept
        per workspace, and go by themselves within a day.)"""
        if not team_id:
            raise ValueError("forget_team needs a workspace id")
        return self.db.current().execute("DELETE FROM rate_events WHERE team_id = ?", (team_id,)).rowcount
