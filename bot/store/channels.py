"""What the bot remembers per channel: mode, cooldown, context, recent messages,
which quotes it showed, and the clicks on them. Everything is keyed by workspace
(`team_id`) so nothing of one workspace shows up in another."""

from __future__ import annotations

import sqlite3
import time

from ..models import Channel

WINDOW_KEEP = 50  # messages kept per channel; the conversation window uses the newest few
SHOWN_FOR = 7 * 24 * 3600  # a quote shown in a channel is not shown there again for a week
NOT_RELEVANT_QUORUM = 3  # channels that must agree before a quote is hidden everywhere


def ensure_channel(conn: sqlite3.Connection, team_id: str, channel_id: str,
                   now: float | None = None) -> Channel:
    conn.execute(
        "INSERT INTO channels (team_id, channel_id, joined_at) VALUES (?, ?, ?) "
        "ON CONFLICT (team_id, channel_id) DO NOTHING",
        (team_id, channel_id, now or time.time()))
    return get_channel(conn, team_id, channel_id)  # type: ignore[return-value]


def get_channel(conn: sqlite3.Connection, team_id: str, channel_id: str) -> Channel | None:
    row = conn.execute("SELECT * FROM channels WHERE team_id = ? AND channel_id = ?",
                       (team_id, channel_id)).fetchone()
    if row is None:
        return None
    return Channel(row["team_id"], row["channel_id"], row["mode"], row["cooldown_seconds"],
                   row["topic"], row["purpose"], row["joined_at"], row["last_post_at"],
                   bool(row["active"]))


def list_channels(conn: sqlite3.Connection, team_id: str) -> list[Channel]:
    ids = [r[0] for r in conn.execute(
        "SELECT channel_id FROM channels WHERE team_id = ? AND active = 1 ORDER BY channel_id",
        (team_id,))]
    return [c for c in (get_channel(conn, team_id, i) for i in ids) if c]


def update_channel(conn: sqlite3.Connection, team_id: str, channel_id: str, **values: object) -> None:
    """Set columns of a channel's row (mode, cooldown_seconds, topic, purpose, active ...)."""
    ensure_channel(conn, team_id, channel_id)
    allowed = {"mode", "cooldown_seconds", "topic", "purpose", "joined_at", "last_post_at", "active"}
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"unknown channel settings: {', '.join(sorted(unknown))}")
    assignments = ", ".join(f"{key} = ?" for key in values)
    conn.execute(f"UPDATE channels SET {assignments} WHERE team_id = ? AND channel_id = ?",
                 (*values.values(), team_id, channel_id))


def remember_message(conn: sqlite3.Connection, team_id: str, channel_id: str, ts: str,
                     user_id: str | None, text: str, thread_ts: str | None = None) -> None:
    """Keep the channel's recent conversation, from the events Slack sends (no polling)."""
    conn.execute(
        "INSERT OR REPLACE INTO messages (team_id, channel_id, ts, user_id, text, thread_ts) "
        "VALUES (?, ?, ?, ?, ?, ?)", (team_id, channel_id, ts, user_id, text[:8000], thread_ts))
    conn.execute(
        "DELETE FROM messages WHERE team_id = ? AND channel_id = ? AND ts < ("
        "SELECT ts FROM messages WHERE team_id = ? AND channel_id = ? "
        "ORDER BY ts DESC LIMIT 1 OFFSET ?)",
        (team_id, channel_id, team_id, channel_id, WINDOW_KEEP - 1))


def edit_message(conn: sqlite3.Connection, team_id: str, channel_id: str, ts: str, text: str) -> None:
    conn.execute("UPDATE messages SET text = ? WHERE team_id = ? AND channel_id = ? AND ts = ?",
                 (text[:8000], team_id, channel_id, ts))


def forget_message(conn: sqlite3.Connection, team_id: str, channel_id: str, ts: str) -> None:
    conn.execute("DELETE FROM messages WHERE team_id = ? AND channel_id = ? AND ts = ?",
                 (team_id, channel_id, ts))


def recent_messages(conn: sqlite3.Connection, team_id: str, channel_id: str, count: int,
                    since_ts: float | None = None) -> list[str]:
    """The last `count` top-level messages, oldest first."""
    rows = conn.execute(
        "SELECT text, ts FROM messages WHERE team_id = ? AND channel_id = ? "
        "AND (thread_ts IS NULL OR thread_ts = ts) ORDER BY ts DESC LIMIT ?",
        (team_id, channel_id, count)).fetchall()
    if since_ts is not None:
        rows = [r for r in rows if float(r["ts"]) >= since_ts]
    return [r["text"] for r in reversed(rows)]


def mark_shown(conn: sqlite3.Connection, team_id: str, channel_id: str, ids: list[int],
               now: float | None = None) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO shown (team_id, channel_id, feedback_id, shown_at) VALUES (?, ?, ?, ?)",
        [(team_id, channel_id, i, now or time.time()) for i in ids])


def hidden_ids(conn: sqlite3.Connection, team_id: str, channel_id: str,
               now: float | None = None, include_shown: bool = True) -> set[int]:
    """Quotes not to show here: marked not relevant (here, or in enough channels), or shown lately."""
    now = now or time.time()
    ids = {r[0] for r in conn.execute(
        "SELECT feedback_id FROM votes WHERE kind = 'not_relevant' AND team_id = ? AND channel_id = ?",
        (team_id, channel_id))}
    ids |= {r[0] for r in conn.execute(
        "SELECT feedback_id FROM votes WHERE kind = 'not_relevant' GROUP BY feedback_id "
        "HAVING count(DISTINCT team_id || '/' || channel_id) >= ?", (NOT_RELEVANT_QUORUM,))}
    if include_shown:
        ids |= {r[0] for r in conn.execute(
            "SELECT feedback_id FROM shown WHERE team_id = ? AND channel_id = ? AND shown_at >= ?",
            (team_id, channel_id, now - SHOWN_FOR))}
    return ids


def forget_team(conn: sqlite3.Connection, team_id: str) -> None:
    """Drop what the bot remembers of a workspace's channels (the app was uninstalled),
    digest schedules included.

    Its decisions, any quotes saved from it and the digests sent stay: they are the team's record.
    """
    if not team_id:
        raise ValueError("forget_team needs a workspace id")
    conn.execute("BEGIN IMMEDIATE")
    try:
        for table in ("channels", "messages", "shown", "votes", "digest_schedules"):
            conn.execute(f"DELETE FROM {table} WHERE team_id = ?", (team_id,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
