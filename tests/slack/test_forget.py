"""Forgetting a workspace: uninstalling the app, revoking its token, or `empty-chair forget`
deletes every row of that workspace and nothing of any other."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.slack import ids
from bot.slack.server import shutdown

from .conftest import start_bot
from .helpers import TEAM, new_channel, new_ts
from .test_oauth import CLIENT_ID, install, store

GONE = "T0GONE"
TABLES = ("feedback", "channels", "messages", "shown", "votes", "decisions", "digest_schedules",
          "digest_runs", "rate_events")
SETTLING = [
    "new cards are taking weeks to arrive for some customers",
    "the card delivery courier is slow, the card never arrives",
    "how long should a new card take to arrive?",
]


def populate(bot, fake, team: str) -> dict[str, int]:
    """Use the bot in `team` the way people do, until every kind of row exists for it."""
    channel = new_channel()
    for n, text in enumerate(SETTLING):
        bot.message(channel, text, ts=new_ts(n), team=team)
        bot.idle()
    bot.message(channel, "Decision: we will ship the new card design on Monday.", ts=new_ts(5), team=team)
    bot.idle()
    name = f"{team}-add"
    bot.command(f'add "Zorblax {team} quote: the card never came"', channel=channel, team=team, response=name)
    fake.wait_for("response", path=f"/response/{name}")
    ts = new_ts(6)
    fake.add_message(channel, ts, f"Zorblax {team} captured: customers want the card sooner")
    bot.event({"type": "reaction_added", "user": "U_BOB", "reaction": "chair",
               "item": {"type": "message", "channel": channel, "ts": ts}}, team=team)
    bot.idle()
    shown = bot.sql("SELECT feedback_id FROM shown WHERE team_id = ?", (team,)).fetchone()[0]
    bot.click(ids.NOT_RELEVANT, str(shown), channel=channel, team=team, response=f"{team}-nr")
    fake.wait_for("response", path=f"/response/{team}-nr")
    for n, step in enumerate(("digest weekly mon 09:00 UTC", "digest now")):
        bot.command(step, channel=channel, team=team, response=f"{team}-digest{n}")
        fake.wait_for("response", path=f"/response/{team}-digest{n}")
    own = [row[0] for row in bot.sql("SELECT id FROM feedback WHERE team_id = ?", (team,))]
    try:
        import numpy as np
    except ImportError:
        pass
    else:
        bot.conn().vectors.add("test-model", own, np.ones((len(own), 4), dtype=np.float32))
    counts = rows_of(bot, team)
    assert all(counts.values()), counts
    return counts


def rows_of(bot, team: str) -> dict[str, int]:
    return {table: bot.sql(f"SELECT count(*) FROM {table} WHERE team_id = ?", (team,)).fetchone()[0]
            for table in TABLES}


def assert_forgotten(bot, team: str, kept: dict[str, int], shared: int) -> None:
    assert set(rows_of(bot, team).values()) == {0}
    assert rows_of(bot, TEAM) == kept  # the other workspace keeps everything
    assert bot.sql("SELECT count(*) FROM feedback WHERE team_id = ''").fetchone()[0] == shared
    assert bot.sql("SELECT count(*) FROM quote_vectors v LEFT JOIN feedback f ON f.id = v.feedback_id "
                   "WHERE f.id IS NULL").fetchone()[0] == 0
    bot.sql("INSERT INTO feedback_fts (feedback_fts) VALUES ('integrity-check')")  # raises if out of step
    found = [row[0] for row in bot.sql("SELECT rowid FROM feedback_fts WHERE feedback_fts MATCH ?",
                                       (f'"{team.lower()}"',))]
    assert found == []


@pytest.mark.parametrize("event", [{"type": "app_uninstalled"},
                                   {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}],
                         ids=["app_uninstalled", "tokens_revoked"])
def test_uninstalling_deletes_every_row_of_the_workspace(bot, fake, event):
    shared = bot.sql("SELECT count(*) FROM feedback WHERE team_id = ''").fetchone()[0]
    populate(bot, fake, GONE)
    kept = populate(bot, fake, TEAM)
    assert bot.event(event, team=GONE).status == 200
    bot.idle()
    assert_forgotten(bot, GONE, kept, shared)
    # what the workspace added cannot be found any more, by anyone
    answer = f"{GONE}-after"
    bot.command(f"zorblax {GONE.lower()} quote", channel=new_channel(), team=GONE, response=answer)
    assert "Zorblax" not in fake.wait_for("response", path=f"/response/{answer}")[0].params["text"]


def test_revoking_only_user_tokens_keeps_the_workspace(bot, fake):
    before = populate(bot, fake, GONE)
    bot.event({"type": "tokens_revoked", "tokens": {"oauth": ["U_SOMEONE"], "bot": []}}, team=GONE)
    bot.idle()
    assert rows_of(bot, GONE) == before


def test_forget_on_the_command_line_prints_what_went(bot, fake):
    shared = bot.sql("SELECT count(*) FROM feedback WHERE team_id = ''").fetchone()[0]
    before = populate(bot, fake, GONE)
    kept = populate(bot, fake, TEAM)
    db = str(bot.db_path)
    asked = CliRunner().invoke(cli, ["forget", "--team", GONE, "--db", db], input="n\n")
    assert asked.exit_code == 1 and "Aborted" in asked.output
    assert rows_of(bot, GONE) == before
    for hostile in ("", "%", "*", "' OR 1=1 --", "t0gone", "T0GONE' OR team_id != '", "C0CHANNEL"):
        refused = CliRunner().invoke(cli, ["forget", "--team", hostile, "--db", db, "--yes"])
        assert refused.exit_code == 2 and "is not a workspace id" in refused.output, hostile
    assert rows_of(bot, GONE) == before
    done = CliRunner().invoke(cli, ["forget", "--team", GONE, "--db", db, "--yes"])
    assert done.exit_code == 0, done.output
    for table, count in before.items():
        assert f"{table}: {count}\n" in done.output
    assert "quote_vectors:" in done.output and "feedback_fts:" in done.output
    assert f"rows of workspace {GONE}." in done.output
    assert_forgotten(bot, GONE, kept, shared)
    again = CliRunner().invoke(cli, ["forget", "--team", GONE, "--db", db, "--yes"])
    assert again.exit_code == 0 and f"Deleted 0 rows of workspace {GONE}." in again.output


@pytest.fixture
def multi(fake, slack_corpus, tmp_path):
    running, service = start_bot(fake, slack_corpus, tmp_path, slack_bot_token="",
                                 slack_client_id=CLIENT_ID, slack_client_secret="client-secret")
    yield running
    shutdown(running.app, [running.outbox, service], drain_seconds=15)


def test_forget_with_several_workspaces_deletes_the_installation_too(multi, fake, monkeypatch):
    install(multi, "T111")
    install(multi, "T222")
    env = {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": "client-secret"}
    done = CliRunner().invoke(cli, ["forget", "--team", "T111", "--db", str(multi.db_path), "--yes"], env=env)
    assert done.exit_code == 0, done.output
    assert "installation (bot token) was deleted" in done.output
    assert store(multi).find_bot(enterprise_id=None, team_id="T111") is None
    assert store(multi).find_bot(enterprise_id=None, team_id="T222") is not None
