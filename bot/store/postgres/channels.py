"""Per-channel state: mode, cooldown, context, recent messages, and the quotes shown there."""

from __future__ import annotations

import time
from collections.abc import Sequence

from ...models import Channel, Message
from ..sqlite.channels import (
    MESSAGE_CHARS,
    NOT_RELEVANT_QUORUM,
    SETTINGS,
    SHOWN_FOR,
    TEAM_TABLES,
    WINDOW_KEEP,
)
from .connection import Connections
from .rows import text as clean

COLUMNS = ("team_id, channel_id, mode, cooldown_seconds, topic, purpose, joined_at, last_post_at, active, "
           "shared, shared_with, shared_allowed_by, source, source_name")


class PostgresChannels:
    def __init__(self, db: Connections) -> None:
        self.db = db

    def ensure(self, team_id: str, channel_id: str, now: float | None = None) -> Channel:
        """The channel's row, created on first sight (the bot was invited, or heard a message)."""
        self.db.run("INSERT INTO channels (team_id, channel_id, joined_at) VALUES (%s, %s, %s) "
                    "ON CONFLICT DO NOTHING", (team_id, channel_id, now or time.time()))
        return self.get(team_id, channel_id)  # type: ignore[return-value]

    def get(self, team_id: str, channel_id: str) -> Channel | None:
        row = self.db.one(f"SELECT {COLUMNS} FROM channels WHERE team_id = %s AND channel_id = %s",
                          (team_id, channel_id))
        if row is None:
            return None
        return channel_of(row)

    def list(self, team_id: str) -> list[Channel]:
        """The workspace's channels the bot still sits in."""
        rows = self.db.all(f"SELECT {COLUMNS} FROM channels WHERE team_id = %s AND active = 1 "
                           "ORDER BY channel_id", (team_id,))
        return [channel_of(row) for row in rows]

    def update(self, team_id: str, channel_id: str, **values: object) -> None:
        """Set a channel's settings (mode, cooldown_seconds, topic, purpose, active ...)."""
        unknown = set(values) - set(SETTINGS)
        if unknown:
            raise ValueError(f"unknown channel settings: {', '.join(sorted(unknown))}")
        self.ensure(team_id, channel_id)
        if values:
            # Column names come from SETTINGS above, never from the caller's text.
            assignments = ", ".join(f"{name} = %s" for name in values)
            self.db.run(f"UPDATE channels SET {assignments} WHERE team_id = %s AND channel_id = %s",
                        (*(int(v) if isinstance(v, bool) else clean(v) for v in values.values()),
                         team_id, channel_id))

    def claim_post(self, team_id: str, channel_id: str, now: float, cooldown: float) -> bool:
        """Take the channel's turn to post unprompted: True, with `last_post_at` set to `now`, only
        if the cooldown has passed; of two replicas deciding at once, one gets it."""
        return self.db.run(
            "UPDATE channels SET last_post_at = %s WHERE team_id = %s AND channel_id = %s "
            "AND (last_post_at IS NULL OR %s - last_post_at >= %s)",
            (now, team_id, channel_id, now, cooldown)) > 0

    def remember_message(self, team_id: str, channel_id: str, ts: str, user_id: str | None, text: str,
                         thread_ts: str | None = None) -> None:
        """Keep the channel's recent conversation, from the events Slack sends (no polling)."""
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO messages (team_id, channel_id, ts, user_id, text, thread_ts) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (team_id, channel_id, ts) DO UPDATE SET "
                "user_id = excluded.user_id, text = excluded.text, thread_ts = excluded.thread_ts",
                (team_id, channel_id, ts, user_id, clean(text[:MESSAGE_CHARS]), thread_ts))
            conn.execute(
                "DELETE FROM messages WHERE team_id = %s AND channel_id = %s AND ts < ("
                "SELECT ts FROM messages WHERE team_id = %s AND channel_id = %s "
                "ORDER BY ts DESC LIMIT 1 OFFSET %s)",
                (team_id, channel_id, team_id, channel_id, WINDOW_KEEP - 1))

    def edit_message(self, team_id: str, channel_id: str, ts: str, text: str) -> None:
        self.db.run("UPDATE messages SET text = %s WHERE team_id = %s AND channel_id = %s AND ts = %s",
                    (clean(text[:MESSAGE_CHARS]), team_id, channel_id, ts))

    def prune_messages(self, older_than: float) -> int:
        """Delete kept messages written before `older_than` (epoch seconds): the retention period."""
        return self.db.run("DELETE FROM messages WHERE CAST(ts AS double precision) < %s", (older_than,))

    def message(self, team_id: str, channel_id: str, ts: str) -> Message | None:
        """A message the bot kept from its event, whole; None if it was not kept or was cut short."""
        row = self.db.one("SELECT team_id, channel_id, ts, user_id, text, thread_ts FROM messages "
                          "WHERE team_id = %s AND channel_id = %s AND ts = %s", (team_id, channel_id, ts))
        if row is None or len(row[4]) >= MESSAGE_CHARS:
            return None
        return Message(*row)

    def forget_message(self, team_id: str, channel_id: str, ts: str) -> None:
        self.db.run("DELETE FROM messages WHERE team_id = %s AND channel_id = %s AND ts = %s",
                    (team_id, channel_id, ts))

    def recent_messages(self, team_id: str, channel_id: str, count: int,
                        since_ts: float | None = None) -> list[str]:
        """The last `count` top-level messages, oldest first."""
        rows = self.db.all(
            "SELECT text, ts FROM messages WHERE team_id = %s AND channel_id = %s "
            "AND (thread_ts IS NULL OR thread_ts = ts) ORDER BY ts DESC LIMIT %s",
            (team_id, channel_id, count))
        if since_ts is not None:
            rows = [r for r in rows if float(r[1]) >= since_ts]
        return [r[0] for r in reversed(rows)]

    def mark_shown(self, team_id: str, channel_id: str, ids: Sequence[int], now: float | None = None) -> None:
        """Quotes just posted here, so the channel does not hear them again for a while."""
        at = now or time.time()
        if ids:
            self.db.run(
                "INSERT INTO shown (team_id, channel_id, feedback_id, shown_at) "
                "SELECT %s, %s, unnest(%s::bigint[]), %s ON CONFLICT (team_id, channel_id, feedback_id) "
                "DO UPDATE SET shown_at = excluded.shown_at", (team_id, channel_id, list(ids), at))

    def shown_at(self, team_id: str) -> list[tuple[str, float]]:
        """(channel, moment) of each time quotes were shown in a workspace's channels."""
        return [(r[0], float(r[1])) for r in self.db.all(
            "SELECT DISTINCT channel_id, shown_at FROM shown WHERE team_id = %s "
            "ORDER BY channel_id, shown_at", (team_id,))]

    def hidden(self, team_id: str, channel_id: str, now: float | None = None,
               include_shown: bool = True) -> set[int]:
        """Quotes not to show here: marked not relevant (here, or in enough channels of this
        workspace), or shown lately.

        The quorum counts this workspace's channels only: another workspace's votes must not
        decide what this one sees (nor tell it, by what vanished, what the other voted on).
        """
        now = now or time.time()
        ids = {r[0] for r in self.db.all(
            "SELECT feedback_id FROM votes WHERE kind = 'not_relevant' AND team_id = %s AND channel_id = %s",
            (team_id, channel_id))}
        ids |= {r[0] for r in self.db.all(
            "SELECT feedback_id FROM votes WHERE kind = 'not_relevant' AND team_id = %s GROUP BY feedback_id "
            "HAVING count(DISTINCT channel_id) >= %s", (team_id, NOT_RELEVANT_QUORUM))}
        if include_shown:
            ids |= {r[0] for r in self.db.all(
                "SELECT feedback_id FROM shown WHERE team_id = %s AND channel_id = %s AND shown_at >= %s",
                (team_id, channel_id, now - SHOWN_FOR))}
        return ids

    def forget_team(self, team_id: str) -> dict[str, int]:
        """Delete what the bot remembers of a workspace's channels: their settings, recent
        messages, the quotes shown and the votes cast there. Rows deleted, by table."""
        if not team_id:
            raise ValueError("forget_team needs a workspace id")
        with self.db.transaction() as conn:
            # table names from a constant, not from input
            return {table: conn.execute(f"DELETE FROM {table} WHERE team_id = %s", (team_id,)).rowcount
                    for table in TEAM_TABLES}


def channel_of(row: Sequence[object]) -> Channel:
    shared = row[9]
    return Channel(*row[:8], bool(row[8]), None if shared is None else bool(shared),  # type: ignore[arg-type]
                   *row[10:])  # type: ignore[arg-type]
