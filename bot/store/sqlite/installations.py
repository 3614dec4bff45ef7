"""Installed workspaces and OAuth install states, kept by slack_sdk's SQLite stores.

They live in their own file next to the database, so tokens sit apart from quotes. The file
is readable by the bot's user only (0600; an existing file that others could read is
tightened, with a warning), and uses WAL, so reading a workspace's token never waits on an
install being written.

slack_sdk's state store keeps every state it ever issued, and anyone on the internet can open
/slack/install: each visit would add a row for good. Here issuing a state first deletes the
expired ones and refuses (`TooManyStates`) once `max_states` are live, in one write
transaction, so the table stays small whatever the traffic. States are never logged.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore
from slack_sdk.oauth.state_store.sqlite3 import SQLite3OAuthStateStore

from .connection import PRIVATE, create_private

MAX_STATES = 1000  # install links open at once; a real install takes one for a few minutes
BUSY_SECONDS = 10.0

log = logging.getLogger(__name__)


class TooManyStates(Exception):
    "Too many install links are open at once; no new one is issued until some expire"


class BoundedStateStore(SQLite3OAuthStateStore):
    """slack_sdk's SQLite state store, purged on every issue and capped at `max_states`."""

    def __init__(self, *, database: str, expiration_seconds: int, max_states: int = MAX_STATES,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(database=database, expiration_seconds=expiration_seconds)
        self.max_states = max_states
        self.clock = clock

    def connect(self) -> sqlite3.Connection:
        if not self.init_called:
            self.init()
        return sqlite3.connect(self.database, timeout=BUSY_SECONDS, isolation_level=None)

    def issue(self, *args: object, **kwargs: object) -> str:
        state = str(uuid.uuid4())
        now = self.clock()
        conn = self.connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM oauth_states WHERE expire_at <= ?", (now,))
            live = conn.execute("SELECT count(*) FROM oauth_states").fetchone()[0]
            if live >= self.max_states:
                conn.execute("COMMIT")  # the purge stands
                raise TooManyStates(f"{live} install links are open")
            conn.execute("INSERT INTO oauth_states (state, expire_at) VALUES (?, ?)",
                         (state, now + self.expiration_seconds))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()
        return state

    def consume(self, state: str) -> bool:
        """True once for a state issued here and not yet expired; it is deleted."""
        try:
            conn = self.connect()
            try:
                return conn.execute("DELETE FROM oauth_states WHERE state = ? AND expire_at > ?",
                                    (state, self.clock())).rowcount > 0
            finally:
                conn.close()
        except sqlite3.Error as err:
            self.logger.warning("could not check an install link's state (%s)", err)
            return False

    def live(self) -> int:
        """How many states are open (issued, not expired, not used)."""
        conn = self.connect()
        try:
            return int(conn.execute("SELECT count(*) FROM oauth_states WHERE expire_at > ?",
                                    (self.clock(),)).fetchone()[0])
        finally:
            conn.close()


def oauth_stores(path: Path, client_id: str, state_seconds: int,
                 max_states: int = MAX_STATES) -> tuple[SQLite3InstallationStore, BoundedStateStore]:
    """The installation store and the state store, sharing one file at `path`, tables created now
    (not in two request threads at once)."""
    if not create_private(path):
        _tighten(path)
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()
    installations = SQLite3InstallationStore(database=str(path), client_id=client_id)
    installations.init()
    states = BoundedStateStore(database=str(path), expiration_seconds=state_seconds, max_states=max_states)
    states.init()
    return installations, states


def _tighten(path: Path) -> None:
    """Make an existing tokens file (and its -wal, -shm) private to the bot's user."""
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            mode = stat.S_IMODE(each.stat().st_mode)
            if mode & 0o077:
                os.chmod(each, PRIVATE)
                log.warning("%s was readable by other users (mode %o); made it private (600): it holds "
                            "workspace tokens", each, mode)
        except FileNotFoundError:
            continue
        except OSError as err:
            log.warning("%s holds workspace tokens and may be readable by other users; could not make it "
                        "private (%s)", each, err)
