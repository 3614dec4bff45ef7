"""Running the bot: settings checks, Socket Mode across disconnects, and a clean SIGTERM."""

from __future__ import annotations

import re
import shutil
import signal
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.config import load_settings
from bot.errors import ConfigError
from bot.slack import chair as chair_module
from bot.slack.app import create_app
from bot.slack.server import SocketModeService, shutdown, start_services
from bot.store import connect

from .conftest import settings_for
from .fake_socket import FakeSocketMode
from .helpers import BOT_USER, TEAM, BotUnderTest, new_channel, serving

ROOT = Path(__file__).resolve().parents[2]


# -- settings ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("overrides, names", [
    ({"slack_bot_token": ""}, "SLACK_BOT_TOKEN is not set"),
    ({"slack_bot_token": "xoxp-123-456"}, "SLACK_BOT_TOKEN holds a user token"),
    ({"slack_bot_token": "xapp-1-A1-123"}, "belongs in SLACK_APP_TOKEN"),
    ({"slack_bot_token": "abc123"}, "SLACK_BOT_TOKEN must be the Bot User OAuth Token"),
    ({"slack_signing_secret": ""}, "SLACK_SIGNING_SECRET is not set"),
    ({"slack_signing_secret": "xoxb-oops"}, "SLACK_SIGNING_SECRET looks wrong"),
    ({"slack_app_token": "xoxb-123"}, "SLACK_APP_TOKEN must be an app-level token starting with xapp-"),
    ({"slack_client_id": "1.2"}, "SLACK_CLIENT_SECRET is not set"),
    ({"slack_client_secret": "s"}, "SLACK_CLIENT_ID is not set"),
    ({"log_level": "LOUD"}, "EMPTY_CHAIR_LOG_LEVEL='LOUD' is not a log level"),
    ({"slack_bot_token": "xoxb-test-bad"}, "Slack rejected SLACK_BOT_TOKEN"),
    ({"slack_api_url": "http://127.0.0.1:9/api/"}, "Could not reach Slack at SLACK_API_URL"),
])
def test_bad_settings_stop_the_start_with_the_settings_name(fake, tmp_path, overrides, names):
    with pytest.raises(ConfigError, match=re.escape(names)):
        create_app(settings_for(fake, tmp_path / "bot.db", **overrides))


def test_socket_mode_needs_no_signing_secret(fake, tmp_path):
    settings = settings_for(fake, tmp_path / "bot.db", slack_signing_secret="", slack_app_token="xapp-1-A-1")
    assert create_app(settings) is not None


def test_malformed_environment_values_are_named():
    with pytest.raises(ConfigError, match="SLACK_API_URL"):
        load_settings({"SLACK_API_URL": "slack.com/api"}, dotenv=False)
    with pytest.raises(ConfigError, match="PORT"):
        load_settings({"PORT": "eighty"}, dotenv=False)


def test_serve_reports_missing_settings_without_a_traceback():
    env = {"SLACK_BOT_TOKEN": "", "SLACK_APP_TOKEN": "", "SLACK_SIGNING_SECRET": "x",
           "SLACK_CLIENT_ID": "", "SLACK_CLIENT_SECRET": ""}
    result = CliRunner().invoke(cli, ["serve", "--db", "bot.db"], env=env)
    assert result.exit_code == 1
    assert "SLACK_BOT_TOKEN is not set" in result.output and "Traceback" not in result.output


def test_socket_mode_refused_app_token_is_named(fake, tmp_path):
    settings = settings_for(fake, tmp_path / "bot.db", slack_app_token="xapp-1-A-bad")
    app = create_app(settings)
    with pytest.raises(ConfigError, match="Slack refused SLACK_APP_TOKEN"):
        start_services(app, settings)


def test_socket_mode_is_used_when_the_app_token_is_set(fake, tmp_path):
    settings = settings_for(fake, tmp_path / "bot.db", slack_app_token="xapp-1-A-1")
    app = create_app(settings)
    with pytest.raises(ConfigError, match="Socket Mode"):
        start_services(app, settings)  # the fake's WebSocket URL refuses the connection
    assert fake.calls_to("apps.connections.open")
    assert fake.calls_to("apps.connections.open")[0].token == "xapp-1-A-1"


def test_serve_opens_one_store_for_listeners_digests_and_health(fake, slack_corpus, tmp_path, monkeypatch):
    """With PostgreSQL a store is a pool of connections: one per process, not one per service."""
    opened = []
    monkeypatch.setattr(chair_module, "connect", lambda target: opened.append(target) or connect(target))
    db = tmp_path / "bot.db"
    shutil.copy(slack_corpus, db)
    settings = settings_for(fake, db)
    app = create_app(settings)
    services = start_services(app, settings)
    try:
        running = BotUnderTest(services[-1].url, fake, db, app)
        assert running.get("/health").status == 200
        assert running.message(new_channel(), "morning all").status == 200
        running.idle()
        services[0].scheduler.sync()  # the digest scheduler reads the schedules
    finally:
        shutdown(app, services)
    assert opened == [db]


# -- SIGTERM ----------------------------------------------------------------------------------------


def test_sigterm_during_an_event_still_delivers_its_post(fake, slack_corpus, tmp_path):
    db = tmp_path / "bot.db"
    shutil.copy(slack_corpus, db)
    with serving(fake, db) as (process, url, lines):
        channel = new_channel()
        fake.delay("chat.postMessage", 1.5)  # Slack is slow: the post is still in flight at SIGTERM
        running = BotUnderTest(url, fake, db, app=None)  # type: ignore[arg-type]
        joined = running.event({"type": "member_joined_channel", "user": BOT_USER, "channel": channel,
                                "channel_type": "C", "team": TEAM})
        assert joined.status == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    assert fake.calls_to("chat.postMessage", channel=channel), "".join(lines)
    assert any("stopped" in line for line in lines)


# -- Socket Mode end to end -------------------------------------------------------------------------


def envelope(envelope_id: str, channel: str) -> dict:
    return {"envelope_id": envelope_id, "type": "events_api", "accepts_response_payload": False,
            "retry_attempt": 0, "retry_reason": "",
            "payload": {"team_id": TEAM, "api_app_id": "A0FAKE", "type": "event_callback",
                        "event_id": f"Ev{envelope_id}", "event_time": int(time.time()),
                        "event": {"type": "member_joined_channel", "user": BOT_USER, "channel": channel,
                                  "channel_type": "C", "team": TEAM}}}


def test_socket_mode_answers_events_and_keeps_listening_across_disconnects(fake, slack_corpus, tmp_path):
    link = FakeSocketMode().start()
    fake.websocket_url = link.url
    db = tmp_path / "bot.db"
    shutil.copy(slack_corpus, db)
    settings = settings_for(fake, db, slack_app_token="xapp-1-A-1", slack_signing_secret="")
    app = create_app(settings)
    service = SocketModeService(app, settings.slack_app_token, ping_interval=0.5)
    service.start()
    try:
        link.wait_for_connections(1)
        channels = [new_channel() for _ in range(3)]
        link.deliver(envelope("e1", channels[0]))
        fake.wait_for("chat.postMessage", channel=channels[0])
        # Slack refreshes the connection: it says so, then expects a new one
        link.refresh()
        link.wait_for_connections(2)
        link.deliver(envelope("e2", channels[1]))
        fake.wait_for("chat.postMessage", channel=channels[1])
        # the network cuts the connection without a word: noticed and replaced
        link.drop()
        link.wait_for_connections(3, timeout=20)
        link.deliver(envelope("e3", channels[2]))
        fake.wait_for("chat.postMessage", channel=channels[2])
        assert len(fake.calls_to("apps.connections.open")) >= 3
        again = envelope("e3", channels[2]) | {"envelope_id": "e3-again", "retry_attempt": 1}
        link.deliver(again)  # Slack delivers the same event again: no second post
        service.handler.app.listener_runner.listener_executor.wait_idle(10)
        assert all(len(fake.calls_to("chat.postMessage", channel=c)) == 1 for c in channels)
    finally:
        shutdown(app, [service])
        link.stop()
