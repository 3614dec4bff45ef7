"""What every backend's store does the same way, above its own repositories."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self

from ..models import Post

# The outbox's columns, in the order both backends select them and `post_of` reads them.
OUTBOX_COLUMNS = ("id, kind, team_id, method, payload, created_at, expires_at, attempts, next_at, unknown, "
                  "first_try_at, after, status, ts, note")


def post_of(row: tuple[Any, ...]) -> Post:
    """An outbox row (OUTBOX_COLUMNS) as the post it stands for, on either backend."""
    (post_id, kind, team_id, method, payload, created_at, expires_at, attempts, next_at, unknown,
     first_try_at, after, status, ts, note) = row
    return Post(int(post_id), kind, team_id, method, json.loads(payload), float(created_at),
                float(expires_at), int(attempts), float(next_at), bool(unknown),
                float(first_try_at) if first_try_at is not None else None, json.loads(after or "{}"),
                status, ts, note)


class StoreCommon:
    """The store-level operations written once: a transaction, forgetting a workspace across
    every repository, closing. A backend sets `db` (with `transaction()` and `close()`) and
    its repositories; this class orchestrates them, so both backends delete in the same order."""

    db: Any
    quotes: Any
    vectors: Any
    channels: Any
    decisions: Any
    digests: Any
    events: Any
    hands: Any
    outbox: Any

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One unit of work: everything inside lands together or not at all."""
        with self.db.transaction():
            yield

    def forget_team(self, team_id: str) -> dict[str, int]:
        """Delete every row of one workspace (it uninstalled the app, or the operator was asked
        to): its quotes with their vectors and index entries, channel state, messages, shown
        quotes, votes, decisions, digest schedules and runs, counted command uses, raised hands, owed
        posts. All in one transaction; rows deleted, by table. The shared corpus is not touched.
        """
        if not team_id:
            raise ValueError("forget_team needs a workspace id; the shared corpus is not forgotten")
        with self.transaction():
            counts = {"quote_vectors": self.vectors.forget_team(team_id)}  # before their quotes
            counts.update(self.quotes.forget_team(team_id))
            counts.update(self.channels.forget_team(team_id))
            counts["decisions"] = self.decisions.forget_team(team_id)
            counts.update(self.digests.forget_team(team_id))
            counts["rate_events"] = self.events.forget_team(team_id)
            counts.update(self.hands.forget_team(team_id))
            counts["outbox"] = self.outbox.forget_team(team_id)
        if counts["feedback"]:
            self.quotes.refresh_stats()  # its words no longer count in the corpus statistics
        return counts

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
