"""Posting digests to Slack: the summary in the channel, the details in its thread, and
the trend chart (when matplotlib is installed) in the thread too.

Exactly once: each post is made under a claim of the run (see `bot.digests.ledger`), and carries
the run's marker as Slack message metadata, so a sender taking over a crashed send finds
what already landed (`conversations.history` / `conversations.replies`) instead of posting
it again. The claim is renewed right before every call, after any wait; a sender whose
claim was taken over (it stalled past its lease) stops there and posts nothing more.

Pacing: Slack allows about one message a second in a channel and less across a
workspace. A `Pacer` spaces every call of a digest send by at least a second per channel
and half a second per workspace. This client has no rate-limit retry handler of its own:
a 429 pauses the whole workspace for Retry-After seconds (at most `MAX_PAUSE`, far below
the claim's lease) and the call is tried again, so one channel's 429 slows every channel
of that workspace, as Slack asks. The client does
not retry connection or server errors either: those may have posted, so the run is
handed back and retried through the marker check.

Channels that are archived, or that the bot has left, get their digest schedule switched
off, and a warning says why; the other channels carry on.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse

from ..config import Settings
from ..digests.build import Digest, build_digest
from ..digests.chart import trend_png
from ..digests.ledger import (
    claim_run,
    finish_run,
    manual_due,
    record_chart,
    record_details,
    record_summary,
    release_run,
    renew_claim,
    retry_delay,
)
from ..digests.themes import TrackedTopic, load_topics
from ..errors import BadTopicsFile, ConfigError
from ..models import MANUAL, Claim, Due
from . import blocks, connect
from .api import ADVICE, CHANNEL_GONE, api_name
from .chair import Chair
from .checks import uses_oauth
from .installs import installation_store

log = logging.getLogger(__name__)

METADATA_TYPE = "empty_chair_digest"
PER_CHANNEL = 1.0  # seconds between two digest calls in one channel
PER_WORKSPACE = 0.5  # seconds between two digest calls anywhere in one workspace
RATE_RETRIES = 5
# The longest a Retry-After pauses a workspace, and one call's timeout: both far below the
# claim's lease, so a sender that waited out one, then hung on a call, still holds its claim.
MAX_PAUSE = 60.0
CALL_TIMEOUT = 30
HISTORY_PAGES = 5
HISTORY_MARGIN = 300.0  # look this far before the first claim for a post that landed
CHART_FILE = "digest-trend.png"


class Pacer:
    """Spaces calls per channel and per workspace; thread-safe, with an injectable clock.

    Each call reserves the earliest slot both limits allow, then sleeps until it, so
    many threads sending to one workspace queue up instead of bursting.
    """

    def __init__(self, per_channel: float = PER_CHANNEL, per_workspace: float = PER_WORKSPACE,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], object] = time.sleep) -> None:
        self.per_channel = per_channel
        self.per_workspace = per_workspace
        self.clock = clock
        self.sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, team: str, channel: str) -> None:
        with self._lock:
            now = self.clock()
            slot = max(now, self._next.get("C" + channel, 0.0), self._next.get("T" + team, 0.0))
            self._next["C" + channel] = slot + self.per_channel
            self._next["T" + team] = slot + self.per_workspace
        if slot > now:
            self.sleep(slot - now)

    def pause(self, team: str, seconds: float) -> None:
        """Hold every call to a workspace for `seconds` (Slack said Retry-After), at most MAX_PAUSE."""
        seconds = min(max(0.0, seconds), MAX_PAUSE)
        with self._lock:
            key = "T" + team
            self._next[key] = max(self._next.get(key, 0.0), self.clock() + seconds)


SHARED_PACER = Pacer()  # one per process: the scheduler's sends and `digest now` share the limits


class ChannelGone(Exception):
    "The channel is archived, deleted, or the bot is not in it"

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class SendFailed(Exception):
    "Slack did not take the call (or may not have); the run is retried later"

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class Stopped(Exception):
    "The bot is shutting down; the run is handed back"


class ClaimLost(Exception):
    "Another sender took the run over (this one stalled past its lease); post nothing more"


@dataclass(frozen=True)
class Outcome:
    """What a send did: posted, empty (nothing new), busy (claimed elsewhere or finished),
    retry (handed back), failed, or cancelled (channel gone, schedule switched off)."""

    status: str
    due: Due
    ts: str | None = None
    error: str | None = None


def digest_client(token: str, base_url: str, timeout: int = CALL_TIMEOUT) -> WebClient:
    """A client without retry handlers: the sender decides what is safe to retry."""
    return WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=[])


def client_factory(settings: Settings, installation_store: Any = None,
                   timeout: int = CALL_TIMEOUT) -> Callable[[str, str | None], WebClient | None]:
    """A function giving each workspace's client (no retries of its own, `timeout` per call): the
    bot token, or its stored installation.

    An Enterprise Grid workspace's installation is stored under its organisation, installed
    in that one workspace or across the organisation: both are looked for.
    """
    cache: dict[str, WebClient] = {}

    def client_for(team_id: str, enterprise_id: str | None = None) -> WebClient | None:
        token = settings.slack_bot_token
        if installation_store is not None:
            bot = installation_store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
            if bot is None and enterprise_id:
                bot = installation_store.find_bot(enterprise_id=enterprise_id, team_id=None,
                                                  is_enterprise_install=True)
            token = bot.bot_token if bot is not None else ""
        if not token:
            return None
        if token not in cache:
            cache[token] = digest_client(token, settings.slack_api_url, timeout)
        return cache[token]

    return client_for


def instance_name() -> str:
    """Who holds a claim: host, process and a random part (two bots on one host differ)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class DigestSender:
    """Sends due digests; `send` is the function the scheduler is given."""

    def __init__(self, chair: Chair, client_for: Callable[[str, str | None], WebClient | None], *,
                 pacer: Pacer | None = None, clock: Callable[[], float] = time.time,
                 instance: str | None = None, stopping: Callable[[], bool] = lambda: False,
                 chart: bool = True, logger: logging.Logger | None = None) -> None:
        self.chair = chair
        self.client_for = client_for
        self.pacer = pacer or SHARED_PACER
        self.clock = clock
        self.instance = instance or instance_name()
        self.stopping = stopping
        self.chart = chart
        self.log = logger or log

    # -- entry points -------------------------------------------------------------------------------

    def send(self, due: Due) -> Outcome:
        """Claim the run, then post it; never raises for Slack's or the data's failures."""
        store = self.chair.db()
        claim = claim_run(store, due, self.instance, self.clock())
        if claim is None:
            return Outcome("busy", due)
        try:
            return self._deliver(claim, due)
        except Stopped:
            release_run(store, claim, self.clock(), 0.0, "stopped before it was sent")
            return Outcome("retry", due, error="stopping")
        except ClaimLost:
            return Outcome("busy", due, error="taken over")
        except ChannelGone as gone:
            return self._channel_gone(claim, due, gone.error)
        except SendFailed as failed:
            return self._failed(claim, due, failed.error)
        except Exception:
            self.log.exception("digest for channel %s in workspace %s failed", due.channel_id, due.team_id)
            return self._failed(claim, due, "internal_error")

    def send_now(self, team_id: str, channel_id: str, since: datetime | None = None) -> Outcome:
        """A digest asked for by hand, covering the time since the last one (or `since`)."""
        return self.send(manual_due(self.chair.db(), team_id, channel_id, self.clock(), since))

    # -- the steps ----------------------------------------------------------------------------------

    def _deliver(self, claim: Claim, due: Due) -> Outcome:
        store, run = self.chair.db(), claim.run
        due = replace(due, period=run.period, late=due.late or run.late, kind=run.kind)
        known = store.channels.get(due.team_id, due.channel_id)
        if known is not None and not known.active:
            raise ChannelGone("left")
        schedule = store.digests.get_schedule(due.team_id, due.channel_id)
        client = self.client_for(due.team_id, schedule.enterprise_id if schedule else None)
        if client is None:
            raise SendFailed("no_token")
        if not self._quotes_allowed(client, claim, due):
            return self._withheld(claim, due)
        digest = build_digest(store, due, self._topics(), chart=self.chart)
        ts = run.ts or (self._find(client, claim, due, "summary") if claim.recovering else None)
        if ts is None and digest.empty:
            finish_run(store, claim, "empty", self.clock(), "nothing new")
            self.log.info("digest for channel %s in workspace %s: nothing new from %s to %s; nothing posted",
                          due.channel_id, due.team_id, *due.period.bounds)
            return Outcome("empty", due)
        if ts is None:
            voice = self.chair.voice
            ts = self._post(client, claim, due, "summary", blocks.digest_summary_text(voice, digest),
                            blocks.digest_summary(voice, digest))
        if run.ts is None:
            record_summary(store, claim, ts, self.clock())
        self._details(client, claim, due, digest, ts)
        self._chart(client, claim, due, digest, ts)
        finish_run(store, claim, "done", self.clock())
        self.log.info("digest posted in channel %s of workspace %s (%s to %s%s)", due.channel_id, due.team_id,
                      *due.period.bounds, ", late" if due.late else "")
        return Outcome("posted", due, ts)

    def _details(self, client: WebClient, claim: Claim, due: Due, digest: Digest, ts: str) -> None:
        if claim.run.details_ts is not None:
            return
        found = self._find(client, claim, due, "details", thread_ts=ts) if claim.recovering else None
        voice = self.chair.voice
        details = found or self._post(client, claim, due, "details",
                                      blocks.digest_details_text(voice, digest),
                                      blocks.digest_details(voice, digest), thread_ts=ts)
        record_details(self.chair.db(), claim, details, self.clock())

    def _chart(self, client: WebClient, claim: Claim, due: Due, digest: Digest, ts: str) -> None:
        """At most once: an upload carries no marker, so one that may have landed is not repeated."""
        store, voice = self.chair.db(), self.chair.voice
        if claim.run.chart is not None:
            return
        png = trend_png(digest.trend, voice.render("digest.chart_title")) if digest.trend else None
        if png is None:
            record_chart(store, claim, "skipped")
            return
        record_chart(store, claim, "started")
        try:
            self._call(client.files_upload_v2, claim, due, channel=due.channel_id, thread_ts=ts, content=png,
                       filename=CHART_FILE, title=voice.render("digest.chart_file"),
                       alt_txt=voice.render("digest.chart_alt"))
        except (SendFailed, ChannelGone) as err:
            self.log.warning("digest chart for channel %s not uploaded (%s); the digest went out without it",
                             due.channel_id, err)
            record_chart(store, claim, "failed")
            return
        record_chart(store, claim, "done")

    def _post(self, client: WebClient, claim: Claim, due: Due, part: str, text: str,
              layout: list[dict[str, Any]], thread_ts: str | None = None) -> str:
        metadata = {"event_type": METADATA_TYPE, "event_payload": {"marker": claim.run.marker, "part": part}}
        response = self._call(client.chat_postMessage, claim, due, channel=due.channel_id, text=text,
                              blocks=layout, thread_ts=thread_ts, metadata=metadata, unfurl_links=False,
                              unfurl_media=False)
        return str(response["ts"])

    def _find(self, client: WebClient, claim: Claim, due: Due, part: str,
              thread_ts: str | None = None) -> str | None:
        """The ts of this run's `part` if an earlier sender's post landed (its marker is there)."""
        for message in self._messages(client, claim, due, thread_ts):
            meta = message.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if (meta.get("event_type") == METADATA_TYPE and payload.get("marker") == claim.run.marker
                    and payload.get("part") == part):
                self.log.info("digest %s for channel %s had landed before a restart; not posting it again",
                              part, due.channel_id)
                return str(message["ts"])
        return None

    def _messages(self, client: WebClient, claim: Claim, due: Due,
                  thread_ts: str | None) -> Iterator[dict[str, Any]]:
        cursor = None
        for _ in range(HISTORY_PAGES):
            if thread_ts:
                response = self._call(client.conversations_replies, claim, due, channel=due.channel_id,
                                      ts=thread_ts, include_all_metadata=True, limit=200, cursor=cursor)
            else:
                oldest = f"{claim.run.first_claimed_at - HISTORY_MARGIN:.6f}"
                response = self._call(client.conversations_history, claim, due, channel=due.channel_id,
                                      oldest=oldest, include_all_metadata=True, limit=200, cursor=cursor)
            yield from response.get("messages") or []
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return

    def _call(self, method: Callable[..., SlackResponse], claim: Claim, due: Due,
              **params: Any) -> SlackResponse:
        """One paced Web API call under a renewed claim; a 429 pauses the workspace and is tried again."""
        for _ in range(RATE_RETRIES + 1):
            self.pacer.wait(due.team_id, due.channel_id)
            if self.stopping():
                raise Stopped()
            if not renew_claim(self.chair.db(), claim, self.clock()):
                raise ClaimLost()
            try:
                return method(**params)
            except SlackApiError as err:
                error = str(err.response.get("error", "unknown_error"))
                if err.response.status_code != 429 and error != "ratelimited":
                    raise ChannelGone(error) if error in CHANNEL_GONE else SendFailed(error) from None
                seconds = _retry_after(err.response)
                self.pacer.pause(due.team_id, seconds)
                self.log.warning("Slack rate-limited %s in workspace %s; pausing its digests for %.0f s",
                                 api_name(method), due.team_id, seconds)
            except (SlackClientError, OSError) as err:
                raise SendFailed(f"{type(err).__name__}: {err}") from None
        raise SendFailed("ratelimited")

    def _quotes_allowed(self, client: WebClient, claim: Claim, due: Due) -> bool:
        """No digest where another organisation reads the channel (see `connect`); a channel the
        bot knows nothing of is asked about first."""
        known = self.chair.db().channels.get(due.team_id, due.channel_id)
        if known is not None and known.shared is not None:
            return not known.shared or known.shared_allowed_by is not None
        info = self._call(client.conversations_info, claim, due, channel=due.channel_id)
        return connect.refresh(client, self.chair, due.team_id, due.channel_id, self.log,
                               info=info.get("channel") or {}).quotes_allowed

    def _withheld(self, claim: Claim, due: Due) -> Outcome:
        store = self.chair.db()
        store.digests.switch_off(due.team_id, due.channel_id, "shared")
        finish_run(store, claim, "cancelled", self.clock(), "shared")
        self.log.warning("digest for channel %s in workspace %s not posted: the channel is shared with "
                         "another organisation; its digest schedule was switched off",
                         due.channel_id, due.team_id)
        return Outcome("cancelled", due, error="shared")

    # -- outcomes -----------------------------------------------------------------------------------

    def _channel_gone(self, claim: Claim, due: Due, error: str) -> Outcome:
        store = self.chair.db()
        switched = store.digests.switch_off(due.team_id, due.channel_id, error)
        store.channels.update(due.team_id, due.channel_id, active=0)
        finish_run(store, claim, "cancelled", self.clock(), error)
        advice = ADVICE.get(error, "the bot left channel {channel}")
        advice = advice.format(channel=due.channel_id, needed="?")
        self.log.warning("digest for channel %s in workspace %s not posted: %s; %s", due.channel_id,
                         due.team_id, advice, "its digest schedule was switched off" if switched
                         else "it has no digest schedule")
        return Outcome("cancelled", due, error=error)

    def _failed(self, claim: Claim, due: Due, error: str) -> Outcome:
        """Hand the run back to be retried, unless it was asked for by hand and nothing was
        posted: then the person who asked is told, and may ask again."""
        store = self.chair.db()
        fresh = self._reloaded(claim)
        if due.kind == MANUAL and fresh is not None and fresh.run.ts is None:
            finish_run(store, claim, "failed", self.clock(), error)
            self.log.warning("digest asked for in channel %s not posted: %s", due.channel_id, error)
            return Outcome("failed", due, error=error)
        delay = retry_delay(claim.run.attempts)
        release_run(store, claim, self.clock(), delay, error)
        self.log.warning("digest for channel %s in workspace %s not finished (%s); trying again in %.0f s",
                         due.channel_id, due.team_id, error, delay)
        return Outcome("retry", due, error=error)

    def _reloaded(self, claim: Claim) -> Claim | None:
        run = self.chair.db().digests.get_run(claim.run.team_id, claim.run.channel_id, claim.run.kind,
                                              claim.run.period.end)
        return replace(claim, run=run) if run is not None else None

    def _topics(self) -> list[TrackedTopic]:
        try:
            return load_topics(self.chair.settings.topics_path)
        except BadTopicsFile as err:
            self.log.warning("digest without tracked topics: %s", err)
            return []


def _retry_after(response: SlackResponse) -> float:
    """Slack's Retry-After in seconds, from 1 to MAX_PAUSE whatever the header says."""
    headers = {str(k).lower(): v for k, v in (response.headers or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        seconds = float(value) if value is not None else 1.0
    except (TypeError, ValueError):
        return 1.0
    return min(MAX_PAUSE, max(1.0, seconds)) if math.isfinite(seconds) else MAX_PAUSE


def post_now(settings: Settings, team_id: str, channel_id: str, since: datetime | None = None) -> Outcome:
    """Post a channel's digest now (`empty-chair digest`), through the sender the scheduler uses.

    Raises ConfigError when there is no way to reach the workspace (no bot token and no
    installations).
    """
    if not settings.slack_bot_token and not uses_oauth(settings):
        raise ConfigError("SLACK_BOT_TOKEN is not set, so the digest cannot be posted; set it (see "
                          "docs/slack.md), or add --dry-run to print the digest instead")
    installations = installation_store(settings, settings.db_path) if uses_oauth(settings) else None
    sender = DigestSender(Chair(settings), client_factory(settings, installations))
    return sender.send_now(team_id, channel_id, since)
