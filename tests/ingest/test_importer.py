import json
import os
import signal
import subprocess
import sys
import time

import pytest

from bot.errors import BadImportFile
from bot.ingest.importer import import_file
from bot.store import connect

from ..conftest import ROOT, SAMPLE, write_csv


def count(store, table="feedback"):
    return store.connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_import_csv_detects_usual_columns(conn, tmp_path):
    path = write_csv(tmp_path / "tickets.csv", [
        ["Ticket ID", "Created At", "Category", "Body"],
        ["t1", "2024-03-01", "billing", "I was charged twice for my subscription"],
        ["t2", "2024/03/02", "login", "Cannot log in since the update"],
    ])
    report = import_file(conn, path)
    assert (report.added, report.unchanged, report.bad) == (2, 0, [])
    assert report.columns.text == "Body" and report.columns.id == "Ticket ID"
    row = conn.connection.execute("SELECT * FROM feedback WHERE external_id = 't2'").fetchone()
    assert row["created"] == "2024-03-02"
    assert json.loads(row["labels"]) == ["login"]
    assert row["source"].endswith("/tickets")


def test_reimport_adds_nothing(conn):
    first = import_file(conn, SAMPLE / "cfpb_complaints.csv")
    second = import_file(conn, SAMPLE / "cfpb_complaints.csv")
    assert first.added == 1532
    assert (second.added, second.unchanged) == (0, 1532)
    assert count(conn) == 1532


def test_reimport_without_ids_uses_content_hash(conn, tmp_path):
    path = write_csv(tmp_path / "reviews.csv", [["review"], ["Love it"], ["Too slow"], ["Love it"]])
    assert import_file(conn, path).added == 2  # the same words twice are one quote
    assert import_file(conn, path).added == 0


def test_import_json_and_jsonl(conn, tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"data": [
        {"id": 1, "comment": "Dark mode please", "tags": ["ui", "theme"], "rating": 4},
        {"id": 2, "comment": "Exports time out", "tags": "export;performance"},
    ]}))
    (tmp_path / "b.jsonl").write_text(
        '{"id": "x", "feedback": "Refund took 3 weeks", "timestamp": 1700000000}\n\n'
        '{"id": "y", "feedback": "Great support"}\n')
    assert import_file(conn, tmp_path / "a.json").added == 2
    assert import_file(conn, tmp_path / "b.jsonl").added == 2
    labels = conn.connection.execute("SELECT labels FROM feedback WHERE external_id = '2'").fetchone()[0]
    assert json.loads(labels) == ["export", "performance"]
    assert conn.connection.execute("SELECT rating, rating_scale FROM feedback WHERE external_id = '1'"
                                   ).fetchone()[:] == (0.75, "stars5")  # 4 stars of 1..5
    created = conn.connection.execute("SELECT created FROM feedback WHERE external_id = 'x'").fetchone()[0]
    assert created.startswith("2023-11-14")


def test_bad_rows_reported_with_line_and_good_rows_land(conn, tmp_path):
    path = tmp_path / "messy.csv"
    path.write_bytes(
        b"id,date,text\n"
        b"1,2024-01-01,fine row\n"
        b"2,2024-01-02,\n"                      # line 3: no text
        b"3,not a date,the date is wrong\n"     # line 4: unparseable date
        b'4,2024-01-04,"broken quote here\n'     # line 5: quote never closed
        b"5,2024-01-05,good after the break\n"
        b"6,2024-01-06,caf\xe9 in latin-1\n"    # line 7: bad encoding
        b'7,2024-01-07,"multi\nline, fine"\n'   # lines 8-9: a legit multi-line field
        b"8,2024-01-08,last good row\n"
    )
    report = import_file(conn, path)
    reasons = {bad.line: bad.reason for bad in report.bad}
    assert set(reasons) == {3, 4, 5, 7}
    assert "no text" in reasons[3]
    assert "date" in reasons[4]
    assert "quot" in reasons[5]
    assert "encoding" in reasons[7]
    assert report.added == 4
    texts = {r[0] for r in conn.connection.execute("SELECT text FROM feedback")}
    assert texts == {"fine row", "good after the break", "multi\nline, fine", "last good row"}
    assert str(report.bad[0]).startswith(f"{path}:3:")


def test_unknown_text_column_is_a_clear_error(conn, tmp_path):
    path = write_csv(tmp_path / "x.csv", [["a", "b"], ["1", "2"]])
    with pytest.raises(BadImportFile, match="no text column.*--text-column"):
        import_file(conn, path)
    with pytest.raises(BadImportFile, match="'nope' is not a column"):
        import_file(conn, path, text_column="nope")


def test_invalid_json_reports_line(conn, tmp_path):
    (tmp_path / "bad.jsonl").write_text('{"text": "ok"}\n{"text": broken}\n{"text": "also ok"}\n')
    report = import_file(conn, tmp_path / "bad.jsonl")
    assert report.added == 2 and [b.line for b in report.bad] == [2]


def test_redaction_happens_before_storage_and_index(conn, tmp_path):
    path = write_csv(tmp_path / "pii.csv", [
        ["text"], ["I am jane@example.com, call 555-123-4567, card 4111 1111 1111 1111"]])
    import_file(conn, path)
    stored = conn.connection.execute("SELECT text FROM feedback").fetchone()[0]
    assert "jane@" not in stored and "4567" not in stored and "4111" not in stored
    hits = conn.connection.execute(
        "SELECT count(*) FROM feedback_fts WHERE feedback_fts MATCH 'jane'").fetchone()[0]
    assert hits == 0


def test_failed_batch_leaves_database_consistent_and_rerun_completes(conn, tmp_path, monkeypatch):
    rows = [["id", "text"]] + [[str(i), f"quote number {i} about fees"] for i in range(250)]
    path = write_csv(tmp_path / "many.csv", rows)
    calls = {"n": 0}
    real = conn.quotes.add_many

    def flaky(batch):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(batch)

    monkeypatch.setattr(conn.quotes, "add_many", flaky)
    with pytest.raises(KeyboardInterrupt):
        import_file(conn, path, batch_size=100, parallel=False)
    assert count(conn) == 200
    assert count(conn, "feedback_fts") == 200
    monkeypatch.setattr(conn.quotes, "add_many", real)
    report = import_file(conn, path, batch_size=100)
    assert (report.added, report.unchanged) == (50, 200)
    assert count(conn) == 250


def test_killed_import_leaves_consistent_database(tmp_path):
    """A real SIGKILL in the middle of a large import: the database opens, index matches."""
    path = tmp_path / "big.csv"
    with open(path, "w") as handle:
        handle.write("id,text\n")
        for i in range(120_000):
            handle.write(f"{i},customer complaint {i} about card delivery taking weeks\n")
    db = tmp_path / "killed.db"
    code = (f"from bot.store import connect; from bot.ingest.importer import import_file; "
            f"import_file(connect({str(db)!r}), {str(path)!r}, batch_size=5000, parallel=False)")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    deadline = time.time() + 30
    while time.time() < deadline:
        time.sleep(0.2)
        written = sum(os.path.getsize(p) for p in (db, f"{db}-wal") if os.path.exists(p))
        if written > 2_000_000:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    conn = connect(db)
    stored = count(conn)
    assert stored < 120_000
    assert count(conn, "feedback_fts") == stored
    conn.connection.execute("INSERT INTO feedback_fts(feedback_fts) VALUES('integrity-check')")
    assert conn.connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    report = import_file(conn, path, batch_size=50_000)
    assert report.added == 120_000 - stored
    assert count(conn) == 120_000


def test_parallel_and_inline_import_agree_on_messy_files(tmp_path):
    path = tmp_path / "messy.csv"
    with open(path, "w") as handle:
        handle.write("id,text\n")
        for i in range(3000):
            handle.write(f"{i},bad,extra\n" if i % 97 == 0 else f"{i},\n" if i % 89 == 0
                         else f"{i},quote {i} about fees\n")
    reports = [import_file(connect(tmp_path / f"{flag}.db"), path, parallel=flag)
               for flag in (True, False)]
    assert reports[0].added == reports[1].added == 3000 - 31 - 33
    assert sorted(b.line for b in reports[0].bad) == sorted(b.line for b in reports[1].bad)


def test_parallel_and_inline_import_agree(tmp_path):
    a, b = connect(tmp_path / "a.db"), connect(tmp_path / "b.db")
    one = import_file(a, SAMPLE / "banking77.csv", parallel=True)
    two = import_file(b, SAMPLE / "banking77.csv", parallel=False)
    assert one.added == two.added == count(a) == count(b)


def test_labels_are_stored_as_written(conn, tmp_path):
    (tmp_path / "accents.jsonl").write_text(
        '{"id": "1", "text": "Le virement est bloqué", "tags": "café;crédit"}\n', encoding="utf-8")
    import_file(conn, tmp_path / "accents.jsonl")
    raw = conn.connection.execute("SELECT labels FROM feedback").fetchone()[0]
    assert raw == '["café", "crédit"]'
