"""Multi-workspace: installing through /slack/install, and keeping workspaces apart."""

from __future__ import annotations

import html
import logging
import os
import re
import sqlite3
import stat
import time
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import pytest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore

from bot.slack.app import STATE_SECONDS, installations_path
from bot.slack.chair import Chair
from bot.slack.digest_sender import DigestSender, client_factory
from bot.slack.server import shutdown

from .conftest import settings_for, start_bot
from .helpers import BotUnderTest, new_channel, serving, wait_until

CLIENT_ID = "1111.2222"


@pytest.fixture
def multi(fake, slack_corpus, tmp_path):
    running, service = start_bot(fake, slack_corpus, tmp_path, slack_bot_token="",
                                 slack_client_id=CLIENT_ID, slack_client_secret="client-secret")
    yield running
    shutdown(running.app, [running.outbox, service], drain_seconds=15)


def install(bot, team: str) -> None:
    done = install_page(bot, team)
    assert done.status == 200, done.body


def install_page(bot, team: str):
    """Follow the install link as a browser would; Slack sends back a code naming `team`."""
    page = bot.get("/slack/install")
    assert page.status == 200
    link = html.unescape(re.search(r'href="([^"]+oauth/v2/authorize[^"]+)"', page.body).group(1))
    query = parse_qs(urlparse(link).query)
    assert query["client_id"] == [CLIENT_ID]
    assert "chat:write" in query["scope"][0] and "commands" in query["scope"][0]
    state = query["state"][0]
    cookie = page.headers["set-cookie"].split(";")[0]
    return bot.get(f"/slack/oauth_redirect?code=code-{team}&state={state}", headers={"Cookie": cookie})


def store(bot) -> SQLite3InstallationStore:
    return SQLite3InstallationStore(database=str(installations_path(bot.db_path)), client_id=CLIENT_ID)


def test_install_flow_stores_the_installation(multi, fake):
    install(multi, "T111")
    found = store(multi).find_installation(enterprise_id=None, team_id="T111")
    assert found is not None and found.bot_token == "xoxb-T111-bot" and found.bot_user_id == "UBOTT111"
    assert fake.calls_to("oauth.v2.access", code="code-T111")


def test_install_without_valid_state_fails(multi, fake):
    done = multi.get("/slack/oauth_redirect?code=code-T999&state=forged")
    assert done.status in (400, 401, 403)
    assert store(multi).find_installation(enterprise_id=None, team_id="T999") is None


def test_two_workspaces_never_see_each_others_quotes(multi, fake):
    install(multi, "T111")
    install(multi, "T222")
    channel_one, channel_two = new_channel(), new_channel()
    assert multi.command('add "The zorblax widget froze my whole account"', channel=channel_one,
                         team="T111", response="add1").status == 200
    assert "Added" in fake.wait_for("response", path="/response/add1")[0].params["text"]
    multi.command("zorblax widget", channel=channel_two, team="T222", response="ask2")
    assert "no customer feedback" in fake.wait_for("response", path="/response/ask2")[0].params["text"]
    multi.command("zorblax widget", channel=channel_one, team="T111", response="ask1")
    assert "zorblax" in fake.wait_for("response", path="/response/ask1")[0].params["text"]
    # the shared corpus (imported by the operator) is there for both
    multi.command("exchange rate", channel=channel_two, team="T222", response="shared")
    assert "Customers have said" in fake.wait_for("response", path="/response/shared")[0].params["text"]


def test_each_workspace_is_answered_with_its_own_token(multi, fake):
    install(multi, "T111")
    install(multi, "T222")
    channel = new_channel()
    assert multi.event({"type": "member_joined_channel", "user": "UBOTT222", "channel": channel,
                        "channel_type": "C"}, team="T222").status == 200
    post = fake.wait_for("chat.postMessage", channel=channel)[0]
    assert post.token == "xoxb-T222-bot"
    multi.idle()
    assert multi.conn().channels.get("T222", channel) is not None
    assert multi.conn().channels.get("T111", channel) is None


def test_uninstall_removes_the_installation_and_the_workspaces_state(multi, fake):
    install(multi, "T111")
    install(multi, "T222")
    kept, gone = new_channel(), new_channel()
    for team, channel in (("T111", gone), ("T222", kept)):
        multi.command("quiet", channel=channel, team=team, response=f"q{team}")
        fake.wait_for("response", path=f"/response/q{team}")
    assert multi.event({"type": "app_uninstalled"}, team="T111").status == 200
    multi.idle()
    assert store(multi).find_installation(enterprise_id=None, team_id="T111") is None
    assert store(multi).find_installation(enterprise_id=None, team_id="T222") is not None
    assert multi.conn().channels.get("T111", gone) is None
    assert multi.conn().channels.get("T222", kept).mode == "quiet"


def test_revoked_bot_token_removes_the_bot_and_the_workspaces_state(multi, fake):
    install(multi, "T111")
    channel = new_channel()
    multi.command("quiet", channel=channel, team="T111", response="q")
    fake.wait_for("response", path="/response/q")
    event = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOTT111"]}}
    assert multi.event(event, team="T111").status == 200
    multi.idle()
    assert store(multi).find_bot(enterprise_id=None, team_id="T111") is None
    assert multi.conn().channels.get("T111", channel) is None


# -- the install link's states ---------------------------------------------------------------------


class StateClock:
    """The state store's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def states_in_file(bot) -> list[float]:
    """expire_at of every row of the state table, straight from the installations file."""
    raw = sqlite3.connect(installations_path(bot.db_path))
    try:
        return [row[0] for row in raw.execute("SELECT expire_at FROM oauth_states")]
    finally:
        raw.close()


def state_clock(bot) -> StateClock:
    clock = StateClock()
    bot.app.oauth_flow.settings.state_store.clock = clock
    return clock


def test_install_page_visits_leave_only_live_states(multi, fake):
    """Anyone may open /slack/install: each visit stores a state, and expired ones must go."""
    clock = state_clock(multi)
    for visit in range(50):
        if visit:
            clock.now += 60
        assert multi.get("/slack/install").status == 200
    stored = states_in_file(multi)
    assert len(stored) == STATE_SECONDS // 60  # the last ten minutes' links, no more
    assert all(expire > clock.now for expire in stored)
    install(multi, "T111")  # a real install still works, and uses up its state
    assert len(states_in_file(multi)) == STATE_SECONDS // 60


def test_install_links_are_capped_and_refused_politely_beyond(multi, fake):
    clock = state_clock(multi)
    multi.app.oauth_flow.settings.state_store.max_states = 5
    for _ in range(5):
        assert multi.get("/slack/install").status == 200
    refused = multi.get("/slack/install")
    assert refused.status == 503 and refused.headers["retry-after"] == "60"
    assert "Too many install links are open right now" in refused.body
    assert "set-cookie" not in refused.headers
    assert len(states_in_file(multi)) == 5
    clock.now += STATE_SECONDS + 1
    install(multi, "T111")  # once the old links expired, installing works again
    assert store(multi).find_installation(enterprise_id=None, team_id="T111") is not None


@pytest.mark.parametrize("forged", ["' OR '1'='1", "%", "x" * 4000, ""])
def test_a_forged_state_in_its_own_cookie_installs_nothing(multi, fake, forged):
    assert multi.get("/slack/install").status == 200
    done = multi.get(f"/slack/oauth_redirect?code=code-T999&state={quote(forged)}",
                     headers={"Cookie": f"slack-app-oauth-state={quote(forged)}"})
    assert done.status in (400, 401, 403)
    assert store(multi).find_installation(enterprise_id=None, team_id="T999") is None
    assert len(states_in_file(multi)) == 1 and not fake.calls_to("oauth.v2.access")


def test_an_expired_install_link_is_refused(multi, fake):
    clock = state_clock(multi)
    page = multi.get("/slack/install")
    link = html.unescape(re.search(r'href="([^"]+oauth/v2/authorize[^"]+)"', page.body).group(1))
    state = parse_qs(urlparse(link).query)["state"][0]
    clock.now += STATE_SECONDS + 1
    done = multi.get(f"/slack/oauth_redirect?code=code-T111&state={state}",
                     headers={"Cookie": page.headers["set-cookie"].split(";")[0]})
    assert done.status in (400, 401, 403)
    assert store(multi).find_installation(enterprise_id=None, team_id="T111") is None


def test_the_installations_file_uses_wal(multi):
    raw = sqlite3.connect(installations_path(multi.db_path))
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        raw.close()


# -- what the log and the files give away ------------------------------------------------------------


def test_a_debug_log_of_installs_holds_no_code_state_secret_or_token(fake, tmp_path):
    """At DEBUG, Bolt logs the redirect's query and slack_sdk the token exchange; none of the
    values may reach the log, on the success path or the failure path."""
    db = tmp_path / "fresh" / "bot.db"
    with serving(fake, db, SLACK_BOT_TOKEN="", SLACK_CLIENT_ID=CLIENT_ID,
                 SLACK_CLIENT_SECRET="sEcReT-client-value", EMPTY_CHAIR_LOG_LEVEL="DEBUG") as (_, url, lines):
        running = BotUnderTest(url, fake, db, app=None)  # type: ignore[arg-type]
        install(running, "Tzq7codeval")
        page = running.get("/slack/install")
        link = html.unescape(re.search(r'href="([^"]+oauth/v2/authorize[^"]+)"', page.body).group(1))
        unused = parse_qs(urlparse(link).query)["state"][0]
        forged = running.get("/slack/oauth_redirect?code=code-Tforgedcode&state=forged-state-value",
                             headers={"Cookie": "slack-app-oauth-state=forged-state-value"})
        assert forged.status in (400, 401, 403)
        assert fake.calls_to("oauth.v2.access")
        assert wait_until(lambda: any("Handling an OAuth callback failure" in line for line in lines),
                          timeout=30), lines
    log = "".join(lines)
    assert "Handling an OAuth callback success" in log and "[redacted]" in log, log
    for secret in ("code-Tzq7codeval", "code-Tforgedcode", "forged-state-value", unused,
                   "sEcReT-client-value", "xoxb-Tzq7codeval-bot"):
        assert secret not in log, (secret, log)
    states = re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", log)
    assert not states, (states, log)


def modes(*paths: Path) -> dict[str, int]:
    """Permission bits of each path and of its -wal and -shm files, where they exist."""
    found = {}
    for path in paths:
        for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if each.exists():
                found[each.name] = stat.S_IMODE(each.stat().st_mode)
    return found


@pytest.fixture
def open_umask():
    """A umask that lets files be created readable by everyone, as on many servers."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_the_database_and_the_tokens_file_are_created_private(fake, tmp_path, open_umask):
    db = tmp_path / "new" / "bot.db"
    with serving(fake, db, SLACK_BOT_TOKEN="", SLACK_CLIENT_ID=CLIENT_ID,
                 SLACK_CLIENT_SECRET="client-secret") as (_, url, lines):
        install(BotUnderTest(url, fake, db, app=None), "T111")  # type: ignore[arg-type]
        found = modes(db, installations_path(db))
    assert {"bot.db", "bot-installations.db"} <= set(found) and len(found) >= 4, found
    assert set(found.values()) == {0o600}, found


def test_a_tokens_file_others_can_read_is_made_private(fake, slack_corpus, tmp_path, caplog):
    tokens = installations_path(tmp_path / "bot.db")
    sqlite3.connect(tokens).close()
    tokens.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        running, service = start_bot(fake, slack_corpus, tmp_path, slack_bot_token="",
                                     slack_client_id=CLIENT_ID, slack_client_secret="client-secret")
    shutdown(running.app, [running.outbox, service])
    assert stat.S_IMODE(tokens.stat().st_mode) == 0o600
    assert "was readable by other users (mode 644); made it private" in caplog.text


def test_digests_of_an_enterprise_grid_workspace_find_its_token(multi, fake):
    """A Grid workspace's installation is stored under its organisation (E444 here)."""
    install(multi, "T333-E444")
    channel = new_channel()
    done = multi.command("digest weekly mon 09:00 UTC", channel=channel, team="T333", enterprise="E444",
                         response="grid")
    assert done.status == 200
    assert "09:00" in fake.wait_for("response", path="/response/grid")[0].params["text"]
    saved = multi.conn().digests.get_schedule("T333", channel)
    assert saved is not None and saved.enterprise_id == "E444"
    chair = Chair(settings_for(fake, multi.db_path, slack_bot_token="", slack_client_id=CLIENT_ID,
                               slack_client_secret="client-secret"))
    sender = DigestSender(chair, client_factory(chair.settings, store(multi)))
    outcome = sender.send_now("T333", channel)
    assert outcome.status == "posted", outcome
    assert [c.token for c in fake.calls_to("chat.postMessage", channel=channel)][:1] == ["xoxb-T333-bot"]


def test_an_organisation_wide_install_serves_each_of_its_workspaces(multi, fake, tmp_path):
    installations = SQLite3InstallationStore(database=str(tmp_path / "org.db"), client_id=CLIENT_ID)
    installations.save(Installation(app_id="A0FAKE", enterprise_id="E777", team_id=None, user_id="U_ADMIN",
                                    bot_token="xoxb-E777-org", bot_id="B1", bot_user_id="UBOTORG",
                                    is_enterprise_install=True))
    client_for = client_factory(settings_for(fake, multi.db_path, slack_bot_token=""), installations)
    assert client_for("T0ANY", "E777").token == "xoxb-E777-org"
    assert client_for("T0ANY", None) is None
    assert client_for("T0ANY", "E0OTHER") is None
