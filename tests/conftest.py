"""Shared fixtures: every test gets its own database and settings; nothing reads the
user's data/ folder, `.env`, or the network."""

from __future__ import annotations

import csv
import itertools
import os
import secrets
from collections.abc import Iterator
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
    """A SQLite store, for tests that look inside the file; the others take `store`."""
    connection = connect(db_path)
    yield connection
    connection.close()


# -- PostgreSQL: the storage tests run once per backend ------------------------------------------

PG_ADMIN = os.environ.get("EMPTY_CHAIR_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_SKIP = "no PostgreSQL server answers on 127.0.0.1:5432 (set EMPTY_CHAIR_TEST_PG to another URL)"
BACKENDS = ["sqlite", "postgres"]


class PgServer:
    """The test session's own databases on the server, dropped when the session ends."""

    def __init__(self, admin_url: str) -> None:
        import psycopg
        from psycopg.conninfo import make_conninfo

        self.admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
        self._make = make_conninfo
        self.admin_url = admin_url
        self.prefix = f"empty_chair_test_{secrets.token_hex(4)}"
        self.created: list[str] = []
        self._tests = itertools.count(1)

    def create(self, suffix: str = "") -> str:
        name = self.prefix + suffix
        self.admin.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self.url(name)

    def url(self, name: str, application: str = "empty-chair-test") -> str:
        """A URL of one of the session's databases. A distinct application name per test makes
        a distinct `store.key`, so no process-wide cache outlives a test's data."""
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{name}?application_name={application}"

    def fresh(self, name: str) -> str:
        """The database emptied of every row, under a URL no earlier test used."""
        import psycopg

        url = self.url(name, f"empty-chair-test-{next(self._tests)}")
        with psycopg.connect(url, autocommit=True) as conn:
            tables = [r[0] for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'schema_version'")]
            if tables:
                conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")
        return url

    def drop(self) -> None:
        for name in self.created:
            self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.close()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """This session's PostgreSQL databases, or a skip saying why there are none."""
    try:
        import psycopg
    except ImportError:
        pytest.skip("psycopg is not installed (pip install -e '.[postgres]')")
    try:
        server = PgServer(PG_ADMIN)
    except psycopg.OperationalError:
        pytest.skip(PG_SKIP)
    try:
        yield server
    finally:
        server.drop()


@pytest.fixture(scope="session")
def pg_database(pg_server) -> str:
    """The session's database for tests that start empty (its name, migrated once)."""
    url = pg_server.create()
    connect(url).close()
    return url.rsplit("/", 1)[1].split("?")[0]


@pytest.fixture
def pg_url(pg_server, pg_database) -> str:
    """An empty PostgreSQL database for one test."""
    return pg_server.fresh(pg_database)


@pytest.fixture(params=BACKENDS)
def target(request, db_path) -> str | Path:
    """Where a test's empty database is, once per backend: a SQLite file or a PostgreSQL URL."""
    if request.param == "postgres":
        return request.getfixturevalue("pg_url")
    return db_path


@pytest.fixture
def store(target):
    """An empty store, once per backend (ids `sqlite` and `postgres`)."""
    connection = connect(target)
    yield connection
    connection.close()


def _import_sample(target: str | Path) -> None:
    store = connect(target)
    import_file(store, SAMPLE / "banking77.csv", source="banking-app")
    import_file(store, SAMPLE / "cfpb_complaints.csv", source="cfpb-complaints")
    store.close()


@pytest.fixture(scope="session")
def banking_db(tmp_path_factory) -> Path:
    """The whole bundled sample corpus, imported once for the tests that search it."""
    path = tmp_path_factory.mktemp("corpus") / "corpus.db"
    _import_sample(path)
    return path


@pytest.fixture(scope="session")
def banking_pg(pg_server) -> str:
    """The sample corpus in the session's second PostgreSQL database."""
    url = pg_server.create("_corpus")
    _import_sample(url)
    return url


@pytest.fixture(params=BACKENDS)
def corpus(request):
    """The sample corpus, once per backend."""
    where = request.getfixturevalue("banking_pg" if request.param == "postgres" else "banking_db")
    connection = connect(where)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def voice() -> Voice:
    return Voice.load(ROOT / "prompts")


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


# -- the sample corpus with its shipped vectors: search by meaning without minutes of embedding

needs_meaning = pytest.mark.skipif(not (SEMANTIC and semantic.available()),
                                   reason="search by meaning is off or not installed")


def _with_vectors(path: Path, files: list[tuple[Path, str]]) -> Path:
    store = connect(path)
    try:
        for source_file, source in files:
            import_file(store, source_file, source=source)
        semantic.add_shipped(store, semantic.shipped_path(SAMPLE))
    finally:
        store.close()
    return path


@pytest.fixture(scope="session")
def meaning_db(tmp_path_factory) -> Path:
    """Both sample corpora, labelled, with their vectors."""
    files = [(SAMPLE / "banking77.csv", "banking-app"), (SAMPLE / "cfpb_complaints.csv", "cfpb")]
    return _with_vectors(tmp_path_factory.mktemp("meaning") / "corpus.db", files)


@pytest.fixture(scope="session")
def unlabelled_db(tmp_path_factory) -> Path:
    """The banking sample without its category column: themes must be found by clustering."""
    folder = tmp_path_factory.mktemp("unlabelled")
    plain = folder / "feedback.csv"
    with open(SAMPLE / "banking77.csv", newline="", encoding="utf-8") as source, \
            open(plain, "w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(["text"])
        writer.writerows([row["text"]] for row in csv.DictReader(source))
    return _with_vectors(folder / "corpus.db", [(plain, "app-reviews")])
