"""EMPTY_CHAIR_ALLOWED_TEAMS: only listed workspaces install the bot or get answers from it."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from slack_sdk.oauth.installation_store import Installation

from bot.config import load_settings
from bot.errors import ConfigError
from bot.slack.ids import NOT_RELEVANT
from bot.slack.server import shutdown

from .conftest import start_bot
from .helpers import TEAM, new_channel, new_ts
from .test_oauth import CLIENT_ID, install_page, store

STRANGER = "T0STRANGER"
SETTLING = [
    "new cards are taking weeks to arrive for some customers",
    "the card delivery courier is slow, the card never arrives",
    "how long should a new card take to arrive?",
]


@pytest.fixture
def guarded(fake, slack_corpus, tmp_path):
    running, service = start_bot(fake, slack_corpus, tmp_path, allowed_teams=(TEAM, "E0GRID"))
    yield running
    shutdown(running.app, [running.outbox, service], drain_seconds=15)


@pytest.fixture
def guarded_installs(fake, slack_corpus, tmp_path):
    running, service = start_bot(fake, slack_corpus, tmp_path, slack_bot_token="",
                                 slack_client_id=CLIENT_ID, slack_client_secret="client-secret",
                                 allowed_teams=("T111", "E444"))
    yield running
    shutdown(running.app, [running.outbox, service], drain_seconds=15)


def slack_calls(fake) -> list[str]:
    """What the bot asked of Slack, besides checking its own token (Bolt's auth.test)."""
    return [c.method for c in fake.calls if c.method != "auth.test"]


def test_requests_from_other_workspaces_get_a_bare_200_and_nothing_else(guarded, fake):
    channel = new_channel()
    fake.add_message(channel, "1700000000.000100", "The zorblax widget froze my account")
    requests = [
        guarded.event({"type": "member_joined_channel", "user": f"UBOT{STRANGER}", "channel": channel,
                       "channel_type": "C"}, team=STRANGER),
        *[guarded.message(channel, text, ts=new_ts(n), team=STRANGER) for n, text in enumerate(SETTLING)],
        guarded.event({"type": "app_mention", "user": "U_EVE", "channel": channel, "ts": new_ts(),
                       "text": f"<@UBOT{STRANGER}> what do customers say about card delivery?"},
                      team=STRANGER),
        guarded.event({"type": "reaction_added", "user": "U_EVE", "reaction": "chair",
                       "item": {"type": "message", "channel": channel, "ts": "1700000000.000100"}},
                      team=STRANGER),
        guarded.event({"type": "app_home_opened", "user": "U_EVE", "tab": "home"}, team=STRANGER),
        guarded.command("card delivery", channel=channel, team=STRANGER, response="ask"),
        guarded.command('add "The zorblax widget froze my account"', channel=channel, team=STRANGER,
                        response="add"),
        guarded.command("digest weekly mon 09:00", channel=channel, team=STRANGER, response="digest"),
        guarded.click(NOT_RELEVANT, "1", channel=channel, team=STRANGER, response="click"),
    ]
    guarded.idle()
    assert [r.status for r in requests] == [200] * len(requests)
    assert all(r.body in ("", "{}") for r in requests), [r.body for r in requests]
    assert slack_calls(fake) == []  # not one post, reply, lookup or response_url call
    for table in ("channels", "messages", "feedback", "decisions", "votes", "digest_schedules"):
        assert guarded.sql(f"SELECT count(*) FROM {table} WHERE team_id = ?", (STRANGER,)).fetchone()[0] == 0


def test_listed_workspaces_and_grid_organisations_are_answered(guarded, fake):
    channel = new_channel()
    assert guarded.command("card delivery", channel=channel, response="ours").status == 200
    assert "Customers have said" in fake.wait_for("response", path="/response/ours")[0].params["text"]
    # a workspace of a listed Enterprise Grid organisation
    body = json.dumps({
        "token": "legacy", "team_id": "T0GRIDWS", "enterprise_id": "E0GRID", "api_app_id": "A0FAKE",
        "type": "event_callback", "event_id": "Ev" + uuid.uuid4().hex[:12].upper(),
        "event_time": int(time.time()),
        "event": {"type": "app_mention", "user": "U_BOB", "channel": channel, "ts": new_ts(),
                  "text": "<@UBOTT0GRIDWS> what do customers say about card delivery?"},
        "authorizations": [{"enterprise_id": "E0GRID", "team_id": "T0GRIDWS", "user_id": "UBOTT0GRIDWS",
                            "is_bot": True, "is_enterprise_install": False}],
    })
    assert guarded.post(body, "application/json").status == 200
    assert fake.wait_for("chat.postMessage", channel=channel)


@pytest.mark.parametrize("team", ["", "t0test", "T0TESTX", "E0GRI", f"{TEAM},T0OTHER"])
def test_near_misses_are_not_let_in(guarded, fake, team):
    channel = new_channel()
    body = json.dumps({
        "token": "legacy", "team_id": team, "api_app_id": "A0FAKE", "type": "event_callback",
        "event_id": "Ev" + uuid.uuid4().hex[:12].upper(), "event_time": int(time.time()),
        "event": {"type": "app_mention", "user": "U_EVE", "channel": channel, "ts": new_ts(),
                  "text": "<@UBOT> what do customers say about card delivery?"},
    })
    assert guarded.post(body, "application/json").status == 200
    guarded.idle()
    assert slack_calls(fake) == []


def test_an_uninstall_from_an_unlisted_workspace_still_cleans_up(guarded, fake):
    channel = new_channel()
    guarded.conn().channels.update(STRANGER, channel, mode="quiet")  # kept from before the list was set
    assert guarded.event({"type": "app_uninstalled"}, team=STRANGER).status == 200
    guarded.idle()
    assert guarded.conn().channels.get(STRANGER, channel) is None


def test_an_install_from_an_unlisted_workspace_is_refused_with_a_page(guarded_installs, fake):
    done = install_page(guarded_installs, "T999")
    assert done.status == 403
    assert "not available to this workspace" in done.body and "nothing was installed" in done.body
    assert done.headers["content-type"].startswith("text/html")
    assert store(guarded_installs).find_installation(enterprise_id=None, team_id="T999") is None
    assert store(guarded_installs).find_bot(enterprise_id=None, team_id="T999") is None
    handed_back = fake.calls_to("apps.uninstall")
    assert [c.token for c in handed_back] == ["xoxb-T999-bot"]
    assert handed_back[0].params["client_id"] == CLIENT_ID


def test_listed_workspaces_and_organisations_install(guarded_installs, fake):
    assert install_page(guarded_installs, "T111").status == 200
    assert store(guarded_installs).find_bot(enterprise_id=None, team_id="T111") is not None
    assert install_page(guarded_installs, "T333-E444").status == 200  # a workspace of a listed organisation
    assert store(guarded_installs).find_bot(enterprise_id="E444", team_id="T333") is not None
    assert not fake.calls_to("apps.uninstall")


def test_the_setting_is_a_list_of_workspace_ids():
    settings = load_settings({"EMPTY_CHAIR_ALLOWED_TEAMS": " T0AB12, E0CD34 ,,T0AB12"}, dotenv=False)
    assert settings.allowed_teams == ("T0AB12", "E0CD34")
    assert load_settings({}, dotenv=False).allowed_teams == ()
    for wrong in ("t0ab12", "T0AB12;E0CD34", "C0CHANNEL", "T0AB 12", "*"):
        with pytest.raises(ConfigError, match="EMPTY_CHAIR_ALLOWED_TEAMS"):
            load_settings({"EMPTY_CHAIR_ALLOWED_TEAMS": wrong}, dotenv=False)


def test_a_workspace_installed_before_the_list_was_set_is_not_answered(guarded_installs, fake):
    store(guarded_installs).save(Installation(app_id="A0FAKE", enterprise_id=None, team_id="T999",
                                              user_id="U_OLD", bot_token="xoxb-T999-bot", bot_id="B9",
                                              bot_user_id="UBOTT999"))
    channel = new_channel()
    asked = guarded_installs.command("card delivery", channel=channel, team="T999", response="old")
    assert asked.status == 200
    assert guarded_installs.event({"type": "member_joined_channel", "user": "UBOTT999", "channel": channel,
                                   "channel_type": "C"}, team="T999").status == 200
    guarded_installs.idle()
    assert slack_calls(fake) == []
