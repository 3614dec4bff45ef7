"""A new channel topic or purpose: the context the bot weighs with the conversation."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext

from ...blocks import plain
from ...chair import Chair, team_of


def channel_topic(body: dict[str, Any], event: dict[str, Any], context: BoltContext, chair: Chair,
                  logger: logging.Logger) -> None:
    try:
        if not chair.first_delivery(body):
            return
        field = "topic" if event.get("subtype", "").endswith("_topic") else "purpose"
        value = plain(str(event.get(field) or ""))
        chair.db().channels.update(team_of(context, body), event["channel"], **{field: value})
    except Exception:
        logger.exception("%s change in %s was not handled", event.get("subtype"), event.get("channel"))
