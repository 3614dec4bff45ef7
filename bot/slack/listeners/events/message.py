"""Listening: every message in a channel goes to the core, which decides whether the
customer speaks (quotes), asks about a decision (in its thread), records a thread
reply as the answer to a decision, or stays quiet."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from ....meeting.policy import observe
from ....models import Message
from ....outbox import DECISION, QUOTES
from ... import connect, sources
from ...blocks import plain
from ...chair import Chair, team_of
from ...hands import lower_hands, raise_hand
from ...post import post_action

SPOKEN = {None, "thread_broadcast", "file_share", "me_message"}  # subtypes a person wrote


def message(body: dict[str, Any], event: dict[str, Any], context: BoltContext, client: WebClient,
            chair: Chair, logger: logging.Logger) -> None:
    try:
        if sources.take(body, event, context, client, chair, logger):
            return  # a source channel: its messages are quotes, not talk to answer
        if ignored(event, context.bot_user_id) or not chair.first_delivery(body):
            return
        team = team_of(context, body)
        said = Message(team, event["channel"], event["ts"], event.get("user"),
                       plain(event.get("text") or ""), event.get("thread_ts"))
        chair.db().channels.ensure(team, said.channel_id, said.time)  # a seat: its shared state is kept
        outside = connect.claimed_outside(client, chair, context, body, said.user_id, logger) is not None
        if outside:  # someone from another organisation reads (and writes in) this channel
            connect.mark_shared(client, chair, team, said.channel_id, logger, seat=True)
        share = not outside and connect.may_post_quotes(client, chair, team, said.channel_id, logger, body)
        action = observe(chair.db(), chair.voice, said, chair.policy, share_quotes=share)
        if action.kind == "quotes":
            post_action(client, chair, team, said.channel_id, action, logger, kind=QUOTES)
        elif action.kind == "decision":
            post_action(client, chair, team, said.channel_id, action, logger, thread_ts=action.thread_ts,
                        kind=DECISION)
        elif action.kind == "hand":
            raise_hand(client, chair, team, said.channel_id, action, logger)
        if not said.is_reply:
            lower_hands(client, chair, team, said.channel_id, action, said.time, logger)
        logger.debug("handled %s in %s: %s (%s)", said.ts, said.channel_id, action.kind, action.reason)
    except Exception:
        logger.exception("message %s in %s was not handled", event.get("ts"), event.get("channel"))


def ignored(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """Bots (this one included) and system messages are not the conversation; a message
    that mentions this bot is answered by the app_mention listener instead, once."""
    if event.get("subtype") not in SPOKEN or event.get("bot_id") or not event.get("user"):
        return True
    if event.get("channel_type") in ("im", "mpim"):
        return True
    if bot_user_id and (event.get("user") == bot_user_id or f"<@{bot_user_id}" in (event.get("text") or "")):
        return True
    return False
