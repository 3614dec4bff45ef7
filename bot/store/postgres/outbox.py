"""The outbox: posts the bot owes Slack, shared by every replica; one sender tries each post."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ...models import Post
from ..common import OUTBOX_COLUMNS, post_of
from .connection import Connections

_OURS = "id = %s AND claimed_by = %s AND status = 'pending'"


class PostgresOutbox:
    def __init__(self, db: Connections) -> None:
        self.db = db

    def add(self, kind: str, team_id: str, method: str, payload: Mapping[str, Any], expires_at: float,
            now: float, after: Mapping[str, Any] | None = None, next_at: float | None = None) -> int:
        """Keep one post to make, due at `next_at` (default now); its id."""
        row = self.db.one(
            "INSERT INTO outbox (kind, team_id, method, payload, after, created_at, expires_at, next_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (kind, team_id, method, json.dumps(dict(payload)), json.dumps(dict(after or {})), now,
             expires_at, now if next_at is None else next_at))
        return int(row[0])  # type: ignore[index]

    def claim(self, instance: str, now: float, lease_until: float, limit: int,
              post_id: int | None = None) -> list[Post]:
        """Claim due posts with one statement: the rows are locked as they are chosen (`SKIP
        LOCKED`: a replica claiming at the same moment takes the next ones instead of waiting),
        so two replicas never get one post. A claim whose lease ran out was held by a sender
        that died or hung mid-try: the post may have landed, so it comes back `unknown`."""
        where = ("status = 'pending' AND next_at <= %s AND (lease_until IS NULL OR lease_until < %s)"
                 + (" AND id = %s" if post_id is not None else ""))
        args: list[Any] = [now, now] + ([post_id] if post_id is not None else [])
        returning = ", ".join(f"outbox.{name.strip()}" for name in OUTBOX_COLUMNS.split(","))
        rows = self.db.all(
            "UPDATE outbox SET unknown = CASE WHEN claimed_by IS NULL THEN unknown ELSE 1 END, "
            "claimed_by = %s, lease_until = %s, attempts = attempts + 1, "
            "first_try_at = coalesce(first_try_at, %s) "
            f"FROM (SELECT id FROM outbox WHERE {where} ORDER BY next_at, id LIMIT %s "
            "FOR UPDATE SKIP LOCKED) AS due "
            f"WHERE outbox.id = due.id RETURNING {returning}",
            (instance, lease_until, now, *args, limit))
        return sorted((post_of(row) for row in rows), key=lambda post: (post.next_at, post.id))

    def retry(self, post_id: int, instance: str, next_at: float, note: str, unknown: bool) -> bool:
        """Hand a claimed post back for another try at `next_at`; False if it was not ours."""
        return self.db.run(
            "UPDATE outbox SET claimed_by = NULL, lease_until = NULL, next_at = %s, note = %s, "
            f"unknown = %s WHERE {_OURS}", (next_at, note, int(unknown), post_id, instance)) > 0

    def finish(self, post_id: int, instance: str, status: str, now: float, ts: str | None = None,
               note: str | None = None) -> bool:
        """Close a claimed post: done (landed as `ts`) or dropped (`note` says why)."""
        return self.db.run(
            "UPDATE outbox SET status = %s, finished_at = %s, ts = %s, note = coalesce(%s, note), "
            f"lease_until = NULL WHERE {_OURS}", (status, now, ts, note, post_id, instance)) > 0

    def get(self, post_id: int) -> Post | None:
        row = self.db.one(f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = %s", (post_id,))
        return post_of(row) if row else None

    def postpone(self, team_id: str, until: float) -> int:
        """Hold a workspace's unclaimed posts until `until`; how many were held."""
        return self.db.run(
            "UPDATE outbox SET next_at = %s WHERE team_id = %s AND status = 'pending' AND next_at < %s "
            "AND claimed_by IS NULL", (until, team_id, until))

    def backlog(self, now: float) -> tuple[int, float | None]:
        """How many posts are owed, and when the oldest was written."""
        count, oldest = self.db.one("SELECT count(*), min(created_at) FROM outbox "  # type: ignore[misc]
                                    "WHERE status = 'pending'")
        return int(count), oldest

    def waiting(self, team_id: str, before_id: int) -> int:
        return int(self.db.one("SELECT count(*) FROM outbox WHERE status = 'pending' AND team_id = %s "
                               "AND id < %s", (team_id, before_id))[0])  # type: ignore[index]

    def prune(self, older_than: float) -> int:
        """Forget posts that landed or were dropped before `older_than`."""
        return self.db.run("DELETE FROM outbox WHERE status != 'pending' AND finished_at < %s", (older_than,))

    def forget_team(self, team_id: str) -> int:
        if not team_id:
            raise ValueError("forget_team needs a workspace id")
        return self.db.run("DELETE FROM outbox WHERE team_id = %s", (team_id,))

