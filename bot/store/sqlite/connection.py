"""SQLite connections: one per thread, tuned for one writer and many readers (WAL).

SQLite connections must not be shared between threads without a lock, and Bolt runs
listeners on a pool of threads, so each thread opens its own connection on first use.
An in-memory database exists only inside its one connection, so that one is shared.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ...errors import StoreWriteFailed
from .migrations import migrate

# What SQLite says when the machine, not the SQL, is at fault, and what to tell a person.
WRITE_FAILURES = (
    ("database or disk is full", "the disk is full (or the database reached its size limit)"),
    ("readonly database", "the database is read-only (file or disk permissions)"),
    ("database is locked", "the database is locked: another process kept writing for 30 s"),
    ("disk i/o error", "the disk reported an input/output error"),
    ("unable to open database file", "the database file cannot be opened for writing"),
)

MEMORY = ":memory:"
PRIVATE = 0o600  # read and written by the bot's own user only


def create_private(path: str | Path) -> bool:
    """Create the file at `path` readable by its owner only, if it does not exist; True if created.

    SQLite would create it with the process's umask (often world-readable), and its -wal and
    -shm files copy the database file's mode, so creating the file first covers all three.
    An empty file is an empty SQLite database.
    """
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    except FileExistsError:
        return False
    return True


def open_connection(path: str) -> sqlite3.Connection:
    """A new connection in autocommit mode (transactions are explicit), WAL on files."""
    if path != MEMORY:
        create_private(path)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    if path != MEMORY:
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA cache_size=-65536")
    conn.execute("PRAGMA temp_store=MEMORY")
    return conn


class Connections:
    """This thread's connection to one database file, opened (and migrated) on first use."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._shared = open_connection(path) if path == MEMORY else None
        migrate(self._shared or self.current())

    def current(self) -> sqlite3.Connection:
        if self._shared is not None:
            return self._shared
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = open_connection(self.path)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (taken at once, so two writers never deadlock on upgrade).

        Nested use joins the outer transaction, so a repository method can be called
        both alone and inside a caller's larger unit of work.
        """
        conn = self.current()
        if conn.in_transaction:
            yield conn
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # a full disk may have rolled it back already
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as err:
            raise self.write_failure(err) from None

    def write_failure(self, err: sqlite3.OperationalError) -> Exception:
        """A clear error naming the database and the cause, where the machine is at fault."""
        text = str(err).lower()
        for needle, cause in WRITE_FAILURES:
            if needle in text:
                return StoreWriteFailed(f"{self.path}: {cause} ({err}); the write in progress was "
                                        "undone, and what was stored before it is intact")
        return err

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns + ([self._shared] if self._shared else []):
            conn.close()
        self._local = threading.local()
