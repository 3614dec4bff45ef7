"""The hands the customer raised (reactions on messages), what became of each, and each
channel's hand settings."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from ...models import Hand, HandSettings
from .connection import Connections

TEACHING = ("heard", "declined", "ignored")


class SqliteHands:
    def __init__(self, db: Connections) -> None:
        self.db = db

    def raise_hand(self, team_id: str, channel_id: str, ts: str, theme: str, topic: str,
                   words: Sequence[str], emoji: str, now: float, cooldown: float,
                   window: float) -> Hand | None:
        """Record a hand on message `ts` unless the channel's rules refuse it (see base.py), in
        one write transaction taken at once, so two instances never both raise."""
        with self.db.transaction() as conn:
            busy = conn.execute(
                "SELECT 1 FROM hands WHERE team_id = ? AND channel_id = ? AND state <> 'withdrawn' "
                "AND (state = 'open' OR raised_at > ? OR (theme = ? AND raised_at > ?)) LIMIT 1",
                (team_id, channel_id, now - cooldown, theme, now - window)).fetchone()
            if busy:
                return None
            cursor = conn.execute(
                "INSERT INTO hands (team_id, channel_id, ts, theme, topic, words, emoji, raised_at, "
                "state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open')",
                (team_id, channel_id, ts, theme, topic, " ".join(words), emoji, now))
            row = conn.execute("SELECT * FROM hands WHERE id = ?", (cursor.lastrowid,)).fetchone()
        return _hand(row)

    def recent(self, team_id: str, channel_id: str, since: float) -> list[Hand]:
        """The channel's hands raised at or after `since`, and every hand still open; newest first."""
        rows = self.db.current().execute(
            "SELECT * FROM hands WHERE team_id = ? AND channel_id = ? AND (raised_at >= ? OR state = 'open') "
            "ORDER BY raised_at DESC, id DESC", (team_id, channel_id, since))
        return [_hand(row) for row in rows]

    def at(self, team_id: str, channel_id: str, ts: str) -> Hand | None:
        """The open hand on message `ts`, if there is one."""
        row = self.db.current().execute(
            "SELECT * FROM hands WHERE team_id = ? AND channel_id = ? AND ts = ? AND state = 'open' "
            "ORDER BY id DESC LIMIT 1", (team_id, channel_id, ts)).fetchone()
        return _hand(row) if row else None

    def stale(self, before: float, limit: int = 500) -> list[Hand]:
        """Open hands in every workspace raised at or before `before`, oldest first."""
        rows = self.db.current().execute(
            "SELECT * FROM hands WHERE state = 'open' AND raised_at <= ? ORDER BY raised_at, id LIMIT ?",
            (before, limit))
        return [_hand(row) for row in rows]

    def close(self, hand_id: int, state: str, now: float, from_states: Sequence[str] = ("open",),
              heard_by: str | None = None, quote_ids: Sequence[int] | None = None) -> bool:
        """Move a hand to `state` if it is in one of `from_states`; True if it moved."""
        marks = ", ".join("?" * len(from_states))
        cursor = self.db.current().execute(
            "UPDATE hands SET state = ?, closed_at = ?, heard_by = coalesce(?, heard_by), "
            f"quote_ids = coalesce(?, quote_ids) WHERE id = ? AND state IN ({marks})",
            (state, now, heard_by, None if quote_ids is None else json.dumps(list(quote_ids)), hand_id,
             *from_states))
        return cursor.rowcount > 0

    def showing(self, team_id: str, channel_id: str, quote_id: int, since: float) -> Hand | None:
        """The latest hand heard here since `since` whose answer showed `quote_id`."""
        rows = self.db.current().execute(
            "SELECT * FROM hands WHERE team_id = ? AND channel_id = ? AND state = 'heard' "
            "AND closed_at >= ? AND quote_ids IS NOT NULL ORDER BY closed_at DESC, id DESC",
            (team_id, channel_id, since))
        return next((hand for hand in map(_hand, rows) if quote_id in hand.quote_ids), None)

    def outcomes(self, team_id: str, channel_id: str) -> list[Hand]:
        """The channel's hands that teach something (heard, declined, ignored), oldest first."""
        rows = self.db.current().execute(
            "SELECT * FROM hands WHERE team_id = ? AND channel_id = ? AND state IN (?, ?, ?) "
            "ORDER BY raised_at, id", (team_id, channel_id, *TEACHING))
        return [_hand(row) for row in rows]

    def forget_learning(self, team_id: str, channel_id: str) -> int:
        """Delete the channel's closed hands (what it has taught the customer); how many went."""
        return self.db.current().execute(
            "DELETE FROM hands WHERE team_id = ? AND channel_id = ? AND state <> 'open'",
            (team_id, channel_id)).rowcount

    def settings(self, team_id: str, channel_id: str) -> HandSettings:
        """Whether the customer may raise its hand here, and with which emoji (defaults if unset)."""
        row = self.db.current().execute(
            "SELECT enabled, emoji FROM hand_settings WHERE team_id = ? AND channel_id = ?",
            (team_id, channel_id)).fetchone()
        return HandSettings(bool(row["enabled"]), row["emoji"]) if row else HandSettings()

    def set_settings(self, team_id: str, channel_id: str, enabled: bool | None = None,
                     emoji: str | None = None) -> HandSettings:
        """Change what is given, keep the rest; the settings as they now are."""
        with self.db.transaction() as conn:
            current = self.settings(team_id, channel_id)
            new = HandSettings(current.enabled if enabled is None else enabled,
                               current.emoji if emoji is None else emoji)
            conn.execute("INSERT INTO hand_settings (team_id, channel_id, enabled, emoji) "
                         "VALUES (?, ?, ?, ?) ON CONFLICT (team_id, channel_id) DO UPDATE "
                         "SET enabled = excluded.enabled, emoji = excluded.emoji",
                         (team_id, channel_id, int(new.enabled), new.emoji))
        return new

    def forget_team(self, team_id: str) -> dict[str, int]:
        """Delete a workspace's hands and hand settings; rows deleted, by table."""
        if not team_id:
            raise ValueError("forget_team needs a workspace id")
        with self.db.transaction() as conn:
            return {table: conn.execute(f"DELETE FROM {table} WHERE team_id = ?", (team_id,)).rowcount
                    for table in ("hands", "hand_settings")}


def _hand(row: sqlite3.Row) -> Hand:
    return Hand(row["id"], row["team_id"], row["channel_id"], row["ts"], row["theme"], row["topic"],
                tuple(row["words"].split()), row["emoji"], row["raised_at"], row["state"],
                row["closed_at"], row["heard_by"], tuple(json.loads(row["quote_ids"] or "[]")))
