"""Building the Bolt app: one factory, called by the server (and by tests), never at import.

Bolt's `App()` checks the bot token with `auth.test`, so building it at import time
would need network and secrets just to import the module.
"""

from __future__ import annotations

import html
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.error import BoltError
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from ..config import Settings
from ..errors import ConfigError, StoreUnavailable
from ..store.sqlite.installations import TooManyStates, oauth_stores
from ..voice import Voice
from . import allowed, ids
from .chair import Chair
from .checks import check_settings, uses_oauth
from .delivery import Courier
from .digest_sender import client_factory
from .installs import STATE_SECONDS, installations_path
from .listeners import register_listeners

WORKERS = 8  # listener threads; the work is mostly waiting on Slack and SQLite
RETRIES = 2
MAX_RETRY_AFTER = 20.0  # a listener waits out a 429 this long at most; a longer Retry-After drops the call
BUSY_RETRY_SECONDS = 60  # what a refused install page asks the browser to wait
BOLT_ENVIRONMENT = ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")


class AnyServerErrorRetryHandler(ServerErrorRetryHandler):
    """Retry every 5xx (502 and 504 too, not only 500 and 503)."""

    def _can_retry(self, *, state: RetryState, request: HttpRequest,
                   response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        return response is not None and 500 <= response.status_code < 600


class ShortRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Wait out a 429's Retry-After only when it is short.

    slack_sdk's own handler sleeps whatever Slack (or anything answering in its place)
    says, an hour if need be, holding one of the few listener threads; and it fails on a
    Retry-After that is not a whole number. A longer wait than `max_wait` is not worth it
    for a reply people are waiting for: the call is dropped and logged (see `api.call`).
    """

    def __init__(self, max_retry_count: int = RETRIES, max_wait: float = MAX_RETRY_AFTER) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(self, *, state: RetryState, request: HttpRequest,
                   response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        return (response is not None and response.status_code == 429
                and retry_after(response) <= self.max_wait)

    def prepare_for_next_attempt(self, *, state: RetryState, request: HttpRequest,
                                 response: HttpResponse | None = None,
                                 error: Exception | None = None) -> None:
        state.next_attempt_requested = True
        time.sleep(retry_after(response) if response is not None else 1.0)
        state.increment_current_attempt()


def retry_after(response: HttpResponse) -> float:
    """Seconds Slack asked to wait: 1 when the header is missing or not a number, inf when absurd."""
    for name, values in (response.headers or {}).items():
        if name.lower() == "retry-after":
            value = values[0] if isinstance(values, list) and values else values
            try:
                seconds = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                return 1.0
            return max(0.0, seconds) if not math.isnan(seconds) else 1.0
    return 1.0


class BotApp(App):
    """Bolt's App plus the process's one `Chair`: the listeners reach it through the Bolt
    context, and the services running beside them (digests, health, embedding) through
    `app.chair`, so a process opens one store (with PostgreSQL: one connection pool)."""

    chair: Chair


class InFlight(ThreadPoolExecutor):
    """The listener pool, counting work not yet finished so a shutdown can wait for it."""

    def __init__(self, max_workers: int = WORKERS) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="listener")
        self._pending = 0
        self._idle = threading.Condition()

    @property
    def pending(self) -> int:
        return self._pending

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._pending += 1
        try:
            return super().submit(self._run, fn, args, kwargs)
        except BaseException:
            self._done()
            raise

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            return fn(*args, **kwargs)
        finally:
            self._done()

    def _done(self) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no listener work is queued or running; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)


def web_client(settings: Settings, token: str | None = None) -> WebClient:
    """A WebClient that waits out short rate limits (Retry-After) and retries server errors."""
    return WebClient(token=token or None, base_url=settings.slack_api_url, retry_handlers=[
        ConnectionErrorRetryHandler(max_retry_count=RETRIES),
        ShortRateLimitRetryHandler(max_retry_count=RETRIES),
        AnyServerErrorRetryHandler(max_retry_count=RETRIES),
    ])


class BoundedOAuthFlow(OAuthFlow):
    """Bolt's install flow, answering 503 with a short page while too many install links are
    open (see `BoundedStateStore`), rather than failing with a 500."""

    def __init__(self, *, settings: OAuthSettings, busy_text: str) -> None:
        super().__init__(settings=settings)
        self.busy_text = busy_text

    def handle_installation(self, request: BoltRequest) -> BoltResponse:
        try:
            return super().handle_installation(request)
        except TooManyStates:
            self.logger.warning("install page refused: %d install links are open; new ones are issued "
                                "as the oldest expire", self.settings.state_store.max_states)
            body = f"<!DOCTYPE html><html><body><p>{html.escape(self.busy_text)}</p></body></html>"
            return BoltResponse(status=503, body=body, headers={
                "Content-Type": "text/html; charset=utf-8", "Retry-After": str(BUSY_RETRY_SECONDS)})


def oauth_settings(settings: Settings, db_path: Path | str, voice: Voice) -> OAuthSettings:
    installations, state_store = oauth_stores(installations_path(db_path), settings.slack_client_id,
                                              STATE_SECONDS)
    store = allowed.AllowedInstallations(installations, settings.allowed_teams)
    pages = allowed.callback_options(voice, web_client(settings), settings.slack_client_id,
                                     settings.slack_client_secret)
    return OAuthSettings(client_id=settings.slack_client_id, client_secret=settings.slack_client_secret,
                         scopes=list(ids.BOT_SCOPES), installation_store=store, state_store=state_store,
                         install_path=ids.INSTALL_PATH, redirect_uri_path=ids.REDIRECT_PATH,
                         callback_options=pages)


def create_app(settings: Settings, *, db_path: Path | str | None = None,
               logger: logging.Logger | None = None) -> BotApp:
    """The Bolt app with every listener registered.

    Raises ConfigError (naming the setting) when settings are missing or malformed,
    the database cannot be opened, or Slack rejects the bot token.
    """
    check_settings(settings)
    chair = _open_chair(settings, db_path)
    oauth = oauth_settings(settings, chair.db_path, chair.voice) if uses_oauth(settings) else None
    flow = None
    if oauth is not None:
        chair.installation_store = oauth.installation_store
        flow = BoundedOAuthFlow(settings=oauth, busy_text=chair.voice.render("slack.install_busy"))
    token = None if oauth else settings.slack_bot_token
    try:
        with _hidden_from_bolt(BOLT_ENVIRONMENT):
            app = BotApp(name="empty-chair", logger=logger, client=web_client(settings, token),
                         signing_secret=settings.slack_signing_secret, oauth_flow=flow,
                         process_before_response=True, listener_executor=InFlight())
    except BoltError as err:
        raise ConfigError(f"Slack rejected SLACK_BOT_TOKEN at {settings.slack_api_url} ({err}); copy the "
                          "Bot User OAuth Token (xoxb-...) again from OAuth & Permissions, or reinstall "
                          "the app") from None
    except (SlackClientError, OSError) as err:
        raise ConfigError(f"Could not reach Slack at SLACK_API_URL={settings.slack_api_url} to check "
                          f"SLACK_BOT_TOKEN ({err}); check the network or the URL") from None
    app.chair = chair
    installations = app.installation_store if oauth is not None else None
    chair.courier = Courier(chair, client_factory(settings, installations, settings.slack_timeout_seconds))
    app.middleware(allowed.gate(settings.allowed_teams))
    app.middleware(chair.attach)
    register_listeners(app)
    return app


@contextmanager
def _hidden_from_bolt(names: tuple[str, ...]) -> Iterator[None]:
    """Hide environment variables from Bolt while it is built: the settings decide.

    Bolt turns on its own OAuth flow when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET
    merely exist, even empty (as a copied .env.example leaves them), and warns about
    SLACK_BOT_TOKEN when it is given a client. Only used at start-up.
    """
    saved = {name: os.environ.pop(name) for name in names if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def _open_chair(settings: Settings, db_path: Path | str | None) -> Chair:
    chair = Chair(settings, db_path)
    try:
        chair.db()
    except StoreUnavailable as err:
        raise ConfigError(f"EMPTY_CHAIR_DB: {err}; point it (or --db) at a writable SQLite file") from None
    return chair
