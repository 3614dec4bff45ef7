"""Slack hygiene: retries, signatures, Web API failures."""

from __future__ import annotations

import importlib
import json
import logging
import time

import pytest
from slack_sdk.http_retry.response import HttpResponse

from bot.slack.app import retry_after

from .helpers import BOT_USER, TEAM, new_channel, sign


def join_event(channel: str) -> dict:
    return {"type": "member_joined_channel", "user": BOT_USER, "channel": channel, "channel_type": "C",
            "team": TEAM}


def feedback_rows(bot) -> int:
    return bot.sql("SELECT count(*) FROM feedback").fetchone()[0]


def test_slack_retry_of_an_event_posts_once(bot, fake):
    channel = new_channel()
    assert bot.event(join_event(channel), event_id="Ev0RETRY1").status == 200
    for attempt in (1, 2, 3):
        assert bot.event(join_event(channel), event_id="Ev0RETRY1", retry_num=attempt).status == 200
    fake.wait_for("chat.postMessage", channel=channel)
    bot.idle()
    assert len(fake.calls_to("chat.postMessage", channel=channel)) == 1


def test_forged_signature_is_rejected_and_changes_nothing(bot, fake):
    before = feedback_rows(bot)
    body = "command=%2Fcustomer-voice&text=add+%22forged%22&team_id=T0TEST&channel_id=C1&user_id=U1"
    result = bot.post(body, "application/x-www-form-urlencoded", signature="v0=" + "0" * 64)
    assert result.status == 401
    wrong_secret = sign("not-the-secret", str(int(time.time())), body)
    assert bot.post(body, "application/x-www-form-urlencoded", signature=wrong_secret).status == 401
    bot.idle()
    assert feedback_rows(bot) == before
    assert [c.method for c in fake.calls if c.method != "auth.test"] == []


def test_stale_timestamp_is_rejected(bot, fake):
    channel = new_channel()
    stale = str(int(time.time()) - 10 * 60)
    body = json.dumps({"type": "event_callback", "team_id": TEAM, "event_id": "Ev0STALE",
                       "event": join_event(channel)})
    result = bot.post(body, "application/json", timestamp=stale, signature=sign(bot.secret, stale, body))
    assert result.status == 401
    bot.idle()
    assert not fake.calls_to("chat.postMessage", channel=channel)
    assert bot.conn().channels.get(TEAM, channel) is None


def test_rate_limited_post_is_retried_and_lands_once(bot, fake):
    channel = new_channel()
    fake.fail("chat.postMessage", status=429, retry_after=1)
    bot.event(join_event(channel))
    posts = fake.wait_for("chat.postMessage", channel=channel, timeout=15)
    bot.idle()
    assert len(posts) == 1
    assert len(fake.calls_to("chat.postMessage", ok=False, channel=channel)) == 1
    failed, landed = (c for c in fake.calls if c.method == "chat.postMessage")
    assert landed.at - failed.at >= 1.0  # waited for Retry-After


def test_server_error_is_retried(bot, fake):
    channel = new_channel()
    fake.fail("chat.postMessage", status=500)
    bot.event(join_event(channel))
    fake.wait_for("chat.postMessage", channel=channel, timeout=15)
    bot.idle()
    assert len(fake.calls_to("chat.postMessage", channel=channel)) == 1


def test_archived_channel_is_logged_marked_inactive_and_the_bot_keeps_going(bot, fake, caplog):
    channel = new_channel()
    fake.fail("chat.postMessage", error="is_archived")
    with caplog.at_level(logging.WARNING):
        assert bot.event(join_event(channel)).status == 200
        bot.idle()
    assert "is_archived" in caplog.text and "unarchive" in caplog.text
    assert not bot.conn().channels.get(TEAM, channel).active
    # the next request is answered as usual
    result = bot.command("help", channel=channel, response="after")
    assert result.status == 200
    assert fake.wait_for("response", path="/response/after")


def test_api_errors_are_logged_with_what_to_do(bot, fake, caplog):
    advice = {"not_in_channel": "/invite", "channel_not_found": "invite the bot again",
              "invalid_auth": "SLACK_BOT_TOKEN", "token_revoked": "reinstall"}
    with caplog.at_level(logging.WARNING):
        for error in advice:
            fake.fail("chat.postMessage", error=error)
            bot.event(join_event(new_channel()))
            bot.idle()
    for error, hint in advice.items():
        assert any(error in r.getMessage() and hint in r.getMessage() for r in caplog.records), error
    assert bot.command("help", channel=new_channel(), response="alive").status == 200
    assert fake.wait_for("response", path="/response/alive")


def test_a_failing_listener_does_not_stop_the_bot(bot, fake, monkeypatch, caplog):
    joined = importlib.import_module("bot.slack.listeners.events.member_joined_channel")

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(joined, "introduce", broken)
    with caplog.at_level(logging.ERROR):
        assert bot.event(join_event(new_channel())).status == 200
        bot.idle()
    assert "boom" in caplog.text
    assert bot.command("help", channel=new_channel(), response="still").status == 200
    assert fake.wait_for("response", path="/response/still")


def test_url_verification_challenge(bot, fake):
    result = bot.post(json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"}),
                      "application/json")
    assert result.status == 200 and "abc123" in result.body


def test_unknown_paths_are_404(bot, fake):
    assert bot.get("/").status == 404
    assert bot.get("/slack/install").status == 404  # no installs in single-workspace mode


def test_a_long_retry_after_is_not_waited_out_in_a_listener(bot, fake, caplog):
    """A 429 with Retry-After: 3600 must not hold a listener thread for an hour: the call is
    dropped at once, and logged with what happened."""
    channel = new_channel()
    fake.fail("chat.postMessage", status=429, retry_after=3600)
    with caplog.at_level(logging.WARNING):
        assert bot.event(join_event(channel)).status == 200
        bot.idle(timeout=10)
    assert [c.ok for c in fake.calls_to("chat.postMessage", ok=None, channel=channel)] == [False]
    assert "ratelimited" in caplog.text


@pytest.mark.parametrize("header, seconds", [
    (["3"], 3.0), (["0.5"], 0.5), (["-5"], 0.0), (["abc"], 1.0), (["nan"], 1.0), ([""], 1.0),
    (["inf"], float("inf")), (["1e400"], float("inf")), ([], 1.0), (None, 1.0),
])
def test_retry_after_reads_any_header_without_failing(header, seconds):
    headers = {"Retry-After": header} if header is not None else {}
    assert retry_after(HttpResponse(status_code=429, headers=headers)) == seconds


def test_a_retry_after_that_is_not_a_number_is_waited_a_second(bot, fake):
    channel = new_channel()
    fake.fail("chat.postMessage", status=429, retry_after="soon")
    bot.event(join_event(channel))
    fake.wait_for("chat.postMessage", channel=channel, timeout=15)
    bot.idle()
    assert [c.ok for c in fake.calls_to("chat.postMessage", ok=None, channel=channel)] == [False, True]
