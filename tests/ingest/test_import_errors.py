"""Import errors a person can act on (issue #17, item 2): the database refusing a write, and
hostile files. One line naming the database or the file (and the line or record), no
traceback, nothing half-written, the good rows kept, and the next run completes."""

from __future__ import annotations

import gzip
import json
import os
import random
import sqlite3

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.ingest.importer import import_file
from bot.store import connect
from bot.store.sqlite import connection as sqlite_connection

DEEP = 100_000


def quotes(db) -> list[str]:
    with sqlite3.connect(db) as raw:
        return [r[0] for r in raw.execute("SELECT text FROM feedback ORDER BY id")]


def integrity(db) -> str:
    with sqlite3.connect(db) as raw:
        raw.execute("INSERT INTO feedback_fts(feedback_fts) VALUES('integrity-check')")
        return raw.execute("PRAGMA integrity_check").fetchone()[0]


def many_rows(path, n=3000):
    path.write_text("id,text\n" + "".join(f"{i},customer {i} says the card took weeks to arrive\n"
                                          for i in range(n)))
    return path


def with_pragma(monkeypatch, *pragmas: str) -> None:
    """Every new connection of the store gets these pragmas (a small disk, a read-only file)."""
    real = sqlite_connection.open_connection

    def opened(path: str) -> sqlite3.Connection:
        conn = real(path)
        for pragma in pragmas:
            conn.execute(pragma)
        return conn

    monkeypatch.setattr(sqlite_connection, "open_connection", opened)


def run(*args: str):
    return CliRunner().invoke(cli, ["import", *args])


def test_full_disk_is_one_line_exit_2_and_the_next_run_completes(tmp_path, monkeypatch):
    db = tmp_path / "full.db"
    connect(db).close()
    with sqlite3.connect(db) as raw:
        pages = raw.execute("PRAGMA page_count").fetchone()[0]
    path = many_rows(tmp_path / "big.csv")
    with monkeypatch.context() as patch:
        with_pragma(patch, f"PRAGMA max_page_count = {pages + 20}")
        out = run(str(path), "--db", str(db))
    assert out.exit_code == 2
    assert "Traceback" not in out.output and isinstance(out.exception, SystemExit)
    error = [line for line in out.output.splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and str(db) in error[0] and "disk is full" in error[0]
    assert quotes(db) == [] and integrity(db) == "ok"
    out = run(str(path), "--db", str(db))
    assert out.exit_code == 0, out.output
    assert len(quotes(db)) == 3000 and integrity(db) == "ok"


def test_full_disk_mid_import_keeps_the_batches_before_it(tmp_path):
    db = tmp_path / "mid.db"
    store = connect(db)
    pages = store.connection.execute("PRAGMA page_count").fetchone()[0]
    store.connection.execute(f"PRAGMA max_page_count = {pages + 60}")
    path = many_rows(tmp_path / "big.csv", 6000)
    with pytest.raises(Exception, match="disk is full") as caught:
        import_file(store, path, batch_size=500, parallel=False)
    assert str(db) in str(caught.value)
    kept = len(quotes(db))
    assert 0 < kept < 6000 and kept % 500 == 0 and integrity(db) == "ok"
    store.connection.execute("PRAGMA max_page_count = 1073741823")
    assert import_file(store, path, batch_size=500, parallel=False).added == 6000 - kept


def test_read_only_database_is_one_line_exit_2(tmp_path, monkeypatch):
    db = tmp_path / "ro.db"
    connect(db).close()
    with_pragma(monkeypatch, "PRAGMA query_only = ON")
    out = run(str(many_rows(tmp_path / "x.csv", 10)), "--db", str(db))
    assert out.exit_code == 2
    assert f"Error: {db}: the database is read-only" in out.output and "Traceback" not in out.output


def test_locked_database_is_one_line_exit_2(tmp_path, monkeypatch):
    db = tmp_path / "locked.db"
    connect(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with monkeypatch.context() as patch:
            with_pragma(patch, "PRAGMA busy_timeout = 50")
            out = run(str(many_rows(tmp_path / "x.csv", 10)), "--db", str(db))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert out.exit_code == 2
    assert f"Error: {db}: the database is locked" in out.output
    assert run(str(tmp_path / "x.csv"), "--db", str(db)).exit_code == 0
    assert len(quotes(db)) == 10


@pytest.mark.parametrize("kind", ["random", "gzip"])
def test_binary_files_are_named_not_read_as_a_header(tmp_path, kind):
    path = tmp_path / "export.csv"
    data = random.Random(7).randbytes(20_000)
    path.write_bytes(gzip.compress(b"id,text\n1,hello\n") if kind == "gzip" else data)
    out = run(str(path), "--db", str(tmp_path / "d.db"))
    assert out.exit_code == 1
    assert f"{path}: not a text file" in out.output and "no text column" not in out.output
    assert ("gzip" in out.output) == (kind == "gzip")


@pytest.mark.parametrize("encoding,bom", [("utf-16-le", b""), ("utf-16-be", b""), ("utf-16-le", b"\xff\xfe"),
                                          ("utf-16-be", b"\xfe\xff"), ("utf-8", b"\xef\xbb\xbf")])
def test_utf16_and_boms_read_as_text(conn, tmp_path, encoding, bom):
    path = tmp_path / "reviews.csv"
    text = ("Review ID,Review Text\r\nr1,L'appli plante à l'ouverture\r\n"
            "r2,Très lent depuis la mise à jour\r\n")
    path.write_bytes(bom + text.encode(encoding))
    report = import_file(conn, path)
    assert (report.added, report.bad) == (2, [])
    assert quotes(conn.path) == ["L'appli plante à l'ouverture", "Très lent depuis la mise à jour"]


def test_deeply_nested_record_is_that_records_error_the_rest_land(conn, tmp_path):
    deep = "[" * DEEP + "]" * DEEP
    path = tmp_path / "mixed.json"
    path.write_text('{"tickets": [\n{"id": 1, "description": "first good"},\n'
                    f'{{"id": 2, "description": {deep}}},\n'
                    '{"id": 3, "description": "last good"}\n]}\n')
    report = import_file(conn, path)
    assert report.added == 2
    assert [(b.line, "nested too deeply" in b.reason) for b in report.bad] == [(3, True)]
    assert str(report.bad[0]).startswith(f"{path}:3:")
    lines = tmp_path / "mixed.jsonl"
    nested = '{"a": ' * DEEP + "1" + "}" * DEEP
    lines.write_text('{"text": "good one"}\n' + nested + '\n{"text": "good two"}\n')
    report = import_file(conn, lines)
    assert report.added == 2 and [b.line for b in report.bad] == [2]


def test_a_file_that_is_one_deep_value_is_one_error_not_a_traceback(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"a": ' * DEEP + "1" + "}" * DEEP)
    out = run(str(path), "--db", str(tmp_path / "d.db"))
    assert out.exit_code == 1 and f"{path}:1: nested too deeply" in out.output
    assert not isinstance(out.exception, RecursionError)


def test_lone_surrogates_are_repaired_and_good_rows_land(conn, tmp_path):
    path = tmp_path / "s.json"
    path.write_text('[{"id": 1, "text": "broken \\ud800 emoji"}, {"id": 2, "text": "fine \\ud83d\\ude00"},'
                    ' {"id": 3, "text": "also fine", "tags": ["x\\udfff"]}]')
    report = import_file(conn, path)
    assert (report.added, report.bad) == (3, [])
    assert quotes(conn.path) == ["broken \ufffd emoji", "fine \U0001f600", "also fine"]
    lines = tmp_path / "s.jsonl"
    lines.write_text('{"text": "lone \\udc00 here"}\n{"text": "clean"}\n')
    assert import_file(conn, lines).added == 2


def test_reader_errors_name_the_file_and_line(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('[{"text": "one"},\n{"text": "two"},\n{"text": "thr')
    out = run(str(path), "--db", str(tmp_path / "d.db"))
    assert out.exit_code == 1 and f"{path}:3: invalid JSON" in out.output
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    out = run(str(empty), "--db", str(tmp_path / "d.db"))
    assert out.exit_code == 1 and f"{empty}: the file is empty" in out.output
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text('{"meta": {"count": 1},\n "tickets": [\n  {"id": 1, "text": "fine"}\n  {"id": 2}]}')
    out = run(str(wrapped), "--db", str(tmp_path / "d.db"))
    assert out.exit_code == 1 and f"{wrapped}:" in out.output and "Traceback" not in out.output


def test_no_text_column_lists_a_few_names_not_the_whole_file(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(500)) + "\n" + ",".join("1" for _ in range(500)) + "\n")
    out = run(str(path), "--db", str(tmp_path / "d.db"))
    assert out.exit_code == 1 and str(path) in out.output and "'c19', ..." in out.output
    assert len(out.output) < 600


def test_json_envelope_with_side_lists_takes_the_records(conn, tmp_path):
    path = tmp_path / "side.json"
    path.write_text(json.dumps({"users": [{"id": 9, "name": "Agent"}],
                                "tickets": [{"id": 1, "subject": "Late", "description": "Card is late"}],
                                "count": 1}))
    import_file(conn, path)
    assert quotes(conn.path) == ["Late. Card is late"]
    assert os.path.exists(conn.path)


def test_bad_bytes_past_the_sampled_head_are_one_bad_row(conn, tmp_path):
    path = tmp_path / "late.csv"
    with open(path, "wb") as handle:
        handle.write(b"id,text\n")
        for i in range(900):
            handle.write(f"{i},{'long words about fees ' * 80}\n".encode())
        handle.write(b"900,caf\xe9 in latin-1\n901,fine\n")
    report = import_file(conn, path)
    assert report.added == 901 and [str(b) for b in report.bad] == [f"{path}:902: bad encoding (not UTF-8)"]


@pytest.mark.parametrize("content, kept", [
    ("[", 0),
    ('[{"text": "my card never came"}', 1),
    ('[{"text": "my card never came"},', 1),
    ('{"tickets": [{"description": "my card never came"},', 1),
    ('{"a":', 0),
])
def test_a_json_file_cut_short_keeps_what_came_before_and_says_so(tmp_path, content, kept):
    path = tmp_path / "cut.json"
    path.write_text(content)
    db = tmp_path / "cut.db"
    out = run(str(path), "--db", str(db), "--no-embed")
    assert out.exit_code == 1, out.output
    assert out.exception is None or isinstance(out.exception, SystemExit), out.exception
    assert str(path) in out.output
    assert "cut short" in out.output or "never closed" in out.output
    assert len(quotes(db)) == kept if db.exists() else kept == 0


def test_a_semicolon_separated_export_is_read_by_its_own_separator(conn, db_path, tmp_path):
    # Excel writes CSV with semicolons where the comma is the decimal mark (most of Europe).
    path = tmp_path / "export.csv"
    path.write_bytes("\ufeffid;text;date;rating\n"
                     '1;"Meine Karte ist nicht angekommen, bitte helfen";14.03.2024;2\n'
                     "2;App stürzt beim Login ab;15.03.2024;1\n".encode())
    report = import_file(conn, path)
    assert report.added == 2 and not report.bad
    assert quotes(db_path) == ["Meine Karte ist nicht angekommen, bitte helfen", "App stürzt beim Login ab"]
