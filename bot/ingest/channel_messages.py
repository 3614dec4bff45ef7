"""Messages of a chat channel kept as quotes: saved once, changed when their author edits
them, gone when they delete them. Redacted like every import (see `redact`).

A message is known by its channel and its timestamp there (`message_key`), the same key a
message saved by hand carries, so an edit or a deletion finds every quote saved from it in
that workspace, and never the shared corpus.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ..store import Store
from .importer import add_quote
from .redact import redact


def message_key(channel_id: str, ts: str) -> str:
    return f"{channel_id}:{ts}"


def message_date(ts: str) -> str | None:
    """The day a message was written, from its epoch timestamp ("1700000000.000100")."""
    try:
        return datetime.fromtimestamp(float(ts), UTC).date().isoformat()
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def save_message(store: Store, text: str, source: str, *, team_id: str, channel_id: str, ts: str,
                 private: bool, url: str | None = None) -> int | None:
    """Store one message as a quote of `team_id`; its id, or None if it was saved before or has
    no words. A message of a `private` channel is shown in that channel only."""
    if not team_id:
        raise ValueError("a channel's message belongs to a workspace, not to the shared corpus")
    return add_quote(store, text, source, team_id=team_id, url=url, external_id=message_key(channel_id, ts),
                     created=message_date(ts), origin_channel=channel_id, private=private)


def edit_message(store: Store, team_id: str, channel_id: str, ts: str, text: str) -> int:
    """The message's new words replace its quotes' (redacted again); an edit that leaves no
    words removes them. How many quotes changed or went."""
    cleaned = redact(text.strip()) if text.strip() else ""
    if not cleaned:
        return remove_message(store, team_id, channel_id, ts)
    return store.quotes.edit_saved(team_id, channel_id, message_key(channel_id, ts), cleaned)


def remove_message(store: Store, team_id: str, channel_id: str, ts: str) -> int:
    """The message was deleted where it was written: its quotes go too."""
    return store.quotes.remove_saved(team_id, channel_id, message_key(channel_id, ts))
