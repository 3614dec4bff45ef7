import json
import os
import stat

from click.testing import CliRunner

from bot.cli import cli

from .conftest import ROOT, SAMPLE, write_csv


def run(*args):
    result = CliRunner().invoke(cli, list(map(str, args)), catch_exceptions=False)
    return result


def test_import_then_search_json(tmp_path):
    db = tmp_path / "cli.db"
    out = run("import", SAMPLE / "banking77.csv", "--db", db, "--source", "bank")
    assert out.exit_code == 0 and "10003 rows read" in out.output
    again = run("import", SAMPLE / "banking77.csv", "--db", db, "--source", "bank")
    assert "0 added, 10003 duplicates skipped" in again.output
    found = run("search", "my card still has not arrived", "--db", db, "--json", "--limit", "3")
    quotes = json.loads(found.output)
    assert len(quotes) == 3
    assert {"id", "text", "source", "date", "score"} <= set(quotes[0])
    assert quotes[0]["source"] == "bank"


def test_import_reports_bad_rows_and_exits_nonzero(tmp_path):
    path = write_csv(tmp_path / "x.csv", [["text", "date"], ["fine", "2024-01-01"], ["", "2024-01-02"]])
    out = CliRunner().invoke(cli, ["import", str(path), "--db", str(tmp_path / "d.db")])
    assert out.exit_code == 1
    assert f"{path}:3: no text" in out.output


def test_import_missing_text_column_names_the_fix(tmp_path):
    path = write_csv(tmp_path / "x.csv", [["a"], ["1"]])
    out = CliRunner().invoke(cli, ["import", str(path), "--db", str(tmp_path / "d.db")])
    assert out.exit_code == 1 and "--text-column" in out.output


def test_db_option_and_env_var(tmp_path, monkeypatch):
    monkeypatch.setenv("EMPTY_CHAIR_DB", str(tmp_path / "env.db"))
    path = write_csv(tmp_path / "x.csv", [["text"], ["hello there"]])
    run("import", path)
    assert (tmp_path / "env.db").exists()


def test_search_with_no_evidence_says_so(tmp_path):
    out = run("search", "anything at all", "--db", tmp_path / "empty.db")
    assert "won't make a customer up" in out.output


def test_replay_json_one_object_per_message(tmp_path):
    db = tmp_path / "r.db"
    run("import", SAMPLE / "banking77.csv", "--db", db)
    meeting = tmp_path / "m.txt"
    meeting.write_text("# topic: cards\nana: morning\nbo: the exchange rate abroad is wrong, customers say\n"
                       "ana: yes the exchange rate on purchases abroad is off\n"
                       "bo: Fine, we drop the FX markup from June.\n")
    out = run("replay", meeting, "--db", db, "--json")
    records = [json.loads(line) for line in out.output.splitlines()]
    assert len(records) == 4
    assert all({"decision", "quotes"} <= set(r) for r in records)
    assert records[3]["decision"] is True
    assert any(r["action"] == "quotes" and r["quotes"] for r in records[1:3])


def test_replay_bad_line_names_file_and_line(tmp_path):
    meeting = tmp_path / "m.txt"
    meeting.write_text("ana: hi\nno colon here\n")
    out = CliRunner().invoke(cli, ["replay", str(meeting), "--db", str(tmp_path / "x.db")])
    assert out.exit_code == 1 and f"{meeting}:2" in out.output


def test_demo_shows_customer_speaking_and_asking(tmp_path):
    out = run("demo", "--db", tmp_path / "demo.db", "--json")
    records = [json.loads(line) for line in out.output.splitlines()]
    kinds = [r["action"] for r in records]
    assert "quotes" in kinds and "decision" in kinds
    assert kinds.count("silent") > len(kinds) / 2
    assert (ROOT / "data" / "demo_meeting.txt").exists()


def test_replay_prints_plain_text_not_slack_markup(banking_db, tmp_path):
    db = tmp_path / "replay.db"
    db.write_bytes(banking_db.read_bytes())
    out = run("replay", ROOT / "data" / "demo_meeting.txt", "--db", db)
    assert out.exit_code == 0 and "the customer shares quotes" in out.output
    assert "about *" not in out.output and "decision: _" not in out.output and "<@" not in out.output


def test_a_database_the_cli_creates_is_private(tmp_path):
    previous = os.umask(0o022)  # one that would leave a new file readable by everyone
    try:
        db = tmp_path / "new" / "private.db"
        path = write_csv(tmp_path / "x.csv", [["text"], ["The card never came"]])
        assert run("import", path, "--db", db).exit_code == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


OAUTH = {"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "client-secret"}


def _teams(db):
    from bot.store import connect

    with connect(db) as store:
        return store.connection.execute("SELECT team_id, count(*) FROM feedback GROUP BY team_id").fetchall()


def test_import_for_several_workspaces_must_say_whose_quotes_they_are(tmp_path):
    path = write_csv(tmp_path / "x.csv", [["text"], ["the export button is impossible to find"]])
    db = tmp_path / "multi.db"
    refused = CliRunner().invoke(cli, ["import", str(path), "--db", str(db)], env=OAUTH)
    assert refused.exit_code == 2
    assert "--team T0123ABCD" in refused.output and "--shared" in refused.output
    assert not db.exists() or _teams(db) == []
    for wrong in (["--team", ""], ["--team", "t0abc"], ["--team", "C0CHANNEL"], ["--team", "T0A B"],
                  ["--team", "' OR 1=1 --"], ["--team", "T0ABC", "--shared"]):
        out = CliRunner().invoke(cli, ["import", str(path), "--db", str(db), *wrong], env=OAUTH)
        assert out.exit_code == 2, (wrong, out.output)
    assert not db.exists() or _teams(db) == []
    own = CliRunner().invoke(cli, ["import", str(path), "--db", str(db), "--team", "T0ABC"], env=OAUTH)
    assert own.exit_code == 0 and "1 added" in own.output
    shared = CliRunner().invoke(cli, ["import", str(path), "--db", str(db), "--shared"], env=OAUTH)
    assert shared.exit_code == 0 and "1 added" in shared.output
    assert sorted(tuple(row) for row in _teams(db)) == [("", 1), ("T0ABC", 1)]


def test_import_with_one_bot_token_goes_to_the_shared_corpus_by_default(tmp_path):
    path = write_csv(tmp_path / "x.csv", [["text"], ["the export button is impossible to find"]])
    db = tmp_path / "single.db"
    assert run("import", path, "--db", db).exit_code == 0
    assert [tuple(row) for row in _teams(db)] == [("", 1)]
