"""Scheduled digests end to end: the scheduler and the sender against the fake Slack, and
`/customer-voice digest` through the running bot.

Time is a FakeClock: the scheduler, the claims and the pacer read it, and the pacer's
sleeps advance it, so "Monday 09:00 in Berlin" or a 7-second Retry-After cost nothing.
"""

from __future__ import annotations

import logging
import shutil
import sys
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient

from bot.digests.ledger import LEASE_SECONDS
from bot.digests.scheduler import DigestScheduler, SpecTrigger, job_id
from bot.digests.spec import parse_spec
from bot.ingest.importer import import_file
from bot.models import SCHEDULED
from bot.slack import digest_sender
from bot.slack.chair import Chair
from bot.slack.digest_sender import METADATA_TYPE, DigestSender, Pacer
from bot.slack.server import DigestService, shutdown, start_services
from bot.store import connect

from ..conftest import write_csv
from .conftest import settings_for
from .fake_slack import FakeSlack
from .helpers import TEAM, new_channel

SET_AT = datetime(2025, 1, 5, 12, tzinfo=UTC)  # the Sunday the schedules were set
BERLIN_0900 = datetime(2025, 1, 6, 8, tzinfo=UTC)  # Monday 09:00 in Berlin (CET)
NEW_YORK_0900 = datetime(2025, 1, 6, 14, tzinfo=UTC)  # Monday 09:00 in New York (EST)


class FakeClock:
    """Epoch seconds that only move when told to, or when the pacer sleeps."""

    def __init__(self, start: datetime) -> None:
        self.now = start.timestamp()
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds

    def set(self, moment: datetime) -> None:
        with self.lock:
            self.now = moment.timestamp()


class TimedClient(WebClient):
    """Notes the fake time and channel of every Web API call, to check the pacing."""

    def __init__(self, clock: FakeClock, timeline: list[tuple[float, str, str]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clock = clock
        self.timeline = timeline

    def api_call(self, api_method: str, **kwargs: Any) -> Any:
        sent = kwargs.get("json") or kwargs.get("params") or kwargs.get("data") or {}
        self.timeline.append((self.clock(), api_method, str(sent.get("channel") or sent.get("channel_id"))))
        return super().api_call(api_method, **kwargs)


@dataclass
class World:
    """A database with a week of feedback, the fake Slack, and a clock, for scheduler tests."""

    fake: FakeSlack
    db_path: Path
    clock: FakeClock
    timeline: list[tuple[float, str, str]] = field(default_factory=list)

    def settings(self):  # noqa: ANN201
        return settings_for(self.fake, self.db_path)

    def sender(self, instance: str = "A", chart: bool = False,
               client_class: type[TimedClient] | None = None) -> DigestSender:
        client = (client_class or TimedClient)(self.clock, self.timeline, token="xoxb-test",
                                               base_url=self.fake.url, retry_handlers=[])
        pacer = Pacer(clock=self.clock, sleep=self.clock.sleep)
        return DigestSender(Chair(self.settings()), lambda team, enterprise=None: client, pacer=pacer,
                            clock=self.clock, instance=instance, chart=chart)

    def scheduler(self, sender: DigestSender) -> DigestScheduler:
        return DigestScheduler(sender.chair.db, sender.send, clock=self.clock)

    def schedule(self, channel: str, text: str = "weekly mon 09:00 Europe/Berlin") -> None:
        spec = parse_spec(text, "UTC")
        connect(self.db_path).digests.set_schedule(TEAM, channel, spec, "U_ALICE", SET_AT.timestamp())

    def summaries(self, channel: str) -> list[Any]:
        """The digest posts in the channel (successful ones)."""
        posts = self.fake.calls_to("chat.postMessage", channel=channel)
        return [c for c in posts if not c.params.get("thread_ts")]

    def details(self, channel: str) -> list[Any]:
        """The digest replies in threads."""
        posts = self.fake.calls_to("chat.postMessage", channel=channel)
        return [c for c in posts if c.params.get("thread_ts")]

    def run(self, channel: str, end: datetime = BERLIN_0900):  # noqa: ANN201
        return connect(self.db_path).digests.get_run(TEAM, channel, SCHEDULED, end)


def seed_week(db_path: Path, tmp_path: Path) -> None:
    """Labelled feedback dated in the week before Monday 2025-01-06, and the week before that."""
    rows = [["text", "category", "date"]]
    rows += [[f"My new card has still not arrived ({i})", "card_arrival", f"2025-01-0{1 + i % 5}"]
             for i in range(6)]
    rows += [[f"The exchange rate on my payment abroad was wrong ({i})", "exchange_rate", "2024-12-26"]
             for i in range(4)]
    rows += [["Someone stole my card and made fraudulent payments, I lost money!", "card_fraud",
              "2025-01-03"]]
    conn = connect(db_path)
    import_file(conn, write_csv(tmp_path / "week.csv", rows), source="support-tickets")
    conn.close()


@pytest.fixture
def world(fake: FakeSlack, slack_corpus: Path, tmp_path: Path) -> World:
    db_path = tmp_path / "digest.db"
    shutil.copy(slack_corpus, db_path)
    seed_week(db_path, tmp_path)
    return World(fake, db_path, FakeClock(SET_AT))


def channel_pair() -> tuple[str, str]:
    first, second = sorted([new_channel(), new_channel()])
    return first, second


# -- on time, in the scheduler's time zone ----------------------------------------------------------


def test_weekly_digest_at_monday_0900_in_two_time_zones(world):
    berlin, new_york = channel_pair()
    world.schedule(berlin, "weekly mon 09:00 Europe/Berlin")
    world.schedule(new_york, "weekly mon 09:00 America/New_York")
    scheduler = world.scheduler(world.sender())

    world.clock.set(BERLIN_0900 - timedelta(minutes=1))
    assert scheduler.sync() == []
    world.clock.set(BERLIN_0900)
    assert [d.channel_id for d in scheduler.sync()] == [berlin]
    world.clock.set(NEW_YORK_0900)
    assert [d.channel_id for d in scheduler.sync()] == [new_york]
    world.clock.set(NEW_YORK_0900 + timedelta(hours=1))
    assert scheduler.sync() == []

    for channel, zone, end in ((berlin, "Europe/Berlin", BERLIN_0900), (new_york, "America/New_York",
                                                                       NEW_YORK_0900)):
        (summary,) = world.summaries(channel)
        (details,) = world.details(channel)
        assert details.params["thread_ts"] == world.run(channel, end).ts
        context = summary.json("blocks")[1]["elements"][0]["text"]
        assert context == f"2024-12-30 09:00 to 2025-01-06 09:00 ({zone})"
        assert "7 customer quotes (up from 4)" in summary.params["text"]
        assert world.run(channel, end).status == "done"


def test_the_scheduler_keeps_one_job_per_schedule_at_its_local_time(world):
    berlin, new_york = channel_pair()
    world.schedule(berlin, "weekly mon 09:00 Europe/Berlin")
    world.schedule(new_york, "weekly mon 09:00 America/New_York")
    scheduler = world.scheduler(world.sender())
    scheduler.start(paused=True)
    try:
        scheduler.sync()
        runs = scheduler.next_runs()
        for channel, zone in ((berlin, "Europe/Berlin"), (new_york, "America/New_York")):
            local = runs[job_id(TEAM, channel)].astimezone(ZoneInfo(zone))
            assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)
        assert SpecTrigger(parse_spec("weekly mon 09:00 America/New_York", "UTC")).get_next_fire_time(
            None, SET_AT) == NEW_YORK_0900
        connect(world.db_path).digests.switch_off(TEAM, berlin, "test")
        scheduler.sync()  # switched off (here, or by another instance): its job goes
        assert job_id(TEAM, berlin) not in scheduler.next_runs()
        assert job_id(TEAM, new_york) in scheduler.next_runs()
    finally:
        scheduler.stop()
    assert not scheduler.scheduler.running


def test_serve_starts_and_stops_the_digest_scheduler(fake, slack_corpus, tmp_path):
    from bot.slack.app import create_app

    db = tmp_path / "bot.db"
    shutil.copy(slack_corpus, db)
    settings = settings_for(fake, db)
    app = create_app(settings)
    services = start_services(app, settings)
    digests = services[0]
    assert isinstance(digests, DigestService) and digests.scheduler.scheduler.running
    shutdown(app, services)
    assert not digests.scheduler.scheduler.running and digests.stopped.is_set()


# -- exactly once ----------------------------------------------------------------------------------


class Crash(BaseException):
    """The process dies here (not an error the sender could handle)."""


@pytest.mark.parametrize("crash_in", ["build_digest", "record_summary", "record_details"])
def test_restart_in_the_middle_of_a_send_posts_once_and_loses_no_period(world, monkeypatch, crash_in):
    """Killed before posting, after Slack took the summary, or after it took the details:
    the next process finishes the run without posting anything twice."""
    channel = new_channel()
    world.schedule(channel)
    world.clock.set(BERLIN_0900)
    original = getattr(digest_sender, crash_in)

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise Crash()

    monkeypatch.setattr(digest_sender, crash_in, crash)
    with pytest.raises(Crash):
        world.scheduler(world.sender("first")).sync()
    monkeypatch.setattr(digest_sender, crash_in, original)
    assert world.run(channel).status == "claimed"

    restarted = world.scheduler(world.sender("second"))
    world.clock.set(BERLIN_0900 + timedelta(seconds=60))
    assert restarted.sync() == []  # the dead sender's lease still holds
    world.clock.set(BERLIN_0900 + timedelta(seconds=LEASE_SECONDS + 60))
    restarted.sync()

    run = world.run(channel)
    assert (run.status, run.claimed_by) == ("done", "second")
    (summary,) = world.summaries(channel)
    (details,) = world.details(channel)
    assert run.ts == details.params["thread_ts"]
    assert summary.params["metadata"]["event_payload"] == {"marker": run.marker, "part": "summary"}
    assert summary.params["metadata"]["event_type"] == METADATA_TYPE
    world.clock.set(BERLIN_0900 + timedelta(days=7))
    (following,) = restarted.sync()
    assert following.period.start == BERLIN_0900  # the next digest starts where this one ended


def test_two_instances_at_once_post_each_digest_once(world):
    chans = sorted(new_channel() for _ in range(5))
    for channel in chans:
        world.schedule(channel)
    world.clock.set(BERLIN_0900)
    world.fake.delay("chat.postMessage", 0.02)  # both are mid-send at the same time
    instances = [world.scheduler(world.sender(name)) for name in ("one", "two")]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(scheduler: DigestScheduler) -> None:
        try:
            barrier.wait()
            scheduler.sync()
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(s,)) for s in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors
    for channel in chans:
        assert len(world.summaries(channel)) == 1 and len(world.details(channel)) == 1
        assert world.run(channel).status == "done"


def test_a_long_retry_after_never_lets_a_second_instance_post_the_same_digest(world):
    """Slack answers the summary with 429 and Retry-After: 3600. The first instance must not
    sleep past its lease: a second instance (looking in at every pause) would take the run over
    and post it, and then the first would post it again when it woke up."""
    channel = new_channel()
    world.schedule(channel)
    world.clock.set(BERLIN_0900)
    world.fake.fail("chat.postMessage", status=429, retry_after=3600)
    second = world.scheduler(world.sender("second"))
    first = world.sender("first")
    first.pacer = Pacer(clock=world.clock, sleep=lambda seconds: (world.clock.sleep(seconds), second.sync()))
    world.scheduler(first).sync()
    world.clock.sleep(LEASE_SECONDS + 60)
    second.sync()  # nothing left to take over
    assert len(world.summaries(channel)) == 1 and len(world.details(channel)) == 1
    run = world.run(channel)
    assert (run.status, run.claimed_by) == ("done", "first")
    waits = [b[0] - a[0] for a, b in zip(world.timeline, world.timeline[1:], strict=False)]
    assert max(waits) <= digest_sender.MAX_PAUSE
    assert digest_sender.MAX_PAUSE + digest_sender.CALL_TIMEOUT < LEASE_SECONDS / 5


def test_a_slack_slower_than_the_lease_gets_each_part_of_the_digest_once(world, caplog):
    """The summary lands, but Slack's answer takes longer than the lease; meanwhile a second
    instance takes the run over, finds the summary by its marker and posts the rest. The
    first one, answered at last, must not post the details again: it re-checks its claim
    before every post."""
    channel = new_channel()
    world.schedule(channel)
    world.clock.set(BERLIN_0900)
    second = world.scheduler(world.sender("second"))
    slow: list[str] = []

    class SlowSlack(TimedClient):
        def api_call(self, api_method: str, **kwargs: Any) -> Any:
            answer = super().api_call(api_method, **kwargs)
            if api_method == "chat.postMessage" and not slow:
                slow.append(api_method)
                world.clock.sleep(LEASE_SECONDS + 60)  # the answer comes eleven minutes later
                second.sync()
            return answer

    with caplog.at_level(logging.WARNING):
        world.scheduler(world.sender("first", client_class=SlowSlack)).sync()
    assert len(world.summaries(channel)) == 1 and len(world.details(channel)) == 1
    run = world.run(channel)
    assert (run.status, run.claimed_by) == ("done", "second")
    assert "taken over by another sender" in caplog.text


def test_the_empty_period_posts_nothing_and_says_so_in_the_log(world, caplog):
    channel = new_channel()
    world.schedule(channel)
    quiet_monday = BERLIN_0900 + timedelta(days=28)  # no feedback in the week before
    world.clock.set(quiet_monday)
    scheduler = world.scheduler(world.sender())
    with caplog.at_level(logging.INFO):
        scheduler.sync()
    assert not world.fake.calls_to("chat.postMessage", channel=channel)
    assert world.run(channel, quiet_monday).status == "empty"
    assert f"digest for channel {channel}" in caplog.text and "nothing new" in caplog.text
    world.clock.set(quiet_monday + timedelta(minutes=5))
    assert scheduler.sync() == []  # not looked at again


def test_a_missed_monday_is_sent_once_when_the_bot_is_back_marked_late(world):
    channel = new_channel()
    world.schedule(channel)
    world.clock.set(BERLIN_0900 + timedelta(days=2))  # down from Sunday to Wednesday
    scheduler = world.scheduler(world.sender())
    scheduler.sync()
    scheduler.sync()
    (summary,) = world.summaries(channel)
    blocks = summary.json("blocks")
    assert "Late: this digest was due Monday 2025-01-06 09:00" in blocks[1]["elements"][0]["text"]


# -- many channels, rate limits, channels gone -------------------------------------------------------


def test_a_429_while_posting_to_many_channels_pauses_the_workspace_and_every_digest_lands(world, caplog):
    chans = sorted(new_channel() for _ in range(8))
    for channel in chans:
        world.schedule(channel)
    world.clock.set(BERLIN_0900)
    world.fake.fail("chat.postMessage", times=2, status=429, retry_after=7)
    with caplog.at_level(logging.WARNING):
        world.scheduler(world.sender()).sync()
    for channel in chans:
        assert len(world.summaries(channel)) == 1 and len(world.details(channel)) == 1
    assert "rate-limited" in caplog.text
    posts = [(at, channel) for at, method, channel in world.timeline if method == "chat.postMessage"]
    assert len(posts) == 2 * len(chans) + 2
    gaps = [later[0] - earlier[0] for earlier, later in zip(posts, posts[1:], strict=False)]
    assert min(gaps) >= 0.5 - 1e-6  # never faster than two a second in the workspace
    assert sum(1 for gap in gaps if gap >= 7) == 2  # each 429 paused everything for Retry-After
    for channel in chans:
        times = [at for at, where in posts if where == channel]
        assert all(b - a >= 1.0 - 1e-6 for a, b in zip(times, times[1:], strict=False))


def test_an_archived_channel_gets_its_schedule_switched_off_and_the_rest_carry_on(world, caplog):
    archived, fine = channel_pair()
    world.schedule(archived)
    world.schedule(fine)
    world.clock.set(BERLIN_0900)
    world.fake.fail("chat.postMessage", error="is_archived")  # the first post: the archived channel
    with caplog.at_level(logging.WARNING):
        world.scheduler(world.sender()).sync()
    conn = connect(world.db_path)
    stored = conn.digests.get_schedule(TEAM, archived)
    assert not stored.enabled and stored.off_reason == "is_archived"
    assert world.run(archived).status == "cancelled"
    assert not conn.channels.get(TEAM, archived).active
    assert "archived" in caplog.text and "schedule was switched off" in caplog.text
    assert len(world.summaries(fine)) == 1 and conn.digests.get_schedule(TEAM, fine).enabled
    world.clock.set(BERLIN_0900 + timedelta(days=7))
    world.scheduler(world.sender()).sync()
    assert not world.summaries(archived)


def test_a_channel_the_bot_left_gets_its_schedule_switched_off(bot, fake, tmp_path, caplog):
    world = World(fake, bot.db_path, FakeClock(BERLIN_0900))
    seed_week(bot.db_path, tmp_path)
    channel = new_channel()
    world.schedule(channel)
    bot.event({"type": "channel_left", "channel": channel, "actor_id": "U_ALICE"})
    bot.idle()
    with caplog.at_level(logging.WARNING):
        world.scheduler(world.sender()).sync()
    assert not fake.calls_to("chat.postMessage", channel=channel)
    assert bot.conn().digests.get_schedule(TEAM, channel).off_reason == "left"
    assert "switched off" in caplog.text


# -- /customer-voice digest ----------------------------------------------------------------------------


def reply(bot, fake, text: str, channel: str, name: str) -> str:
    assert bot.command(text, channel=channel, response=name).status == 200
    return fake.wait_for("response", path=f"/response/{name}")[-1].params["text"]


def test_digest_commands_schedule_show_and_stop(bot, fake):
    channel = new_channel()
    fake.user_tz["U_ALICE"] = "Europe/Berlin"
    assert reply(bot, fake, "digest", channel, "show0").startswith(f"No digest is scheduled in <#{channel}>")
    text = reply(bot, fake, "digest weekly mon 09:00", channel, "set")
    assert text.startswith(f"Digest scheduled in <#{channel}>: every Monday at 09:00 (Europe/Berlin). "
                           "The first one comes Monday ")
    assert "covers the last week" in text and "The time zone is yours in Slack" in text
    assert fake.calls_to("users.info", user="U_ALICE")
    stored = bot.conn().digests.get_schedule(TEAM, channel)
    assert (stored.spec.tz, stored.spec.weekday, stored.spec.hour, stored.set_by) == ("Europe/Berlin", 0, 9,
                                                                                     "U_ALICE")
    text = reply(bot, fake, "digest daily 08:30 America/New_York", channel, "set2")
    assert "every day at 08:30 (America/New_York)" in text and "time zone is yours" not in text
    shown = reply(bot, fake, "digest", channel, "show1")
    assert shown.startswith(f"Digest in <#{channel}>: every day at 08:30 (America/New_York). Next: ")
    assert reply(bot, fake, "digest off", channel, "off") == f"Digests are off in <#{channel}>."
    assert not bot.conn().digests.get_schedule(TEAM, channel).enabled
    assert reply(bot, fake, "digest", channel, "show2").startswith("No digest is scheduled")
    assert reply(bot, fake, "digest off", channel, "off2").startswith("No digest was scheduled")


@pytest.mark.parametrize("text, answer", [
    ("digest weekly 09:00", "`09:00` is not a day"),
    ("digest daily 25:00", "`25:00` is not a time"),
    ("digest daily 08:30 Atlantis/Capital", "`Atlantis/Capital` is not a time zone I know"),
    ("digest monthly", "Digests run `weekly` or `daily`"),
    ("digest daily 08:30 UTC <!channel>", "I don't understand"),
])
def test_digest_command_explains_a_bad_schedule(bot, fake, text, answer):
    channel = new_channel()
    result = reply(bot, fake, text, channel, "bad")
    assert answer in result and "<!channel>" not in result
    assert bot.conn().digests.get_schedule(TEAM, channel) is None


def test_digest_is_not_scheduled_where_the_bot_cannot_post(bot, fake):
    channel = new_channel()
    fake.channel_info[channel] = {"is_member": False}
    assert "I'm not in" in reply(bot, fake, "digest weekly mon 09:00 UTC", channel, "notin")
    assert bot.conn().digests.get_schedule(TEAM, channel) is None


def test_digest_now_posts_summary_details_and_chart_in_the_thread(bot, fake):
    pytest.importorskip("matplotlib")
    channel = new_channel()
    text = reply(bot, fake, "digest now", channel, "now")
    assert text.startswith("Posted the digest for ")
    summary, details = fake.calls_to("chat.postMessage", channel=channel)
    assert summary.json("blocks")[0] == {"type": "header", "text": {
        "type": "plain_text", "text": ":chair: What our customers are saying", "emoji": True}}
    thread = details.params["thread_ts"]
    assert fake.messages[channel][0]["ts"] == thread
    assert any("Themes customers raised" in b["text"]["text"] for b in details.json("blocks")
               if b["type"] == "section")
    (complete,) = fake.calls_to("files.completeUploadExternal")
    assert (complete.params["channel_id"], complete.params["thread_ts"]) == (channel, thread)
    (upload,) = fake.calls_to("upload")
    assert upload.params["bytes"] > 1000
    again = reply(bot, fake, "digest now", channel, "again")
    assert again.startswith("Nothing new from customers in ")  # nothing since the last one
    assert len(fake.calls_to("chat.postMessage", channel=channel)) == 2


def test_without_matplotlib_the_digest_goes_out_without_its_chart(world, monkeypatch):
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    channel = new_channel()
    world.clock.set(BERLIN_0900)
    outcome = world.sender(chart=True).send_now(TEAM, channel)
    assert outcome.status == "posted"
    assert not world.fake.calls_to("files.getUploadURLExternal")
    assert len(world.fake.calls_to("chat.postMessage", channel=channel)) == 2
