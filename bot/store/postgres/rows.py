"""Column encodings shared with the SQLite backend, plus PostgreSQL's one restriction."""

from __future__ import annotations

from ..sqlite.rows import labels_json, labels_of


def text(value: object) -> object:
    """A string PostgreSQL accepts: it stores no NUL character, which SQLite kept."""
    return value.replace("\x00", "") if isinstance(value, str) else value


__all__ = ["labels_json", "labels_of", "text"]
