"""Event ids already handled, so a Slack retry is not handled twice, on whichever replica."""

from __future__ import annotations

import time

from .connection import Connections


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
