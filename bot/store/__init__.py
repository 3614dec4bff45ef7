"""Opening the SQLite database the whole bot lives in."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from .migrations import migrate

if TYPE_CHECKING:
    from ..search.lexical import Quote

FEEDBACK = "feedback"
FEEDBACK_FTS = "feedback_fts"


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection tuned for one writer and many readers (WAL), migrated to this release."""
    path = str(path)
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    if path != ":memory:":
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA cache_size=-65536")
    conn.execute("PRAGMA temp_store=MEMORY")
    migrate(conn)
    return conn


def open_db(path: str | Path) -> sqlite_utils.Database:
    """The database as a `sqlite_utils.Database`, for code that likes its table helpers."""
    return sqlite_utils.Database(connect(path))


def feedback_count(conn: sqlite3.Connection, team_id: str = "") -> int:
    """How many quotes a workspace can draw on (its own plus the shared corpus)."""
    return conn.execute(
        "SELECT count(*) FROM feedback WHERE team_id IN ('', ?)", (team_id,)
    ).fetchone()[0]


def seen_event(conn: sqlite3.Connection, event_id: str, now: float | None = None) -> bool:
    """Record an event id; True if it was recorded before (a Slack retry), so it is not handled twice."""
    if not event_id:
        return False
    cursor = conn.execute("INSERT OR IGNORE INTO events (event_id, received_at) VALUES (?, ?)",
                          (event_id, now or time.time()))
    return cursor.rowcount == 0


def prune_events(conn: sqlite3.Connection, older_than: float) -> int:
    """Forget event ids older than Slack's retry window; returns how many went."""
    return conn.execute("DELETE FROM events WHERE received_at < ?", (older_than,)).rowcount


def source_summary(conn: sqlite3.Connection, team_id: str = "") -> list[tuple[str, int, str | None]]:
    """Each source a workspace can draw on: its name, how many quotes, the newest date.

    Largest first; the date is the newest `created` (None when a source has no dates).
    """
    rows = conn.execute(
        "SELECT source, count(*), max(created) FROM feedback WHERE team_id IN ('', ?) "
        "GROUP BY source ORDER BY count(*) DESC, source", (team_id,)).fetchall()
    return [(row[0], row[1], row[2]) for row in rows]


def get_quote(conn: sqlite3.Connection, feedback_id: int, team_id: str = "") -> Quote | None:
    """One stored quote, if this workspace may see it (its own or the shared corpus)."""
    from ..search.lexical import Quote  # here, not at the top: the store stays the bottom layer

    row = conn.execute(
        "SELECT id, text, source, created, url, labels, external_id FROM feedback "
        "WHERE id = ? AND team_id IN ('', ?)", (feedback_id, team_id)).fetchone()
    if row is None:
        return None
    labels = tuple(json.loads(row["labels"])) if row["labels"] else ()
    return Quote(row["id"], row["text"], row["source"], row["created"], 0.0, row["url"], labels,
                 row["external_id"])
