"""Where installed workspaces' tokens are kept (OAuth mode): below both the app, which hands
them to Bolt's install flow, and the digest sender and the command line, which read them
without building an app."""

from __future__ import annotations

from pathlib import Path

from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore

from ..config import DEFAULT_DB, Settings
from ..store.sqlite.installations import oauth_stores

STATE_SECONDS = 600  # an install link stays valid this long


def installations_path(db_path: Path | str) -> Path:
    """Installed workspaces' tokens live next to the database, in their own file.

    With a PostgreSQL URL there is no file to sit next to: the tokens stay on this machine,
    in data/, which is why several replicas need a single bot token or a shared store
    (docs/deploy.md).
    """
    if isinstance(db_path, str):
        return DEFAULT_DB.with_name("empty_chair-installations.db")
    return db_path.with_name(f"{db_path.stem}-installations.db")


def installation_store(settings: Settings, db_path: Path | str) -> SQLite3InstallationStore:
    """Where installed workspaces' tokens are kept (OAuth mode), tables created up front."""
    store, _ = oauth_stores(installations_path(db_path), settings.slack_client_id, STATE_SECONDS)
    return store
