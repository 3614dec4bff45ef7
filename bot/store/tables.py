"""Every table a database holds, as `migrate-db` copies them between backends.

Both backends store these tables with the same columns; the copy reads each in key
order, a batch at a time, and writes what the destination lacks. Full-text entries and
word statistics are not copied: each backend derives its own (see `Tables.finish`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

# table -> (key columns, every column), in an order where what a row refers to comes first.
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "feedback": (("id",), ("id", "team_id", "source", "external_id", "text", "created", "customer",
                           "rating", "url", "labels", "imported_at", "origin_channel", "private",
                           "rating_scale")),
    "quote_vectors": (("feedback_id",), ("feedback_id", "model", "vector")),
    "vector_stats": (("key",), ("key", "value")),
    "channels": (("team_id", "channel_id"), ("team_id", "channel_id", "mode", "cooldown_seconds", "topic",
                                             "purpose", "joined_at", "last_post_at", "active", "shared",
                                             "shared_with", "shared_allowed_by", "source", "source_name")),
    "messages": (("team_id", "channel_id", "ts"), ("team_id", "channel_id", "ts", "user_id", "text",
                                                   "thread_ts")),
    "shown": (("team_id", "channel_id", "feedback_id"), ("team_id", "channel_id", "feedback_id", "shown_at")),
    "votes": (("id",), ("id", "team_id", "channel_id", "feedback_id", "user_id", "kind", "at")),
    "decisions": (("id",), ("id", "team_id", "channel_id", "ts", "user_id", "text", "question", "evidence",
                            "created_at", "answer", "answered_by", "answered_at")),
    "events": (("event_id",), ("event_id", "received_at")),
    "digest_schedules": (("team_id", "channel_id"), ("team_id", "channel_id", "cadence", "weekday", "hour",
                                                     "minute", "tz", "enabled", "set_by", "set_at",
                                                     "off_reason", "enterprise_id")),
    "digest_runs": (("team_id", "channel_id", "kind", "period_end"),
                    ("team_id", "channel_id", "kind", "period_end", "period_start", "status", "late",
                     "marker", "claimed_by", "first_claimed_at", "lease_until", "attempts", "ts",
                     "details_ts", "chart", "note", "finished_at")),
    "hands": (("id",), ("id", "team_id", "channel_id", "ts", "theme", "topic", "words", "emoji", "raised_at",
                        "state", "closed_at", "heard_by", "quote_ids")),
    "hand_settings": (("team_id", "channel_id"), ("team_id", "channel_id", "enabled", "emoji")),
    # No unique key in the schema: uses are told apart by when they happened.
    "rate_events": (("team_id", "user_id", "action", "at"), ("team_id", "user_id", "action", "at")),
}
# Tables whose key above is no unique constraint: a copy skips a row equal to one already there.
UNCONSTRAINED = ("rate_events",)


class Tables(Protocol):
    """Whole tables, row by row: only for copying a database into another."""

    def count(self, table: str) -> int: ...

    def read(self, table: str, after: Sequence[Any] | None, limit: int) -> list[tuple[Any, ...]]:
        """Up to `limit` rows (every column of TABLES, in order) whose key comes after `after`."""

    def write(self, table: str, rows: Sequence[Sequence[Any]]) -> int:
        """Store the rows the table lacks (by key), in one transaction; returns how many were new."""

    def finish(self) -> None:
        """Bring derived state up to the copied rows: full-text entries, id counters, word
        statistics and the vector count."""


def key_of(table: str, row: Sequence[Any]) -> tuple[Any, ...]:
    key, columns = TABLES[table]
    return tuple(row[columns.index(k)] for k in key)
