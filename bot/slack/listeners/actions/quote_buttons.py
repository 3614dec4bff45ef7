"""The buttons under each quote: Not relevant, More like this, Full quote.

The channel and workspace come from the click itself, and a quote id is only acted
on if that workspace may see the quote in that channel, so a crafted button value cannot
reach another workspace's feedback, nor a private channel's from elsewhere.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient

from ....meeting import hands
from ....meeting.policy import answer_topic
from ....models import Quote
from ....voice import evidence_text, quote_text
from ... import connect
from ...api import send
from ...blocks import action_blocks, fallback, full_quote_blocks
from ...chair import Chair, team_of


def not_relevant(body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond,
                 chair: Chair, logger: logging.Logger, client: WebClient | None = None) -> None:
    try:
        clicked = clicked_quote(body, action, context, chair, client, logger)
        if clicked is None:
            return gone(respond, logger, chair, team_of(context, body))
        team, channel, quote = clicked
        chair.db().clicks.record(team, channel, quote.id, user_of(body), "not_relevant")
        hands.declined(chair.db(), team, channel, quote.id, time.time())  # a heard hand's quote: not this
        reply(respond, logger, chair.voice.render("commands.not_relevant_ack"), chair, team)
    except Exception:
        logger.exception("Not relevant on %s was not recorded", action.get("value"))


def more_like_this(body: dict[str, Any], action: dict[str, Any], context: BoltContext,
                   respond: Respond, chair: Chair, logger: logging.Logger,
                   client: WebClient | None = None) -> None:
    try:
        clicked = clicked_quote(body, action, context, chair, client, logger)
        if clicked is None:
            return gone(respond, logger, chair, team_of(context, body))
        team, channel, quote = clicked
        store = chair.db()
        store.clicks.record(team, channel, quote.id, user_of(body), "more_like_this")
        seen = store.channels.hidden(team, channel) | {quote.id}
        found = answer_topic(store, chair.voice, team, channel, quote.text, exclude_ids=seen)
        if not found.quotes:
            return reply(respond, logger, chair.voice.render("slack.more_none"), chair, team)
        store.channels.mark_shown(team, channel, [q.id for q in found.quotes])
        parts = [chair.voice.render("commands.more_header")]
        parts += [quote_text(chair.voice, q) for q in found.quotes]
        parts.append(evidence_text(chair.voice, found.evidence))
        more = replace(found, text="\n".join(p for p in parts if p))
        send(respond, logger, chair=chair, team=team, response_type="ephemeral", replace_original=False,
             text=fallback(more.text), blocks=action_blocks(chair.voice, more))
    except Exception:
        logger.exception("More like this on %s was not answered", action.get("value"))


def full_quote(body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond,
               chair: Chair, logger: logging.Logger, client: WebClient | None = None) -> None:
    try:
        clicked = clicked_quote(body, action, context, chair, client, logger)
        if clicked is None:
            return gone(respond, logger, chair, team_of(context, body))
        quote = clicked[2]
        send(respond, logger, chair=chair, team=clicked[0], response_type="ephemeral", replace_original=False,
             text=fallback(quote.text), blocks=full_quote_blocks(chair.voice, quote))
    except Exception:
        logger.exception("Full quote %s was not shown", action.get("value"))


def clicked_quote(body: dict[str, Any], action: dict[str, Any], context: BoltContext, chair: Chair,
                  client: WebClient | None = None,
                  logger: logging.Logger | None = None) -> tuple[str, str, Quote] | None:
    """Workspace, channel and quote of a click; None if the quote is gone or not this workspace's."""
    try:
        quote_id = int(str(action.get("value", "")))
    except ValueError:
        return None
    team, channel = team_of(context, body), channel_of(body)
    if not channel or connect.claimed_outside(client, chair, context, body, user_of(body),
                                              logger or logging.getLogger(__name__)) is not None:
        return None  # a member of another organisation gets no quote
    quote = chair.db().quotes.get(quote_id, team, channel)
    if quote is None:
        return None
    return team, channel, quote


def channel_of(body: dict[str, Any]) -> str:
    return str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or "")


def user_of(body: dict[str, Any]) -> str | None:
    return (body.get("user") or {}).get("id")


def gone(respond: Respond, logger: logging.Logger, chair: Chair, team: str) -> None:
    reply(respond, logger, chair.voice.render("slack.quote_gone"), chair, team)


def reply(respond: Respond, logger: logging.Logger, text: str, chair: Chair | None = None,
          team: str = "") -> None:
    """A short confirmation only the person who clicked sees; the message stays as it was."""
    send(respond, logger, chair=chair, team=team, response_type="ephemeral", replace_original=False,
         text=text)
