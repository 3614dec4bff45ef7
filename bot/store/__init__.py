"""The one room that speaks SQL: every read and write of the bot's data goes through here.

`connect()` opens a database and returns a `Store` (the interface in `base.py`) whose
repositories (`quotes`, `themes`, `vectors`, `channels`, `clicks`, `decisions`,
`digests`, `events`) take and return the plain records of `bot.models`. Nothing outside
this package writes SQL or knows which database is behind it.
"""

from __future__ import annotations

from pathlib import Path

from .base import Store


def connect(target: str | Path) -> Store:
    """Open (creating and migrating as needed) the database at `target`: a file path or ':memory:'."""
    from .sqlite import SqliteStore

    return SqliteStore(target)


__all__ = ["Store", "connect"]
