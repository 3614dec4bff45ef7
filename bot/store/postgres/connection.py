"""PostgreSQL connections: a pool shared by the process's threads.

A statement outside a transaction borrows a pooled connection (autocommit) for just as
long as it runs, so a few connections serve many listener threads. Inside
`transaction()` the thread keeps one connection until the end, and every repository
method it calls joins that transaction, as SQLite's nested use does.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from ...errors import StoreUnavailable, StoreWriteFailed
from .migrations import migrate

# What the server says when the machine, not the SQL, is at fault.
WRITE_FAILURES = (psycopg.errors.DiskFull, psycopg.errors.ReadOnlySqlTransaction,
                  psycopg.errors.LockNotAvailable, psycopg.errors.OutOfMemory)


def _cause(err: Exception) -> str:
    if isinstance(err, psycopg.errors.DiskFull):
        return "the server's disk is full"
    if isinstance(err, psycopg.errors.ReadOnlySqlTransaction):
        return "the database is read-only (a standby, or default_transaction_read_only)"
    if isinstance(err, psycopg.errors.LockNotAvailable):
        return "the database is locked by another session"
    return "the server is out of memory"

POOL_MIN = 1
POOL_MAX = 10  # per process: a listener pool of about this many threads; the server's default allows 100
CONNECT_TIMEOUT = 10  # seconds to wait for a first connection before saying the database is down


def _configure(conn: psycopg.Connection) -> None:
    # A stopword-only query ("the") is ignored by PostgreSQL with a NOTICE; not worth a log line.
    conn.add_notice_handler(lambda diagnostic: None)


class Connections:
    """A pool over one database, migrated when first opened."""

    def __init__(self, url: str, min_size: int = POOL_MIN, max_size: int = POOL_MAX) -> None:
        self.url = url
        self._local = threading.local()
        self.pool = ConnectionPool(url, min_size=min_size, max_size=max_size, open=False,
                                   kwargs={"autocommit": True}, configure=_configure,
                                   name="empty-chair")
        try:
            self.pool.open(wait=True, timeout=CONNECT_TIMEOUT)
        except PoolTimeout:
            self.pool.close()
            raise StoreUnavailable(f"no PostgreSQL server answers at {_safe(url)}") from None
        try:
            with self.pool.connection() as conn:
                migrate(conn)
        except BaseException:
            self.pool.close()
            raise

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """This thread's transaction's connection, or a pooled one for one statement."""
        held = getattr(self._local, "conn", None)
        if held is not None:
            yield held
            return
        with self.pool.connection() as conn:
            yield conn

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
        """One transaction on one connection; nested use joins the outer one."""
        held = getattr(self._local, "conn", None)
        if held is not None:
            yield held
            return
        with self.pool.connection() as conn:
            self._local.conn = conn
            try:
                with conn.transaction():
                    yield conn
            except WRITE_FAILURES as err:
                raise StoreWriteFailed(f"{_safe(self.url)}: {_cause(err)} ({str(err).strip()}); the "
                                       "write in progress was undone, and what was stored before it "
                                       "is intact") from None
            finally:
                self._local.conn = None

    def run(self, sql: str, args: Sequence[Any] = ()) -> int:
        """A statement's row count."""
        with self.connection() as conn:
            return conn.execute(sql, args).rowcount

    def one(self, sql: str, args: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        with self.connection() as conn:
            return conn.execute(sql, args).fetchone()

    def all(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.connection() as conn:
            return conn.execute(sql, args).fetchall()

    def named(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows by column name, for the records built from many columns."""
        with self.connection() as conn:
            return conn.cursor(row_factory=dict_row).execute(sql, args).fetchall()

    def close(self) -> None:
        self.pool.close()


def _safe(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "the configured URL"
    return f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"
