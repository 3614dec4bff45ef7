"""Running digests on time inside `empty-chair serve`: the APScheduler adapter.

Why APScheduler (3.x): it is the well-kept, widely used in-process scheduler for Python,
with a background thread, a thread pool for jobs, time-zone-aware datetimes, and the
misfire and coalescing rules a long-running bot needs, so there is no hand-written timing
loop to get wrong. The 3.x line is the stable one; 4.x is still a pre-release with a
different API.

Its jobs live in memory on purpose: the database, not APScheduler, is the record of
what is scheduled and what was sent. One job per channel schedule fires at the channel's
run times (computed by `bot.digests.spec.next_run`, the same function the slash command uses
to say "next: ..."), and a sync job every minute (EMPTY_CHAIR_DIGEST_SYNC_SECONDS) rebuilds those jobs from
`digest_schedules` (a schedule changed by another instance shows up within a minute),
sends what a restart or downtime missed, and retries runs whose claims ran out. Whether
a run is sent, and by whom, is decided by the claims in `bot.digests.ledger`, so several jobs,
threads or instances firing at once post each digest once.

This module knows nothing of Slack: it is given a `send(due)` function.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from ..models import Due, Schedule, Spec
from ..store import Store
from .ledger import due_digest, stalled_runs
from .spec import next_run

log = logging.getLogger(__name__)

SYNC_SECONDS = 60.0
WORKERS = 2  # sends wait on Slack and the pacer; two threads keep a slow channel from holding the rest
SYNC_JOB = "digest-sync"


class SpecTrigger(BaseTrigger):
    """Fires at a schedule's run times, as `bot.digests.spec.next_run` computes them."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime:
        if previous_fire_time is not None:
            return next_run(self.spec, previous_fire_time)
        return next_run(self.spec, now - timedelta(microseconds=1))

    def __str__(self) -> str:
        return f"digest[{self.spec.cadence} {self.spec.hour:02d}:{self.spec.minute:02d} {self.spec.tz}]"


def job_id(team_id: str, channel_id: str) -> str:
    return f"digest:{team_id}:{channel_id}"


def _key(due: Due) -> tuple[str, str, str, datetime]:
    return due.team_id, due.channel_id, due.kind, due.period.end


class DigestScheduler:
    """Keeps one APScheduler job per enabled schedule and calls `send` for due digests.

    `get_store` gives the calling thread's store; `clock` (epoch seconds) is
    injectable so tests can stand at Monday 09:00 in any time zone without waiting.
    """

    def __init__(self, get_store: Callable[[], Store], send: Callable[[Due], object], *,
                 clock: Callable[[], float] = time.time, sync_seconds: float = SYNC_SECONDS,
                 scheduler: BaseScheduler | None = None) -> None:
        self.get_store = get_store
        self.send = send
        self.clock = clock
        self.sync_seconds = sync_seconds
        self.scheduler = scheduler or BackgroundScheduler(
            timezone=UTC, executors={"default": ThreadPoolExecutor(WORKERS)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        self._specs: dict[str, Spec] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def start(self, paused: bool = False) -> None:
        """Start the background thread; the first sync runs at once (unless `paused`)."""
        self.scheduler.add_job(self.sync, IntervalTrigger(seconds=self.sync_seconds, timezone=UTC),
                               id=SYNC_JOB, replace_existing=True, next_run_time=datetime.now(UTC))
        self.scheduler.start(paused=paused)
        log.info("digest scheduler started; schedules are read from the database every %.0f s",
                 self.sync_seconds)

    def every(self, seconds: float, job: Callable[[], object], name: str) -> None:
        """Also run `job` every `seconds` (first at start) on the scheduler's threads: housekeeping
        that must happen even when no Slack event arrives."""
        self.scheduler.add_job(job, IntervalTrigger(seconds=seconds, timezone=UTC), id=name,
                               replace_existing=True, next_run_time=datetime.now(UTC))

    def stop(self, wait: bool = True) -> None:
        """No new sends; waits for the one in progress (the sender stops at its next call)."""
        self._stopping.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def sync(self) -> list[Due]:
        """Rebuild the jobs from the database, then send every digest that is due now."""
        store = self.get_store()
        schedules = store.digests.enabled_schedules()
        self._reconcile(schedules)
        now = self.clock()
        due = [d for d in (due_digest(store, s, now) for s in schedules) if d is not None]
        taken = {_key(d) for d in due}
        due += [d for d in stalled_runs(store, now) if _key(d) not in taken]
        return self._send_all(due)

    def run_channel(self, team_id: str, channel_id: str) -> list[Due]:
        """A channel's job: send its digest if it is due (another instance may have sent it)."""
        store = self.get_store()
        schedule = store.digests.get_schedule(team_id, channel_id)
        if schedule is None or not schedule.enabled:
            return []
        due = due_digest(store, schedule, self.clock())
        return self._send_all([due] if due else [])

    def next_runs(self) -> dict[str, datetime | None]:
        """Each job's next fire time (UTC), by job id."""
        return {job.id: job.next_run_time for job in self.scheduler.get_jobs()}

    def _send_all(self, due: list[Due]) -> list[Due]:
        sent = []
        for item in due:
            if self.stopping:
                break
            try:
                self.send(item)
            except Exception:  # one channel's failure must not stop the others
                log.exception("sending the digest for channel %s failed", item.channel_id)
            sent.append(item)
        return sent

    def _reconcile(self, schedules: list[Schedule]) -> None:
        wanted = {job_id(s.team_id, s.channel_id): s for s in schedules}
        with self._lock:
            for key, spec in list(self._specs.items()):
                if key not in wanted or wanted[key].spec != spec:
                    self._remove(key)
            for key, schedule in wanted.items():
                if key not in self._specs:
                    self.scheduler.add_job(self.run_channel, SpecTrigger(schedule.spec), id=key,
                                           args=(schedule.team_id, schedule.channel_id),
                                           replace_existing=True)
                    self._specs[key] = schedule.spec

    def _remove(self, key: str) -> None:
        try:
            self.scheduler.remove_job(key)
        except JobLookupError:
            pass
        del self._specs[key]
