"""Requests to `/slack/events` whose body can never be handled, answered before Bolt sees them.

Bolt parses a body before it checks anything else, and a body that is not JSON, or JSON of
the wrong shape (a top-level array, `event` as a list, `team_id` as a number, an
interactivity `payload=not-json`, `actions` as a string), ends in a traceback and a 500,
which Slack answers by sending the same body again. Here such a body gets a 400 and one
log line, and no listener runs. The checks are only of what Slack's shapes guarantee
(and the bot relies on): an event or payload Slack sends that the bot has no listener for
still gets its 200. An unsigned request is a stranger's, whatever its body: 401, as
Bolt answers every unsigned request, and nothing about what was wrong with it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest

log = logging.getLogger(__name__)

SIGNATURE_AGE = 300  # seconds a request's timestamp may be off, as Bolt allows

# field -> the JSON types Slack sends it as; checked only where the field is present.
STR, DICT, LIST, OPT_STR, OPT_DICT = (str,), (dict,), (list,), (str, type(None)), (dict, type(None))
ENVELOPE = {"type": STR, "token": STR, "team_id": STR, "api_app_id": STR, "event": DICT, "event_id": STR,
            "authorizations": LIST, "enterprise_id": OPT_STR, "challenge": STR, "event_context": STR}
EVENT = {"type": STR, "channel": (str, dict), "user": (str, dict, type(None)), "text": STR, "ts": STR,
         "thread_ts": STR, "subtype": STR, "bot_id": STR, "channel_type": STR, "item": DICT, "reaction": STR,
         "message": DICT, "previous_message": DICT, "event_ts": STR}
PAYLOAD = {"type": STR, "team": OPT_DICT, "user": DICT, "channel": OPT_DICT, "container": DICT,
           "actions": LIST, "response_url": STR, "trigger_id": STR, "view": DICT, "message": DICT,
           "api_app_id": STR, "token": STR, "enterprise": OPT_DICT, "callback_id": STR}
ACTION = {"action_id": STR, "block_id": STR, "type": STR, "value": STR, "action_ts": STR}
ID_HOLDERS = ("team", "user", "channel", "enterprise")  # payload objects whose `id` is a string


def problem(raw: str, content_type: str | None) -> str | None:
    """What makes a body impossible to handle, in a few words; None when it has Slack's shape."""
    if not raw:
        return None
    if content_type == "application/json" or raw.startswith("{"):
        return _envelope(_json(raw, "body"))
    if "payload" in raw:  # Bolt reads any form naming `payload` as interactivity
        payload = dict(parse_qsl(raw, keep_blank_values=True)).get("payload")
        return _payload(_json(payload, "payload")) if payload is not None else None
    return None  # a slash command: a form, every value a string


def _json(text: str | None, where: str) -> Any:
    try:
        return json.loads(text or "", parse_constant=_no_constant)
    except (ValueError, RecursionError) as err:
        return Problem(f"{where} is not JSON ({str(err)[:60]})")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


class Problem(str):
    "What was found wrong while reading a body"


def _envelope(body: Any) -> str | None:
    if isinstance(body, Problem):
        return body
    if not isinstance(body, dict):
        return f"the body is a JSON {_kind(body)}, not an object"
    wrong = _fields(body, ENVELOPE, "")
    if wrong:
        return wrong
    if body.get("type") == "event_callback" and "event" not in body:
        return "an event_callback without its event"
    if any(not isinstance(a, dict) for a in body.get("authorizations") or []):
        return "authorizations holds something other than objects"
    event = body.get("event")
    if event is None:
        return None
    if not isinstance(event.get("type"), str):
        return "event.type is missing or not a string"
    return _fields(event, EVENT, "event.")


def _payload(payload: Any) -> str | None:
    if isinstance(payload, Problem):
        return payload
    if not isinstance(payload, dict):
        return f"payload is a JSON {_kind(payload)}, not an object"
    if not isinstance(payload.get("type"), str):
        return "payload.type is missing or not a string"
    wrong = _fields(payload, PAYLOAD, "payload.")
    if wrong:
        return wrong
    for name in ID_HOLDERS:
        holder = payload.get(name)
        if isinstance(holder, dict) and not isinstance(holder.get("id", ""), (str, type(None))):
            return f"payload.{name}.id is a {_kind(holder['id'])}, not a string"
    for number, action in enumerate(payload.get("actions") or []):
        if not isinstance(action, dict):
            return f"payload.actions[{number}] is a {_kind(action)}, not an object"
        wrong = _fields(action, ACTION, f"payload.actions[{number}].")
        if wrong:
            return wrong
    return None


def _fields(record: Mapping[str, Any], types: Mapping[str, tuple[type, ...]], prefix: str) -> str | None:
    for name, allowed in types.items():
        if name in record and not isinstance(record[name], allowed):
            return f"{prefix}{name} is a {_kind(record[name])}"
    return None


def _kind(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number",
             type(None): "null"}
    return names.get(type(value), type(value).__name__)


class CheckedRequestHandler(SlackRequestHandler):
    """Bolt's WSGI handler, with bodies that can never be handled refused first (see above), and
    a signed request no listener wanted (a shortcut, an `app_rate_limited` notice) answered
    200 rather than Bolt's 404, which Slack would count as a failure and retry."""

    def __init__(self, app: App, path: str, signing_secret: str) -> None:
        super().__init__(app, path)
        self.secret = signing_secret.encode()

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        raw = _read(request)
        headers = request.get_headers()
        content_type = str(headers.get("content-type") or "").split(";")[0].strip() or None
        try:
            body = raw.decode("utf-8")
            wrong = problem(body, content_type)
        except UnicodeDecodeError:
            body, wrong = "", "the body is not UTF-8"
        if wrong is not None:
            return self._refuse(raw, headers, content_type, wrong)
        response = self.app.dispatch(BoltRequest(body=body, query=request.query_string, headers=headers))
        if response.status == 404:  # signed (Bolt answers 401 first), but no listener wanted it
            log.debug("no listener for a request to %s; acknowledged", self.path)
            return BoltResponse(status=200, body="")
        return response

    def _refuse(self, raw: bytes, headers: Mapping[str, Any], content_type: str | None,
                wrong: str) -> BoltResponse:
        if not self._signed(raw, headers):
            log.warning("unsigned request to %s refused (401)", self.path)
            return BoltResponse(status=401, body='{"error": "invalid request"}')
        log.warning("signed request to %s refused (400, %d bytes, %s): %s; it can never be handled, so "
                    "Slack is not asked to send it again", self.path, len(raw),
                    content_type or "no content type", wrong)
        return BoltResponse(status=400, body='{"error": "malformed request"}')


    def _signed(self, raw: bytes, headers: Mapping[str, Any]) -> bool:
        """Slack's v0 signature over the raw bytes (slack_sdk's verifier needs UTF-8 text)."""
        timestamp, signature = headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature")
        try:
            fresh = abs(time.time() - int(str(timestamp))) <= SIGNATURE_AGE
        except ValueError:
            return False
        base = b"v0:" + str(timestamp).encode() + b":" + raw
        expected = "v0=" + hmac.new(self.secret, base, hashlib.sha256).hexdigest()
        return fresh and isinstance(signature, str) and hmac.compare_digest(expected, signature)


def _read(request: WsgiHttpRequest) -> bytes:
    stream = request.environ.get("wsgi.input")
    if stream is None:
        return b""
    return bytes(stream.read(int(request.environ.get("CONTENT_LENGTH") or 0)))
