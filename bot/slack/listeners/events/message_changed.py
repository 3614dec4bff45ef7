"""An edited message: the conversation the bot remembers shows the new words."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext

from ... import sources
from ...blocks import plain
from ...chair import Chair, team_of


def message_changed(body: dict[str, Any], event: dict[str, Any], context: BoltContext, chair: Chair,
                    logger: logging.Logger) -> None:
    try:
        if not chair.first_delivery(body):
            return
        sources.follow_edit(event, team_of(context, body), chair, logger)
        edited = event.get("message") or {}
        if edited.get("bot_id") or not edited.get("ts"):
            return
        chair.db().channels.edit_message(team_of(context, body), event["channel"], edited["ts"],
                                         plain(edited.get("text") or ""))
    except Exception:
        logger.exception("edit in %s was not handled", event.get("channel"))
