"""Running the bot: Socket Mode when SLACK_APP_TOKEN is set, else an HTTP server with
Slack's one endpoint, `/slack/events` (plus the install pages in multi-workspace mode).

On SIGTERM or Ctrl-C it stops taking requests, waits for the work of every request it
already acknowledged (a post Slack will not send again), then exits.
"""

from __future__ import annotations

import logging
import signal
import socketserver
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.errors import SlackApiError, SlackClientError

from ..config import Settings
from ..digests.scheduler import DigestScheduler
from ..errors import ConfigError
from . import ids
from .app import InFlight, create_app
from .chair import Chair
from .checks import uses_oauth, uses_socket_mode
from .digest_sender import DigestSender, Pacer, client_factory

DRAIN_SECONDS = 25.0  # under the usual 30 s a process manager allows after SIGTERM
WATCHDOG_SECONDS = 10.0
PING_SECONDS = 10.0
MAX_BACKOFF_SECONDS = 300.0

log = logging.getLogger(__name__)


class Service(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


def run(settings: Settings, db_path: Path | None = None, host: str | None = None,
        port: int | None = None) -> None:
    """Serve until SIGTERM/SIGINT; raises ConfigError for settings that cannot work."""
    settings = replace(settings, db_path=Path(db_path) if db_path else settings.db_path,
                       host=host or settings.host, port=settings.port if port is None else port)
    configure_logging(settings.log_level)
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
    logging.basicConfig(level=getattr(logging, level, logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(getattr(logging, level, logging.INFO))
    # APScheduler logs every run of the minutely digest sync at INFO; its warnings still show.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, getattr(logging, level, logging.INFO)))


def _on_signals(stop: threading.Event) -> dict[int, Any]:
    previous = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, lambda *_: stop.set())
    return previous


def start_services(app: App, settings: Settings) -> list[Service]:
    """HTTP, Socket Mode, or both (Socket Mode with installs needs the install pages); and
    the digest scheduler, listed first so a shutdown stops it first."""
    services: list[Service] = [DigestService(app, settings)]
    try:
        if uses_socket_mode(settings):
            services.append(SocketModeService(app, settings.slack_app_token))
        if not uses_socket_mode(settings) or uses_oauth(settings):
            services.append(HttpService(app, settings.host, settings.port))
        for service in services:
            service.start()
    except BaseException:
        shutdown(app, services)
        raise
    return services


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


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    """One thread per request, and closing waits for those threads (no daemon threads)."""

    daemon_threads = False
    block_on_close = True
    # Python's default backlog of 5 makes the kernel refuse connections in a burst of
    # events while the accept thread waits for the GIL; Slack would see a timeout.
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.debug("%s %s", self.address_string(), format % args)


class HttpService:
    """Slack's events, commands and interactivity on one path, through Bolt's WSGI adapter."""

    def __init__(self, app: App, host: str, port: int) -> None:
        try:
            self.server = make_server(host, port, SlackRequestHandler(app, ids.EVENTS_PATH),
                                      server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
        except OSError as err:
            raise ConfigError(f"Cannot listen on {host}:{port} ({err.strerror or err}); set PORT "
                              "(or --port) to a free port, or EMPTY_CHAIR_HOST (--host)") from None
        self.host = host
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.1,), name="http",
                                        daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self._thread.start()
        log.info("listening on %s%s", self.url, ids.EVENTS_PATH)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SocketModeService:
    """A WebSocket to Slack, kept open by a watchdog."""

    def __init__(self, app: App, app_token: str, ping_interval: float = PING_SECONDS,
                 watchdog_interval: float = WATCHDOG_SECONDS) -> None:
        self.handler = SocketModeHandler(app, app_token, ping_interval=ping_interval)
        self.watchdog = Watchdog(self.handler.client, watchdog_interval, stale_after=3 * ping_interval)

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
        self.watchdog.start()
        log.info("connected to Slack in Socket Mode")

    def stop(self) -> None:
        self.watchdog.stop()
        self.handler.close()


class DigestService:
    """Scheduled digests inside `serve`: the scheduler's thread, sending through DigestSender.

    Stopping sets an event the sender's pacer waits on, so a send in progress ends at its
    next Slack call and hands its run back (another instance, or the next start, sends it).
    """

    def __init__(self, app: App, settings: Settings) -> None:
        self.stopped = threading.Event()
        chair = Chair(settings)
        installations = app.installation_store if uses_oauth(settings) else None
        sender = DigestSender(chair, client_factory(settings, installations),
                              pacer=Pacer(sleep=self.stopped.wait), stopping=self.stopped.is_set)
        self.scheduler = DigestScheduler(chair.db, sender.send)  # each thread's store

    def start(self) -> None:
        self.scheduler.start()

    def stop(self) -> None:
        self.stopped.set()
        self.scheduler.stop()


class Reconnectable(Protocol):
    def is_connected(self) -> bool: ...
    def connect_to_new_endpoint(self, force: bool = False) -> None: ...


class Watchdog:
    """Reconnects Socket Mode when the connection is down, or silently dead.

    The client reconnects by itself after a clean close, but a connection cut by the
    network can look open for a minute, and a failed reconnect is not retried. This
    thread checks `is_connected()` and whether pongs still come back, and reconnects,
    pausing longer after each failure.
    """

    def __init__(self, client: Reconnectable, interval: float = WATCHDOG_SECONDS,
                 max_backoff: float = MAX_BACKOFF_SECONDS, stale_after: float = 3 * PING_SECONDS) -> None:
        self.client = client
        self.interval = interval
        self.max_backoff = max_backoff
        self.stale_after = stale_after
        self.failures = 0
        self.reconnects = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> bool:
        """One look at the connection; reconnects if it is down. True if connected afterwards."""
        connected, stale = self.client.is_connected(), self.stale()
        if connected and not stale:
            self.failures = 0
            return True
        log.warning("Socket Mode connection is %s; reconnecting", "silent" if connected else "down")
        try:
            self.client.connect_to_new_endpoint(force=stale)
        except Exception as err:  # any failure: try again later, never stop listening
            log.error("reconnecting failed (%s: %s); next try in %.0f s", type(err).__name__, err,
                      self.next_delay(self.failures + 1))
        if self.client.is_connected() and not self.stale():
            self.failures = 0
            self.reconnects += 1
            log.info("Socket Mode reconnected")
            return True
        self.failures += 1
        return False

    def stale(self) -> bool:
        """True when the connection has sent no pong for `stale_after` seconds."""
        session = getattr(self.client, "current_session", None)
        last = getattr(session, "last_ping_pong_time", None)
        return isinstance(last, int | float) and time.time() - last > self.stale_after

    def next_delay(self, failures: int | None = None) -> float:
        failures = self.failures if failures is None else failures
        return min(self.max_backoff, self.interval * (2 ** failures))

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="socket-mode-watchdog", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.wait(self.next_delay()):
            try:
                self.check()
            except Exception:
                log.exception("Socket Mode watchdog check failed")
