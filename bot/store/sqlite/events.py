"""Event ids already handled, so a Slack retry is not handled twice."""

from __future__ import annotations

import time

from .connection import Connections


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
