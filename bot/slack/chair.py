"""What every listener shares: settings, the voice, the speaking policy, and a database
connection per thread.

Bolt runs listeners on a pool of worker threads; the store is safe to share between
them (the SQLite backend keeps a connection per thread behind it).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from slack_bolt import BoltContext

from ..config import Settings, database
from ..meeting.policy import Policy
from ..store import Store, connect
from ..voice import Voice
from .blocks import SLACK_STYLE

EVENT_MEMORY = 24 * 3600  # Slack retries within minutes; a day of event ids is plenty
PRUNE_EVERY = 600  # seconds between two prunes of old event ids and of messages past retention
ADD_LIMIT, ADD_WINDOW = 10, 3600  # quotes one person may add per hour: a typo'd loop or a flood stops here


class Chair:
    """The bot's shared state; one per process, handed to listeners through the Bolt context."""

    def __init__(self, settings: Settings, db_path: Path | str | None = None,
                 voice: Voice | None = None) -> None:
        self.settings = settings
        self.db_path = database(db_path or settings.db_path)
        self.voice = voice or Voice.load(settings.prompts_dir, style=SLACK_STYLE)
        self.policy = Policy(cooldown_seconds=settings.cooldown_seconds,
                             window_messages=settings.window_messages)
        self.installation_store: Any = None
        self.courier: Any = None  # the outbox's sender (`delivery.Courier`), set by `create_app`
        self._store: Store | None = None
        self._lock = threading.Lock()
        self._pruned_at = 0.0

    def __deepcopy__(self, memo: dict[int, Any]) -> Chair:
        # Bolt deep-copies the context for lazy listeners; they must share this object.
        return self

    def db(self) -> Store:
        """The store, opened (and the schema migrated) on first use; shared by every thread."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = connect(self.db_path)
        return self._store

    def attach(self, context: BoltContext, next: Any) -> None:  # noqa: A002 - Bolt's name
        """Global middleware: make this object available to listeners as the `chair` argument."""
        context["chair"] = self
        next()

    def may_add_quote(self, team_id: str, user_id: str) -> bool:
        """Count one quote added by hand (`/customer-voice add`, or a capture reaction: one budget
        for both); False once the person has added ADD_LIMIT in the last ADD_WINDOW seconds."""
        return self.db().events.allow(team_id, user_id, "add", ADD_LIMIT, ADD_WINDOW)

    def first_delivery(self, body: dict[str, Any]) -> bool:
        """False for an event already handled (a Slack retry), so nothing is posted twice."""
        event_id = body.get("event_id")
        if not event_id:
            return True
        now = time.time()
        self.prune(now)
        return not self.db().events.seen(str(event_id), now)

    def prune(self, now: float | None = None) -> None:
        """Forget old event ids, finished outbox posts, and the messages kept past their retention
        period; at most once every PRUNE_EVERY seconds, so calling it on every event costs nothing."""
        now = time.time() if now is None else now
        with self._lock:
            if now - self._pruned_at <= PRUNE_EVERY:
                return
            self._pruned_at = now
        store = self.db()
        store.events.prune(now - EVENT_MEMORY)
        store.outbox.prune(now - EVENT_MEMORY)  # posts delivered or dropped a day ago
        store.channels.prune_messages(now - self.settings.message_retention_hours * 3600)


def team_of(context: BoltContext, body: dict[str, Any] | None = None) -> str:
    """The workspace a request belongs to; every row the bot writes is keyed by it.

    Never '' (the operator's shared corpus): a request with no workspace on it falls
    back to its Enterprise Grid organisation, then to a name no workspace can have.
    """
    body = body or {}
    team = body.get("team")
    candidates = (context.team_id, body.get("team_id"),
                  team.get("id") if isinstance(team, dict) else None, context.enterprise_id)
    return next((c for c in candidates if c), "unknown-team")
