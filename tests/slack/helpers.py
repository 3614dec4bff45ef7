"""Talking to the bot the way Slack does: signed HTTP requests to /slack/events."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from slack_bolt import App

from bot.slack.app import InFlight
from bot.store import Store, connect

from .fake_slack import DEFAULT_TEAM, FakeSlack

ROOT = Path(__file__).resolve().parents[2]

TEAM = DEFAULT_TEAM
BOT_USER = f"UBOT{TEAM}"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
USER = "U_ALICE"


def sign(secret: str, timestamp: str, body: str) -> str:
    """Slack's v0 request signature: HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


def new_channel() -> str:
    return "C" + uuid.uuid4().hex[:10].upper()


def new_ts(offset: float = 0.0) -> str:
    return f"{time.time() + offset:.6f}"


@dataclass
class Response:
    status: int
    body: str
    seconds: float
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class BotUnderTest:
    """The real bot serving HTTP on 127.0.0.1, its database, and the fake Slack behind it."""

    url: str
    fake: FakeSlack
    db_path: Path
    app: App
    secret: str = SECRET
    outbox: Any = None  # the outbox's worker (server.OutboxService), stopped with the server

    def post(self, body: str, content_type: str, *, path: str = "/slack/events",
             timestamp: str | None = None, signature: str | None = None,
             headers: dict[str, str] | None = None) -> Response:
        timestamp = timestamp or str(int(time.time()))
        all_headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
                       "X-Slack-Signature": signature or sign(self.secret, timestamp, body),
                       **(headers or {})}
        request = urllib.request.Request(self.url + path, data=body.encode(), headers=all_headers,
                                         method="POST")
        return _send(request)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return _send(urllib.request.Request(self.url + path, headers=headers or {}))

    def event(self, event: dict[str, Any], *, team: str = TEAM, event_id: str | None = None,
              retry_num: int | None = None, **post: Any) -> Response:
        body = json.dumps({
            "token": "legacy", "team_id": team, "api_app_id": "A0FAKE", "type": "event_callback",
            "event": {"event_ts": event.get("ts", new_ts()), **event},
            "event_id": event_id or "Ev" + uuid.uuid4().hex[:12].upper(),
            "event_time": int(time.time()),
            "authorizations": [{"team_id": team, "user_id": f"UBOT{team}", "is_bot": True}],
        })
        headers = post.pop("headers", {})
        if retry_num is not None:
            headers |= {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(body, "application/json", headers=headers, **post)

    def message(self, channel: str, text: str, *, ts: str | None = None, user: str = USER,
                team: str = TEAM, **extra: Any) -> Response:
        event = {"type": "message", "channel": channel, "channel_type": "channel", "user": user,
                 "text": text, "ts": ts or new_ts(), **extra}
        return self.event(event, team=team)

    def command(self, text: str, *, channel: str, user: str = USER, team: str = TEAM,
                response: str = "cmd", channel_name: str = "product-sync",
                enterprise: str | None = None) -> Response:
        body = urlencode({
            "token": "legacy", "team_id": team, "team_domain": "fake", "channel_id": channel,
            "channel_name": channel_name, "user_id": user, "user_name": user.lower(),
            "command": "/customer-voice", "text": text, "api_app_id": "A0FAKE",
            "response_url": self.fake.response_url(response), "trigger_id": "1.2.3",
            **({"enterprise_id": enterprise} if enterprise else {}),
        })
        return self.post(body, "application/x-www-form-urlencoded")

    def click(self, action_id: str, value: str, *, channel: str, user: str = USER, team: str = TEAM,
              response: str = "click", ephemeral: bool = False, user_team: str | None = None) -> Response:
        payload = {
            "type": "block_actions", "user": {"id": user, "team_id": user_team or team},
            "api_app_id": "A0FAKE",
            "team": {"id": team, "domain": "fake"}, "token": "legacy", "trigger_id": "1.2.3",
            "container": {"type": "message", "channel_id": channel, "message_ts": new_ts(),
                          "is_ephemeral": ephemeral},
            "channel": {"id": channel, "name": "product-sync"},
            "response_url": self.fake.response_url(response),
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value,
                         "action_ts": new_ts()}],
        }
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def conn(self) -> Store:
        return connect(self.db_path)

    def sql(self, query: str, params: tuple[object, ...] = ()) -> sqlite3.Cursor:
        """Read the bot's database directly, as a test inspecting the file."""
        return self.conn().connection.execute(query, params)

    def idle(self, timeout: float = 15.0) -> None:
        """Wait until the bot has finished all work it acknowledged."""
        executor = self.app.listener_runner.listener_executor
        assert isinstance(executor, InFlight)
        assert executor.wait_idle(timeout), "the bot is still busy"


def _send(request: urllib.request.Request) -> Response:
    start = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return Response(reply.status, reply.read().decode(), time.monotonic() - start,
                            {k.lower(): v for k, v in reply.headers.items()})
    except urllib.error.HTTPError as err:
        return Response(err.code, err.read().decode(), time.monotonic() - start,
                        {k.lower(): v for k, v in err.headers.items()})


def wait_until(condition: Callable[[], object], timeout: float = 3.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


@contextmanager
def serving(fake: FakeSlack, db: Path | str,
            **settings: str) -> Iterator[tuple[subprocess.Popen, str, list[str]]]:
    """`empty-chair serve` in a process of its own; `settings` are more environment variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "EMPTY_CHAIR_"))}
    env.update({"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.url,
                "EMPTY_CHAIR_LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1", **settings})
    process = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--db", str(db), "--port", "0"],
                               cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stderr.readline, "")), daemon=True)
    reader.start()
    try:
        assert wait_until(lambda: any("listening on" in line for line in lines), timeout=30), lines
        url = re.search(r"listening on (http://[\d.]+:\d+)", "".join(lines)).group(1)
        yield process, url, lines
    finally:
        if process.poll() is None:
            process.kill()
        reader.join(5)




def valid_blocks(blocks: Any) -> list[dict[str, Any]]:
    """Blocks as Slack would take them: each one parses as a known Block Kit block and passes
    slack_sdk's validation (lengths, counts, required fields); at most 50 in a message."""
    from slack_sdk.models.blocks import Block

    parsed = json.loads(blocks) if isinstance(blocks, str) else blocks
    assert isinstance(parsed, list) and 0 < len(parsed) <= 50, parsed
    for block in parsed:
        model = Block.parse(block)
        assert model is not None, f"not a Block Kit block: {block}"
        model.validate_json()
    return parsed


def reaction(bot: BotUnderTest, channel: str, ts: str, name: str, *, user: str = "U_BOB",
             team: str = TEAM) -> Response:
    """A reaction_added event: `user` added :name: to message `ts`."""
    return bot.event({"type": "reaction_added", "user": user, "reaction": name, "item_user": USER,
                      "item": {"type": "message", "channel": channel, "ts": ts}, "ts": new_ts()}, team=team)


def message_shortcut(bot: BotUnderTest, callback_id: str, channel: str, message: dict[str, Any], *,
                     user: str = "U_BOB", team: str = TEAM, response: str = "shortcut",
                     user_team: str | None = None) -> Response:
    """A signed message_action: `user` picked a message shortcut on `message` in `channel`."""
    payload = {
        "type": "message_action", "token": "legacy", "callback_id": callback_id, "trigger_id": "1.2.3",
        "action_ts": new_ts(), "team": {"id": team, "domain": "fake"},
        "user": {"id": user, "name": user.lower(), "team_id": user_team or team},
        "channel": {"id": channel, "name": "product-sync"}, "message_ts": message["ts"],
        "message": {"type": "message", "user": USER, **message},
        "response_url": bot.fake.response_url(response),
    }
    return bot.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
