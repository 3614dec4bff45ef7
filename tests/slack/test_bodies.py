"""Bodies Slack would never send, correctly signed: a 400 and one log line, before any listener
runs (a 500 would have Slack send them again, and a traceback tells nobody anything). A shape
Slack does send, but the bot does not handle, still gets its 200; an unsigned body its 401."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.request
from urllib.parse import quote, urlencode

import pytest

from .helpers import SECRET, TEAM, Response, _send, new_channel, new_ts

NOWHERE = "http://127.0.0.1:9/response/x"  # replaced by the fake's response URL where a reply is due
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def event_body(**changes: object) -> dict:
    body = {"token": "legacy", "team_id": TEAM, "api_app_id": "A0FAKE", "type": "event_callback",
            "event_id": "Ev0BODY", "event_time": 1700000000,
            "event": {"type": "message", "channel": new_channel(), "user": "U_ALICE", "text": "hello",
                      "ts": new_ts(), "channel_type": "channel"},
            "authorizations": [{"team_id": TEAM, "user_id": "UBOTT0TEST", "is_bot": True}]}
    body.update(changes)
    return body


def with_event(**changes: object) -> str:
    body = event_body()
    body["event"].update(changes)
    return json.dumps(body)


def action_payload(**changes: object) -> dict:
    payload = {"type": "block_actions", "user": {"id": "U_ALICE", "team_id": TEAM}, "api_app_id": "A0FAKE",
               "team": {"id": TEAM, "domain": "fake"}, "token": "legacy", "trigger_id": "1.2.3",
               "container": {"type": "message", "channel_id": "C1", "message_ts": "1.2"},
               "channel": {"id": "C1", "name": "x"}, "response_url": NOWHERE,
               "actions": [{"type": "button", "action_id": "not_relevant", "block_id": "b", "value": "1",
                            "action_ts": "1.3"}]}
    payload.update(changes)
    return payload


def interactive(payload: object) -> str:
    return urlencode({"payload": payload if isinstance(payload, str) else json.dumps(payload)})


def command(**changes: str) -> str:
    fields = {"token": "legacy", "team_id": TEAM, "channel_id": "C1", "user_id": "U_ALICE",
              "command": "/customer-voice", "text": "help", "response_url": NOWHERE,
              "trigger_id": "1.2.3"}
    fields.update(changes)
    return urlencode(fields)


VALID_EVENT = json.dumps(event_body())
MALFORMED = {
    "not json": ("this is not json", JSON),
    "truncated json": (VALID_EVENT[:40], JSON),
    "json cut after the brace": ("{", JSON),
    "empty json object text": ("{}x", JSON),
    "top-level array": ("[1, 2, 3]", JSON),
    "top-level number": ("42", JSON),
    "top-level string": ('"event_callback"', JSON),
    "top-level null": ("null", JSON),
    "top-level true": ("true", JSON),
    "NaN": ("NaN", JSON),
    "array of events": (json.dumps([event_body()]), JSON),
    "event is a list": (json.dumps(event_body(event=[1, 2])), JSON),
    "event is null": (json.dumps(event_body(event=None)), JSON),
    "event is a string": (json.dumps(event_body(event="message")), JSON),
    "event is a number": (json.dumps(event_body(event=7)), JSON),
    "event without a type": (json.dumps(event_body(event={"channel": "C1"})), JSON),
    "event type is a number": (with_event(type=5), JSON),
    "event type is a list": (with_event(type=["message"]), JSON),
    "team_id is a number": (json.dumps(event_body(team_id=12345)), JSON),
    "team_id is a list": (json.dumps(event_body(team_id=[TEAM])), JSON),
    "team_id is an object": (json.dumps(event_body(team_id={"id": TEAM})), JSON),
    "type is a number": (json.dumps(event_body(type=1)), JSON),
    "type is null": (json.dumps(event_body(type=None)), JSON),
    "event_id is a number": (json.dumps(event_body(event_id=99)), JSON),
    "api_app_id is a list": (json.dumps(event_body(api_app_id=["A"])), JSON),
    "authorizations is a string": (json.dumps(event_body(authorizations="bot")), JSON),
    "authorizations holds a number": (json.dumps(event_body(authorizations=[1])), JSON),
    "enterprise_id is a number": (json.dumps(event_body(enterprise_id=5)), JSON),
    "message channel is a number": (with_event(channel=123), JSON),
    "message text is an object": (with_event(text={"a": 1}), JSON),
    "message ts is a list": (with_event(ts=["1.2"]), JSON),
    "thread_ts is a number": (with_event(thread_ts=1.5), JSON),
    "reaction item is a string": (with_event(type="reaction_added", reaction="chair", item="x"), JSON),
    "url_verification challenge is a list": (json.dumps({"type": "url_verification", "challenge": [1]}),
                                              JSON),
    "json body sent as a form": ("payload", FORM),
    "payload=not-json": (urlencode({"payload": "not-json"}), FORM),
    "payload truncated": (interactive(json.dumps(action_payload())[:30]), FORM),
    "payload is an array": (interactive([action_payload()]), FORM),
    "payload is a number": (interactive("3"), FORM),
    "payload is null": (interactive("null"), FORM),
    "actions is a string": (interactive(action_payload(actions="not_relevant")), FORM),
    "actions holds a string": (interactive(action_payload(actions=["not_relevant"])), FORM),
    "action_id is a number": (interactive(action_payload(actions=[{"action_id": 3}])), FORM),
    "payload type is missing": (interactive({k: v for k, v in action_payload().items() if k != "type"}),
                                FORM),
    "payload team is a string": (interactive(action_payload(team=TEAM)), FORM),
    "payload user is a string": (interactive(action_payload(user="U_ALICE")), FORM),
    "payload channel is a list": (interactive(action_payload(channel=["C1"])), FORM),
    "payload container is a number": (interactive(action_payload(container=1)), FORM),
    "payload view is a string": (interactive({"type": "view_submission", "view": "v", "user": {"id": "U"},
                                              "team": {"id": TEAM}}), FORM),
    "garbage where the event should be": ('{"type": "event_callback", "event": \ufffd}', JSON),
}


def refusals(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.slack.bodies" and r.levelno >= logging.WARNING]


@pytest.mark.parametrize("name", [*MALFORMED, "bytes that are not UTF-8"])
def test_a_signed_body_that_can_never_be_handled_gets_400_and_one_line(bot, fake, caplog, name):
    with caplog.at_level(logging.DEBUG):
        if name in MALFORMED:
            reply = bot.post(*MALFORMED[name])
        else:
            raw = b'{"type": "event_callback", "team_id": "\xff\xfe"}'
            reply = post_bytes(bot, raw)
        bot.idle()
    assert reply.status == 400, (name, reply.status, reply.body)
    assert reply.seconds < 1.0
    assert not [r for r in caplog.records if r.exc_info], "a traceback in the log"
    assert len(refusals(caplog)) == 1 and "refused (400" in refusals(caplog)[0].getMessage()
    assert [c.method for c in fake.calls if c.method != "auth.test"] == []


def post_bytes(bot, raw: bytes) -> Response:
    timestamp = str(int(time.time()))
    base = f"v0:{timestamp}:".encode() + raw
    signature = "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
    request = urllib.request.Request(bot.url + "/slack/events", data=raw, method="POST", headers={
        "Content-Type": JSON, "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature})
    return _send(request)


UNHANDLED = {
    "an event the bot does not listen to": (with_event(type="emoji_changed", subtype="add", name="x"), JSON),
    "an event with a user object": (with_event(type="user_change", user={"id": "U1", "tz": "UTC"}), JSON),
    "an event with a channel object": (with_event(type="channel_created", channel={"id": "C9"}), JSON),
    "a new top-level field": (json.dumps(event_body(is_ext_shared_channel=False, context_team_id=TEAM)),
                              JSON),
    "an app_rate_limited notice": (json.dumps({"token": "legacy", "type": "app_rate_limited",
                                               "team_id": TEAM, "minute_rate_limited": 1518467820,
                                               "api_app_id": "A0FAKE"}), JSON),
    "a shortcut": (interactive({"type": "shortcut", "callback_id": "x", "trigger_id": "1",
                                "user": {"id": "U"}, "team": {"id": TEAM}, "token": "legacy"}), FORM),
    "a button from an old message": (interactive(action_payload(actions=[{"action_id": "old_button",
                                                                          "type": "button"}])), FORM),
    "a message action with null channel": (interactive(action_payload(channel=None)), FORM),
    "a slash command": (command(), FORM),
    "a slash command with empty text": (command(text=""), FORM),
}


@pytest.mark.parametrize("name", list(UNHANDLED))
def test_a_real_slack_shape_the_bot_does_not_handle_still_gets_200(bot, fake, caplog, name):
    body, content_type = UNHANDLED[name]
    body = body.replace(quote(NOWHERE, safe=""), quote(fake.response_url("x"), safe=""))
    with caplog.at_level(logging.WARNING):
        reply = bot.post(body, content_type)
        bot.idle()
    assert reply.status == 200, (name, reply.status, reply.body)
    assert not refusals(caplog)


@pytest.mark.parametrize("name", ["not json", "top-level array", "payload=not-json", "team_id is a number"])
def test_an_unsigned_malformed_body_gets_401_like_any_unsigned_one(bot, fake, caplog, name):
    body, content_type = MALFORMED[name]
    with caplog.at_level(logging.DEBUG):
        reply = bot.post(body, content_type, signature="v0=" + "0" * 64)
    assert reply.status == 401
    assert not [r for r in caplog.records if r.exc_info]
    assert "refused (401)" in refusals(caplog)[0].getMessage()
    assert [c.method for c in fake.calls if c.method != "auth.test"] == []
