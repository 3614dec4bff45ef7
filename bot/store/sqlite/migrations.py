"""Schema steps, applied in order and recorded in `PRAGMA user_version`.

A later release appends a step; it never edits one that has shipped, so an existing
database is brought forward without losing a row.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from ...errors import NewerSchema

Step = Callable[[sqlite3.Connection], None]


def _run(conn: sqlite3.Connection, script: str) -> None:
    """Run DDL statement by statement: `executescript` would commit our open transaction."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def m001_feedback(conn: sqlite3.Connection) -> None:
    """Quotes and their full-text index (porter stemming, so 'refunds' finds 'refund')."""
    _run(conn,
        """
        CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL,
            external_id TEXT NOT NULL,
            text TEXT NOT NULL,
            created TEXT,
            customer TEXT,
            rating REAL,
            url TEXT,
            labels TEXT,
            imported_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX feedback_key ON feedback(team_id, source, external_id);
        CREATE VIRTUAL TABLE feedback_fts USING fts5(
            text, content='feedback', content_rowid='id',
            tokenize='porter unicode61 remove_diacritics 2', detail=column
        );
        """
    )


def m002_meetings(conn: sqlite3.Connection) -> None:
    """What the bot remembers of the channels it sits in, and what it said there."""
    _run(conn,
        """
        CREATE TABLE channels (
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            mode TEXT NOT NULL DEFAULT 'active',
            cooldown_seconds INTEGER,
            topic TEXT NOT NULL DEFAULT '',
            purpose TEXT NOT NULL DEFAULT '',
            joined_at REAL,
            last_post_at REAL,
            active INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (team_id, channel_id)
        );
        CREATE TABLE messages (
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            ts TEXT NOT NULL,
            user_id TEXT,
            text TEXT NOT NULL,
            thread_ts TEXT,
            PRIMARY KEY (team_id, channel_id, ts)
        );
        CREATE TABLE shown (
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            feedback_id INTEGER NOT NULL,
            shown_at REAL NOT NULL,
            PRIMARY KEY (team_id, channel_id, feedback_id)
        );
        CREATE TABLE votes (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            feedback_id INTEGER NOT NULL,
            user_id TEXT,
            kind TEXT NOT NULL,
            at REAL NOT NULL
        );
        CREATE INDEX votes_feedback ON votes(feedback_id, kind);
        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            ts TEXT NOT NULL,
            user_id TEXT,
            text TEXT NOT NULL,
            question TEXT NOT NULL,
            evidence TEXT NOT NULL,
            created_at REAL NOT NULL,
            answer TEXT,
            answered_by TEXT,
            answered_at REAL,
            UNIQUE (team_id, channel_id, ts)
        );
        CREATE TABLE events (
            event_id TEXT PRIMARY KEY,
            received_at REAL NOT NULL
        );
        """
    )


def m003_corpus_stats(conn: sqlite3.Connection) -> None:
    """Document frequencies, refreshed after each import, so a query knows its rare words."""
    _run(
        conn,
        """
        CREATE TABLE term_df (term TEXT PRIMARY KEY, docs INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE corpus_stats (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
        """,
    )


def m004_digests(conn: sqlite3.Connection) -> None:
    """Scheduled digests: one schedule per channel, and one row per (channel, kind, period) sent.

    `digest_runs` is the exactly-once ledger: a row is claimed before anything is posted,
    and records the posted message's ts afterwards (see `bot.digests.ledger`).
    """
    _run(
        conn,
        """
        CREATE TABLE digest_schedules (
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            cadence TEXT NOT NULL,
            weekday INTEGER,
            hour INTEGER NOT NULL,
            minute INTEGER NOT NULL,
            tz TEXT NOT NULL,
            enabled INTEGER NOT NULL DEFAULT 1,
            set_by TEXT,
            set_at REAL NOT NULL,
            off_reason TEXT,
            PRIMARY KEY (team_id, channel_id)
        );
        CREATE TABLE digest_runs (
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            period_end TEXT NOT NULL,
            period_start TEXT NOT NULL,
            status TEXT NOT NULL,
            late INTEGER NOT NULL DEFAULT 0,
            marker TEXT NOT NULL,
            claimed_by TEXT NOT NULL,
            first_claimed_at REAL NOT NULL,
            lease_until REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 1,
            ts TEXT,
            details_ts TEXT,
            chart TEXT,
            note TEXT,
            finished_at REAL,
            PRIMARY KEY (team_id, channel_id, kind, period_end)
        );
        """,
    )


def m005_quote_vectors(conn: sqlite3.Connection) -> None:
    """Sentence embeddings, one per quote, computed once (the optional `semantic` extra).

    `model` names the model that made the vector, so a new model re-embeds rather than
    comparing vectors from two different spaces. `vector_stats` holds how many there
    are, so a search process notices new ones without counting the table.
    """
    _run(
        conn,
        """
        CREATE TABLE quote_vectors (
            feedback_id INTEGER PRIMARY KEY,
            model TEXT NOT NULL,
            vector BLOB NOT NULL
        );
        CREATE TABLE vector_stats (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        """,
    )


MIGRATIONS: list[Step] = [m001_feedback, m002_meetings, m003_corpus_stats, m004_digests,
                          m005_quote_vectors]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the steps this database has not seen yet, each in its own transaction."""
    while True:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise NewerSchema(
                f"database schema is version {version}, this release knows up to "
                f"{SCHEMA_VERSION}; upgrade empty-chair before using this database"
            )
        if version == SCHEMA_VERSION:
            return version
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the write lock.
            if conn.execute("PRAGMA user_version").fetchone()[0] == version:
                MIGRATIONS[version](conn)
                conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
