import sqlite3

import pytest

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
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT text FROM feedback").fetchone()[0] == "kept"
    assert conn.execute("SELECT count(*) FROM decisions").fetchone()[0] == 0


def test_newer_database_is_refused(tmp_path):
    conn = connect(tmp_path / "new.db")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(NewerSchema, match="upgrade"):
        migrate(conn)


def test_wal_mode(conn):
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
