"""Load on the real Slack bot over HTTP: latency, acknowledgements and nothing dropped.

Usage (from the repo root)::

    .venv/bin/python bench/slack_load.py [--rows 1000000] [--db PATH | --db postgresql://...]
                                         [--replicas 1] [--retries 0.1] [--events 2000]
                                         [--rate 60] [--channels 50] [--clients 8]
                                         [--commands 50] [--cooldown 300] [--json]
                                         [--keep] [--trace FILE] [--profile FILE]

1. The database the bot works on is always a scratch one, so the original is never
   changed. SQLite: a copy of --db PATH, or a file of --rows synthetic quotes
   (bench/make_corpus.py, then `bot.ingest.importer.import_file`, in a child process).
   PostgreSQL (--db postgresql://...): a database of its own on that server, cloned from
   the one --db names when it holds quotes (CREATE DATABASE ... TEMPLATE), else built
   there from --rows; dropped at the end unless --keep.
2. Starts the fake Slack Web API of the tests (tests/slack/fake_slack.py) in this
   process, and --replicas copies of the real bot as subprocesses (`python -m bot serve`,
   HTTP mode, each on its own port, all on the one database) with SLACK_API_URL pointing
   at the fake; waits until each answers a signed request.
3. Sends Slack-signed `event_callback` message events to /slack/events from a few client
   threads at a target rate, open loop as Slack does (an event leaves on schedule whether
   or not the previous ones were acknowledged), over many channels: conversation about customer topics
   (bench/meeting_queries.jsonl), small talk, and decisions ("ok, we drop the weekend FX
   markup from June") that always get a threaded reply. Like a load balancer, it sends
   event i to replica i mod N; a share of the events (--retries) goes a second time, with
   the same event_id and `X-Slack-Retry-Num: 1`, to the next replica, as Slack retries an
   event whose acknowledgement was slow. Half-way through, a burst of signed
   `/customer-voice TOPIC` slash commands arrives at once, spread over the replicas. Early
   in the load (--digest-at), one channel's weekly digest falls due.
4. Waits until every expected reply and the digest are in and the bots have been quiet
   for a moment, stops them (SIGTERM: each finishes what it acknowledged), and reports:
   event-to-post latency (event sent -> the fake records the chat.postMessage it caused),
   acknowledgement times, events accepted per second, what was lost or duplicated, how
   many times the digest was posted, each replica's CPU and peak RSS, and a verdict.

A threaded reply is matched to its event by channel + thread_ts (= the event's ts). A
quote post has no thread_ts; it is matched to the message that caused it through the
moments quotes were shown (`store.channels.shown_at`: the bot stamps each shown quote with
that message's ts), or, where that does not add up, to the latest message sent to its
channel before the post. The digest's posts carry their own metadata and are counted apart.
Every read of the bot's database goes through the store (`bot.store.connect`), so one code
path serves both backends.

Which messages are decisions is decided by `bot.meeting.decisions.classify`, the
bot's own detector, so "every decision got exactly one reply" tests delivery, not
detection quality (bench/decision_eval.py measures that).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import itertools
import json
import os
import queue
import random
import re
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parent
for folder in (REPO_ROOT, BENCH):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from make_corpus import DEFAULT_DATA, write_corpus  # noqa: E402
from quality import DEFAULT_QUERIES, load_queries  # noqa: E402
from speed import percentile, table  # noqa: E402

from bot.digests.spec import parse_spec  # noqa: E402
from bot.ingest.importer import add_quote  # noqa: E402
from bot.meeting.decisions import classify  # noqa: E402
from bot.meeting.policy import internal_talk  # noqa: E402 - the bot's own rule
from bot.models import SCHEDULED, Run, utc  # noqa: E402
from bot.slack.digest_sender import METADATA_TYPE  # noqa: E402
from bot.store import Store, connect, is_url  # noqa: E402
from tests.slack.fake_slack import DEFAULT_TEAM, Call, FakeSlack  # noqa: E402
from tests.slack.helpers import sign  # noqa: E402

SECRET = "bench-signing-secret-0123456789abcdef"
TOKEN = "xoxb-bench-token"
EVENTS_PATH = "/slack/events"
ACK_LIMIT = 3.0  # Slack gives up on a request after 3 s
TARGET_MEDIAN_MS = 100.0
TARGET_RATE = 50.0
SHARES = {"conversation": 0.60, "small_talk": 0.25, "decision": 0.15}
USERS = ("U_ALICE", "U_BOB", "U_CAROL", "U_DEV", "U_ERIN")
SETTLE_SECONDS = 2.0  # the bot counts as done once it made no call for this long
START_TIMEOUT = 120.0
FAKE_BACKLOG = 1024
STOP_TIMEOUT = 35.0  # the bot drains acknowledged work for up to 25 s on SIGTERM
DECISION_WINDOW = 3  # the messages a decision is read with (bot.meeting.policy._decision)
DECISION_NEAR = 4  # earlier messages of its channel that may be among them, in whatever order
DIGEST_SYNC_SECONDS = 2  # how often the bots read the digest schedules (the bot's default: 60)
FRESH_QUOTES = (  # dated an hour ago: the digest has something to say even on an old corpus
    "My new card still hasn't arrived after two weeks and nobody answers the chat",
    "I was charged twice for the same top-up and the refund is still pending",
    "The exchange rate you applied to my card payment abroad was much worse than advertised",
    "My transfer has been pending for three days, where is my money?",
    "The app logged me out and now it won't accept my passcode",
    "Why is there a fee on a cash withdrawal I made at your own ATM?",
)

SMALL_TALK = (
    "morning all", "can everyone see my screen?", "brb, grabbing a coffee", "lol",
    "sorry, I was on mute", "who's taking notes today?", "can we do a 5 minute break?",
    "thanks!", ":wave:", "is Priya joining?", "I'll drop off at half past",
    "happy friday", "nice", "the link is in the calendar invite", "hah, true",
    "my wifi is terrible today", "ok", "one sec", "👍", "good point", "hi everyone",
)
DECISION_OPENERS = ("ok, we ", "Decision: we ", "agreed, we ", "final call: we ", "ok then, we ")
DECISION_ACTIONS = (
    "drop the weekend FX markup from June",
    "refund the top-up fee whenever a top-up fails",
    "ship cards by express post at no charge from next month",
    "show the exchange rate before every card payment",
    "stop charging for the first replacement card",
    "cap the ATM withdrawal fee abroad at two pounds",
    "let people verify their identity in the app without a passport scan",
    "move the PIN reset into the app this sprint",
    "make transfers between our own customers instant",
    "remove the fee on cash withdrawals under 200 pounds",
    "send a push notification as soon as a card payment is declined",
    "keep disputed card payments on hold for 10 days at most",
)
COMMAND_TOPICS = ("card delivery", "exchange rate", "top-up fees", "refunds", "ATM fees abroad",
                  "declined card payments", "identity verification", "pending transfers",
                  "PIN blocked", "contactless not working")


def log(message: str) -> None:
    """Progress goes to stderr so stdout stays a clean table (or clean JSON)."""
    print(f"[slack-load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the traffic


@dataclass
class Sent:
    """One event: what it was, when it went, and how the bot acknowledged it."""

    index: int
    channel: str
    kind: str  # conversation, small_talk or decision (what the traffic meant)
    text: str
    user: str
    expects_reply: bool  # a decision the bot asks about (see `plan_events`)
    decision: bool = False  # the bot's own classifier calls it a decision
    retried: bool = False  # sent a second time, to another replica, as Slack retries
    ts: str = ""
    event_id: str = ""
    replica: int = 0  # which replica the load balancer sent it to
    sent_at: float = 0.0  # time.time(), the fake's clock
    ack_s: float | None = None
    status: int = 0
    error: str = ""
    retry_replica: int | None = None
    retry_ack_s: float | None = None
    retry_status: int = 0
    retry_error: str = ""


@dataclass
class Command:
    index: int
    channel: str
    topic: str
    name: str  # the response_url path the fake records the answer under
    replica: int = 0
    sent_at: float = 0.0
    ack_s: float | None = None
    status: int = 0
    error: str = ""


def conversation_scenes(queries_path: Path) -> list[list[str]]:
    """Runs of messages on one customer topic: each labelled conversation, and the
    single queries grouped by their first intent (two or three ways of saying one thing)."""
    queries = load_queries(queries_path)
    scenes = [list(q.messages) for q in queries if q.kind == "conversation"]
    by_intent: dict[str, list[str]] = defaultdict(list)
    for query in queries:
        if query.kind == "single":
            by_intent[sorted(query.relevant)[0]].append(query.query)
    scenes += [group for group in by_intent.values()]
    return scenes


def decision_texts() -> tuple[list[str], int]:
    """Decision messages the bot's classifier accepts, and how many candidates it refused."""
    candidates = [opener + action for opener in DECISION_OPENERS for action in DECISION_ACTIONS]
    accepted = [text for text in candidates if classify(text).is_decision]
    return accepted, len(candidates) - len(accepted)


def plan_events(count: int, channels: Sequence[str], scenes: Sequence[Sequence[str]],
                decisions: Sequence[str], seed: int) -> list[Sent]:
    """A deterministic mix of messages; each channel follows its own conversations.

    Which messages are decisions is decided by the bot's own classifier; which of those the
    bot must ask about, by `must_ask`.
    """
    rng = random.Random(seed)
    cursor: dict[str, list[str]] = {}
    is_decision: dict[str, bool] = {}
    kinds, weights = list(SHARES), list(SHARES.values())
    events = []
    for index in range(count):
        channel = rng.choice(channels)
        kind = rng.choices(kinds, weights)[0]
        if kind == "conversation":
            if not cursor.get(channel):
                cursor[channel] = list(rng.choice(scenes))
            text = cursor[channel].pop(0)
        elif kind == "small_talk":
            text = rng.choice(SMALL_TALK)
        else:
            text = rng.choice(decisions)
        if text not in is_decision:
            is_decision[text] = classify(text).is_decision
        events.append(Sent(index, channel, kind, text, rng.choice(USERS), False, decision=is_decision[text]))
    must_ask(events)
    return events


def must_ask(events: list[Sent]) -> None:
    """Mark the decisions the bot must ask about, by its own rule: it stays silent on a decision
    read with messages that place the talk at work and name no customer (the last three it
    holds when it reads the decision). Events of a channel sent close together may reach the
    bot, or two replicas, in another order, so a decision must be asked about only if that rule
    lets it speak with any two of the messages said near it (DECISION_NEAR before, 2 after); the
    others may get their question or not, and never two.
    """
    by_channel: dict[str, list[Sent]] = defaultdict(list)
    for event in events:
        by_channel[event.channel].append(event)
    for said in by_channel.values():
        for at, event in enumerate(said):
            if not event.decision:
                continue
            near = [e.text for e in said[max(0, at - DECISION_NEAR):at] + said[at + 1:at + 3]]
            event.expects_reply = not any(internal_talk([event.text, *others])
                                          for size in range(DECISION_WINDOW)
                                          for others in itertools.combinations(near, size))


def mark_retries(events: list[Sent], share: float, seed: int) -> None:
    """Which events Slack sends twice; a generator of their own, so the plan itself does not
    depend on the share."""
    rng = random.Random(seed)
    for event in events:
        event.retried = rng.random() < share


# ---------------------------------------------------------------- talking to the bot


def signed_post(port: int, body: str, content_type: str, timeout: float = 30.0,
                extra: dict[str, str] | None = None) -> tuple[int, str]:
    """POST to /slack/events signed as Slack does; (status, body). Raises OSError."""
    timestamp = str(int(time.time()))
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
               "X-Slack-Signature": sign(SECRET, timestamp, body), **(extra or {})}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", EVENTS_PATH, body.encode(), headers)
        reply = conn.getresponse()
        return reply.status, reply.read().decode("utf-8", "replace")
    finally:
        conn.close()


def event_body(event: Sent) -> str:
    message = {"type": "message", "channel": event.channel, "channel_type": "channel",
               "user": event.user, "text": event.text, "ts": event.ts, "event_ts": event.ts}
    return json.dumps({
        "token": "legacy", "team_id": DEFAULT_TEAM, "api_app_id": "A0BENCH", "type": "event_callback",
        "event": message, "event_id": event.event_id,
        "event_time": int(time.time()),
        "authorizations": [{"team_id": DEFAULT_TEAM, "user_id": f"UBOT{DEFAULT_TEAM}", "is_bot": True}],
    })


def command_body(command: Command, fake: FakeSlack) -> str:
    return urlencode({
        "token": "legacy", "team_id": DEFAULT_TEAM, "team_domain": "bench", "channel_id": command.channel,
        "channel_name": "product-sync", "user_id": "U_ALICE", "user_name": "alice",
        "command": "/customer-voice", "text": command.topic, "api_app_id": "A0BENCH",
        "response_url": fake.response_url(command.name), "trigger_id": f"1.{command.index}.3",
    })


def stamp(event: Sent, last_ts: dict[str, float]) -> None:
    """A fresh ts for the event, unique and increasing in its channel (Slack's message id)."""
    now = max(time.time(), last_ts.get(event.channel, 0.0) + 0.000001)
    last_ts[event.channel] = now
    event.ts = f"{now:.6f}"
    event.event_id = "Ev" + uuid.uuid4().hex[:14].upper()


def send_event(ports: Sequence[int], event: Sent) -> None:
    """The event to its replica; if Slack retries it, the same body again to the next replica
    at once, while the first may still be working on it (the race a retry makes)."""
    body = event_body(event)
    event.sent_at = time.time()
    started = time.perf_counter()
    try:
        event.status, _ = signed_post(ports[event.replica], body, "application/json")
    except OSError as err:
        event.error = f"{type(err).__name__}: {err}"
    event.ack_s = time.perf_counter() - started
    if not event.retried:
        return
    event.retry_replica = (event.replica + 1) % len(ports)
    started = time.perf_counter()
    try:
        event.retry_status, _ = signed_post(ports[event.retry_replica], body, "application/json", extra={
            "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    except OSError as err:
        event.retry_error = f"{type(err).__name__}: {err}"
    event.retry_ack_s = time.perf_counter() - started


def send_command(ports: Sequence[int], command: Command, fake: FakeSlack) -> None:
    body = command_body(command, fake)
    command.sent_at = time.time()
    started = time.perf_counter()
    try:
        command.status, _ = signed_post(ports[command.replica], body, "application/x-www-form-urlencoded")
    except OSError as err:
        command.error = f"{type(err).__name__}: {err}"
    command.ack_s = time.perf_counter() - started


class Traffic:
    """The planned events at the target rate, open loop as Slack sends them: event i leaves
    at i / rate whether or not earlier ones were acknowledged, on up to `clients`
    connections at once. Only when all of them wait for the bot does the next event wait
    too, and then the offered rate drops below the target (rate 0: as fast as they go).
    """

    def __init__(self, ports: Sequence[int], events: list[Sent], clients: int, rate: float) -> None:
        self.ports, self.events, self.rate = ports, events, rate
        self.stop = threading.Event()
        self.sent = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.started = 0.0
        self._lock = threading.Lock()
        self._slots = threading.Semaphore(clients)
        self._queue: queue.SimpleQueue[Sent | None] = queue.SimpleQueue()
        self.threads = [threading.Thread(target=self._schedule, name="scheduler", daemon=True)]
        self.threads += [threading.Thread(target=self._work, name=f"client-{i}", daemon=True)
                         for i in range(clients)]

    def start(self) -> None:
        self.started = time.perf_counter()
        for thread in self.threads:
            thread.start()

    def done(self) -> bool:
        return not any(thread.is_alive() for thread in self.threads)

    def _schedule(self) -> None:
        last_ts: dict[str, float] = {}
        try:
            for event in self.events:
                if self.rate > 0:
                    delay = self.started + event.index / self.rate - time.perf_counter()
                    if delay > 0 and self.stop.wait(delay):
                        return
                while not self._slots.acquire(timeout=0.1):
                    if self.stop.is_set():
                        return
                if self.stop.is_set():
                    return
                stamp(event, last_ts)
                self._queue.put(event)
        finally:
            for _ in self.threads[1:]:
                self._queue.put(None)

    def _work(self) -> None:
        while (event := self._queue.get()) is not None:
            with self._lock:
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            send_event(self.ports, event)
            with self._lock:
                self.in_flight -= 1
                self.sent += 1
            self._slots.release()


def command_burst(ports: Sequence[int], commands: list[Command], fake: FakeSlack,
                  clients: int) -> list[threading.Thread]:
    """All commands at once: `clients` threads released together, each sending its share."""
    barrier = threading.Barrier(clients)

    def run(share: list[Command]) -> None:
        barrier.wait()
        for command in share:
            send_command(ports, command, fake)

    threads = [threading.Thread(target=run, args=(commands[i::clients],), name=f"command-{i}", daemon=True)
               for i in range(clients)]
    for thread in threads:
        thread.start()
    return threads


# ---------------------------------------------------------------- the bot process


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_environment(fake: FakeSlack, db: Path | str, port: int, cooldown: int,
                    semantic: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "EMPTY_CHAIR_"))}
    env.update({
        "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.url,
        # set, and empty, so a developer's .env cannot switch on Socket Mode or OAuth
        "SLACK_APP_TOKEN": "", "SLACK_CLIENT_ID": "", "SLACK_CLIENT_SECRET": "",
        "PORT": str(port), "EMPTY_CHAIR_HOST": "127.0.0.1", "EMPTY_CHAIR_DB": str(db),
        "EMPTY_CHAIR_COOLDOWN_SECONDS": str(cooldown), "EMPTY_CHAIR_LOG_LEVEL": "INFO",
        # the digest that falls due during the load is picked up within seconds, not a minute
        "EMPTY_CHAIR_DIGEST_SYNC_SECONDS": str(DIGEST_SYNC_SECONDS), "PYTHONUNBUFFERED": "1",
    })
    if not semantic:  # no hybrid search, and no background embedding competing with the load
        env["EMPTY_CHAIR_SEMANTIC"] = "off"
    return env


def bot_code_hash() -> str:
    """A short hash of bot/ (every .py and prompt file): which version of the bot was measured."""
    digest = hashlib.sha256()
    for path in sorted([*(REPO_ROOT / "bot").rglob("*.py"), *(REPO_ROOT / "prompts").rglob("*")]):
        if path.is_file():
            digest.update(str(path.relative_to(REPO_ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


class Bot:
    """`python -m bot serve` in its own session (a Ctrl-C here is not also its Ctrl-C)."""

    def __init__(self, db: Path | str, port: int, env: dict[str, str], log_path: Path,
                 switch_interval: float | None = None) -> None:
        self.port = port
        self.log_path = log_path
        self.ready_seconds = 0.0
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        start = ["-m", "bot"]
        if switch_interval:  # a diagnostic: the same CLI, with another GIL switch interval
            start = ["-c", f"import sys; sys.setswitchinterval({switch_interval!r}); "
                           "from bot.cli import cli; cli(prog_name='empty-chair')"]
        argv = [sys.executable, *start, "serve", "--db", str(db), "--host", "127.0.0.1",
                "--port", str(port)]
        self.proc = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float = START_TIMEOUT) -> float:
        """Poll with a signed url_verification until the bot answers it; seconds taken."""
        started = time.perf_counter()
        body = json.dumps({"token": "legacy", "type": "url_verification", "challenge": "ready"})
        while time.perf_counter() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the bot exited with code {self.proc.returncode}:\n{self.log_tail()}")
            try:
                status, text = signed_post(self.port, body, "application/json", timeout=5)
                if status == 200 and "ready" in text:
                    self.ready_seconds = time.perf_counter() - started
                    return self.ready_seconds
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the bot did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def cpu_seconds(self) -> float:
        """User + system CPU of the bot so far (Linux /proc)."""
        cpu = process_cpu_seconds(self.pid)
        return float("nan") if cpu is None else cpu

    def schedstat(self) -> tuple[float, float]:
        """Seconds its live threads ran on a CPU, and waited in the run queue for one.

        Waiting for a CPU means the machine was saturated; a thread blocked on the GIL,
        a lock or I/O is asleep and counts in neither.
        """
        ran = waited = 0.0
        for task in Path(f"/proc/{self.pid}/task").glob("*"):
            try:
                run_ns, wait_ns, _ = (task / "schedstat").read_text().split()
            except (OSError, ValueError):
                continue
            ran, waited = ran + int(run_ns) / 1e9, waited + int(wait_ns) / 1e9
        return ran, waited

    def peak_rss_mb(self) -> float:
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return float("nan")

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM (the bot finishes acknowledged work), then SIGKILL after `timeout`."""
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    log(f"the bot did not stop within {timeout:.0f} s; killing it")
                    self.proc.kill()
                    self.proc.wait(10)
        finally:
            self._log.close()
        return self.proc.returncode

    def log_tail(self, lines: int = 20) -> str:
        self._log.flush()
        text = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def log_problems(self) -> list[str]:
        """Warnings and errors, but not APScheduler's note that a digest sync was skipped while
        the previous one still sends: by design (one sync at a time), and frequent here, where
        the schedules are read every DIGEST_SYNC_SECONDS."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return [line for line in text if re.search(r" (ERROR|WARNING|CRITICAL) |^Traceback", line)
                and "maximum number of running instances reached" not in line]


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy, all cores (Linux /proc/stat)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError):
        return float("nan")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    busy = sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process so far (Linux /proc); None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_backends_cpu(target: Path | str) -> dict[int, float] | None:
    """CPU so far of each PostgreSQL backend connected to the bots' database (the server's own
    processes, read in /proc when the server runs on this machine); None for SQLite, or when
    the server runs elsewhere. Other databases on the server are not counted."""
    if not is_url(target):
        return None
    import psycopg

    try:
        with pg_admin(str(target)) as admin:
            pids = [row[0] for row in admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (database_name(str(target)),))]
    except psycopg.Error:
        return None
    found = {pid: cpu for pid in pids if (cpu := process_cpu_seconds(pid)) is not None}
    return found if found or not pids else None


def listen_overflows() -> int | None:
    """The kernel's count of connections dropped because a listen queue was full (all sockets)."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            table_ = dict(zip(names.split()[1:], values.split()[1:], strict=False))
            return int(table_.get("ListenOverflows", 0))
    return None


# ---------------------------------------------------------------- the database


@dataclass
class Scratch:
    """The database the bots work on (a SQLite file, or a PostgreSQL URL), and how to get rid of it."""

    target: Path | str
    drop: Callable[[], None] | None = None  # PostgreSQL: drop the scratch database


def prepare_database(args: argparse.Namespace, work: Path, run_id: str) -> Scratch:
    """A database no one else uses, so the original is never changed."""
    if args.db and is_url(args.db):
        return prepare_postgres(args, work, run_id)
    if args.db:
        source = Path(args.db)
        if not source.exists():
            raise SystemExit(f"--db {source} does not exist")
    else:
        log(f"building a {args.rows:,}-quote database in {work}")
        source = build_database(args.rows, args.data, args.corpus, work / "quotes.db", work)
    bot_db = work / "bot.db"
    log(f"copying {source} for the bot")
    copy_database(source, bot_db)
    return Scratch(bot_db)


def prepare_postgres(args: argparse.Namespace, work: Path, run_id: str) -> Scratch:
    """On the server --db names: a clone of its database when that holds quotes (CREATE DATABASE
    ... TEMPLATE copies the files, indexes and statistics included), else a new database
    built from --rows."""
    name = f"empty_chair_load_{run_id.lower()}"
    url = with_database(args.db, name)
    if pg_holds_quotes(args.db):
        source = database_name(args.db)
        log(f"cloning {source} into {name} on {pg_server(args.db)}")
        started = time.perf_counter()
        pg_create(args.db, name, template=source)
        log(f"  cloned in {time.perf_counter() - started:.1f}s")
    else:
        log(f"building a {args.rows:,}-quote database {name} on {pg_server(args.db)}")
        pg_create(args.db, name)
        try:
            build_database(args.rows, args.data, args.corpus, url, work)
            pg_analyze(url)  # as autovacuum would have by the time a deployment serves
        except BaseException:
            pg_drop(args.db, name)
            raise
    return Scratch(url, drop=lambda: pg_drop(args.db, name))


def database_name(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/")) or "postgres"


def with_database(url: str, name: str) -> str:
    """The same server, user and options, another database."""
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def pg_server(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}"


def pg_admin(url: str, avoid: str = "") -> Any:
    """A connection for CREATE and DROP DATABASE: to the maintenance database, or to template1
    when the maintenance database is the one being cloned (a template must have no session)."""
    import psycopg

    maintenance = "template1" if avoid == "postgres" else "postgres"
    return psycopg.connect(with_database(url, maintenance), autocommit=True, connect_timeout=10)


def pg_holds_quotes(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            if conn.execute("SELECT to_regclass('public.feedback')").fetchone()[0] is None:
                return False
            return bool(conn.execute("SELECT EXISTS (SELECT 1 FROM feedback)").fetchone()[0])
    except psycopg.OperationalError as err:
        where = f"{pg_server(url)}/{database_name(url)}"
        raise SystemExit(f"--db: no PostgreSQL answers at {where} ({err})") from None


def pg_create(url: str, name: str, template: str | None = None) -> None:
    import psycopg

    with pg_admin(url, avoid=template or "") as admin:
        sql = f'CREATE DATABASE "{name}"'
        if template:
            # FILE_COPY copies the files at once; the default (WAL_LOG) writes every page to the WAL
            strategy = " STRATEGY FILE_COPY" if admin.info.server_version >= 150000 else ""
            sql += f' TEMPLATE "{template}"{strategy}'
        try:
            admin.execute(sql)
        except psycopg.errors.ObjectInUse:
            raise SystemExit(f"cannot clone {template}: other sessions are connected to it (a template "
                             "must have none); close them and run again") from None


def pg_drop(url: str, name: str) -> None:
    with pg_admin(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    log(f"dropped {name}")


def pg_analyze(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def build_database(rows: int, data: Path, corpus: Path | None, target: Path | str, work: Path) -> Path | str:
    """Corpus + import in a child process, so this process stays small and quiet."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--child-build", str(target), str(rows),
            str(data), str(corpus or ""), str(work)]
    subprocess.run(argv, check=True)
    return target


def child_build(db: str, rows: str, data: str, corpus: str, work: str) -> None:
    from bot.config import database
    from bot.ingest.importer import import_file

    if not corpus:
        log(f"generating a {int(rows):,}-row corpus")
        started = time.perf_counter()
        corpus = str(write_corpus(Path(work) / "corpus.csv", int(rows), Path(data), quiet=True))
        log(f"  corpus written in {time.perf_counter() - started:.1f}s")
    log(f"importing {corpus}")
    started = time.perf_counter()
    with connect(database(db)) as store:  # closing the last connection folds SQLite's WAL in
        report = import_file(store, corpus, source="bench/corpus")
    if corpus == str(Path(work) / "corpus.csv"):
        Path(corpus).unlink()
    log(f"  {report.added:,} quotes imported in {time.perf_counter() - started:.1f}s")


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy (SQLite's backup API: the WAL is included, nothing is locked for long),
    flushed to disk before the load starts: writing back hundreds of fresh MB during the
    run would stall the bot's own commits and checkpoints, which a long-running bot never sees."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=65536)
    finally:
        dst.close()
        src.close()
    fd = os.open(target, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ready_for_a_digest(store: Store, run_id: str) -> None:
    """A few quotes from the last hour, so the digest has something to say however old the
    corpus, and the quotes' time index built now rather than by the first digest mid-load
    (a deployment that sends digests has it)."""
    created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 3600))
    for n, text in enumerate(FRESH_QUOTES):
        add_quote(store, text, "bench/fresh", created=created, external_id=f"{run_id}-{n}")
    started = time.perf_counter()
    store.themes.index_time()
    log(f"  quotes indexed by time in {time.perf_counter() - started:.1f}s")


def schedule_digest(store: Store, channel: str) -> float:
    """The channel's weekly digest at the minute that has just begun, set a moment before it: to
    every replica, a digest falling due now, found at its next read of the schedules (every
    DIGEST_SYNC_SECONDS). Returns the run's time."""
    now = time.time()
    due_at = now - now % 60
    spec = parse_spec(time.strftime("weekly %a %H:%M UTC", time.gmtime(due_at)), "UTC")
    store.digests.set_schedule(DEFAULT_TEAM, channel, spec, "U_ALICE", due_at - 1)
    return due_at


def digest_run(store: Store, channel: str, due_at: float | None) -> Run | None:
    return None if due_at is None else store.digests.get_run(DEFAULT_TEAM, channel, SCHEDULED, utc(due_at))


def quote_triggers(store: Store, team: str) -> dict[str, list[float]]:
    """Per channel, the ts of each message that made the bot post quotes."""
    found: dict[str, list[float]] = defaultdict(list)
    for channel, shown_at in store.channels.shown_at(team):
        found[channel].append(shown_at)
    return dict(found)


# ---------------------------------------------------------------- the figures


@dataclass
class Latency:
    name: str
    values_ms: list[float]

    @property
    def n(self) -> int:
        return len(self.values_ms)

    def stat(self, kind: str) -> float | None:
        if not self.values_ms:
            return None
        if kind == "median":
            return statistics.median(self.values_ms)
        if kind == "p99":
            return percentile(self.values_ms, 0.99)
        return max(self.values_ms)

    def as_dict(self) -> dict[str, object]:
        return {"n": self.n, "median_ms": self.stat("median"), "p99_ms": self.stat("p99"),
                "max_ms": self.stat("max")}


@dataclass
class Figures:
    config: dict[str, object]
    latency: dict[str, Latency]
    counts: dict[str, object] = field(default_factory=dict)
    trace: list[dict[str, object]] = field(default_factory=list)  # --trace, not in as_dict

    def as_dict(self) -> dict[str, object]:
        return {"config": self.config, "latency": {k: v.as_dict() for k, v in self.latency.items()},
                **self.counts}


COOLDOWN_SLACK = 5.0  # seconds: posts are timed at the fake, the cooldown by the messages' ts


def match_posts(events: list[Sent], calls: list[Call], triggers: dict[str, list[float]] | None,
                cooldown: float = 0.0) -> dict[str, Any]:
    """Pair each chat.postMessage with the event that caused it; count what came twice."""
    replies: dict[tuple[str, str], list[Call]] = defaultdict(list)
    quote_posts: dict[str, list[Call]] = defaultdict(list)
    for call in calls:
        channel, thread = str(call.params.get("channel", "")), call.params.get("thread_ts")
        if thread:
            replies[(channel, str(thread))].append(call)
        else:
            quote_posts[channel].append(call)
    by_key = {(e.channel, e.ts): e for e in events if e.ts}
    decision_ms, missing, duplicates, exactly_one, twice = [], [], 0, 0, 0
    post_ms: dict[int, float] = {}
    for event in events:
        if not event.decision or event.status != 200:
            continue
        found = replies.get((event.channel, event.ts), [])
        if not found:
            if event.expects_reply:
                missing.append(event)
            continue
        duplicates += len(found) - 1
        twice += len(found) > 1
        exactly_one += len(found) == 1 and event.expects_reply
        decision_ms.append(1000 * (min(c.at for c in found) - event.sent_at))
        post_ms[event.index] = decision_ms[-1]
    unexpected = sum(len(v) for k, v in replies.items()
                     if k not in by_key or not by_key[k].decision)
    quote_ms, matched_exactly, matched_by_time = [], 0, 0
    sent_in: dict[str, list[Sent]] = defaultdict(list)
    for event in events:
        if event.ts and not event.decision:
            sent_in[event.channel].append(event)
    breaks = 0
    for channel, posts in quote_posts.items():
        posts = sorted(posts, key=lambda c: c.at)
        if cooldown > COOLDOWN_SLACK:  # a second unprompted post inside one channel's cooldown
            breaks += sum(1 for a, b in zip(posts, posts[1:], strict=False)
                          if b.at - a.at < cooldown - COOLDOWN_SLACK)
        times = (triggers or {}).get(channel, [])
        causes = [by_key.get((channel, f"{t:.6f}")) for t in times]
        if triggers is not None and len(causes) == len(posts) and all(causes):
            for post, cause in zip(posts, causes, strict=True):
                quote_ms.append(1000 * (post.at - cause.sent_at))  # type: ignore[union-attr]
                post_ms[cause.index] = quote_ms[-1]  # type: ignore[union-attr]
            matched_exactly += len(posts)
            continue
        for post in posts:  # the latest message sent to the channel before the post
            before = [e for e in sent_in[channel] if e.sent_at <= post.at]
            if before:
                quote_ms.append(1000 * (post.at - before[-1].sent_at))
                post_ms[before[-1].index] = quote_ms[-1]
                matched_by_time += 1
    return {"decision_ms": decision_ms, "quote_ms": quote_ms, "missing": missing, "post_ms": post_ms,
            "replied": set(replies),
            "duplicates": duplicates, "exactly_one": exactly_one, "unexpected": unexpected,
            "decisions_replied_twice": twice, "cooldown_breaks": breaks,
            "quote_posts": sum(len(v) for v in quote_posts.values()),
            "quote_matched_exactly": matched_exactly, "quote_matched_by_time": matched_by_time}


def is_digest_post(call: Call) -> bool:
    meta = call.params.get("metadata")
    if isinstance(meta, str):
        try:
            meta = json.loads(meta)
        except ValueError:
            return False
    return isinstance(meta, dict) and meta.get("event_type") == METADATA_TYPE


def digest_figures(fake: FakeSlack, digest: dict[str, Any], replicas: list[Bot]) -> dict[str, object]:
    """How many times each part of the digest reached Slack, and who sent it."""
    channel, run = digest.get("channel"), digest.get("run")
    posts = [c for c in fake.calls_to("chat.postMessage", ok=None, channel=channel) if is_digest_post(c)]
    parts = Counter(str(((c.params["metadata"] or {}).get("event_payload") or {}).get("part"))
                    if isinstance(c.params["metadata"], dict) else "?" for c in posts)
    charts = len(fake.calls_to("files.completeUploadExternal", ok=None, channel_id=channel)) if channel else 0
    summaries = sorted(c.at for c in posts if c.params.get("thread_ts") is None)
    sender = None
    if run is not None:
        sender = next((i for i, bot in enumerate(replicas) if f":{bot.pid}:" in run.claimed_by), None)
    return {
        "digest_posts": parts["summary"],
        "digest_parts": {"summary": parts["summary"], "details": parts["details"], "chart": charts},
        "digest_status": None if run is None else run.status,
        "digest_claims": 0 if run is None else run.attempts,
        "digest_sent_by_replica": sender,
        "digest_seconds_after_due": summaries[0] - digest["scheduled_at"] if summaries and digest.get(
            "scheduled_at") else None,
    }


def verdict(c: dict[str, Any], replicas: list[dict[str, Any]]) -> list[str]:
    """What went wrong with delivery (empty: nothing); latency targets are judged in the tables."""
    wrong = []
    if c["events_200"] != c["events_planned"]:
        wrong.append(f"{c['events_planned'] - c['events_200']} events not answered 200")
    if c["retries_200"] != c["retries_sent"]:
        wrong.append(f"{c['retries_sent'] - c['retries_200']} retries not answered 200")
    if c["commands_200"] != c["commands_sent"]:
        wrong.append(f"{c['commands_sent'] - c['commands_200']} slash commands not answered 200")
    if c["lost"]:
        wrong.append(f"{c['lost']} lost (a decision or command with no reply)")
    if c["duplicated"]:
        wrong.append(f"{c['duplicated']} duplicated (replied twice, or a second post inside the cooldown)")
    if c["threaded_replies_unexpected"]:
        wrong.append(f"{c['threaded_replies_unexpected']} threaded replies to non-decisions")
    parts = c["digest_parts"]
    if c["digest_posts"] != 1 or parts["details"] != 1 or parts["chart"] > 1:
        wrong.append(f"the digest was posted {c['digest_posts']} times "
                     f"(details {parts['details']}, chart {parts['chart']}); once was expected")
    crashed = [r["replica"] for r in replicas if r["exit_code"] not in (0, None)]
    if crashed:
        wrong.append(f"replica(s) {', '.join(map(str, crashed))} did not exit cleanly")
    return wrong


def summarise(config: dict[str, object], events: list[Sent], commands: list[Command], fake: FakeSlack,
              triggers: dict[str, list[float]] | None, run: dict[str, Any], digest: dict[str, Any],
              bots: list[Bot]) -> Figures:
    channels = {e.channel for e in events}
    posts = [c for c in fake.calls_to("chat.postMessage", ok=None)
             if c.params.get("channel") in channels and not is_digest_post(c)]
    matched = match_posts(events, posts, triggers, float(config["cooldown"]))  # type: ignore[arg-type]
    acked = [e for e in events if e.status == 200]
    sent = [e for e in events if e.sent_at]
    retried = [e for e in sent if e.retry_replica is not None]
    latency = {
        "event_to_post": Latency("event-to-post, every post", matched["decision_ms"] + matched["quote_ms"]),
        "decision_reply": Latency("  decision replies (threaded)", matched["decision_ms"]),
        "quote_post": Latency("  quote posts", matched["quote_ms"]),
        "event_ack": Latency("event acknowledgement", [1000 * e.ack_s for e in sent if e.ack_s is not None]),
        "retry_ack": Latency("  retry acknowledgement (another replica)",
                             [1000 * e.retry_ack_s for e in retried if e.retry_ack_s is not None]),
        "command_ack": Latency("slash-command acknowledgement",
                               [1000 * c.ack_s for c in commands if c.ack_s is not None]),
    }
    answers: dict[str, list[Call]] = defaultdict(list)
    for call in fake.calls_to("response", ok=None):
        answers[call.path.removeprefix("/response/")].append(call)
    answer_ms = {c.index: 1000 * (min(a.at for a in answers[c.name]) - c.sent_at)
                 for c in commands if answers[c.name]}
    latency["command_answer"] = Latency("slash-command answer (response_url)", list(answer_ms.values()))
    first_send = min((e.sent_at for e in sent), default=0.0)
    last_send = max((e.sent_at for e in sent), default=0.0)
    quarters: list[float | None] = []
    if sent and last_send > first_send:
        span = (last_send - first_send) / 4
        for q in range(4):
            values = [v for e in sent if (v := matched["post_ms"].get(e.index)) is not None
                      and min(3, int((e.sent_at - first_send) / span)) == q]
            quarters.append(statistics.median(values) if values else None)
    trace: list[dict[str, object]] = [
        {"type": "event", "index": e.index, "channel": e.channel, "kind": e.kind, "decision": e.decision,
         "asks": e.expects_reply,
         "replica": e.replica, "sent_at": e.sent_at, "status": e.status,
         "ack_ms": None if e.ack_s is None else 1000 * e.ack_s, "retry_replica": e.retry_replica,
         "retry_status": e.retry_status if e.retry_replica is not None else None,
         "post_ms": matched["post_ms"].get(e.index), "error": e.error or e.retry_error, "text": e.text}
        for e in events]
    trace += [{"type": "command", "index": c.index, "channel": c.channel, "topic": c.topic,
               "replica": c.replica, "sent_at": c.sent_at, "status": c.status,
               "ack_ms": None if c.ack_s is None else 1000 * c.ack_s, "answer_ms": answer_ms.get(c.index),
               "error": c.error} for c in commands]
    last_ack = max((e.sent_at + (e.ack_s or 0) for e in acked), default=first_send)
    last_post = max((c.at for c in posts), default=last_send)
    kinds = Counter(e.kind for e in events)
    missing_answers = sum(1 for c in commands if c.status == 200 and not answers[c.name])
    counts: dict[str, object] = {
        "events_planned": len(events), "events_sent": len(sent), "events_200": len(acked),
        "events_failed": [{"index": e.index, "status": e.status, "error": e.error}
                          for e in sent if e.status != 200][:20],
        "events_by_kind": dict(kinds),
        "retries_sent": len(retried), "retries_200": sum(1 for e in retried if e.retry_status == 200),
        "decisions_expected": sum(1 for e in acked if e.expects_reply),
        "decisions_in_internal_talk": sum(1 for e in acked if e.decision and not e.expects_reply),
        "decisions_in_internal_talk_asked": sum(1 for e in acked if e.decision and not e.expects_reply
                                                and (e.channel, e.ts) in matched["replied"]),
        "decision_replies_missing": len(matched["missing"]),
        "decision_replies_duplicate": matched["duplicates"],
        "threaded_replies_unexpected": matched["unexpected"],
        "decision_replies_exactly_one": matched["exactly_one"],
        "quote_posts": matched["quote_posts"],
        "quote_posts_matched_exactly": matched["quote_matched_exactly"],
        "quote_posts_matched_by_time": matched["quote_matched_by_time"],
        "quote_posts_inside_cooldown": matched["cooldown_breaks"],
        "acks_over_3s": sum(1 for e in sent if (e.ack_s or 0) >= ACK_LIMIT)
        + sum(1 for e in retried if (e.retry_ack_s or 0) >= ACK_LIMIT)
        + sum(1 for c in commands if (c.ack_s or 0) >= ACK_LIMIT),
        "offered_per_s": len(sent) / (last_send - first_send) if last_send > first_send else None,
        "accepted_per_s": len(acked) / (last_ack - first_send) if last_ack > first_send else None,
        "send_seconds": last_send - first_send,
        "event_to_post_median_ms_by_quarter": quarters,
        "drain_seconds": max(0.0, last_post - last_send),
        "commands_sent": sum(1 for c in commands if c.sent_at),
        "commands_200": sum(1 for c in commands if c.status == 200),
        "commands_failed": [{"index": c.index, "status": c.status, "error": c.error}
                            for c in commands if c.sent_at and c.status != 200],
        "command_answers_exactly_one": sum(1 for c in commands if len(answers[c.name]) == 1),
        "command_answers_missing": sum(1 for c in commands if c.sent_at and not answers[c.name]),
        "command_answers_duplicate": sum(max(0, len(answers[c.name]) - 1) for c in commands),
        # what a caller checks first: a reply that never came, or came twice
        "lost": len(matched["missing"]) + missing_answers,
        "duplicated": matched["decisions_replied_twice"] + matched["cooldown_breaks"]
        + sum(1 for c in commands if len(answers[c.name]) > 1),
        **digest_figures(fake, digest, bots),
        **run,
    }
    wrong = verdict(counts, run["replicas"])
    counts["verdict"] = "FAIL" if wrong else "OK"
    counts["verdict_reasons"] = wrong
    return Figures(config, latency, counts, trace)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _verdict(ok: bool | None) -> str:
    return "" if ok is None else ("met" if ok else "MISSED")


def format_figures(figures: Figures) -> str:
    c, lat, cfg = figures.counts, figures.latency, figures.config
    head = (f"Empty Chair over HTTP: {cfg['quotes']:,} quotes ({cfg['backend']}), {cfg['replicas']} "
            f"replica(s); {c['events_sent']:,} events in {cfg['channels']} channels, target "
            f"{cfg['rate']:g}/s from {cfg['clients']} clients, {c['retries_sent']:,} sent twice; "
            f"{c['commands_sent']} slash commands in one burst; one digest due\n"
            f"bot: cooldown {cfg['cooldown']} s, semantic {'on' if cfg['semantic'] else 'off'}, "
            f"code {cfg['bot_code']}; {cfg['cpus']} CPUs")
    mix = ", ".join(f"{k} {v:,}" for k, v in sorted(c["events_by_kind"].items()))
    parts = (f"{head}\nmix: {mix}", latency_table(lat, c), delivery_table(cfg, c), replica_table(c))
    verdict_line = "OK: nothing lost, nothing duplicated, the digest posted once" if c["verdict"] == "OK" \
        else "FAIL: " + "; ".join(c["verdict_reasons"])
    return "\n\n".join(parts) + f"\n\nverdict: {verdict_line}"


def replica_table(c: dict[str, Any]) -> str:
    wall = c.get("bot_wall_seconds") or 0.0
    rows = [[str(r["replica"]), str(r["port"]), f"{r['events']:,}", f"{r['retries']:,}", str(r["commands"]),
             f"{r['cpu_seconds']:.1f} s" + (f" ({100 * r['cpu_seconds'] / wall:.0f}%)" if wall else ""),
             f"{r['peak_rss_mb']:.0f} MB", str(r["log_problems"]), str(r["exit_code"])]
            for r in c["replicas"]]
    return table(("replica", "port", "events", "retries", "commands", "CPU (of one core)", "peak RSS",
                  "log warnings", "exit"), rows)


def latency_table(lat: dict[str, Latency], c: dict[str, Any]) -> str:
    targets = {"event_to_post": ("median < 100 ms", "median", TARGET_MEDIAN_MS),
               "event_ack": ("every < 3000 ms", "max", 1000 * ACK_LIMIT),
               "command_ack": ("every < 3000 ms", "max", 1000 * ACK_LIMIT)}
    rows = []
    for key, item in lat.items():
        target, stat, limit = targets.get(key, ("", "", 0.0))
        value = item.stat(stat) if stat else None
        rows.append([item.name, str(item.n), _ms(item.stat("median")), _ms(item.stat("p99")),
                     _ms(item.stat("max")), target, _verdict(None if value is None else value < limit)])
    text = table(("latency", "n", "median ms", "p99 ms", "max ms", "target", ""), rows)
    quarters = " / ".join(_ms(v) for v in c["event_to_post_median_ms_by_quarter"])
    return f"{text}\nevent-to-post median by quarter of the run (ms): {quarters}"


def delivery_table(cfg: dict[str, Any], c: dict[str, Any]) -> str:
    def rate(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    def none_of(label: str, key: str) -> list[str]:
        value = c.get(key)
        shown = "-" if value is None else f"{value:,}"
        return [label, shown, "0", _verdict(None if value is None else value == 0)]

    offered, accepted = c["offered_per_s"], c["accepted_per_s"]
    cpu, wall = c.get("bot_cpu_seconds"), c.get("bot_wall_seconds")
    sent, commands = c["events_sent"], c["commands_sent"]
    per_core = "-" if not cpu or not wall else (
        f"{cpu:.1f} s = {100 * cpu / wall:.0f}% of one core, {1000 * cpu / max(1, sent):.1f} ms/event")
    body = [
        ["events offered per second (most in flight)",
         f"{rate(offered)} ({c.get('max_events_in_flight', '-')} of {cfg['clients']})",
         f"{cfg['rate']:g}" if cfg["rate"] else "",
         _verdict(None if not cfg["rate"] or offered is None else offered >= 0.95 * cfg["rate"])],
        ["events accepted per second", rate(accepted), f">= {TARGET_RATE:g}",
         _verdict(None if accepted is None else accepted >= TARGET_RATE)],
        ["events answered 200", f"{c['events_200']:,} / {sent:,}", "all",
         _verdict(c["events_200"] == sent == c["events_planned"])],
        none_of("acknowledgements >= 3 s (events + commands)", "acks_over_3s"),
        ["decisions the bot must ask about (its classifier and rules)", f"{c['decisions_expected']:,}",
         "", ""],
        ["  with exactly one threaded reply", f"{c['decision_replies_exactly_one']:,}", "all",
         _verdict(c["decision_replies_exactly_one"] == c["decisions_expected"])],
        none_of("  missing replies", "decision_replies_missing"),
        none_of("  duplicate replies", "decision_replies_duplicate"),
        ["decisions near internal talk (a question allowed, not due)",
         f"{c['decisions_in_internal_talk']:,} ({c['decisions_in_internal_talk_asked']:,} asked)", "", ""],
        none_of("threaded replies to non-decisions", "threaded_replies_unexpected"),
        ["quote posts (matched exactly / by time)",
         f"{c['quote_posts']} ({c['quote_posts_matched_exactly']} / {c['quote_posts_matched_by_time']})",
         "", ""],
        none_of("  a second quote post inside a channel's cooldown", "quote_posts_inside_cooldown"),
        ["retries (same event to another replica) answered 200",
         f"{c['retries_200']:,} / {c['retries_sent']:,}", "all",
         _verdict(c["retries_200"] == c["retries_sent"])],
        ["slash commands answered 200", f"{c['commands_200']} / {commands}", "all",
         _verdict(c["commands_200"] == commands)],
        ["  with exactly one reply (response_url)", f"{c['command_answers_exactly_one']} / {commands}", "all",
         _verdict(c["command_answers_exactly_one"] == commands)],
        none_of("lost: a decision or command with no reply", "lost"),
        none_of("duplicated: replied twice, or posted inside the cooldown", "duplicated"),
        ["digest posted (summary / details / chart)",
         f"{c['digest_posts']} ({c['digest_parts']['summary']} / {c['digest_parts']['details']} / "
         f"{c['digest_parts']['chart']}), {c['digest_status'] or 'no run'}"
         + (f", by replica {c['digest_sent_by_replica']}" if c["digest_sent_by_replica"] is not None else "")
         + (f", {c['digest_seconds_after_due']:.1f} s after due" if c["digest_seconds_after_due"] else ""),
         "once", _verdict(c["digest_posts"] == 1 and c["digest_parts"]["details"] == 1)],
        ["  claims of its run (a second one: a takeover)", str(c["digest_claims"]), "1",
         _verdict(c["digest_claims"] == 1)],
        ["sending took / last post after last event",
         f"{c['send_seconds']:.1f} s / {c['drain_seconds']:.2f} s", "", ""],
        ["bot CPU during the load (all replicas)", per_core, "", ""],
        ["bot threads alive at the end: ran / waited for a CPU",
         f"{c.get('bot_threads_ran_seconds', 0):.1f} s / "
         f"{c.get('bot_threads_waited_for_cpu_seconds', 0):.1f} s",
         "", ""],
        ["this process's CPU (clients + fake Slack)", f"{c.get('bench_cpu_seconds', 0):.1f} s", "", ""],
        ["PostgreSQL backends serving the bots' database: CPU",
         "-" if (pg := c.get("postgres_cpu_seconds")) is None or not wall
         else f"{pg:.1f} s = {100 * pg / wall:.0f}% of one core",
         "", ""],
        ["other processes' CPU on this machine",
         "-" if not wall else f"{c.get('other_cpu_seconds', 0) / wall:.2f} of {cfg['cpus']} cores", "~0", ""],
        none_of("connections refused: listen queue full (kernel)", "listen_overflows"),
        ["bot peak RSS (the largest replica)", f"{c.get('bot_peak_rss_mb', 0):.0f} MB", "", ""],
        none_of("warnings/errors in the bots' logs", "bot_log_problems"),
    ]
    return table(("throughput and delivery", "value", "target", ""), body)


# ---------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="quotes in the database it builds")
    parser.add_argument("--db", help="use (a copy of) this database instead of building one: a SQLite "
                        "file, or a postgresql:// URL (a database holding quotes is cloned on its server; "
                        "any other database there, e.g. .../postgres, means: build --rows on that server)")
    parser.add_argument("--replicas", type=int, default=1,
                        help="bot processes on the one database, each on its own port; events go round-robin")
    parser.add_argument("--retries", type=float, default=0.1,
                        help="share of events Slack sends twice (same event_id, X-Slack-Retry-Num: 1), "
                             "the second time to another replica")
    parser.add_argument("--digest-at", type=float, default=0.3,
                        help="share of events sent when a channel's digest falls due")
    parser.add_argument("--corpus", type=Path, help="import this CSV instead of generating one")
    parser.add_argument("--events", type=int, default=2000, help="message events to send")
    parser.add_argument("--rate", type=float, default=60.0, help="target events/s (0: as fast as possible)")
    parser.add_argument("--channels", type=int, default=50)
    parser.add_argument("--clients", type=int, default=8,
                        help="client threads sending events: at most this many requests in flight")
    parser.add_argument("--commands", type=int, default=50, help="slash commands in the burst (0: none)")
    parser.add_argument("--command-clients", type=int, default=10, help="threads sending the burst")
    parser.add_argument("--burst-at", type=float, default=0.5, help="share of events sent before the burst")
    parser.add_argument("--cooldown", type=int, default=300,
                        help="EMPTY_CHAIR_COOLDOWN_SECONDS for the bot (default: the bot's 300)")
    parser.add_argument("--drain-timeout", type=float, default=120.0,
                        help="seconds to wait for the last replies after the last event")
    parser.add_argument("--seed", type=int, default=77)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--workdir", type=Path, help="where temporary files go (default: $TMPDIR)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the work dir (database, bot logs) and a PostgreSQL scratch database")
    parser.add_argument("--profile", type=Path,
                        help="record the (first) bot with py-spy during the load (collapsed stacks to "
                             "this file)")
    parser.add_argument("--profile-gil", action="store_true",
                        help="with --profile: only the thread holding the GIL (what uses the interpreter)")
    parser.add_argument("--semantic", action="store_true",
                        help="leave the bot's semantic extra on (hybrid search, and background "
                             "embedding of quotes without a vector: give a --db already embedded with "
                             "`empty-chair embed`); default: EMPTY_CHAIR_SEMANTIC=off")
    parser.add_argument("--switch-interval", type=float,
                        help="diagnostic: start the bot with sys.setswitchinterval(SECONDS) "
                             "(Python's default is 0.005)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--trace", type=Path, help="write one JSON line per event and command here")
    parser.add_argument("--child-build", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.replicas < 1:
        parser.error("--replicas must be at least 1")
    return args


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def start_profiler(pid: int, out: Path, gil: bool) -> subprocess.Popen[bytes] | None:
    """py-spy in non-blocking mode (the bot is not paused), all threads, idle ones too."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        log("--profile needs py-spy (.venv/bin/pip install py-spy); not profiling")
        return None
    log(f"py-spy recording the bot into {out}")
    mode = ["--gil"] if gil else ["--idle"]
    return subprocess.Popen([spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "100",
                             "--nonblocking", "--threads", *mode, "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def start_bots(args: argparse.Namespace, fake: FakeSlack, target: Path | str, work: Path,
               processes: list[Any]) -> list[Bot]:
    """--replicas bots on the one database, started together, each answering before the load."""
    bots = []
    for i in range(args.replicas):
        port = free_port()
        env = bot_environment(fake, target, port, args.cooldown, args.semantic)
        log_path = work / ("bot.log" if args.replicas == 1 else f"bot-{i}.log")
        bots.append(Bot(target, port, env, log_path, args.switch_interval))
        processes.append(bots[-1])
        log(f"starting bot {i} (pid {bots[-1].pid}) on 127.0.0.1:{port}, fake Slack at {fake.url}")
    for i, bot in enumerate(bots):
        log(f"  bot {i} answering after {bot.wait_ready():.1f}s")
    return bots


@dataclass
class Plan:
    """Everything that will be sent, decided before the bots start."""

    channels: list[str]
    events: list[Sent]
    commands: list[Command]
    digest_channel: str


def plan_load(args: argparse.Namespace, run_id: str) -> Plan:
    decisions, refused = decision_texts()
    if refused:
        log(f"{refused} decision templates are not decisions to the classifier; not used")
    channels = [f"C{run_id}{i:04d}" for i in range(args.channels)]
    events = plan_events(args.events, channels, conversation_scenes(args.queries), decisions, args.seed)
    mark_retries(events, args.retries, args.seed + 2)
    rng = random.Random(args.seed + 1)
    topics = list(COMMAND_TOPICS) + [q.query for q in load_queries(args.queries) if q.kind == "single"]
    commands = [Command(i, rng.choice(channels), rng.choice(topics), f"cmd-{run_id}-{i}")
                for i in range(args.commands)]
    for item in (*events, *commands):
        item.replica = item.index % args.replicas  # the load balancer: round-robin
    return Plan(channels, events, commands, channels[0])


@dataclass
class Snapshot:
    """CPU used so far: by each bot, this process, the whole machine and PostgreSQL; and the
    kernel's count of refused connections."""

    wall: float
    bots: list[float]
    own: float
    machine: float
    overflows: int | None
    postgres: dict[int, float] | None  # PostgreSQL backends of the bots' database

    @classmethod
    def take(cls, bots: list[Bot], target: Path | str) -> Snapshot:
        own = resource.getrusage(resource.RUSAGE_SELF)
        return cls(time.perf_counter(), [bot.cpu_seconds() for bot in bots], own.ru_utime + own.ru_stime,
                   machine_busy_seconds(), listen_overflows(), postgres_backends_cpu(target))


def usage(before: Snapshot, after: Snapshot) -> dict[str, Any]:
    """What was used between two snapshots. A backend that connected in between counts from
    zero; one that exited in between is not counted (the pools keep theirs open)."""
    wall = after.wall - before.wall
    bots = sum(b - a for a, b in zip(before.bots, after.bots, strict=True))
    pg = None
    if before.postgres is not None and after.postgres is not None:
        pg = sum(cpu - before.postgres.get(pid, 0.0) for pid, cpu in after.postgres.items())
    own = after.own - before.own
    others = (after.machine - before.machine) - bots - own - (pg or 0.0)
    if others > 0.25 * wall:
        log(f"other processes used {others / wall:.1f} cores during the load: figures are "
            "pessimistic; rerun on a quiet machine")
    return {"bot_cpu_seconds": bots, "bot_wall_seconds": wall, "bench_cpu_seconds": own,
            "postgres_cpu_seconds": pg, "other_cpu_seconds": others,
            "listen_overflows": None if before.overflows is None or after.overflows is None
            else after.overflows - before.overflows}


def send_load(args: argparse.Namespace, plan: Plan, fake: FakeSlack, store: Store,
              ports: list[int]) -> tuple[Traffic, dict[str, Any]]:
    """The events at their rate, the digest falling due and the command burst on the way; returns
    once everything is sent."""
    events, commands = plan.events, plan.commands
    traffic = Traffic(ports, events, max(1, args.clients), args.rate)
    burst_after = int(args.burst_at * len(events))
    digest_after = int(args.digest_at * len(events))
    digest: dict[str, Any] = {"channel": plan.digest_channel}
    burst: list[threading.Thread] = []
    clients = max(1, min(args.command_clients, len(commands)))

    def fall_due() -> None:
        digest.update(due_at=schedule_digest(store, plan.digest_channel), scheduled_at=time.time())
        log(f"  the digest of {plan.digest_channel} is due")

    log(f"sending {len(events):,} events to {len(plan.channels)} channels over {len(ports)} replica(s)"
        + (f" at {args.rate:g}/s" if args.rate > 0 else " as fast as possible")
        + f", {sum(e.retried for e in events):,} of them twice; {len(commands)} slash commands after "
        f"{burst_after:,} events; a digest due in {plan.digest_channel} after {digest_after:,}")
    traffic.start()
    shown = time.perf_counter()
    while not traffic.done():
        time.sleep(0.05)
        if "due_at" not in digest and traffic.sent >= digest_after:
            fall_due()
        if commands and not burst and traffic.sent >= burst_after:
            log(f"  slash-command burst: {len(commands)} commands from {args.command_clients} threads")
            burst = command_burst(ports, commands, fake, clients)
        if time.perf_counter() - shown >= 5:
            shown = time.perf_counter()
            posts = len(fake.calls_to("chat.postMessage", ok=None))
            log(f"  {traffic.sent:,}/{len(events):,} events sent, {posts:,} posts so far")
    if "due_at" not in digest:
        fall_due()
    if commands and not burst:
        burst = command_burst(ports, commands, fake, clients)
    for thread in burst:
        thread.join()
    return traffic, digest


def stop_bots(bots: list[Bot], profiler: subprocess.Popen[bytes] | None) -> list[dict[str, Any]]:
    """Peak RSS and thread times while they live, then SIGTERM; what each left in its log."""
    alive = [{"peak_rss_mb": bot.peak_rss_mb(), "sched": bot.schedstat()} for bot in bots]
    if profiler is not None:
        profiler.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        profiler.wait(30)
    log("stopping the bot" + ("s" if len(bots) > 1 else ""))
    for bot, figures in zip(bots, alive, strict=True):
        figures["exit_code"] = bot.stop()
        figures["problems"] = bot.log_problems()
    for i, figures in enumerate(alive):
        for line in figures["problems"][:10]:
            log(f"  bot {i} log: {line}")
    return alive


def run(args: argparse.Namespace, work: Path, fake: FakeSlack, processes: list[Any],
        cleanups: list[Callable[[], None]]) -> Figures:
    run_id = uuid.uuid4().hex[:5].upper()
    scratch = prepare_database(args, work, run_id)
    if scratch.drop is not None and not args.keep:
        cleanups.append(scratch.drop)
    elif scratch.drop is not None:
        cleanups.append(lambda: log(f"kept the database; reuse it with --db {scratch.target}"))
    store = connect(scratch.target)
    cleanups.append(store.close)
    quotes = store.quotes.total()
    log(f"  {quotes:,} quotes ({store.backend})")
    ready_for_a_digest(store, run_id)
    plan = plan_load(args, run_id)
    if args.replicas > 1 and store.backend == "sqlite":
        log("several replicas on one SQLite file: they share it through its locks (PostgreSQL is "
            "what replicas are meant for)")
    bots = start_bots(args, fake, scratch.target, work, processes)
    profiler = start_profiler(bots[0].pid, args.profile, args.profile_gil) if args.profile else None
    if profiler is not None:
        processes.append(profiler)

    before = machine_busy_seconds()
    time.sleep(1.0)
    busy = machine_busy_seconds() - before
    if busy > 0.3:
        log(f"the machine is already busy ({busy:.1f} cores used by others before the load); "
            "figures will be pessimistic")
    start = Snapshot.take(bots, scratch.target)
    traffic, digest = send_load(args, plan, fake, store, [bot.port for bot in bots])
    log(f"all sent; waiting for the last replies and the digest (up to {args.drain_timeout:.0f} s)")
    wait_for_replies(fake, plan.events, plan.commands, args.drain_timeout,
                     lambda: digest_finished(digest_run(store, digest["channel"], digest["due_at"])))
    end = Snapshot.take(bots, scratch.target)
    alive = stop_bots(bots, profiler)
    replicas = [{"replica": i, "port": bot.port, "events": sum(1 for e in plan.events if e.replica == i),
                 "retries": sum(1 for e in plan.events if e.retry_replica == i),
                 "commands": sum(1 for c in plan.commands if c.replica == i),
                 "cpu_seconds": end.bots[i] - start.bots[i], "peak_rss_mb": alive[i]["peak_rss_mb"],
                 "log_problems": len(alive[i]["problems"]), "exit_code": alive[i]["exit_code"]}
                for i, bot in enumerate(bots)]
    run_figures = {**usage(start, end),
                   "bot_peak_rss_mb": max(r["peak_rss_mb"] for r in replicas),
                   "bot_threads_ran_seconds": sum(a["sched"][0] for a in alive),
                   "bot_threads_waited_for_cpu_seconds": sum(a["sched"][1] for a in alive),
                   "bot_exit_code": next((r["exit_code"] for r in replicas if r["exit_code"] != 0),
                                         replicas[0]["exit_code"]),
                   "bot_log_problems": sum(r["log_problems"] for r in replicas),
                   "bot_start_seconds": max(bot.ready_seconds for bot in bots),
                   "max_events_in_flight": traffic.max_in_flight, "replicas": replicas}
    config = {"quotes": quotes, "backend": store.backend, "replicas": args.replicas, "retries": args.retries,
              "events": args.events, "channels": args.channels, "rate": args.rate,
              "clients": args.clients, "commands": args.commands, "cooldown": args.cooldown,
              "digest_at": args.digest_at, "seed": args.seed, "cpus": os.cpu_count(),
              "switch_interval": args.switch_interval, "semantic": args.semantic, "bot_code": bot_code_hash()}
    digest["run"] = digest_run(store, digest["channel"], digest["due_at"])
    figures = summarise(config, plan.events, plan.commands, fake, quote_triggers(store, DEFAULT_TEAM),
                        run_figures, digest, bots)
    for kind in ("events_failed", "commands_failed"):
        for failure in figures.counts[kind][:5]:  # type: ignore[index]
            what = kind.split("_")[0][:-1]
            log(f"  {what} {failure['index']}: status {failure['status']} {failure['error']}")
    return figures


def digest_finished(run: Run | None) -> bool:
    """Its run was claimed and is no longer in progress (posted, empty, or given up)."""
    return run is not None and run.status != "claimed"


def wait_for_replies(fake: FakeSlack, events: list[Sent], commands: list[Command], timeout: float,
                     digest_done: Callable[[], bool] = lambda: True) -> None:
    """Until every decision and command has its reply, the digest is finished, and the bots
    made no call for a moment."""
    expected = {(e.channel, e.ts) for e in events if e.expects_reply and e.status == 200}
    names = {c.name for c in commands if c.status == 200}
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        with fake.lock:
            calls = list(fake.calls)
        replied = {(str(c.params.get("channel")), str(c.params.get("thread_ts"))) for c in calls
                   if c.method == "chat.postMessage"}
        answered = {c.path.removeprefix("/response/") for c in calls if c.method == "response"}
        last = max((c.at for c in calls), default=0.0)
        if expected <= replied and names <= answered and time.time() - last >= SETTLE_SECONDS \
                and digest_done():
            return
        time.sleep(0.2)
    log(f"gave up waiting after {timeout:.0f} s")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child_build:
        child_build(*args.child_build)
        return 0
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="empty-chair-slack-load-", dir=args.workdir))
    fake = FakeSlack()
    # socketserver listens with a backlog of 5; at this load the bot's posts would be refused
    # (and retried by the kernel after 1 s) by the fake, not by anything Slack does
    fake.server.socket.listen(FAKE_BACKLOG)
    fake.start()
    processes: list[Any] = []
    cleanups: list[Callable[[], None]] = []  # after the processes stop, last first
    interrupted = False
    try:
        figures = run(args, work, fake, processes, cleanups)
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted; cleaning up")
        return 130
    finally:
        for process in reversed(processes):
            if isinstance(process, Bot):
                process.stop(timeout=5 if interrupted else STOP_TIMEOUT)
            elif process.poll() is None:
                process.kill()
                process.wait(10)
        fake.stop()
        for cleanup in reversed(cleanups):
            try:
                cleanup()
            except Exception as err:  # noqa: BLE001 - the others must still run
                log(f"cleaning up failed: {err}")
        if args.keep:
            built = work / "quotes.db"
            log(f"kept {work}" + (f" (reuse the database with --db {built})" if built.exists() else ""))
        else:
            shutil.rmtree(work, ignore_errors=True)
        signal.signal(signal.SIGTERM, previous)
    if args.trace:
        with open(args.trace, "w", encoding="utf-8") as out:
            out.writelines(json.dumps(row) + "\n" for row in figures.trace)
        log(f"wrote {len(figures.trace):,} lines to {args.trace}")
    if args.json:
        print(json.dumps(figures.as_dict(), indent=2))
    else:
        print(format_figures(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
