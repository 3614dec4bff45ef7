"""The one room that speaks SQL: every read and write of the bot's data goes through here.

`connect()` opens a database and returns a `Store` (the interface in `base.py`) whose
repositories (`quotes`, `themes`, `vectors`, `channels`, `clicks`, `decisions`,
`digests`, `events`, `hands`) take and return the plain records of `bot.models`. Nothing outside
this package writes SQL or knows which database is behind it.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import StoreUnavailable
from .base import Store

URL_SCHEMES = ("postgresql://", "postgres://")


def is_url(target: str | Path | None) -> bool:
    """Whether `target` names a database server (a `postgresql://` URL) rather than a file."""
    return isinstance(target, str) and target.startswith(URL_SCHEMES)


def connect(target: str | Path) -> Store:
    """Open (creating and migrating as needed) the database at `target`: a `postgresql://` URL,
    a SQLite file path, or ':memory:'.

    The PostgreSQL driver is imported only here, so SQLite users need not install it.
    """
    if is_url(target):
        try:
            from .postgres import PostgresStore
        except ImportError as err:
            raise StoreUnavailable(
                f"{err.name} is not installed; install the PostgreSQL extra: "
                "pip install 'empty-chair[postgres]'") from None
        return PostgresStore(str(target))
    from .sqlite import SqliteStore

    return SqliteStore(target)


__all__ = ["Store", "connect", "is_url"]
