"""Posting what the core decided: one place that turns an Action into a Slack message.

Nothing is posted from here directly: each message is owed through the outbox
(`delivery.Courier.owe`), written to the database before its first try and retried until
it lands or stops making sense. `kind` says why it is owed, which decides how long it is
worth trying (`bot.outbox.Rules`).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from ..models import Action
from ..outbox import ANSWER, QUOTES
from . import blocks, connect
from .chair import Chair
from .delivery import owe


def post_action(client: WebClient, chair: Chair, team_id: str, channel_id: str, action: Action,
                logger: logging.Logger, thread_ts: str | None = None, kind: str = QUOTES,
                after: dict[str, Any] | None = None) -> int | None:
    """Owe quotes (or a decision question) with their buttons; the outbox id, or None.
    Quotes are never posted where another organisation reads them (see `connect`)."""
    if action.quotes and not connect.may_post_quotes(client, chair, team_id, channel_id, logger):
        logger.warning("quotes not posted in %s: it is shared with another organisation", channel_id)
        return None
    message = {"channel": channel_id, "thread_ts": thread_ts, "text": blocks.fallback(action.text),
               "blocks": blocks.action_blocks(chair.voice, action), "unfurl_links": False,
               "unfurl_media": False}
    return owe(client, chair, team_id, kind, message, logger, after)


def post_text(client: WebClient, chair: Chair, team_id: str, channel_id: str, text: str,
              logger: logging.Logger, thread_ts: str | None = None, kind: str = ANSWER) -> int | None:
    """Owe plain words of the bot's own (introduction, help); they are not escaped."""
    message = {"channel": channel_id, "thread_ts": thread_ts, "text": text, "blocks": blocks.sections(text),
               "unfurl_links": False, "unfurl_media": False}
    return owe(client, chair, team_id, kind, message, logger)


def post_answer(client: WebClient, chair: Chair, team_id: str, channel_id: str, action: Action,
                logger: logging.Logger, thread_ts: str | None = None) -> int | None:
    """An answer everyone in the channel sees; once it lands, its quotes count as shown there."""
    shown = [q.id for q in action.quotes]
    after = {"shown": {"channel": channel_id, "ids": shown}} if shown else None
    return post_action(client, chair, team_id, channel_id, action, logger, thread_ts, ANSWER, after)
