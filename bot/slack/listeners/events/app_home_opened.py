"""The App Home tab: how much customer feedback the bot holds, and where it sits."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from ...api import call
from ...blocks import home_view
from ...chair import Chair, team_of


def app_home_opened(body: dict[str, Any], event: dict[str, Any], context: BoltContext,
                    client: WebClient, chair: Chair, logger: logging.Logger) -> None:
    try:
        if event.get("tab", "home") != "home" or not chair.first_delivery(body):
            return
        team, store = team_of(context, body), chair.db()
        view = home_view(chair.voice, store.quotes.count(team), store.quotes.sources(team),
                         store.channels.list(team), chair.settings.capture_reaction)
        call(client.views_publish, chair=chair, team_id=team, logger=logger, user_id=event["user"],
             view=view)
    except Exception:
        logger.exception("App Home for %s was not published", event.get("user"))
