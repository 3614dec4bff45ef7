"""Source channels: `/customer-voice source on` in a channel where customer feedback already
lands (a #feedback channel a support tool posts into, a Slack Connect channel shared with a
customer) makes the messages there quotes of this workspace.

- In a channel of this workspace only, people's top-level messages are taken (thread replies
  are the team talking about the feedback), under the channel's name (`#feedback`).
- In a channel shared with another organisation, only the messages of its members from
  outside (threads included), with their organisation's name as the source.
- Bots' messages are skipped, except with `source on bots`: then a feedback tool's posts are
  taken too, under the tool's name. This bot's own messages never are.
- Edits and deletions in Slack follow into the quotes while the channel is a source;
  `source off` stops taking messages, and what was saved stays until the workspace is
  forgotten (`empty-chair forget --team T...`).
- Saved in a private channel, a quote is shown in that channel only, as captures are.
- The bot does not take a source channel's messages as meeting talk: no unprompted quotes,
  no decision questions there; it still answers commands and mentions.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from ..ingest.channel_messages import edit_message, remove_message, save_message
from . import connect
from .api import call
from .blocks import escape, plain
from .chair import Chair, team_of
from .privacy import is_private

PEOPLE, BOTS = "people", "bots"
SPOKEN = {None, "thread_broadcast", "file_share", "me_message"}  # subtypes a person wrote
SOURCE_CHARS = 60
# Search weighs words by how many quotes hold them, counted after each import; a saved message
# brings new words (a product's name), so the count is redone, at most this often per database.
RECOUNT_SECONDS = 600.0
_recounted: dict[str, float] = {}
_recount_lock = threading.Lock()


def take(body: dict[str, Any], event: dict[str, Any], context: BoltContext, client: WebClient,
         chair: Chair, logger: logging.Logger) -> bool:
    """True when the message's channel is a source (the message is then saved, or skipped, here);
    False for any other channel, whose messages are meeting talk."""
    channel = event.get("channel")
    if not channel or event.get("channel_type") in ("im", "mpim"):
        return False
    team = team_of(context, body)
    row = chair.db().channels.get(team, channel)
    if row is None or row.source is None:
        return False
    if not chair.first_delivery(body):
        return True
    source = source_of(body, event, context, client, chair, row.source, row.source_name, logger)
    text = plain(event.get("text") or "").strip()
    if source is None or not text:
        logger.debug("message %s in source channel %s not taken", event.get("ts"), channel)
        return True
    link = call(client.chat_getPermalink, chair=chair, team_id=team, logger=logger, channel=channel,
                message_ts=event["ts"])
    private = event.get("channel_type") != "channel" if event.get("channel_type") else \
        is_private(client, channel, logger)
    added = save_message(chair.db(), text, source, team_id=team, channel_id=channel, ts=event["ts"],
                         private=private, url=link.get("permalink") if link else None)
    logger.info("message %s in source channel %s %s", event["ts"], channel,
                "saved as a quote" if added else "was saved before")
    if added:
        recount(chair)
    return True


def recount(chair: Chair, now: float | None = None) -> bool:
    """Recount the corpus statistics unless that was done less than RECOUNT_SECONDS ago here."""
    store, now = chair.db(), time.monotonic() if now is None else now
    with _recount_lock:
        if now - _recounted.get(store.key, -RECOUNT_SECONDS) < RECOUNT_SECONDS:
            return False
        _recounted[store.key] = now
    store.quotes.refresh_stats()
    return True


def source_of(body: dict[str, Any], event: dict[str, Any], context: BoltContext, client: WebClient,
              chair: Chair, takes: str, channel_source: str, logger: logging.Logger) -> str | None:
    """The source to save the message under, or None when it is not a customer's."""
    subtype, user = event.get("subtype"), event.get("user")
    if event.get("bot_id") or subtype == "bot_message":
        ours = event.get("bot_id") == context.bot_id or (user and user == context.bot_user_id)
        if takes != BOTS or ours:
            return None
        tool = (event.get("bot_profile") or {}).get("name") or event.get("username") or channel_source
        return _name(str(tool))
    if subtype not in SPOKEN or not user or user == context.bot_user_id:
        return None
    if context.bot_user_id and f"<@{context.bot_user_id}" in (event.get("text") or ""):
        return None  # addressed to the bot: a question, not feedback
    team, channel = team_of(context, body), event["channel"]
    state = connect.sharing(client, chair, team, channel, logger, body)
    outside = connect.outside_team(client, chair, context, body, user, channel, logger)
    if outside is None:
        if state.shared or (event.get("thread_ts") and event.get("thread_ts") != event.get("ts")):
            return None  # our own people in a shared channel; a reply in a thread of ours
        return channel_source
    return _name(connect.team_name(client, chair, team, outside, logger) if outside else "") or \
        chair.voice.render("connect.someone_else")


def _name(text: str) -> str:
    return " ".join(text.split())[:SOURCE_CHARS]


def follow_edit(event: dict[str, Any], team: str, chair: Chair, logger: logging.Logger) -> None:
    """An edited message of a source channel: its quote gets the new words."""
    channel, edited = event.get("channel"), event.get("message") or {}
    if not channel or not edited.get("ts") or not _is_source(chair, team, channel):
        return
    changed = edit_message(chair.db(), team, channel, edited["ts"], plain(edited.get("text") or ""))
    if changed:
        logger.info("quote of message %s in source channel %s edited", edited["ts"], channel)


def follow_delete(event: dict[str, Any], team: str, chair: Chair, logger: logging.Logger) -> None:
    """A deleted message of a source channel: its quote goes too."""
    channel = event.get("channel")
    deleted = event.get("deleted_ts") or (event.get("previous_message") or {}).get("ts")
    if not channel or not deleted or not _is_source(chair, team, channel):
        return
    if remove_message(chair.db(), team, channel, deleted):
        logger.info("quote of message %s in source channel %s deleted with it", deleted, channel)


def _is_source(chair: Chair, team: str, channel: str) -> bool:
    row = chair.db().channels.get(team, channel)
    return row is not None and row.source is not None


def is_source_command(rest: str) -> bool:
    """`source`, `source on [bots]`, `source off`: anything else after `source` is a topic."""
    words = rest.lower().split()
    return not words or (words[0] in ("on", "off") and len(words) <= 2)


def source_command(chair: Chair, team: str, command: dict[str, Any], rest: str,
                   client: WebClient | None, logger: logging.Logger) -> str:
    """`/customer-voice source [on [bots] | off]`."""
    voice, channel = chair.voice, str(command.get("channel_id") or "")
    if not channel:
        return voice.render("slack.no_channel")
    words = rest.lower().split()
    store = chair.db()
    row = store.channels.get(team, channel)
    if not words:
        if row is None or row.source is None:
            return voice.render("sources.status_off", channel=channel)
        key = "sources.status_bots" if row.source == BOTS else "sources.status_on"
        return voice.render(key, channel=channel, source=escape(row.source_name))
    if words[0] == "off":
        if row is None or row.source is None:
            return voice.render("sources.off_none", channel=channel)
        store.channels.update(team, channel, source=None)
        return voice.render("sources.off", channel=channel, team=escape(team))
    takes = BOTS if words[1:] == ["bots"] else PEOPLE
    if words[1:] and takes != BOTS:
        return voice.render("sources.bad")
    info = call(client.conversations_info, chair=chair, team_id=team, logger=logger,
                channel=channel) if client is not None else None
    found = (info or {}).get("channel") or {}
    if info and found.get("is_member") is False:
        return voice.render("sources.not_member", channel=channel)
    name = _name(f"#{found['name']}") if found.get("name") else _name(f"slack-{channel}")
    store.channels.update(team, channel, source=takes, source_name=name)
    state = connect.refresh(client, chair, team, channel, logger, info=found) if info else \
        connect.sharing(client, chair, team, channel, logger)
    logger.info("channel %s of %s is a source now (%s)", channel, team, takes)
    if state.shared:
        return voice.render("sources.on_shared", channel=channel, others=connect.others_text(voice, state),
                            bots=voice.render("sources.with_bots") if takes == BOTS else "")
    return voice.render("sources.on", channel=channel, source=escape(name),
                        bots=voice.render("sources.with_bots") if takes == BOTS else "")
