"""Per-channel state: mode, cooldown, context, recent messages, and the quotes shown there.

Everything is keyed by workspace (`team_id`) so nothing of one workspace shows up in
another. Small single-row writes go through sqlite-utils; it nests inside a caller's
transaction with savepoints.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import sqlite_utils

from ...models import Channel, Message
from .connection import Connections

WINDOW_KEEP = 50  # messages kept per channel; the conversation window uses the newest few
SHOWN_FOR = 7 * 24 * 3600  # a quote shown in a channel is not shown there again for a week
NOT_RELEVANT_QUORUM = 3  # channels that must agree before a quote is hidden everywhere
MESSAGE_CHARS = 8000  # a longer message is kept cut: the topic is in its opening
SETTINGS = ("mode", "cooldown_seconds", "topic", "purpose", "joined_at", "last_post_at", "active",
            "shared", "shared_with", "shared_allowed_by", "source", "source_name")
TEAM_TABLES = ("channels", "messages", "shown", "votes")


class SqliteChannels:
    def __init__(self, db: Connections) -> None:
        self.db = db

    def _table(self, name: str) -> sqlite_utils.db.Table:
        return sqlite_utils.Database(self.db.current()).table(name)

    def ensure(self, team_id: str, channel_id: str, now: float | None = None) -> Channel:
        """The channel's row, created on first sight (the bot was invited, or heard a message)."""
        self._table("channels").insert(
            {"team_id": team_id, "channel_id": channel_id, "joined_at": now or time.time()}, ignore=True)
        return self.get(team_id, channel_id)  # type: ignore[return-value]

    def get(self, team_id: str, channel_id: str) -> Channel | None:
        row = self.db.current().execute(
            "SELECT * FROM channels WHERE team_id = ? AND channel_id = ?", (team_id, channel_id)).fetchone()
        if row is None:
            return None
        return Channel(row["team_id"], row["channel_id"], row["mode"], row["cooldown_seconds"],
                       row["topic"], row["purpose"], row["joined_at"], row["last_post_at"],
                       bool(row["active"]), None if row["shared"] is None else bool(row["shared"]),
                       row["shared_with"], row["shared_allowed_by"], row["source"], row["source_name"])

    def list(self, team_id: str) -> list[Channel]:
        """The workspace's channels the bot still sits in."""
        ids = [r[0] for r in self.db.current().execute(
            "SELECT channel_id FROM channels WHERE team_id = ? AND active = 1 ORDER BY channel_id",
            (team_id,))]
        return [c for c in (self.get(team_id, i) for i in ids) if c]

    def update(self, team_id: str, channel_id: str, **values: object) -> None:
        """Set a channel's settings (mode, cooldown_seconds, topic, purpose, active ...)."""
        unknown = set(values) - set(SETTINGS)
        if unknown:
            raise ValueError(f"unknown channel settings: {', '.join(sorted(unknown))}")
        self.ensure(team_id, channel_id)
        if values:
            self._table("channels").update((team_id, channel_id), values)

    def claim_post(self, team_id: str, channel_id: str, now: float, cooldown: float) -> bool:
        """Take the channel's turn to post unprompted: True, with `last_post_at` set to `now`, only
        if the cooldown has passed; of two processes deciding at once, one gets it."""
        return self.db.current().execute(
            "UPDATE channels SET last_post_at = ? WHERE team_id = ? AND channel_id = ? "
            "AND (last_post_at IS NULL OR ? - last_post_at >= ?)",
            (now, team_id, channel_id, now, cooldown)).rowcount > 0

    def remember_message(self, team_id: str, channel_id: str, ts: str, user_id: str | None, text: str,
                         thread_ts: str | None = None) -> None:
        """Keep the channel's recent conversation, from the events Slack sends (no polling)."""
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO messages (team_id, channel_id, ts, user_id, text, thread_ts) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (team_id, channel_id, ts, user_id, text[:MESSAGE_CHARS], thread_ts))
            conn.execute(
                "DELETE FROM messages WHERE team_id = ? AND channel_id = ? AND ts < ("
                "SELECT ts FROM messages WHERE team_id = ? AND channel_id = ? "
                "ORDER BY ts DESC LIMIT 1 OFFSET ?)",
                (team_id, channel_id, team_id, channel_id, WINDOW_KEEP - 1))

    def prune_messages(self, older_than: float) -> int:
        """Delete kept messages written before `older_than` (epoch seconds): the retention period.

        A scan of a small table (at most WINDOW_KEEP rows a channel), run every few minutes.
        """
        return self.db.current().execute(
            "DELETE FROM messages WHERE CAST(ts AS REAL) < ?", (older_than,)).rowcount

    def edit_message(self, team_id: str, channel_id: str, ts: str, text: str) -> None:
        self.db.current().execute(
            "UPDATE messages SET text = ? WHERE team_id = ? AND channel_id = ? AND ts = ?",
            (text[:MESSAGE_CHARS], team_id, channel_id, ts))

    def forget_message(self, team_id: str, channel_id: str, ts: str) -> None:
        self.db.current().execute(
            "DELETE FROM messages WHERE team_id = ? AND channel_id = ? AND ts = ?", (team_id, channel_id, ts))

    def message(self, team_id: str, channel_id: str, ts: str) -> Message | None:
        """A message the bot kept from its event, whole; None if it was not kept (a thread
        reply, a bot's, one past the window or the retention period) or was kept cut short."""
        row = self.db.current().execute(
            "SELECT * FROM messages WHERE team_id = ? AND channel_id = ? AND ts = ?",
            (team_id, channel_id, ts)).fetchone()
        if row is None or len(row["text"]) >= MESSAGE_CHARS:
            return None
        return Message(row["team_id"], row["channel_id"], row["ts"], row["user_id"], row["text"],
                       row["thread_ts"])

    def recent_messages(self, team_id: str, channel_id: str, count: int,
                        since_ts: float | None = None) -> list[str]:
        """The last `count` top-level messages, oldest first."""
        rows = self.db.current().execute(
            "SELECT text, ts FROM messages WHERE team_id = ? AND channel_id = ? "
            "AND (thread_ts IS NULL OR thread_ts = ts) ORDER BY ts DESC LIMIT ?",
            (team_id, channel_id, count)).fetchall()
        if since_ts is not None:
            rows = [r for r in rows if float(r["ts"]) >= since_ts]
        return [r["text"] for r in reversed(rows)]

    def mark_shown(self, team_id: str, channel_id: str, ids: Sequence[int], now: float | None = None) -> None:
        """Quotes just posted here, so the channel does not hear them again for a while."""
        at = now or time.time()
        self._table("shown").upsert_all(
            [{"team_id": team_id, "channel_id": channel_id, "feedback_id": i, "shown_at": at} for i in ids],
            pk=("team_id", "channel_id", "feedback_id"))

    def shown_at(self, team_id: str) -> list[tuple[str, float]]:
        """(channel, moment) of each time quotes were shown in a workspace's channels."""
        return [(r[0], float(r[1])) for r in self.db.current().execute(
            "SELECT DISTINCT channel_id, shown_at FROM shown WHERE team_id = ? ORDER BY channel_id, shown_at",
            (team_id,))]

    def hidden(self, team_id: str, channel_id: str, now: float | None = None,
               include_shown: bool = True) -> set[int]:
        """Quotes not to show here: marked not relevant (here, or in enough channels of this
        workspace), or shown lately.

        The quorum counts this workspace's channels only: another workspace's votes must not
        decide what this one sees (nor tell it, by what vanished, what the other voted on).
        """
        now = now or time.time()
        conn = self.db.current()
        ids = {r[0] for r in conn.execute(
            "SELECT feedback_id FROM votes WHERE kind = 'not_relevant' AND team_id = ? AND channel_id = ?",
            (team_id, channel_id))}
        ids |= {r[0] for r in conn.execute(
            "SELECT feedback_id FROM votes WHERE kind = 'not_relevant' AND team_id = ? GROUP BY feedback_id "
            "HAVING count(DISTINCT channel_id) >= ?", (team_id, NOT_RELEVANT_QUORUM))}
        if include_shown:
            ids |= {r[0] for r in conn.execute(
                "SELECT feedback_id FROM shown WHERE team_id = ? AND channel_id = ? AND shown_at >= ?",
                (team_id, channel_id, now - SHOWN_FOR))}
        return ids

    def forget_team(self, team_id: str) -> dict[str, int]:
        """Delete what the bot remembers of a workspace's channels: their settings, recent
        messages, the quotes shown and the votes cast there. Rows deleted, by table."""
        if not team_id:
            raise ValueError("forget_team needs a workspace id")
        with self.db.transaction() as conn:
            return {table: conn.execute(f"DELETE FROM {table} WHERE team_id = ?", (team_id,)).rowcount
                    for table in TEAM_TABLES}
