"""A channel shared with another organisation, or no longer: the bot's record of who reads it.

`channel_shared` fires when an organisation joins a channel (a new one, or one more): from
then on the bot posts no quotes there, an admin's earlier allowance ends (it was given
knowing who read the channel), and the bot says why it goes quiet. `channel_unshared`
asks Slack again whether anyone from outside is left.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from ... import connect
from ...chair import Chair, team_of
from ...post import post_text


def channel_shared(body: dict[str, Any], event: dict[str, Any], context: BoltContext, client: WebClient,
                   chair: Chair, logger: logging.Logger) -> None:
    try:
        channel = event.get("channel")
        if not channel or not chair.first_delivery(body):
            return
        team, store = team_of(context, body), chair.db()
        before = store.channels.get(team, channel)
        joined = event.get("type") == "channel_shared"
        if joined:  # shared at once, whatever Slack answers next
            store.channels.update(team, channel, shared=True, shared_allowed_by=None)
        state = connect.refresh(client, chair, team, channel, logger)
        logger.info("channel %s of %s %s: %s", channel, team, event.get("type"),
                    "shared with another organisation" if state.shared else "no longer shared")
        newly = joined and (before is None or not before.shared)
        if newly and before is not None and before.active:
            post_text(client, chair, team, channel, connect.introduction(chair.voice, state), logger)
    except Exception:
        logger.exception("%s in %s was not handled", event.get("type"), event.get("channel"))
