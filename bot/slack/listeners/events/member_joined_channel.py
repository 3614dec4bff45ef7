"""Invited to a channel: learn its topic and purpose once, then introduce the customer."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from ....meeting.policy import introduce
from ....outbox import INTRO
from ... import connect
from ...api import call
from ...blocks import plain
from ...chair import Chair, team_of
from ...post import post_text


def member_joined_channel(body: dict[str, Any], event: dict[str, Any], context: BoltContext,
                          client: WebClient, chair: Chair, logger: logging.Logger) -> None:
    try:
        if event.get("user") != context.bot_user_id or not chair.first_delivery(body):
            return
        team, channel = team_of(context, body), event["channel"]
        text = introduce(chair.db(), chair.voice, team, channel, chair.policy)
        found = learn_context(client, chair, team, channel, logger)
        state = None if found is None else connect.refresh(client, chair, team, channel, logger, info=found)
        if state is not None and state.shared:  # another organisation reads this channel: say why no quotes
            text = connect.introduction(chair.voice, state)
        post_text(client, chair, team, channel, text, logger, kind=INTRO)
    except Exception:
        logger.exception("joining %s was not handled", event.get("channel"))


def learn_context(client: WebClient, chair: Chair, team: str, channel: str,
                  logger: logging.Logger) -> dict[str, Any] | None:
    """The channel's topic and purpose, fetched once; later changes arrive as messages. Returns
    what Slack said of the channel (None if it could not be asked)."""
    info = call(client.conversations_info, chair=chair, team_id=team, logger=logger, channel=channel)
    if not info:
        return None
    found: dict[str, Any] = info.get("channel") or {}
    chair.db().channels.update(team, channel,
                            topic=plain((found.get("topic") or {}).get("value") or ""),
                            purpose=plain((found.get("purpose") or {}).get("value") or ""))
    return found
