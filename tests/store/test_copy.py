"""`empty-chair migrate-db`: SQLite to PostgreSQL and back, every table, resumable."""

from __future__ import annotations

from click.testing import CliRunner

from bot.cli import cli
from bot.digests.spec import parse_spec
from bot.ingest.importer import import_file
from bot.models import Due
from bot.search.quotes import search_quotes
from bot.store import connect
from bot.store.tables import TABLES

from ..conftest import SAMPLE
from .test_repositories import JAN


def _fill(path) -> dict[str, int]:
    store = connect(path)
    import_file(store, SAMPLE / "banking77.csv", source="banking-app")
    store.channels.update("T1", "C1", topic="cards")
    store.channels.remember_message("T1", "C1", "1.0", "U1", "our card", None)
    store.channels.mark_shown("T1", "C1", [1, 2], 10.0)
    store.clicks.record("T1", "C1", 3, "U1", "not_relevant", 11.0)
    store.decisions.record("T1", "C1", "2.0", "U1", "We decided", "Q?", [1], 12.0)
    store.events.seen("Ev1", 13.0)
    store.digests.set_schedule("T1", "C1", parse_spec("daily 08:30 UTC", "UTC"), "U1", 14.0, "E1")
    store.events.allow("T1", "U1", "add", 10, 3600.0, 16.0)
    store.quotes.add(("T1", "slack", "p1", "A private quote", None, None, None, None, (), "2025-01-01"),
                     origin_channel="C9", private=True)
    store.digests.claim(Due("T1", "C1", JAN), "A", 15.0, 60.0, "m", 3)
    try:
        import numpy
        store.vectors.add("m1", [1, 2], numpy.ones((2, 4), dtype=numpy.float32))
    except ImportError:
        pass
    counts = {table: store.tables.count(table) for table in TABLES}
    store.close()
    return counts


def test_sqlite_to_postgres_and_back_keeps_every_row(tmp_path, pg_url):
    source, back = tmp_path / "source.db", tmp_path / "back.db"
    counts = _fill(source)
    runner = CliRunner()
    there = runner.invoke(cli, ["migrate-db", str(source), pg_url])
    assert there.exit_code == 0, there.output
    assert f"feedback: {counts['feedback']} copied, {counts['feedback']} in source" in there.output
    assert len(there.output.splitlines()) == len(TABLES)
    again = runner.invoke(cli, ["migrate-db", str(source), pg_url, "--batch", "700"])
    assert again.exit_code == 0 and "feedback: 0 copied" in again.output  # resumable: nothing twice
    home = runner.invoke(cli, ["migrate-db", pg_url, str(back), "--batch", "999"])
    assert home.exit_code == 0, home.output
    for name in (pg_url, back):
        store = connect(name)
        assert {table: store.tables.count(table) for table in TABLES} == counts
        assert store.quotes.get(5).text == connect(source).quotes.get(5).text
        assert search_quotes(store, "my card has not arrived yet").found
        assert store.decisions.at("T1", "C1", "2.0").evidence == (1,)
        assert store.vectors.state()[1] == counts["quote_vectors"]
        private = counts["feedback"]
        assert store.quotes.get(private, "T1", "C9").text == "A private quote"
        assert store.quotes.get(private, "T1", "C1") is None
        assert store.digests.get_schedule("T1", "C1").enterprise_id == "E1"
        next_id = store.quotes.add(("", "new", "1", "A quote after the copy", None, None, None, None, (),
                                    "2025-01-01T00:00:00"))
        assert next_id == counts["feedback"] + 1  # ids continue after the copied ones
        store.close()


def test_a_missing_source_file_is_an_error(tmp_path):
    result = CliRunner().invoke(cli, ["migrate-db", str(tmp_path / "none.db"), str(tmp_path / "b.db")])
    assert result.exit_code != 0 and "no such database file" in result.output
