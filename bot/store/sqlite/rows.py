"""Column encodings shared by the repositories (one place decodes the labels JSON)."""

from __future__ import annotations

import json


def labels_of(raw: str | None) -> tuple[str, ...]:
    """A quote's labels, stored as a JSON list (or NULL when it has none)."""
    return tuple(json.loads(raw)) if raw else ()


def labels_json(labels: list[str] | tuple[str, ...] | None) -> str | None:
    """Labels as stored: NULL when there are none, and non-ASCII kept as written (as every
    import so far has stored them, so old and new rows compare equal in SQL)."""
    return json.dumps(list(labels), ensure_ascii=False) if labels else None
