"""The outbox: posts the bot owes Slack, kept from before their first try until they land."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ...models import Post
from ..common import OUTBOX_COLUMNS, post_of
from .connection import Connections

_OURS = "id = ? AND claimed_by = ? AND status = 'pending'"


class SqliteOutbox:
    def __init__(self, db: Connections) -> None:
        self.db = db

    def add(self, kind: str, team_id: str, method: str, payload: Mapping[str, Any], expires_at: float,
            now: float, after: Mapping[str, Any] | None = None, next_at: float | None = None) -> int:
        """Keep one post to make, due at `next_at` (default now); its id."""
        cursor = self.db.current().execute(
            "INSERT INTO outbox (kind, team_id, method, payload, after, created_at, expires_at, next_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (kind, team_id, method, json.dumps(dict(payload)), json.dumps(dict(after or {})), now,
             expires_at, now if next_at is None else next_at))
        return int(cursor.lastrowid or 0)

    def claim(self, instance: str, now: float, lease_until: float, limit: int,
              post_id: int | None = None) -> list[Post]:
        """Claim due posts in one write transaction (taken at once), so two instances on one file
        never both get one. A claim whose lease ran out was held by a sender that died or hung
        mid-try: the post may have landed, so it comes back `unknown`."""
        sql = ("SELECT id FROM outbox WHERE status = 'pending' AND next_at <= ? "
               "AND (lease_until IS NULL OR lease_until < ?)")
        args: list[Any] = [now, now]
        if post_id is not None:
            sql += " AND id = ?"
            args.append(post_id)
        if self.db.current().execute(sql + " LIMIT 1", args).fetchone() is None:
            return []  # nothing due: no write lock taken (the worker asks every second)
        with self.db.transaction() as conn:
            ids = [row[0] for row in conn.execute(sql + " ORDER BY next_at, id LIMIT ?", (*args, limit))]
            if not ids:
                return []
            marks = ",".join("?" * len(ids))
            conn.execute(
                "UPDATE outbox SET unknown = CASE WHEN claimed_by IS NULL THEN unknown ELSE 1 END, "
                "claimed_by = ?, lease_until = ?, attempts = attempts + 1, "
                f"first_try_at = coalesce(first_try_at, ?) WHERE id IN ({marks})",
                (instance, lease_until, now, *ids))
            rows = conn.execute(
                f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id IN ({marks}) ORDER BY next_at, id",
                ids).fetchall()
        return [post_of(row) for row in rows]

    def retry(self, post_id: int, instance: str, next_at: float, note: str, unknown: bool) -> bool:
        """Hand a claimed post back for another try at `next_at`; False if it was not ours."""
        return self.db.current().execute(
            f"UPDATE outbox SET claimed_by = NULL, lease_until = NULL, next_at = ?, note = ?, unknown = ? "
            f"WHERE {_OURS}", (next_at, note, int(unknown), post_id, instance)).rowcount > 0

    def finish(self, post_id: int, instance: str, status: str, now: float, ts: str | None = None,
               note: str | None = None) -> bool:
        """Close a claimed post: done (landed as `ts`) or dropped (`note` says why)."""
        return self.db.current().execute(
            f"UPDATE outbox SET status = ?, finished_at = ?, ts = ?, note = coalesce(?, note), "
            f"lease_until = NULL WHERE {_OURS}", (status, now, ts, note, post_id, instance)).rowcount > 0

    def get(self, post_id: int) -> Post | None:
        row = self.db.current().execute(f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = ?",
                                        (post_id,)).fetchone()
        return post_of(row) if row else None

    def postpone(self, team_id: str, until: float) -> int:
        """Hold a workspace's unclaimed posts until `until`; how many were held."""
        return self.db.current().execute(
            "UPDATE outbox SET next_at = ? WHERE team_id = ? AND status = 'pending' AND next_at < ? "
            "AND claimed_by IS NULL", (until, team_id, until)).rowcount

    def backlog(self, now: float) -> tuple[int, float | None]:
        """How many posts are owed, and when the oldest was written."""
        count, oldest = self.db.current().execute(
            "SELECT count(*), min(created_at) FROM outbox WHERE status = 'pending'").fetchone()
        return int(count), oldest

    def waiting(self, team_id: str, before_id: int) -> int:
        return int(self.db.current().execute(
            "SELECT count(*) FROM outbox WHERE status = 'pending' AND team_id = ? AND id < ?",
            (team_id, before_id)).fetchone()[0])

    def prune(self, older_than: float) -> int:
        """Forget posts that landed or were dropped before `older_than`."""
        return self.db.current().execute(
            "DELETE FROM outbox WHERE status != 'pending' AND finished_at < ?", (older_than,)).rowcount

    def forget_team(self, team_id: str) -> int:
        if not team_id:
            raise ValueError("forget_team needs a workspace id")
        return self.db.current().execute("DELETE FROM outbox WHERE team_id = ?", (team_id,)).rowcount

