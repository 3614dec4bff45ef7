"""`/customer-voice digest ...`: schedule a channel's digest, show it, stop it, or post one now.

- `digest` shows the schedule and the next run;
- `digest weekly mon 09:00 [TZ]` / `digest daily 08:30 [TZ]` sets it, in the time zone of
  the person asking (their Slack profile's `tz`) unless a zone is given;
- `digest off` stops it; `digest now` posts one now, covering the time since the last.

Digests are off until someone asks. The schedule is checked against the channel first:
one the bot is not in would only fail at 09:00 on Monday, when nobody is watching.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from ....digests.render import moment_text, period_text
from ....digests.spec import next_run, parse_spec, resolve_zone
from ....errors import BadSchedule
from ....models import Schedule, Spec, utc
from ...api import CHANNEL_GONE
from ...blocks import escape
from ...chair import Chair
from ...digest_sender import DigestSender, digest_client

Reply = dict[str, Any]
log = logging.getLogger(__name__)


def digest_command(chair: Chair, team: str, command: dict[str, Any], rest: str,
                   client: WebClient | None = None) -> Reply:
    """The reply to `/customer-voice digest REST`."""
    channel = command.get("channel_id")
    if not channel:
        return {"text": chair.voice.render("slack.no_channel")}
    word = rest.split()[0].lower() if rest.split() else ""
    if not word:
        return _text(status(chair, team, channel))
    if word == "off":
        key = "digest.off" if chair.db().digests.switch_off(team, channel, "off") else "digest.off_none"
        return _text(chair.voice.render(key, channel=channel))
    if word == "now":
        return _text(post_now(chair, team, channel, client))
    try:
        return _text(schedule(chair, team, command, rest, client))
    except BadSchedule as err:
        value = escape(err.value[:40]).replace("`", "'")
        return _text(chair.voice.render(f"digest.{err.reason}", value=value))


def _text(text: str) -> Reply:
    return {"text": text}


def when_text(chair: Chair, spec: Spec) -> str:
    """`every Monday at 09:00 (Europe/Berlin)`."""
    clock = f"{spec.hour:02d}:{spec.minute:02d}"
    if spec.weekday is None:
        return chair.voice.render("digest.when_daily", time=clock, zone=escape(spec.tz))
    weekday = chair.voice.choice("digest.weekdays", spec.weekday)
    return chair.voice.render("digest.when_weekly", weekday=weekday, time=clock, zone=escape(spec.tz))


def status(chair: Chair, team: str, channel: str, now: float | None = None) -> str:
    """The channel's schedule, its next run and the last digest posted."""
    voice, store = chair.voice, chair.db()
    current = store.digests.get_schedule(team, channel)
    if current is None or (not current.enabled and current.off_reason in (None, "off")):
        return voice.render("digest.status_none", channel=channel)
    if not current.enabled:
        reason = voice.render(f"digest.reason_{current.off_reason}") \
            if f"digest.reason_{current.off_reason}" in voice.templates else escape(current.off_reason or "")
        return voice.render("digest.status_stopped", channel=channel, reason=reason)
    upcoming = next_run(current.spec, utc(now or time.time()))
    lines = [voice.render("digest.status_on", channel=channel, when=when_text(chair, current.spec),
                          next=moment_text(voice, upcoming, current.spec.tz))]
    last = store.digests.last_posted(team, channel)
    if last is not None:
        posted = moment_text(voice, last.period.end, current.spec.tz)
        lines.append(voice.render("digest.status_last", date=posted))
    return " ".join(lines)


def schedule(chair: Chair, team: str, command: dict[str, Any], rest: str, client: WebClient | None,
             now: float | None = None) -> str:
    """Set the schedule in the asker's time zone (or the one given), if the bot can post here."""
    channel, user = str(command.get("channel_id")), command.get("user_id")
    spec = parse_spec(rest, "UTC")  # checks everything but the zone
    zone_given = len(rest.split()) == (4 if spec.weekday is not None else 3)
    profile_zone = None if zone_given else user_zone(client, user)
    if not zone_given:
        spec = parse_spec(rest, profile_zone or "UTC")
    if not can_post(client, channel):
        return chair.voice.render("digest.not_member", channel=channel)
    now = now or time.time()
    # A Grid workspace's token is stored under its organisation: the sender needs both ids.
    enterprise = command.get("enterprise_id") or None
    saved = chair.db().digests.set_schedule(team, channel, spec, user, now, enterprise)
    return _scheduled_text(chair, saved, now, zone_given, profile_zone)


def _scheduled_text(chair: Chair, saved: Schedule, now: float, zone_given: bool,
                    profile_zone: str | None) -> str:
    voice = chair.voice
    length = voice.render("digest.length_week" if saved.spec.weekday is not None else "digest.length_day")
    text = voice.render("digest.scheduled", channel=saved.channel_id, when=when_text(chair, saved.spec),
                        next=moment_text(voice, next_run(saved.spec, utc(now)), saved.spec.tz), length=length)
    if not zone_given:
        text += " " + voice.render("digest.zone_from_profile" if profile_zone else "digest.zone_unknown")
    return text


def user_zone(client: WebClient | None, user: str | None) -> str | None:
    """The person's time zone from their Slack profile (users.info `tz`), if it can be read."""
    if client is None or not user:
        return None
    try:
        found = client.users_info(user=user)
    except (SlackApiError, SlackClientError, OSError) as err:
        log.warning("users.info for %s failed (%s); the digest schedule uses UTC", user, err)
        return None
    tz = (found.get("user") or {}).get("tz")
    try:
        return resolve_zone(tz) if tz else None
    except BadSchedule:
        return None


def can_post(client: WebClient | None, channel: str) -> bool:
    """False only when Slack says the bot is not in the channel (or it is archived or gone)."""
    if client is None:
        return True
    try:
        info = client.conversations_info(channel=channel)
    except SlackApiError as err:
        return str(err.response.get("error")) not in CHANNEL_GONE
    except (SlackClientError, OSError):
        return True
    found = info.get("channel") or {}
    return not found.get("is_archived") and found.get("is_member", True) is not False


def post_now(chair: Chair, team: str, channel: str, client: WebClient | None) -> str:
    """Post the digest now and say what happened."""
    voice = chair.voice
    if client is None or not client.token:
        return voice.render("digest.now_failed", error="no_token")
    plain = digest_client(client.token, client.base_url)
    outcome = DigestSender(chair, lambda _team, _enterprise=None: plain).send_now(team, channel)
    period = period_text(voice, outcome.due.period, outcome.due.tz)
    if outcome.status == "posted":
        return voice.render("digest.now_posted", period=period)
    if outcome.status == "empty":
        return voice.render("digest.now_empty", period=period)
    if outcome.status == "busy":
        return voice.render("digest.now_busy")
    if outcome.status == "cancelled" and outcome.error in CHANNEL_GONE | {"left"}:
        return voice.render("digest.not_member", channel=channel)
    return voice.render("digest.now_failed", error=escape(outcome.error or "unknown"))
