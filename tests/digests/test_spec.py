"""Digest schedules as written (bot/digests/spec.py): parsing, and run times in time zones.
No waiting: every `now` is given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.digests.spec import next_run, parse_spec, prev_run
from bot.errors import BadSchedule
from bot.models import Spec


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize("text, expected", [
    ("weekly mon 09:00", Spec("weekly", 9, 0, "Europe/Berlin", 0)),
    ("weekly Monday 9:00 America/New_York", Spec("weekly", 9, 0, "America/New_York", 0)),
    ("weekly fridays 5:30pm utc", Spec("weekly", 17, 30, "UTC", 4)),
    ("WEEKLY thurs 12am asia/tokyo", Spec("weekly", 0, 0, "Asia/Tokyo", 3)),
    ("daily 08:30", Spec("daily", 8, 30, "Europe/Berlin")),
    ("daily 23:59 Australia/Sydney", Spec("daily", 23, 59, "Australia/Sydney")),
])
def test_parse_spec(text, expected):
    assert parse_spec(text, "Europe/Berlin") == expected


@pytest.mark.parametrize("text, reason", [
    ("", "bad_cadence"), ("monthly 1 09:00", "bad_cadence"), ("weekly", "bad_day"),
    ("weekly mo 09:00", "bad_day"), ("weekly mon", "bad_time"), ("daily 9", "bad_time"),
    ("daily 24:00", "bad_time"), ("daily 13pm", "bad_time"), ("daily 08:30 Mars/Olympus", "bad_zone"),
    ("daily 08:30 UTC please", "too_many"),
])
def test_parse_spec_names_what_is_wrong(text, reason):
    with pytest.raises(BadSchedule) as caught:
        parse_spec(text, "UTC")
    assert caught.value.reason == reason


@pytest.mark.parametrize("zone, winter, summer", [
    ("Europe/Berlin", at(2025, 1, 6, 8), at(2025, 6, 2, 7)),
    ("America/New_York", at(2025, 1, 6, 14), at(2025, 6, 2, 13)),
])
def test_weekly_monday_0900_in_two_time_zones(zone, winter, summer):
    spec = parse_spec(f"weekly mon 09:00 {zone}", "UTC")
    assert next_run(spec, at(2025, 1, 1)) == winter
    assert next_run(spec, winter) == winter + timedelta(days=7)
    assert prev_run(spec, winter) == winter
    assert prev_run(spec, winter - timedelta(seconds=1)) == winter - timedelta(days=7)
    assert next_run(spec, at(2025, 5, 28)) == summer  # clocks changed: the same 09:00 local


def test_clock_changes_run_once_at_a_sensible_time():
    spec = parse_spec("daily 02:30 Europe/Berlin", "UTC")
    assert next_run(spec, at(2025, 3, 29, 12)) == at(2025, 3, 30, 1, 30)  # 02:30 does not exist: 03:30
    assert next_run(spec, at(2025, 10, 25, 12)) == at(2025, 10, 26, 0, 30)  # happens twice: the first
