"""Event ids already handled, so a Slack retry is not handled twice, on whichever replica; and
recent uses of rate-limited commands, counted together by every replica."""

from __future__ import annotations

import time

from .connection import Connections

_USES = "team_id = %s AND user_id = %s AND action = %s"


class PostgresEvents:
    def __init__(self, db: Connections) -> None:
        self.db = db

    def seen(self, event_id: str, now: float | None = None) -> bool:
        """Record an event id; True if it was recorded before (a retry), so it is not handled twice.

        The insert is the test: of two replicas receiving the same event at once, the
        unique key lets exactly one of them insert it.
        """
        if not event_id:
            return False
        return self.db.run("INSERT INTO events (event_id, received_at) VALUES (%s, %s) "
                           "ON CONFLICT DO NOTHING", (event_id, now or time.time())) == 0

    def prune(self, older_than: float) -> int:
        """Forget event ids older than Slack's retry window; returns how many went."""
        return self.db.run("DELETE FROM events WHERE received_at < %s", (older_than,))

    def allow(self, team_id: str, user_id: str, action: str, limit: int, window: float,
              now: float | None = None) -> bool:
        """Count one use of `action` by a user, unless `limit` uses in the last `window` seconds
        were counted already: then False, and nothing is counted.

        One transaction holding a transaction-scoped advisory lock on the (workspace, user,
        action) key, so two replicas never both let the eleventh use through; uses older
        than the window are dropped on the way.
        """
        now = time.time() if now is None else now
        key = (team_id, user_id, action)
        with self.db.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s || '/' || %s || '/' || %s, 0))",
                         key)
            conn.execute(f"DELETE FROM rate_events WHERE {_USES} AND at <= %s", (*key, now - window))
            used = conn.execute(f"SELECT count(*) FROM rate_events WHERE {_USES}", key).fetchone()[0]
            if used >= limit:
                return False
            conn.execute("INSERT INTO rate_events (team_id, user_id, action, at) VALUES (%s, %s, %s, %s)",
                         (*key, now))
        return True

    def forget_team(self, team_id: str) -> int:
        """Delete a workspace's counted uses of rate-limited commands. (Event ids are not kept
        per workspace, and go by themselves within a day.)"""
        if not team_id:
            raise ValueError("forget_team needs a workspace id")
        return self.db.run("DELETE FROM rate_events WHERE team_id = %s", (team_id,))
