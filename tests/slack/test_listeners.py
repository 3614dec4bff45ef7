"""Listeners called directly, with mocks standing in for Slack (no server)."""

from __future__ import annotations

import copy
import logging
import os
from unittest.mock import Mock

import pytest
from slack_bolt import Ack, BoltContext, Respond

from bot.config import DEFAULT_PROMPTS, Settings
from bot.slack.app import create_app
from bot.slack.chair import Chair, team_of
from bot.slack.listeners.ack import ack_now
from bot.slack.listeners.commands.customer_voice import customer_voice, dispatch
from bot.slack.listeners.events.app_uninstalled import app_uninstalled
from bot.slack.listeners.events.message import ignored

from .conftest import settings_for

BOT = "UBOT1"


@pytest.fixture
def chair(tmp_path) -> Chair:
    return Chair(Settings(db_path=tmp_path / "bot.db", prompts_dir=DEFAULT_PROMPTS))


def test_ack_now_acknowledges():
    ack = Mock(Ack)
    ack_now(ack)
    ack.assert_called_once_with()


@pytest.mark.parametrize("event, skip", [
    ({"user": "U1", "text": "hello"}, False),
    ({"user": "U1", "text": "reply", "thread_ts": "1.0", "subtype": "thread_broadcast"}, False),
    ({"user": BOT, "text": "my own words"}, True),
    ({"user": "U2", "text": "hi", "bot_id": "B2"}, True),
    ({"text": "hi", "subtype": "bot_message", "bot_id": "B2"}, True),
    ({"user": "U1", "text": "x", "subtype": "channel_join"}, True),
    ({"user": "U1", "text": f"<@{BOT}> what about fees?"}, True),
    ({"user": "U1", "text": f"<@{BOT}|empty-chair> fees?"}, True),
    ({"user": "U1", "text": "dm", "channel_type": "im"}, True),
])
def test_which_messages_are_not_the_conversation(event, skip):
    assert ignored(event, BOT) is skip


def test_a_failing_command_tells_the_user_and_logs(chair, caplog):
    chair.db = Mock(side_effect=RuntimeError("disk on fire"))  # type: ignore[method-assign]
    respond = Mock(Respond)
    respond.return_value = Mock(status_code=200)
    with caplog.at_level(logging.ERROR):
        customer_voice({"text": "quiet", "channel_id": "C1", "team_id": "T1"}, BoltContext(), respond, chair,
                       logging.getLogger("test"))
    assert "disk on fire" in caplog.text
    sent = respond.call_args.kwargs
    assert sent["response_type"] == "ephemeral" and "Something went wrong" in sent["text"]


def test_a_refused_reply_is_logged_not_raised(chair, caplog):
    respond = Mock(Respond, side_effect=ValueError("respond is unsupported here"))
    with caplog.at_level(logging.ERROR):
        customer_voice({"text": "help", "channel_id": "C1"}, BoltContext(), respond, chair,
                       logging.getLogger("test"))
    assert "response_url failed" in caplog.text


def test_subcommands_are_case_insensitive_and_topics_are_anything_else(chair):
    assert dispatch({"text": "QUIET", "channel_id": "C1"}, "T1", chair)["text"].startswith("Quiet mode")
    answer = dispatch({"text": "exchange rate fees", "channel_id": "C1"}, "T1", chair)
    assert "I have no customer feedback on *exchange rate fees*" in answer["text"]


def test_uninstall_in_single_workspace_mode_forgets_the_workspace(chair):
    conn = chair.db()
    conn.channels.update("T1", "C1", mode="quiet")
    conn.channels.update("T2", "C2", mode="quiet")
    app_uninstalled({"team_id": "T1", "event_id": "Ev1"}, BoltContext({"team_id": "T1"}), chair,
                    logging.getLogger("test"))
    assert conn.channels.get("T1", "C1") is None
    assert conn.channels.get("T2", "C2").mode == "quiet"


def test_team_of_never_falls_back_to_the_shared_corpus():
    assert team_of(BoltContext({"team_id": "T1"})) == "T1"
    assert team_of(BoltContext(), {"team": {"id": "T2"}}) == "T2"
    assert team_of(BoltContext({"enterprise_id": "E1"})) == "E1"
    assert team_of(BoltContext(), {}) not in ("", None)


def test_empty_oauth_variables_do_not_switch_on_installs(fake, tmp_path, monkeypatch):
    """A copied .env.example leaves SLACK_CLIENT_ID= and SLACK_CLIENT_SECRET= empty."""
    monkeypatch.setenv("SLACK_CLIENT_ID", "")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "")
    app = create_app(settings_for(fake, tmp_path / "bot.db"))
    assert app.oauth_flow is None
    assert app.installation_store is None
    assert "SLACK_CLIENT_ID" in os.environ  # put back after building the app


def test_lazy_listeners_share_the_chair_not_a_copy(chair):
    assert copy.deepcopy(chair) is chair
