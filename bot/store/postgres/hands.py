"""The hands the customer raised (reactions on messages), what became of each, and each
channel's hand settings; replicas agree on a channel's hands through a lock per channel."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ...models import Hand, HandSettings
from .connection import Connections
from .rows import text as clean

COLUMNS = ("id, team_id, channel_id, ts, theme, topic, words, emoji, raised_at, state, closed_at, "
           "heard_by, quote_ids")
TEACHING = ("heard", "declined", "ignored")


class PostgresHands:
    def __init__(self, db: Connections) -> None:
        self.db = db

    def raise_hand(self, team_id: str, channel_id: str, ts: str, theme: str, topic: str,
                   words: Sequence[str], emoji: str, now: float, cooldown: float,
                   window: float) -> Hand | None:
        """Record a hand on message `ts` unless the channel's rules refuse it (see base.py). The
        check and the insert run under a transaction lock on the channel, so of two replicas
        raising a hand in one channel at once, the second sees the first's."""
        with self.db.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"hands:{team_id}:{channel_id}",))
            busy = conn.execute(
                "SELECT 1 FROM hands WHERE team_id = %s AND channel_id = %s AND state <> 'withdrawn' "
                "AND (state = 'open' OR raised_at > %s OR (theme = %s AND raised_at > %s)) LIMIT 1",
                (team_id, channel_id, now - cooldown, theme, now - window)).fetchone()
            if busy:
                return None
            row = conn.execute(
                "INSERT INTO hands (team_id, channel_id, ts, theme, topic, words, emoji, raised_at, state) "
                f"VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'open') RETURNING {COLUMNS}",
                (team_id, channel_id, ts, clean(theme), clean(topic), clean(" ".join(words)), emoji,
                 now)).fetchone()
        return _hand(row)

    def recent(self, team_id: str, channel_id: str, since: float) -> list[Hand]:
        """The channel's hands raised at or after `since`, and every hand still open; newest first."""
        rows = self.db.all(
            f"SELECT {COLUMNS} FROM hands WHERE team_id = %s AND channel_id = %s "
            "AND (raised_at >= %s OR state = 'open') ORDER BY raised_at DESC, id DESC",
            (team_id, channel_id, since))
        return [_hand(row) for row in rows]

    def at(self, team_id: str, channel_id: str, ts: str) -> Hand | None:
        """The open hand on message `ts`, if there is one."""
        row = self.db.one(
            f"SELECT {COLUMNS} FROM hands WHERE team_id = %s AND channel_id = %s AND ts = %s "
            "AND state = 'open' ORDER BY id DESC LIMIT 1", (team_id, channel_id, ts))
        return _hand(row) if row else None

    def stale(self, before: float, limit: int = 500) -> list[Hand]:
        """Open hands in every workspace raised at or before `before`, oldest first."""
        rows = self.db.all(f"SELECT {COLUMNS} FROM hands WHERE state = 'open' AND raised_at <= %s "
                           "ORDER BY raised_at, id LIMIT %s", (before, limit))
        return [_hand(row) for row in rows]

    def close(self, hand_id: int, state: str, now: float, from_states: Sequence[str] = ("open",),
              heard_by: str | None = None, quote_ids: Sequence[int] | None = None) -> bool:
        """Move a hand to `state` if it is in one of `from_states`; True if it moved."""
        return self.db.run(
            "UPDATE hands SET state = %s, closed_at = %s, heard_by = coalesce(%s, heard_by), "
            "quote_ids = coalesce(%s, quote_ids) WHERE id = %s AND state = ANY(%s)",
            (state, now, heard_by, None if quote_ids is None else json.dumps(list(quote_ids)), hand_id,
             list(from_states))) > 0

    def showing(self, team_id: str, channel_id: str, quote_id: int, since: float) -> Hand | None:
        """The latest hand heard here since `since` whose answer showed `quote_id`."""
        rows = self.db.all(
            f"SELECT {COLUMNS} FROM hands WHERE team_id = %s AND channel_id = %s AND state = 'heard' "
            "AND closed_at >= %s AND quote_ids IS NOT NULL ORDER BY closed_at DESC, id DESC",
            (team_id, channel_id, since))
        return next((hand for hand in map(_hand, rows) if quote_id in hand.quote_ids), None)

    def outcomes(self, team_id: str, channel_id: str) -> list[Hand]:
        """The channel's hands that teach something (heard, declined, ignored), oldest first."""
        rows = self.db.all(
            f"SELECT {COLUMNS} FROM hands WHERE team_id = %s AND channel_id = %s AND state = ANY(%s) "
            "ORDER BY raised_at, id", (team_id, channel_id, list(TEACHING)))
        return [_hand(row) for row in rows]

    def forget_learning(self, team_id: str, channel_id: str) -> int:
        """Delete the channel's closed hands (what it has taught the customer); how many went."""
        return self.db.run("DELETE FROM hands WHERE team_id = %s AND channel_id = %s AND state <> 'open'",
                           (team_id, channel_id))

    def settings(self, team_id: str, channel_id: str) -> HandSettings:
        """Whether the customer may raise its hand here, and with which emoji (defaults if unset)."""
        row = self.db.one("SELECT enabled, emoji FROM hand_settings WHERE team_id = %s AND channel_id = %s",
                          (team_id, channel_id))
        return HandSettings(bool(row[0]), row[1]) if row else HandSettings()

    def set_settings(self, team_id: str, channel_id: str, enabled: bool | None = None,
                     emoji: str | None = None) -> HandSettings:
        """Change what is given, keep the rest; the settings as they now are."""
        row = self.db.one(
            "INSERT INTO hand_settings (team_id, channel_id, enabled, emoji) "
            "VALUES (%s, %s, coalesce(%s, 1), coalesce(%s, '')) ON CONFLICT (team_id, channel_id) DO UPDATE "
            "SET enabled = coalesce(%s, hand_settings.enabled), emoji = coalesce(%s, hand_settings.emoji) "
            "RETURNING enabled, emoji",
            (team_id, channel_id, _flag(enabled), emoji, _flag(enabled), emoji))
        return HandSettings(bool(row[0]), row[1])  # type: ignore[index]

    def forget_team(self, team_id: str) -> dict[str, int]:
        """Delete a workspace's hands and hand settings; rows deleted, by table."""
        if not team_id:
            raise ValueError("forget_team needs a workspace id")
        with self.db.transaction():
            return {table: self.db.run(f"DELETE FROM {table} WHERE team_id = %s", (team_id,))
                    for table in ("hands", "hand_settings")}


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _hand(row: Sequence[Any]) -> Hand:
    return Hand(row[0], row[1], row[2], row[3], row[4], row[5], tuple(row[6].split()), row[7], row[8],
                row[9], row[10], row[11], tuple(json.loads(row[12] or "[]")))
