import sqlite3

import pytest
from sqlite_utils import Database

from bot.errors import NewerSchema
from bot.store import connect
from bot.store.sqlite.migrations import MIGRATIONS, SCHEMA_VERSION, migrate


def test_old_database_is_migrated_without_losing_rows(tmp_path):
    path = tmp_path / "old.db"
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("BEGIN")
    MIGRATIONS[0](raw)
    raw.execute("PRAGMA user_version = 1")
    raw.execute("COMMIT")
    raw.execute("INSERT INTO feedback (source, external_id, text, imported_at) "
                "VALUES ('s', '1', 'kept', 'now')")
    raw.close()
    conn = connect(path)
    assert conn.connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.connection.execute("SELECT text FROM feedback").fetchone()[0] == "kept"
    assert conn.connection.execute("SELECT count(*) FROM decisions").fetchone()[0] == 0


def test_newer_database_is_refused(tmp_path):
    conn = connect(tmp_path / "new.db")
    conn.connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(NewerSchema, match="upgrade"):
        migrate(conn.connection)


def test_wal_mode(conn):
    assert conn.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# The DDL of each step as it first shipped (hand-written SQL, run statement by statement).
# The steps now declare tables with sqlite-utils; a database they create, or bring forward
# from any earlier version, must have exactly this schema.
SHIPPED = [
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
    """,
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
    """,
    """
    CREATE TABLE term_df (term TEXT PRIMARY KEY, docs INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE corpus_stats (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
    """,
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
    """
    CREATE TABLE quote_vectors (
        feedback_id INTEGER PRIMARY KEY,
        model TEXT NOT NULL,
        vector BLOB NOT NULL
    );
    CREATE TABLE vector_stats (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    """,
    """
    CREATE TABLE rate_events (
        team_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        action TEXT NOT NULL,
        at REAL NOT NULL
    );
    CREATE INDEX rate_events_key ON rate_events(team_id, user_id, action, at);
    """,
    """
    ALTER TABLE feedback ADD COLUMN origin_channel TEXT;
    ALTER TABLE feedback ADD COLUMN private INTEGER NOT NULL DEFAULT 0;
    """,
    """
    ALTER TABLE digest_schedules ADD COLUMN enterprise_id TEXT;
    """,
    """
    CREATE TABLE hands (
        id INTEGER PRIMARY KEY,
        team_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        ts TEXT NOT NULL,
        theme TEXT NOT NULL,
        topic TEXT NOT NULL,
        words TEXT NOT NULL,
        emoji TEXT NOT NULL,
        raised_at REAL NOT NULL,
        state TEXT NOT NULL,
        closed_at REAL,
        heard_by TEXT,
        quote_ids TEXT
    );
    CREATE INDEX hands_channel ON hands(team_id, channel_id, raised_at);
    CREATE TABLE hand_settings (
        team_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        enabled INTEGER NOT NULL DEFAULT 1,
        emoji TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (team_id, channel_id)
    );
    """,
    """
    ALTER TABLE channels ADD COLUMN shared INTEGER;
    ALTER TABLE channels ADD COLUMN shared_with TEXT NOT NULL DEFAULT '';
    ALTER TABLE channels ADD COLUMN shared_allowed_by TEXT;
    ALTER TABLE channels ADD COLUMN source TEXT;
    ALTER TABLE channels ADD COLUMN source_name TEXT NOT NULL DEFAULT '';
    """,
    """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        team_id TEXT NOT NULL,
        method TEXT NOT NULL,
        payload TEXT NOT NULL,
        after TEXT NOT NULL DEFAULT '{}',
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at REAL NOT NULL,
        claimed_by TEXT,
        lease_until REAL,
        unknown INTEGER NOT NULL DEFAULT 0,
        first_try_at REAL,
        ts TEXT,
        note TEXT,
        finished_at REAL
    );
    CREATE INDEX outbox_due ON outbox(status, next_at);
    """,
    """
    ALTER TABLE feedback ADD COLUMN rating_scale TEXT;
    """,
]


def shipped_database(path, version):
    """A database as the shipped steps left it at `version`."""
    raw = sqlite3.connect(path, isolation_level=None)
    for script in SHIPPED[:version]:
        for statement in script.split(";"):
            if statement.strip():
                raw.execute(statement)
    raw.execute(f"PRAGMA user_version = {version}")
    raw.close()
    return path


def schema(path):
    """Every object in sqlite_master, described through sqlite-utils' introspection.

    The text of sqlite_master.sql differs where sqlite-utils wrote the statement (quoting,
    layout); what it declares must not. A virtual table's options (content table, tokenizer,
    detail) exist only in its sql, so that is compared, whitespace aside.
    """
    db = Database(path)
    objects = {(row[0], row[1], row[2]) for row in
               db.execute("SELECT type, name, tbl_name FROM sqlite_master")}
    tables = {}
    for name in db.table_names():
        table = db[name]
        sql = " ".join(table.schema.split())
        tables[name] = {
            "columns": table.columns,
            "pks": table.pks,
            "indexes": table.indexes,
            "xindexes": table.xindexes,
            "foreign_keys": table.foreign_keys,
            "triggers": table.triggers,
            "strict": table.strict,
            "without_rowid": sql.upper().endswith("WITHOUT ROWID"),
            "virtual": table.virtual_table_using,
            "virtual_sql": sql if table.virtual_table_using else None,
        }
    version = db.execute("PRAGMA user_version").fetchone()[0]
    db.close()
    return {"objects": objects, "tables": tables, "version": version}


def test_new_database_has_the_shipped_schema(tmp_path):
    connect(tmp_path / "new.db").close()
    reference = schema(shipped_database(tmp_path / "shipped.db", SCHEMA_VERSION))
    assert len(SHIPPED) == SCHEMA_VERSION == len(MIGRATIONS)
    assert schema(tmp_path / "new.db") == reference
    assert "feedback_fts" in reference["tables"] and "decisions" in reference["tables"]


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION + 1))
def test_shipped_database_migrates_to_the_shipped_schema(tmp_path, version):
    connect(shipped_database(tmp_path / "old.db", version)).close()
    reference = schema(shipped_database(tmp_path / "shipped.db", SCHEMA_VERSION))
    assert schema(tmp_path / "old.db") == reference
