"""Shared fixtures: every test gets its own database and settings; nothing reads the
user's data/ folder, `.env`, or the network."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.ingest.importer import import_file
from bot.search import semantic
from bot.store import connect
from bot.voice import Voice

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"


SEMANTIC = load_settings(dotenv=False).semantic  # EMPTY_CHAIR_SEMANTIC as the test run was started


@pytest.fixture(autouse=True)
def semantic_switch():
    """Each test starts with search by meaning as the run asked for (CI runs the suite both
    ways), whatever an earlier test or a CLI invocation switched."""
    semantic.switch(SEMANTIC)
    yield
    semantic.switch(SEMANTIC)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """Point the default database at a temp dir and clear Slack settings."""
    monkeypatch.setenv("EMPTY_CHAIR_DB", str(tmp_path / "default.db"))
    # `empty-chair import` embeds when the semantic extra is installed: minutes for the
    # sample corpus. tests/test_semantic.py turns it back on for its small files.
    monkeypatch.setenv("EMPTY_CHAIR_EMBED_ON_IMPORT", "off")
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL",
                 "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "EMPTY_CHAIR_COOLDOWN_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "test.db"


@pytest.fixture
def conn(db_path):
    connection = connect(db_path)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def banking_db(tmp_path_factory) -> Path:
    """The whole bundled sample corpus, imported once for the tests that search it."""
    path = tmp_path_factory.mktemp("corpus") / "corpus.db"
    store = connect(path)
    import_file(store, SAMPLE / "banking77.csv", source="banking-app")
    import_file(store, SAMPLE / "cfpb_complaints.csv", source="cfpb-complaints")
    store.close()
    return path


@pytest.fixture
def corpus(banking_db):
    connection = connect(banking_db)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def voice() -> Voice:
    return Voice.load(ROOT / "prompts")


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path
