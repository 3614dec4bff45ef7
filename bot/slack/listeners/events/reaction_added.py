"""Reactions: the hand's emoji answers a raised hand (see `hand_reaction`); the capture emoji
saves a message.

Capture: reacting with the capture emoji (default :chair:) to a message saves it as
customer feedback, with a link back to it; saved in a private channel, it is shown there only.
Reactions and `/customer-voice add` share one budget per person (`Chair.may_add_quote`).

The message's words come from the conversation the bot keeps from its events, when it has
them: conversations.history and .replies allow an app distributed outside the Marketplace
about one call a minute, so they are asked only for messages the bot did not keep.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from ....ingest.importer import add_quote
from ....outbox import NOTICE
from ... import connect
from ...api import call
from ...blocks import plain
from ...chair import ADD_LIMIT, Chair, team_of
from ...post import owe
from ...privacy import is_private
from .hand_reaction import hand_reaction

SOURCE = "slack"


def reaction_added(body: dict[str, Any], event: dict[str, Any], context: BoltContext,
                   client: WebClient, chair: Chair, logger: logging.Logger) -> None:
    try:
        item = event.get("item") or {}
        reaction = str(event.get("reaction", "")).split("::")[0]  # ignore skin tones
        if reaction != chair.settings.capture_reaction or item.get("type") != "message":
            return hand_reaction(body, event, context, client, chair, logger)
        if not chair.first_delivery(body):
            return
        if connect.outsider(client, chair, context, body, event.get("user"), item["channel"], logger):
            return connect.tell_outsider(client, chair, team_of(context, body), item["channel"],
                                         event.get("user"), logger)  # another organisation's member
        capture(client, chair, team_of(context, body), item["channel"], item["ts"],
                event.get("user"), logger, event.get("channel_type"))
    except Exception:
        logger.exception("reaction on %s was not captured", (event.get("item") or {}).get("ts"))


def capture(client: WebClient, chair: Chair, team: str, channel: str, ts: str,
            user: str | None, logger: logging.Logger, channel_type: str | None = None) -> None:
    kept = chair.db().channels.message(team, channel, ts)
    if kept is not None:  # a person's words, read from Slack markup when it was kept
        text, by_bot = kept.text, False
    else:
        found = fetch_message(client, chair, team, channel, ts, logger)
        if found is None:
            return
        text = plain(found.get("text") or "")
        by_bot = bool(found.get("bot_id")) or found.get("subtype") == "bot_message"
    if by_bot or not text:
        tell(client, chair, team, channel, user, "slack.capture_empty", logger)
        return
    if not chair.may_add_quote(team, user or ""):
        tell(client, chair, team, channel, user, "commands.add_limited", logger, limit=ADD_LIMIT)
        return
    link = call(client.chat_getPermalink, chair=chair, team_id=team, logger=logger, channel=channel,
                message_ts=ts)
    added = add_quote(chair.db(), text, SOURCE, team_id=team,
                      url=link.get("permalink") if link else None, external_id=f"{channel}:{ts}",
                      created=datetime.fromtimestamp(float(ts), UTC).date().isoformat(),
                      origin_channel=channel,
                      private=is_private(client, channel, logger, channel_type=channel_type))
    tell(client, chair, team, channel, user, "commands.captured" if added else "slack.capture_again",
         logger)


def fetch_message(client: WebClient, chair: Chair, team: str, channel: str, ts: str,
                  logger: logging.Logger) -> dict[str, Any] | None:
    """The reacted-to message: from the channel's history, or from its thread if it is a reply."""
    history = call(client.conversations_history, chair=chair, team_id=team, logger=logger,
                   channel=channel, latest=ts, inclusive=True, limit=1)
    if history is None:
        return None
    for found in history.get("messages") or []:
        if found.get("ts") == ts:
            return found
    replies = call(client.conversations_replies, chair=chair, team_id=team, logger=logger,
                   channel=channel, ts=ts, oldest=ts, inclusive=True, limit=2)
    for found in (replies.get("messages") if replies else None) or []:
        if found.get("ts") == ts:
            return found
    logger.info("reacted-to message %s in %s not found (deleted?)", ts, channel)
    return None


def tell(client: WebClient, chair: Chair, team: str, channel: str, user: str | None, prompt: str,
         logger: logging.Logger, **variables: object) -> None:
    if user:
        owe(client, chair, team, NOTICE, {"channel": channel, "user": user,
                                          "text": chair.voice.render(prompt, **variables)},
            logger, method="chat.postEphemeral")
