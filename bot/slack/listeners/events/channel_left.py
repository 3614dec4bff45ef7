"""Removed from a channel: it no longer counts as a seat (the App Home stops listing it)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext

from ...chair import Chair, team_of


def channel_left(body: dict[str, Any], event: dict[str, Any], context: BoltContext, chair: Chair,
                 logger: logging.Logger) -> None:
    try:
        if chair.first_delivery(body) and event.get("channel"):
            chair.db().channels.update(team_of(context, body), event["channel"], active=0)
    except Exception:
        logger.exception("leaving %s was not recorded", event.get("channel"))
