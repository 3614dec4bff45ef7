"""A local stand-in for Slack's Web API and response URLs, for end-to-end tests.

It listens on 127.0.0.1 (a random port), records every call (method, parameters
from a form or JSON body, headers) and answers like Slack does for the methods the
bot uses. Failures can be injected for the next N calls of a method: an HTTP status
(429 with Retry-After, 500) or an `{"ok": false, "error": ...}` answer. An outage lasts a
window of time instead (`outage`): every call (response URLs too) answers 503, or 429 with
Retry-After, or hangs until the window ends and is then handled as usual (so a post whose
caller gave up waiting lands anyway, as with a real Slack that was slow, not down), or
dropped (a Slack that lost it).

Messages the bot posts are kept (with their metadata) and come back from
conversations.history and conversations.replies, as in Slack; files_upload_v2's three
steps (get an upload URL, POST the bytes there, complete the upload) are answered too.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

DEFAULT_TEAM = "T0TEST"
DEFAULT_TZ = "America/Los_Angeles"  # what users.info says when a test sets no zone


@dataclass
class Call:
    """One request the bot made."""

    method: str  # "chat.postMessage", or "response" for a POST to a response_url
    params: dict[str, Any]
    headers: dict[str, str]
    path: str
    ok: bool = True
    at: float = field(default_factory=time.time)

    @property
    def token(self) -> str:
        auth = self.headers.get("authorization", "")
        return auth.removeprefix("Bearer ").strip() or str(self.params.get("token", ""))

    def json(self, name: str) -> Any:
        """A parameter the SDK sent JSON-encoded in a form (blocks, view)."""
        value = self.params.get(name)
        return json.loads(value) if isinstance(value, str) else value


@dataclass
class Outage:
    until: float
    mode: str  # "503", "429", "hang" or "blackhole"
    retry_after: int = 1
    methods: frozenset[str] = frozenset()  # empty: every method and response URL

    def __post_init__(self) -> None:
        self._turn = threading.Condition()
        self._arrived = 0
        self._done = 0

    def covers(self, method: str) -> bool:
        return time.time() < self.until and (not self.methods or method in self.methods)

    def hold(self) -> None:
        """Hold a call until the window ends; then let the held calls through in the order they
        came (one after the other, as a recovering Slack works through what it was sent)."""
        with self._turn:
            ticket = self._arrived
            self._arrived += 1
        while time.time() < self.until:
            time.sleep(0.02)
        with self._turn:
            self._turn.wait_for(lambda: self._done >= ticket, timeout=5)

    def release(self) -> None:
        """A held call was answered: the next one may go."""
        with self._turn:
            self._done += 1
            self._turn.notify_all()


@dataclass
class Failure:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    delay: float = 0.0


def team_of_token(token: str) -> str:
    """Tokens minted by the fake name their workspace: xoxb-T123-... belongs to T123."""
    parts = token.split("-")
    if len(parts) >= 3 and parts[0] == "xoxb" and parts[1].startswith("T"):
        return parts[1]
    return DEFAULT_TEAM


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.lock = threading.Lock()
        self.failures: dict[str, deque[Failure]] = defaultdict(deque)
        self.delays: dict[str, float] = {}
        self.outages: list[Outage] = []
        self.messages: dict[str, list[dict[str, Any]]] = defaultdict(list)  # channel -> messages
        self.channel_info: dict[str, dict[str, Any]] = {}  # name, topic, purpose, is_archived, is_member,
        # is_private
        self.user_tz: dict[str, str] = {}  # users.info tz; DEFAULT_TZ otherwise
        self.bots: set[str] = set()  # users.info says is_bot for these
        self.reactions: dict[tuple[str, str], set[str]] = defaultdict(set)  # (channel, ts) -> names
        self.users: dict[str, dict[str, Any]] = {}  # users.info extras: team_id (DEFAULT_TEAM), is_admin
        self.teams: dict[str, str] = {}  # team.info names of other organisations; "Team T..." otherwise
        self.uploads: dict[str, bytes] = {}  # file id -> bytes POSTed to its upload URL
        self._ts = itertools.count(1)
        self.websocket_url = "ws://127.0.0.1:9/link"  # tests that need Socket Mode replace it
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.failures.clear()
            self.delays.clear()
            self.outages.clear()
            self.messages.clear()
            self.channel_info.clear()
            self.user_tz.clear()
            self.bots.clear()
            self.reactions.clear()
            self.users.clear()
            self.teams.clear()
            self.uploads.clear()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        """The Web API base URL (SLACK_API_URL)."""
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    # -- scripting -------------------------------------------------------------------------------

    def fail(self, method: str, times: int = 1, *, status: int = 200, error: str | None = None,
             retry_after: int | None = None) -> None:
        """Make the next `times` calls of `method` fail (HTTP `status`, or ok=false `error`)."""
        if status == 200 and error is None:
            raise ValueError("give an HTTP status or an error")
        with self.lock:
            for _ in range(times):
                self.failures[method].append(Failure(status, error, retry_after))

    def outage(self, seconds: float, mode: str = "503", *, retry_after: int = 1,
               methods: tuple[str, ...] = ()) -> Outage:
        """From now for `seconds`, every call (or those of `methods`; "response" for response
        URLs) answers 503, or 429 with `retry_after`, or hangs until the window ends and is then
        handled ("hang": what the caller gave up on lands anyway) or dropped ("blackhole")."""
        if mode not in ("503", "429", "hang", "blackhole"):
            raise ValueError(f"unknown outage mode {mode!r}")
        outage = Outage(time.time() + seconds, mode, retry_after, frozenset(methods))
        with self.lock:
            self.outages.append(outage)
        return outage

    def end_outages(self) -> None:
        with self.lock:
            for outage in self.outages:
                outage.until = 0.0

    def _outage(self, method: str) -> Outage | None:
        if method == "auth.test":  # the bot's start-up check; outages are about what it posts
            return None
        with self.lock:
            return next((o for o in self.outages if o.covers(method)), None)

    def delay(self, method: str, seconds: float) -> None:
        """Answer every call of `method` only after `seconds` (a slow Slack)."""
        self.delays[method] = seconds

    def add_message(self, channel: str, ts: str, text: str, user: str = "U_ALICE",
                    thread_ts: str | None = None, **extra: Any) -> None:
        message = {"type": "message", "ts": ts, "text": text, "user": user, **extra}
        if thread_ts:
            message["thread_ts"] = thread_ts
        self.messages[channel].append(message)

    # -- inspecting ------------------------------------------------------------------------------

    def calls_to(self, method: str, ok: bool | None = True, path: str | None = None,
                 **match: Any) -> list[Call]:
        """Recorded calls of `method` whose parameters include `match` (successful ones by default)."""
        with self.lock:
            found = [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)
                     and (path is None or c.path == path)]
        return [c for c in found if all(str(c.params.get(k)) == str(v) for k, v in match.items())]

    def responses(self, name: str) -> list[Call]:
        """What the bot sent to the response_url `name` (see `response_url`)."""
        return self.calls_to("response", path=f"/response/{name}")

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0, path: str | None = None,
                 **match: Any) -> list[Call]:
        """Poll until at least `count` matching calls were made; fails the test on timeout."""
        deadline = time.time() + timeout
        while True:
            found = self.calls_to(method, path=path, **match)
            if len(found) >= count:
                return found
            if time.time() > deadline:
                raise AssertionError(f"expected {count} call(s) to {method} {match or ''}, got "
                                     f"{len(found)}; all calls: {[c.method for c in self.calls]}")
            time.sleep(0.02)

    # -- answering -------------------------------------------------------------------------------

    def next_ts(self) -> str:
        return f"{time.time():.0f}.{next(self._ts):06d}"

    def answer(self, method: str, params: dict[str, Any], token: str) -> dict[str, Any]:
        handler = getattr(self, "api_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        return handler(params, token)

    def api_auth_test(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        if not token.startswith("xoxb-") or token.endswith("-bad"):
            return {"ok": False, "error": "invalid_auth"}
        team = team_of_token(token)
        return {"ok": True, "url": f"https://{team.lower()}.example.slack.com/", "team": f"Team {team}",
                "user": "empty-chair", "team_id": team, "user_id": f"UBOT{team}", "bot_id": f"BBOT{team}",
                "is_enterprise_install": False}

    def api_api_test(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        return {"ok": True, "args": params}

    def api_chat_postMessage(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        ts = self.next_ts()
        message = {"type": "message", "text": params.get("text", ""), "ts": ts,
                   "bot_id": f"BBOT{team_of_token(token)}", "user": f"UBOT{team_of_token(token)}"}
        metadata = params.get("metadata")
        if metadata:
            message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
        if params.get("thread_ts"):
            message["thread_ts"] = str(params["thread_ts"])
        with self.lock:
            self.messages[str(params.get("channel"))].append(message)
        return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": message}

    def api_chat_postEphemeral(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        return {"ok": True, "message_ts": self.next_ts()}

    def api_chat_getPermalink(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        channel, ts = params.get("channel"), str(params.get("message_ts", ""))
        return {"ok": True, "channel": channel,
                "permalink": f"https://example.slack.com/archives/{channel}/p{ts.replace('.', '')}"}

    def api_conversations_info(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        channel = str(params.get("channel"))
        info = self.channel_info.get(channel, {})
        return {"ok": True, "channel": {
            "id": channel, "name": info.get("name", "product-sync"), "is_channel": True,
            "is_member": info.get("is_member", True), "is_archived": info.get("is_archived", False),
            "is_private": info.get("is_private", False),
            # Slack Connect: shared with another organisation, and which teams are in it
            "is_ext_shared": info.get("is_ext_shared", False),
            "shared_team_ids": info.get("shared_team_ids", [team_of_token(token)]),
            "context_team_id": team_of_token(token),
            "topic": {"value": info.get("topic", ""), "creator": "U_ALICE", "last_set": 0},
            "purpose": {"value": info.get("purpose", ""), "creator": "U_ALICE", "last_set": 0}}}

    def api_conversations_history(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        latest = float(params.get("latest") or "inf")
        inclusive = str(params.get("inclusive", "")).lower() in ("1", "true")
        found = [m for m in self.messages[str(params.get("channel"))]
                 if not m.get("thread_ts") or m["thread_ts"] == m["ts"]]
        found = [m for m in found if float(m["ts"]) < latest or (inclusive and float(m["ts"]) == latest)]
        found = [m for m in found if float(m["ts"]) >= float(params.get("oldest") or 0)]
        found.sort(key=lambda m: float(m["ts"]), reverse=True)
        limit = int(params.get("limit") or 100)
        return {"ok": True, "messages": found[:limit], "has_more": len(found) > limit}

    def api_conversations_replies(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        ts = str(params.get("ts"))
        every = self.messages[str(params.get("channel"))]
        target = next((m for m in every if m["ts"] == ts), None)
        if target is None:
            return {"ok": False, "error": "thread_not_found"}
        root = target.get("thread_ts") or ts
        thread = [m for m in every if m["ts"] == root or m.get("thread_ts") == root]
        oldest = float(params.get("oldest") or 0)
        thread = [thread[0]] + [m for m in thread[1:] if float(m["ts"]) >= oldest] if thread else []
        return {"ok": True, "messages": thread[: int(params.get("limit") or 100)]}

    def api_views_publish(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        return {"ok": True, "view": {"id": "V1", "type": "home"}}

    def api_users_info(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        user = str(params.get("user"))
        return {"ok": True, "user": {"id": user, "name": user.lower(), "real_name": f"User {user}",
                                     "tz": self.user_tz.get(user, DEFAULT_TZ), "is_bot": user in self.bots,
                                     "team_id": DEFAULT_TEAM, "is_admin": False, "is_owner": False,
                                     **self.users.get(user, {})}}

    def api_team_info(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        team = str(params.get("team") or team_of_token(token))
        return {"ok": True, "team": {"id": team, "name": self.teams.get(team, f"Team {team}"),
                                     "domain": team.lower()}}

    def api_reactions_add(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        key = (str(params.get("channel")), str(params.get("timestamp")))
        name = str(params.get("name"))
        with self.lock:
            if name in self.reactions[key]:
                return {"ok": False, "error": "already_reacted"}
            self.reactions[key].add(name)
        return {"ok": True}

    def api_reactions_remove(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        key = (str(params.get("channel")), str(params.get("timestamp")))
        with self.lock:
            if str(params.get("name")) not in self.reactions[key]:
                return {"ok": False, "error": "no_reaction"}
            self.reactions[key].discard(str(params.get("name")))
        return {"ok": True}

    def api_files_getUploadURLExternal(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        file_id = f"F{next(self._ts):08d}"
        return {"ok": True, "file_id": file_id, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}"}

    def api_files_completeUploadExternal(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        files = json.loads(params["files"]) if isinstance(params.get("files"), str) else params.get("files")
        missing = [f["id"] for f in files or [] if f["id"] not in self.uploads]
        if not files or missing:
            return {"ok": False, "error": "file_upload_not_found"}
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title"), "name": f.get("title"),
                                       "size": len(self.uploads[f["id"]])} for f in files]}

    def api_apps_connections_open(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        if not token.startswith("xapp-") or token.endswith("-bad"):
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True, "url": self.websocket_url}

    def api_oauth_v2_access(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        # The test's code names the workspace, and its Enterprise Grid organisation if it has
        # one: "code-T111", "code-T333-E444".
        code = str(params.get("code", ""))
        team, _, enterprise = (code.removeprefix("code-") or DEFAULT_TEAM).partition("-")
        return {"ok": True, "app_id": "A0FAKE", "authed_user": {"id": "U_INSTALLER"},
                "scope": "chat:write,commands", "token_type": "bot",
                "access_token": f"xoxb-{team}-bot", "bot_user_id": f"UBOT{team}",
                "team": {"id": team, "name": f"Team {team}"},
                "enterprise": {"id": enterprise, "name": f"Org {enterprise}"} if enterprise else None,
                "is_enterprise_install": False}

    def api_apps_uninstall(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        return {"ok": True}

    # -- HTTP --------------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802
                self._handle(b"")

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                self._handle(self.rfile.read(length))

            def _handle(self, raw: bytes) -> None:
                path = urlparse(self.path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                if path.path.startswith("/upload/"):  # files_upload_v2's step 2: the raw bytes
                    with fake.lock:
                        fake.uploads[path.path.removeprefix("/upload/")] = raw
                    return self._record_and_send(Call("upload", {"bytes": len(raw)}, headers, path.path),
                                                 200, f"OK - {len(raw)}")
                params = dict(parse_qsl(path.query))
                params.update(_parse_body(raw, self.headers.get("content-type", "")))
                method = "response" if path.path.startswith("/response/") else path.path.removeprefix("/api/")
                call = Call(method, params, headers, path.path)
                outage = fake._outage(method)
                if outage is not None and outage.mode not in ("hang", "blackhole"):
                    return self._fail(call, Failure(int(outage.mode), "service_unavailable"
                                                    if outage.mode == "503" else "ratelimited",
                                                    outage.retry_after))
                if outage is not None:  # held until the window ends, then handled in turn
                    outage.hold()
                    call.at = time.time()  # when it was handled, not when it came in
                    if outage.mode == "blackhole":  # or never: the connection just closes
                        outage.release()
                        self.close_connection = True
                        return None
                try:
                    self._answer(call)
                finally:
                    if outage is not None:
                        outage.release()

            def _answer(self, call: Call) -> None:
                method, params = call.method, call.params
                if method == "response":
                    return self._record_and_send(call, 200, "ok")
                with fake.lock:
                    failure = fake.failures[method].popleft() if fake.failures[method] else None
                if fake.delays.get(method):
                    time.sleep(fake.delays[method])
                if failure is not None:
                    return self._fail(call, failure)
                answer = fake.answer(method, params, call.token)
                call.ok = bool(answer.get("ok"))
                self._record_and_send(call, 200, json.dumps(answer))
                return None

            def _fail(self, call: Call, failure: Failure) -> None:
                call.ok = False
                body = json.dumps({"ok": False, "error": failure.error or
                                   ("ratelimited" if failure.status == 429 else "internal_error")})
                headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
                try:
                    self._record_and_send(call, failure.status, body, headers)
                except OSError:  # the caller gave up waiting
                    pass

            def _record_and_send(self, call: Call, status: int, body: str,
                                 headers: dict[str, str] | None = None) -> None:
                with fake.lock:
                    fake.calls.append(call)
                data = body.encode()
                self.send_response(status)
                kind = "application/json" if body.startswith("{") else "text/plain"
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                try:
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the caller gave up waiting (a hung call): what it did stands
                    pass

        return Handler


def _parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    text = raw.decode("utf-8", "replace")
    if "json" in content_type or text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return {"_raw": text}
        return data if isinstance(data, dict) else {"_json": data}
    return dict(parse_qsl(text, keep_blank_values=True))
