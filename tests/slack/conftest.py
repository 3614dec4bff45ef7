"""Fixtures for the Slack tests: a fake Slack, a slack_corpus, and the real bot serving HTTP.

Nothing here reaches the internet: the bot's SLACK_API_URL is the fake on 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import DEFAULT_PROMPTS, Settings
from bot.ingest.importer import import_file
from bot.slack.app import create_app
from bot.slack.server import HttpService, OutboxService, shutdown
from bot.store import connect

from .fake_slack import FakeSlack
from .helpers import SECRET, BotUnderTest

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _no_slack_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bolt also reads SLACK_* variables; a developer's real ones must not leak into tests."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "EMPTY_CHAIR_")):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake(fake_slack: FakeSlack) -> FakeSlack:
    fake_slack.reset()
    return fake_slack


@pytest.fixture(scope="session")
def slack_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with a few hundred real customer messages from two sources (see data/README.md)."""
    path = tmp_path_factory.mktemp("slack_corpus") / "slack_corpus.db"
    conn = connect(path)
    import_file(conn, DATA / "banking.csv", source="banking-app")
    import_file(conn, DATA / "complaints.csv", source="cfpb-complaints")
    conn.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


def settings_for(fake: FakeSlack, db_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "db_path": db_path, "prompts_dir": DEFAULT_PROMPTS, "slack_bot_token": "xoxb-test",
        "slack_signing_secret": SECRET, "slack_api_url": fake.url, "host": "127.0.0.1", "port": 0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def start_bot(fake: FakeSlack, slack_corpus: Path, tmp_path: Path,
              **overrides: object) -> tuple[BotUnderTest, HttpService]:
    """The bot serving HTTP; its outbox worker runs too (`BotUnderTest.outbox`: stop it with the
    server, or its retries land in later tests)."""
    db_path = tmp_path / "bot.db"
    shutil.copy(slack_corpus, db_path)
    settings = settings_for(fake, db_path, **overrides)
    app = create_app(settings)
    service = HttpService(app, "127.0.0.1", 0, backlog=app.chair.courier.backlog)
    service.start()
    outbox = OutboxService(app.chair)
    outbox.start()
    return BotUnderTest(service.url, fake, db_path, app, outbox=outbox), service


@pytest.fixture
def bot(fake: FakeSlack, slack_corpus: Path, tmp_path: Path) -> Iterator[BotUnderTest]:
    """The real bot, in HTTP mode on a free port, with a copy of the slack_corpus."""
    running, service = start_bot(fake, slack_corpus, tmp_path)
    yield running
    shutdown(running.app, [running.outbox, service], drain_seconds=15)
