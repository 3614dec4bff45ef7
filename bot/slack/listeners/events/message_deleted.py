"""A deleted message: the bot forgets it too, so it no longer shapes what the bot says."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext

from ... import sources
from ...chair import Chair, team_of


def message_deleted(body: dict[str, Any], event: dict[str, Any], context: BoltContext, chair: Chair,
                    logger: logging.Logger) -> None:
    try:
        if not chair.first_delivery(body):
            return
        sources.follow_delete(event, team_of(context, body), chair, logger)
        deleted = event.get("deleted_ts") or (event.get("previous_message") or {}).get("ts")
        if deleted:
            chair.db().channels.forget_message(team_of(context, body), event["channel"], deleted)
    except Exception:
        logger.exception("deletion in %s was not handled", event.get("channel"))
