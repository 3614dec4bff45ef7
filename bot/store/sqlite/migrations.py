"""Schema steps, applied in order and recorded in `PRAGMA user_version`.

A later release appends a step; it never edits one that has shipped, so an existing
database is brought forward without losing a row. Tables and indexes are declared with
sqlite-utils; the few statements it cannot express are written out, each saying why.
tests/store/test_migrations.py holds the DDL these steps first shipped as, and checks a
new database still gets exactly that schema.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

from ...errors import NewerSchema

if TYPE_CHECKING:
    from sqlite_utils import Database

Step = Callable[[sqlite3.Connection], None]


def _run(conn: sqlite3.Connection, script: str) -> None:
    """Run DDL statement by statement: `executescript` would commit our open transaction."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _db(conn: sqlite3.Connection) -> Database:
    """sqlite-utils over the migrating connection, inside its open transaction.

    No plugins and no `recursive_triggers` pragma: a migration must not change how the
    connection behaves afterwards. Imported here, not at the top: loading sqlite-utils
    takes over a tenth of a second of CPU, which every process opening the store would
    pay (the import's writer processes too), while only creating or upgrading a database
    needs it.
    """
    from sqlite_utils import Database

    return Database(conn, recursive_triggers=False, execute_plugins=False)


def m001_feedback(conn: sqlite3.Connection) -> None:
    """Quotes and their full-text index (porter stemming, so 'refunds' finds 'refund')."""
    db = _db(conn)
    db.create_table(
        "feedback",
        {"id": int, "team_id": str, "source": str, "external_id": str, "text": str, "created": str,
         "customer": str, "rating": float, "url": str, "labels": str, "imported_at": str},
        pk="id",
        not_null=["team_id", "source", "external_id", "text", "imported_at"],
        defaults={"team_id": ""},
    )
    db["feedback"].create_index(["team_id", "source", "external_id"], index_name="feedback_key",
                                unique=True)
    # Hand-written: sqlite-utils' enable_fts cannot say content_rowid='id', detail=column
    # or this tokenizer's options.
    conn.execute(
        """
        CREATE VIRTUAL TABLE feedback_fts USING fts5(
            text, content='feedback', content_rowid='id',
            tokenize='porter unicode61 remove_diacritics 2', detail=column
        )
        """
    )


def m002_meetings(conn: sqlite3.Connection) -> None:
    """What the bot remembers of the channels it sits in, and what it said there."""
    db = _db(conn)
    db.create_table(
        "channels",
        {"team_id": str, "channel_id": str, "mode": str, "cooldown_seconds": int, "topic": str,
         "purpose": str, "joined_at": float, "last_post_at": float, "active": int},
        pk=("team_id", "channel_id"),
        not_null=["team_id", "channel_id", "mode", "topic", "purpose", "active"],
        defaults={"mode": "active", "topic": "", "purpose": "", "active": 1},
    )
    db.create_table(
        "messages",
        {"team_id": str, "channel_id": str, "ts": str, "user_id": str, "text": str,
         "thread_ts": str},
        pk=("team_id", "channel_id", "ts"),
        not_null=["team_id", "channel_id", "ts", "text"],
    )
    db.create_table(
        "shown",
        {"team_id": str, "channel_id": str, "feedback_id": int, "shown_at": float},
        pk=("team_id", "channel_id", "feedback_id"),
        not_null=["team_id", "channel_id", "feedback_id", "shown_at"],
    )
    db.create_table(
        "votes",
        {"id": int, "team_id": str, "channel_id": str, "feedback_id": int, "user_id": str,
         "kind": str, "at": float},
        pk="id",
        not_null=["team_id", "channel_id", "feedback_id", "kind", "at"],
    )
    db["votes"].create_index(["feedback_id", "kind"], index_name="votes_feedback")
    # Hand-written: sqlite-utils' create_table has no table-level UNIQUE constraint, and a
    # separate unique index would be a different schema from the one shipped.
    _run(conn,
        """
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
        """
    )
    db.create_table(
        "events",
        {"event_id": str, "received_at": float},
        pk="event_id",
        not_null=["received_at"],
    )


def m003_corpus_stats(conn: sqlite3.Connection) -> None:
    """Document frequencies, refreshed after each import, so a query knows its rare words."""
    # Hand-written: sqlite-utils cannot create WITHOUT ROWID tables, nor a column with no
    # declared type (`value` keeps whatever type it is given).
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
    db = _db(conn)
    db.create_table(
        "digest_schedules",
        {"team_id": str, "channel_id": str, "cadence": str, "weekday": int, "hour": int,
         "minute": int, "tz": str, "enabled": int, "set_by": str, "set_at": float,
         "off_reason": str},
        pk=("team_id", "channel_id"),
        not_null=["team_id", "channel_id", "cadence", "hour", "minute", "tz", "enabled", "set_at"],
        defaults={"enabled": 1},
    )
    db.create_table(
        "digest_runs",
        {"team_id": str, "channel_id": str, "kind": str, "period_end": str, "period_start": str,
         "status": str, "late": int, "marker": str, "claimed_by": str, "first_claimed_at": float,
         "lease_until": float, "attempts": int, "ts": str, "details_ts": str, "chart": str,
         "note": str, "finished_at": float},
        pk=("team_id", "channel_id", "kind", "period_end"),
        not_null=["team_id", "channel_id", "kind", "period_end", "period_start", "status", "late",
                  "marker", "claimed_by", "first_claimed_at", "lease_until", "attempts"],
        defaults={"late": 0, "attempts": 1},
    )


def m005_quote_vectors(conn: sqlite3.Connection) -> None:
    """Sentence embeddings, one per quote, computed once (the optional `semantic` extra).

    `model` names the model that made the vector, so a new model re-embeds rather than
    comparing vectors from two different spaces. `vector_stats` holds how many there
    are, so a search process notices new ones without counting the table.
    """
    db = _db(conn)
    db.create_table(
        "quote_vectors",
        {"feedback_id": int, "model": str, "vector": bytes},
        pk="feedback_id",
        not_null=["model", "vector"],
    )
    # Hand-written: sqlite-utils cannot create WITHOUT ROWID tables.
    _run(
        conn,
        """
        CREATE TABLE vector_stats (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        """,
    )


def m006_rate_events(conn: sqlite3.Connection) -> None:
    """Recent uses of rate-limited commands (`/customer-voice add`), in the database so that
    every instance serving one workspace counts them together."""
    db = _db(conn)
    db.create_table(
        "rate_events",
        {"team_id": str, "user_id": str, "action": str, "at": float},
        not_null=["team_id", "user_id", "action", "at"],
    )
    db["rate_events"].create_index(["team_id", "user_id", "action", "at"], index_name="rate_events_key")


def m007_quote_origin(conn: sqlite3.Connection) -> None:
    """Where a quote added in Slack came from, and whether that channel is private: a quote
    saved in a private channel is shown in that channel only."""
    table = _db(conn)["feedback"]
    table.add_column("origin_channel", str)
    table.add_column("private", int, not_null_default=0)


def m008_schedule_enterprise(conn: sqlite3.Connection) -> None:
    """The Enterprise Grid organisation of a schedule's workspace: a Grid workspace's token is
    stored under its organisation, and the digest sender must find it."""
    _db(conn)["digest_schedules"].add_column("enterprise_id", str)


def m009_hands(conn: sqlite3.Connection) -> None:
    """The hands the customer raised (reactions on messages), what became of each (what the
    channel taught it), and each channel's hand settings."""
    db = _db(conn)
    db.create_table(
        "hands",
        {"id": int, "team_id": str, "channel_id": str, "ts": str, "theme": str, "topic": str,
         "words": str, "emoji": str, "raised_at": float, "state": str, "closed_at": float,
         "heard_by": str, "quote_ids": str},
        pk="id",
        not_null=["team_id", "channel_id", "ts", "theme", "topic", "words", "emoji", "raised_at", "state"],
    )
    db["hands"].create_index(["team_id", "channel_id", "raised_at"], index_name="hands_channel")
    db.create_table(
        "hand_settings",
        {"team_id": str, "channel_id": str, "enabled": int, "emoji": str},
        pk=("team_id", "channel_id"),
        not_null=["team_id", "channel_id", "enabled", "emoji"],
        defaults={"enabled": 1, "emoji": ""},
    )


def m010_channel_sharing(conn: sqlite3.Connection) -> None:
    """Slack Connect and source channels: whether a channel is shared with another organisation
    (NULL until the bot has asked Slack), with whom, which admin allowed quotes in it, and
    whether its members' messages are taken as quotes, under which source name."""
    table = _db(conn)["channels"]
    table.add_column("shared", int)
    table.add_column("shared_with", str, not_null_default="")
    table.add_column("shared_allowed_by", str)
    table.add_column("source", str)
    table.add_column("source_name", str, not_null_default="")


def m011_outbox(conn: sqlite3.Connection) -> None:
    """Posts the bot owes Slack, written before their first try (see `bot.outbox`)."""
    db = _db(conn)
    db.create_table(
        "outbox",
        {"id": int, "kind": str, "team_id": str, "method": str, "payload": str, "after": str,
         "created_at": float, "expires_at": float, "status": str, "attempts": int, "next_at": float,
         "claimed_by": str, "lease_until": float, "unknown": int, "first_try_at": float, "ts": str,
         "note": str, "finished_at": float},
        pk="id",
        not_null=["kind", "team_id", "method", "payload", "after", "created_at", "expires_at", "status",
                  "attempts", "next_at", "unknown"],
        defaults={"status": "pending", "attempts": 0, "unknown": 0, "after": "{}"},
    )
    db["outbox"].create_index(["status", "next_at"], index_name="outbox_due")


def m012_rating_scale(conn: sqlite3.Connection) -> None:
    """The scale a quote's rating was given on (stars5, nps10, csat2, ...; see `models.SCALES`),
    its rating then kept on the common 0..1 scale. Rows rated before keep their number and no
    scale, read as stars as they always were: no rewrite of a large table while it is locked."""
    _db(conn)["feedback"].add_column("rating_scale", str)


MIGRATIONS: list[Step] = [m001_feedback, m002_meetings, m003_corpus_stats, m004_digests,
                          m005_quote_vectors, m006_rate_events, m007_quote_origin, m008_schedule_enterprise,
                          m009_hands, m010_channel_sharing,
                          m011_outbox, m012_rating_scale]
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
