"""Running the bot: Socket Mode when SLACK_APP_TOKEN is set, else an HTTP server with
Slack's one endpoint, `/slack/events` (plus the install pages in multi-workspace mode).

On SIGTERM or Ctrl-C it stops taking requests, waits for the work of every request it
already acknowledged (a post Slack will not send again), then exits.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError, SlackClientError
from waitress import wasyncore
from waitress.server import create_server

from ..config import Settings, database
from ..digests.scheduler import DigestScheduler
from ..errors import ConfigError
from ..search import semantic
from . import ids
from .app import BotApp, InFlight, create_app
from .bodies import CheckedRequestHandler
from .chair import PRUNE_EVERY, Chair
from .checks import uses_oauth, uses_socket_mode
from .digest_sender import DigestSender, Pacer, client_factory
from .hands import sweep
from .logs import redact_handlers

DRAIN_SECONDS = 25.0  # under the usual 30 s a process manager allows after SIGTERM
PING_SECONDS = 10.0
PRUNE_JOB = "prune"
HANDS_JOB = "hands"
HAND_SWEEP_SECONDS = 60

log = logging.getLogger(__name__)


class Service(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


def run(settings: Settings, db_path: Path | str | None = None, host: str | None = None,
        port: int | None = None) -> None:
    """Serve until SIGTERM/SIGINT; raises ConfigError for settings that cannot work."""
    settings = replace(settings, db_path=database(db_path) if db_path else settings.db_path,
                       host=host or settings.host, port=settings.port if port is None else port)
    configure_logging(settings.log_level)
    # the embedder service builds the index; a model folder lacking its files is refused here
    semantic.switch(settings.semantic, wait_for_index=False, model=settings.model)
    app = create_app(settings)
    stop = threading.Event()
    previous = _on_signals(stop)
    try:
        services = start_services(app, settings)
        try:
            stop.wait()
            log.info("stopping: no new requests; finishing the ones already acknowledged")
        finally:
            shutdown(app, services)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    log.info("stopped")


def configure_logging(level: str) -> None:
    """Log to stderr at `level`; every handler redacts OAuth codes, states and tokens."""
    logging.basicConfig(level=getattr(logging, level, logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(getattr(logging, level, logging.INFO))
    redact_handlers()
    # APScheduler logs every run of the minutely digest sync at INFO; its warnings still show.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, getattr(logging, level, logging.INFO)))


def _on_signals(stop: threading.Event) -> dict[int, Any]:
    previous = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, lambda *_: stop.set())
    return previous


def start_services(app: BotApp, settings: Settings) -> list[Service]:
    """HTTP, Socket Mode, or both (Socket Mode with installs needs the install pages); the
    digest scheduler, listed first so a shutdown stops it first; and, with search by meaning,
    the background embedder.

    Every service uses the app's one Chair, so the process holds one store: with
    PostgreSQL, one pool of connections rather than one per service.
    """
    services: list[Service] = [DigestService(app, settings), OutboxService(app.chair)]
    if semantic.available():
        services.append(EmbedderService(app.chair))
    try:
        if uses_socket_mode(settings):
            services.append(SocketModeService(app, settings.slack_app_token))
        if not uses_socket_mode(settings) or uses_oauth(settings):
            services.append(HttpService(app, settings.host, settings.port, healthy=_health(app.chair),
                                        backlog=app.chair.courier.backlog))
        for service in services:
            service.start()
    except BaseException:
        shutdown(app, services)
        raise
    return services


def _health(chair: Chair) -> Callable[[], bool]:
    return lambda: chair.db().ping()


def shutdown(app: App, services: list[Service], drain_seconds: float = DRAIN_SECONDS) -> None:
    for service in services:
        try:
            service.stop()
        except Exception:
            log.exception("stopping %s failed", type(service).__name__)
    executor = app.listener_runner.listener_executor
    if isinstance(executor, InFlight):
        if executor.pending:
            log.info("waiting for %d acknowledged request(s) to finish", executor.pending)
        if not executor.wait_idle(drain_seconds):
            log.warning("gave up after %.0f s with %d request(s) unfinished", drain_seconds,
                        executor.pending)
    executor.shutdown(wait=False)


MAX_BODY_BYTES = 1 << 20  # Slack's payloads are a few kilobytes; anything near this is not Slack
HTTP_THREADS = 8  # requests are acknowledged in milliseconds and the work runs elsewhere (lazy listeners)
CONNECTION_LIMIT = 200
IDLE_SECONDS = 30  # an idle or slow connection (headers trickling in) is closed after this
HEALTH_PATH = "/health"
POLL_SECONDS = 0.2  # how soon a stop is noticed


def with_health(app: Callable[..., Any], healthy: Callable[[], bool],
                backlog: Callable[[], tuple[int, float]] | None = None) -> Callable[..., Any]:
    """The WSGI app plus `/health` for load balancers: 200 while the database answers, else 503.

    A second line tells the posts still owed to Slack (the outbox's backlog) and how long
    the oldest has waited: a backlog is no reason to take a replica out of service (it
    would not help Slack answer), so it does not change the status.
    """

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") != HEALTH_PATH:
            return app(environ, start_response)
        ok = healthy()
        start_response("200 OK" if ok else "503 Service Unavailable", [("Content-Type", "text/plain")])
        lines = [b"ok\n" if ok else b"database unavailable\n"]
        owed, age = backlog() if backlog is not None and ok else (0, 0.0)
        if owed:
            lines.append(f"outbox: {owed} post(s) owed to Slack, the oldest for {age:.0f} s\n".encode())
        return [b"".join(lines)]

    return wsgi


class HttpService:
    """Slack's events, commands and interactivity on one path, served by waitress.

    waitress is a production WSGI server in pure Python, with what a bot exposed to the
    internet needs: a bounded thread pool, a cap on open connections, idle connections
    closed after a timeout, and bodies over the limit refused with 413 from their
    Content-Length alone, before any of the body is read.
    """

    def __init__(self, app: App, host: str, port: int, healthy: Callable[[], bool] = lambda: True,
                 backlog: Callable[[], tuple[int, float]] | None = None) -> None:
        handler = CheckedRequestHandler(app, ids.EVENTS_PATH, app._signing_secret)
        wsgi = with_health(handler, healthy, backlog)
        try:
            self.server = create_server(
                wsgi, host=host, port=port, threads=HTTP_THREADS, connection_limit=CONNECTION_LIMIT,
                channel_timeout=IDLE_SECONDS, cleanup_interval=5, max_request_body_size=MAX_BODY_BYTES,
                ident="empty-chair", clear_untrusted_proxy_headers=True, backlog=128)
        except OSError as err:
            raise ConfigError(f"Cannot listen on {host}:{port} ({err.strerror or err}); set PORT "
                              "(or --port) to a free port, or EMPTY_CHAIR_HOST (--host)") from None
        self.host = host
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="http", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.effective_port)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self._thread.start()
        log.info("listening on %s%s", self.url, ids.EVENTS_PATH)

    def _serve(self) -> None:
        """waitress's loop, a short poll at a time, so `stop` ends it from this same thread
        (closing sockets under another thread's select() is not safe)."""
        sockets = self.server._map
        while not self._stopping.is_set() and sockets:
            wasyncore.loop(timeout=POLL_SECONDS, map=sockets, use_poll=True, count=1)
        for dispatcher in list(sockets.values()):
            dispatcher.handle_close()

    def stop(self) -> None:
        """Close the listening socket and every connection, busy or idle, at once.

        What a request acknowledged is finished by the listener executor (see `shutdown`),
        not by the connection, so nothing Slack was promised is lost.
        """
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(5)
        else:  # never started: nothing polls, so close here
            for dispatcher in list(self.server._map.values()):
                dispatcher.handle_close()
        self.server.task_dispatcher.shutdown(timeout=5)


class SocketModeService:
    """A WebSocket to Slack. slack_sdk's client pings, notices a dead session and reconnects
    by itself; a second reconnect loop of ours would race its lock, so there is none."""

    def __init__(self, app: App, app_token: str, ping_interval: float = PING_SECONDS) -> None:
        self.handler = SocketModeHandler(app, app_token, ping_interval=ping_interval)

    def start(self) -> None:
        try:
            self.handler.connect()
        except SlackApiError as err:
            raise ConfigError(f"Slack refused SLACK_APP_TOKEN ({err.response.get('error')}); create an "
                              "app-level token with the connections:write scope under Basic "
                              "Information > App-Level Tokens, and enable Socket Mode") from None
        except (SlackClientError, OSError) as err:
            raise ConfigError(f"Could not open a Socket Mode connection ({err}); check the network") from None
        if not self.handler.client.is_connected():
            raise ConfigError("Could not open a Socket Mode connection to Slack; check the network "
                              "(the log above has the reason)")
        log.info("connected to Slack in Socket Mode")

    def stop(self) -> None:
        self.handler.close()


class EmbedderService:
    """New quotes (imports, captured messages) get their embeddings in a thread of their own,
    so no event ever waits for the model."""

    def __init__(self, chair: Chair) -> None:
        self.embedder = semantic.BackgroundEmbedder(chair.db, log=log.info, close=False)

    def start(self) -> None:
        self.embedder.start()

    def stop(self) -> None:
        self.embedder.stop()
        self.embedder.join(30)


class OutboxService:
    """The outbox's worker: retries what Slack did not take, on any replica, until each post lands
    or stops making sense (see `bot.slack.delivery`). Stopping leaves what is still owed in the
    database, for the next start or another replica."""

    def __init__(self, chair: Chair) -> None:
        self.courier = chair.courier

    def start(self) -> None:
        self.courier.start()

    def stop(self) -> None:
        self.courier.stop()


class DigestService:
    """Scheduled digests inside `serve`: the scheduler's thread, sending through DigestSender;
    it also prunes old event ids and messages past their retention, every PRUNE_EVERY seconds.

    Stopping sets an event the sender's pacer waits on, so a send in progress ends at its
    next Slack call and hands its run back (another instance, or the next start, sends it).
    """

    def __init__(self, app: BotApp, settings: Settings) -> None:
        self.stopped = threading.Event()
        chair = app.chair
        installations = app.installation_store if uses_oauth(settings) else None
        sender = DigestSender(chair, client_factory(settings, installations),
                              pacer=Pacer(sleep=self.stopped.wait), stopping=self.stopped.is_set)
        self.scheduler = DigestScheduler(chair.db, sender.send,  # the process's one store
                                         sync_seconds=settings.digest_sync_seconds)
        # messages past their retention period go even while no event comes in
        self.scheduler.every(PRUNE_EVERY, chair.prune, PRUNE_JOB)
        # and raised hands whose time ran out come down in channels that fell quiet
        clients = client_factory(settings, installations)
        self.scheduler.every(HAND_SWEEP_SECONDS, lambda: sweep(chair, clients, log), HANDS_JOB)

    def start(self) -> None:
        self.scheduler.start()

    def stop(self) -> None:
        self.stopped.set()
        self.scheduler.stop()
