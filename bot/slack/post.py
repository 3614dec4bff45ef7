"""Posting what the core decided: one place that turns an Action into a Slack message."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from ..models import Action
from . import blocks, connect
from .api import call
from .chair import Chair


def post_action(client: WebClient, chair: Chair, team_id: str, channel_id: str, action: Action,
                logger: logging.Logger, thread_ts: str | None = None) -> str | None:
    """Post quotes (or a decision question) with their buttons; the new message's ts, or None.
    Quotes are never posted where another organisation reads them (see `connect`)."""
    if action.quotes and not connect.may_post_quotes(client, chair, team_id, channel_id, logger):
        logger.warning("quotes not posted in %s: it is shared with another organisation", channel_id)
        return None
    response = call(client.chat_postMessage, chair=chair, team_id=team_id, logger=logger,
                    channel=channel_id, thread_ts=thread_ts, text=blocks.fallback(action.text),
                    blocks=blocks.action_blocks(chair.voice, action), unfurl_links=False,
                    unfurl_media=False)
    return str(response.get("ts")) if response else None


def post_text(client: WebClient, chair: Chair, team_id: str, channel_id: str, text: str,
              logger: logging.Logger, thread_ts: str | None = None) -> str | None:
    """Post plain words of the bot's own (introduction, help); they are not escaped."""
    response = call(client.chat_postMessage, chair=chair, team_id=team_id, logger=logger,
                    channel=channel_id, thread_ts=thread_ts, text=text,
                    blocks=blocks.sections(text), unfurl_links=False, unfurl_media=False)
    return str(response.get("ts")) if response else None


def post_answer(client: WebClient, chair: Chair, team_id: str, channel_id: str, action: Action,
                logger: logging.Logger, thread_ts: str | None = None) -> str | None:
    """An answer everyone in the channel sees; its quotes count as shown there."""
    ts = post_action(client, chair, team_id, channel_id, action, logger, thread_ts)
    if ts and action.quotes:
        chair.db().channels.mark_shown(team_id, channel_id, [q.id for q in action.quotes])
    return ts
