"""Delivering the outbox: every post the bot owes Slack, tried until it lands or stops making sense.

A listener that decides to post calls `Courier.owe`: the post is written to the store's
outbox first, then tried at once on the listener's thread (never on the request's: Slack
already has its 200). What Slack did not take is handed back with a wait (doubling, or
the 429's `Retry-After`) and tried again by the `Courier`'s worker thread, on this replica
or another sharing the database; a restart picks up where the last process stopped. The
rules for how long a post is worth trying are `bot.outbox.Rules`.

Exactly once. Every `chat.postMessage` carries a random marker as message metadata. When a
try's outcome is unknown (the call timed out, the connection broke after the request
went out, Slack answered 500/502/504, or the process died mid-try), the next try first
reads the channel (or the thread) for that marker, as the digest ledger does, and records
the message it finds instead of posting again. A 503, a 429 and a refused connection mean
Slack did not take the post: it is tried again without looking. Replies to a
`response_url` and ephemeral notes cannot be looked for (nobody can read them back): after
an unknown outcome they are sent again once Slack answers again (`api.test`), so the asker
may rarely see one twice.

While Slack fails for a workspace, its other owed posts are held until the next try
(`Outbox.postpone`), so a dead Slack gets one call per wait rather than one per post, and
the posts go out in order once it is back.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from ..models import Post
from ..outbox import RESPONSE_URL, Rules, expired
from .api import ADVICE, CHANNEL_GONE, call
from .chair import Chair

log = logging.getLogger(__name__)

METADATA_TYPE = "empty_chair_post"
POLL_SECONDS = 1.0  # how often the worker looks for posts due (another replica's, or a retry's)
BACKLOG_LOG_SECONDS = 30.0  # how often a backlog is logged while there is one
HISTORY_PAGES = 5
HISTORY_MARGIN = 300.0  # look this far before the first try for a post that landed
LANDED = frozenset({"already_reacted"})  # an error saying the call had already been done
# Answers with ok=false that say Slack failed, not the request: tried again.
TRANSIENT = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout",
                       "ratelimited"})
RESPONSE_GONE = (404, 410)  # a response_url used up or expired


@dataclass(frozen=True)
class Outcome:
    """What one try did: `done` (with the message's ts), `retry` (Slack did not take it, or may
    not have: `unknown`), or `drop` (it can never land)."""

    status: str
    ts: str | None = None
    error: str = ""
    unknown: bool = False
    retry_after: float | None = None


def rules_of(chair: Chair) -> Rules:
    settings = chair.settings
    return Rules(quotes_seconds=settings.outbox_quotes_minutes * 60.0,
                 max_wait=float(settings.outbox_max_wait_seconds))


def marked(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A chat.postMessage payload with a marker of its own, so a try can be looked for."""
    metadata = {"event_type": METADATA_TYPE, "event_payload": {"post": uuid.uuid4().hex}}
    return {**payload, "metadata": metadata}


class Courier:
    """The process's one sender of owed posts: `owe` from listeners, a worker thread for retries."""

    def __init__(self, chair: Chair, client_for: Callable[[str, str | None], WebClient | None], *,
                 rules: Rules | None = None, timeout: float | None = None,
                 clock: Callable[[], float] = time.time, instance: str | None = None) -> None:
        self.chair = chair
        self.client_for = client_for
        self.rules = rules or rules_of(chair)
        self.timeout = float(timeout or chair.settings.slack_timeout_seconds)
        # A claim outlives a look (a few pages) and a post, each call cut off at the timeout.
        self.lease = (HISTORY_PAGES + 1) * self.timeout + 2.0
        self.clock = clock
        self.instance = instance or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._down: dict[str, float] = {}  # workspace -> until when Slack failed for it
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._logged_at = 0.0
        self._backlog = 0

    # -- owing ----------------------------------------------------------------------------------

    def owe(self, kind: str, team_id: str, method: str, payload: Mapping[str, Any],
            after: Mapping[str, Any] | None = None) -> int | None:
        """Write the post to the outbox, then try it at once unless Slack is known to be down for
        the workspace (then it waits its turn). The post's id; None when the database could
        not take it: then it is tried once, directly, so the person still gets it."""
        now = self.clock()
        if method == "chat.postMessage" and "metadata" not in payload:
            payload = marked(payload)
        held = self._down.get(team_id, 0.0)
        try:
            post_id = self.chair.db().outbox.add(kind, team_id, method, payload,
                                                 self.rules.expires_at(kind, method, now), now, after,
                                                 next_at=max(now, held))
        except Exception as err:
            log.error("could not keep a %s post for workspace %s in the outbox (%s); trying it once",
                      kind, team_id, err)
            self._try_once(Post(0, kind, team_id, method, dict(payload), now, now + 60.0))
            return None
        if held > now:
            log.info("%s post %d for workspace %s waits until Slack answers again", kind, post_id, team_id)
        else:
            self.deliver_due(post_id)
        self._wake.set()
        return post_id

    # -- the worker -----------------------------------------------------------------------------

    def start(self) -> None:
        count, _ = self._backlog_now()
        if count:
            log.info("outbox: %d post(s) owed to Slack from before; delivering them", count)
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)
        self._thread.start()

    def stop(self, wait: float = 5.0) -> None:
        self._stopped.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(wait)
        count, _ = self._backlog_now()
        if count:
            log.info("outbox: %d post(s) still owed to Slack; the next start (or another replica) "
                     "delivers them", count)

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                delivered = self.deliver_due()
                self._log_backlog()
            except Exception:  # the database is down: try again on the next round
                log.exception("outbox: delivering owed posts failed; trying again shortly")
                delivered = 0
            if not delivered:
                self._wake.wait(POLL_SECONDS)
                self._wake.clear()

    def deliver_due(self, post_id: int | None = None, limit: int = 50) -> int:
        """Claim and try due posts one at a time (each under its own lease); how many were tried."""
        tried = 0
        while tried < limit and not (post_id is None and self._stopped.is_set()):
            now = self.clock()
            claimed = self.chair.db().outbox.claim(self.instance, now, now + self.lease, 1, post_id)
            if not claimed:
                break
            self.deliver(claimed[0])
            tried += 1
            if post_id is not None:
                break
        return tried

    def wait_idle(self, timeout: float = 15.0) -> bool:
        """True once nothing due is left (tests, and a shutdown that wants to flush)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            count, _ = self._backlog_now()
            if not count:
                return True
            time.sleep(0.05)
        return False

    # -- one post -------------------------------------------------------------------------------

    def deliver(self, post: Post) -> Outcome:
        """Try one claimed post and record what happened."""
        store, now = self.chair.db(), self.clock()
        if expired(post, now):
            store.outbox.finish(post.id, self.instance, "dropped", now, note="expired")
            log.warning("%s post %d for workspace %s given up: Slack did not take it in %.0f s (%s)",
                        post.kind, post.id, post.team_id, post.expires_at - post.created_at,
                        post.note or "no answer")
            return Outcome("drop", error="expired")
        outcome = self._attempt(post)
        now = self.clock()
        if outcome.status == "done":
            if store.outbox.finish(post.id, self.instance, "done", now, ts=outcome.ts):
                self._down.pop(post.team_id, None)
                self._after(post)
                if post.attempts > 1:
                    log.info("%s post %d for workspace %s delivered after %d tries", post.kind, post.id,
                             post.team_id, post.attempts)
            return outcome
        if outcome.status == "drop":
            store.outbox.finish(post.id, self.instance, "dropped", now, note=outcome.error)
            self._refused(post, outcome.error)
            return outcome
        return self._again(post, outcome, now)

    def _again(self, post: Post, outcome: Outcome, now: float) -> Outcome:
        at = self.rules.next_try(post, now, outcome.retry_after)
        store = self.chair.db().outbox
        if at is None:
            store.finish(post.id, self.instance, "dropped", now, note=f"expired after {outcome.error}")
            log.warning("%s post %d for workspace %s given up after %d tries (%s): it expires before the "
                        "next one", post.kind, post.id, post.team_id, post.attempts, outcome.error)
            return outcome
        store.retry(post.id, self.instance, at, outcome.error, outcome.unknown)
        if post.method != RESPONSE_URL:  # Slack itself failed: the workspace's other posts wait too
            self._down[post.team_id] = at
            store.postpone(post.team_id, at)
        level = logging.WARNING if post.attempts == 1 or post.attempts % 10 == 0 else logging.INFO
        log.log(level, "%s to %s for workspace %s not delivered (%s, try %d); trying again in %.0f s%s",
                post.method, post.kind, post.team_id, outcome.error, post.attempts, at - now,
                ", after looking for it" if outcome.unknown and post.method == "chat.postMessage" else "")
        return outcome

    def _attempt(self, post: Post) -> Outcome:
        if post.method == RESPONSE_URL:
            return self._respond(post)
        client = self.client_for(post.team_id, None)
        if client is None:
            return Outcome("drop", error="no_token")
        try:
            if post.unknown and post.method == "chat.postMessage":
                ts = self._find(client, post)
                if ts is not None:
                    log.info("%s post %d had landed before (its try timed out or was cut off); not "
                             "posting it again", post.kind, post.id)
                    return Outcome("done", ts=ts)
            return self._call(client, post)
        except SlackApiError as err:
            return _api_failure(err)
        except (SlackClientError, OSError) as err:
            return Outcome("retry", error=f"{type(err).__name__}: {err}", unknown=_may_have_landed(err))

    def _call(self, client: WebClient, post: Post) -> Outcome:
        method = getattr(client, post.method.replace(".", "_"), None)
        if callable(method):
            response = method(**post.payload)
        else:
            response = client.api_call(post.method, json=dict(post.payload))
        return Outcome("done", ts=str(response.get("ts") or response.get("message_ts") or "") or None)

    def _respond(self, post: Post) -> Outcome:
        if post.unknown and not self._answering(post.team_id):
            return Outcome("retry", error="Slack is not answering yet", unknown=True)
        body = {k: v for k, v in post.payload.items() if k != "url"}
        hook = WebhookClient(str(post.payload.get("url")), timeout=int(self.timeout), retry_handlers=[])
        try:
            result = hook.send_dict(body)
        except (SlackClientError, OSError, ValueError) as err:
            return Outcome("retry", error=f"{type(err).__name__}: {err}", unknown=_may_have_landed(err))
        if result.status_code == 200:
            return Outcome("done")
        error = f"HTTP {result.status_code} {str(result.body)[:80]}".strip()
        if result.status_code == 429:
            return Outcome("retry", error=error, retry_after=_seconds(result.headers))
        if result.status_code >= 500:
            return Outcome("retry", error=error, unknown=result.status_code != 503)
        return Outcome("drop", error=error)

    def _answering(self, team_id: str) -> bool:
        """Whether Slack answers at all (`api.test`): a reply that cannot be looked for is sent
        again only then, so a Slack that holds calls gets one copy per outage, not one per try."""
        client = self.client_for(team_id, None)
        if client is None:
            return True
        try:
            client.api_test()
        except SlackApiError as err:
            return err.response.status_code < 500 and err.response.status_code != 429
        except (SlackClientError, OSError):
            return False
        return True

    def _find(self, client: WebClient, post: Post) -> str | None:
        """The ts of this post if an earlier try landed (its marker is in the channel or thread)."""
        marker = ((post.payload.get("metadata") or {}).get("event_payload") or {}).get("post")
        if not marker:
            return None
        for message in self._messages(client, post):
            meta = message.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == METADATA_TYPE and payload.get("post") == marker:
                return str(message["ts"])
        return None

    def _messages(self, client: WebClient, post: Post) -> Iterator[dict[str, Any]]:
        channel, thread = post.payload.get("channel"), post.payload.get("thread_ts")
        cursor = None
        for _ in range(HISTORY_PAGES):
            if thread:
                response = client.conversations_replies(channel=channel, ts=thread, include_all_metadata=True,
                                                        limit=200, cursor=cursor)
            else:
                oldest = f"{(post.first_try_at or post.created_at) - HISTORY_MARGIN:.6f}"
                response = client.conversations_history(channel=channel, oldest=oldest,
                                                        include_all_metadata=True, limit=200, cursor=cursor)
            yield from response.get("messages") or []
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return

    # -- after it landed, or could not ----------------------------------------------------------

    def _after(self, post: Post) -> None:
        """What the post's landing changes: the quotes it showed count as shown there; a follow-up
        (removing the private copy of a shared answer) is owed in turn."""
        shown = post.after.get("shown") or {}
        if shown.get("ids"):
            self.chair.db().channels.mark_shown(post.team_id, str(shown["channel"]),
                                                [int(i) for i in shown["ids"]])
        for then in post.after.get("then") or []:
            self.owe(str(then.get("kind", post.kind)), post.team_id, str(then["method"]), then["payload"])

    def _refused(self, post: Post, error: str) -> None:
        channel = str(post.payload.get("channel", "?"))
        advice = ADVICE.get(error, "it cannot be delivered as it is")
        log.warning("%s for %s post %d in workspace %s refused: %s; %s", post.method, post.kind, post.id,
                    post.team_id, error, advice.format(channel=channel, needed="?"))
        if error in CHANNEL_GONE and "channel" in post.payload:
            try:
                self.chair.db().channels.update(post.team_id, channel, active=0)
            except Exception:
                log.exception("could not mark channel %s inactive", channel)

    def _try_once(self, post: Post) -> None:
        """No outbox to keep the post in (the database is down): one try, nothing remembered."""
        outcome = self._attempt(post)
        if outcome.status != "done":
            log.warning("%s for workspace %s not delivered (%s), and it could not be kept to try again",
                        post.method, post.team_id, outcome.error)

    # -- the backlog ----------------------------------------------------------------------------

    def _backlog_now(self) -> tuple[int, float | None]:
        try:
            return self.chair.db().outbox.backlog(self.clock())
        except Exception:
            return 0, None

    def backlog(self) -> tuple[int, float]:
        """Posts owed to Slack (by every replica) and the age of the oldest, for `/health`."""
        count, oldest = self._backlog_now()
        return count, (self.clock() - oldest) if oldest is not None else 0.0

    def _log_backlog(self) -> None:
        now = self.clock()
        if now - self._logged_at < BACKLOG_LOG_SECONDS:
            return
        self._logged_at = now
        count, age = self.backlog()
        if count:
            log.warning("outbox: %d post(s) owed to Slack, the oldest for %.0f s", count, age)
        elif self._backlog:
            log.info("outbox: every owed post is delivered")
        self._backlog = count


def _api_failure(err: SlackApiError) -> Outcome:
    status = err.response.status_code
    error = str(err.response.get("error", "unknown_error") or "unknown_error")
    if status == 429 or error == "ratelimited":
        return Outcome("retry", error="ratelimited", retry_after=_seconds(err.response.headers))
    if status >= 500:
        return Outcome("retry", error=f"HTTP {status}", unknown=status != 503)
    if error in LANDED:
        return Outcome("done")
    if error in TRANSIENT:
        return Outcome("retry", error=error, unknown=error != "service_unavailable")
    return Outcome("drop", error=error)


def _may_have_landed(err: BaseException) -> bool:
    """False only when the request cannot have reached Slack (refused, or no such host)."""
    reason = getattr(err, "reason", err)
    return not isinstance(reason, (ConnectionRefusedError, socket.gaierror))


def _seconds(headers: Mapping[str, Any] | None) -> float:
    """Slack's Retry-After, at least a second; a missing or odd header counts as one second."""
    for name, value in (headers or {}).items():
        if str(name).lower() == "retry-after":
            value = value[0] if isinstance(value, list) and value else value
            try:
                seconds = float(value)
            except (TypeError, ValueError):
                return 1.0
            return max(1.0, seconds) if seconds == seconds else 1.0
    return 1.0


def owe(client: WebClient, chair: Chair, team_id: str, kind: str, message: dict[str, Any],
        logger: logging.Logger, after: dict[str, Any] | None = None,
        method: str = "chat.postMessage") -> int | None:
    """Hand a Web API post to the outbox; without one (a bare Chair), make the call directly."""
    message = {k: v for k, v in message.items() if v is not None}
    if chair.courier is not None:
        return chair.courier.owe(kind, team_id, method, message, after)
    call(getattr(client, method.replace(".", "_")), chair=chair, team_id=team_id, logger=logger, **message)
    return None
