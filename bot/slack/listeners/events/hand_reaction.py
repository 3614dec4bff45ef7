"""Hearing the customer: someone adds the reaction of a raised hand to its message (or clicks
the bot's own reaction there, which Slack reports the same way), and the customer answers in
that message's thread with its quotes on the theme it heard.

A reaction by the bot itself or another bot, another emoji, or a message with no open hand
does nothing. The hand is looked up by workspace, channel and message, so a reaction in one
channel or workspace never answers another's hand.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from ....meeting import hands
from ....outbox import ANSWER
from ... import connect
from ...api import call
from ...chair import Chair, team_of
from ...hands import take_down
from ...post import post_action


def hand_reaction(body: dict[str, Any], event: dict[str, Any], context: BoltContext, client: WebClient,
                  chair: Chair, logger: logging.Logger) -> None:
    try:
        item = event.get("item") or {}
        user = event.get("user")
        if item.get("type") != "message" or not user or user == context.bot_user_id:
            return
        team, channel, ts = team_of(context, body), str(item.get("channel")), str(item.get("ts"))
        store = chair.db()
        hand = store.hands.at(team, channel, ts)
        reaction = str(event.get("reaction", "")).split("::")[0]  # skin tones are the same hand
        if hand is None or reaction != hand.emoji or not chair.first_delivery(body):
            return
        if is_bot(client, chair, team, user, logger):
            return
        if connect.outsider(client, chair, context, body, user, channel, logger):
            return connect.tell_outsider(client, chair, team, channel, user, logger)
        if not connect.may_post_quotes(client, chair, team, channel, logger, body):
            return take_down(client, chair, team, hand, logger)  # shared since it went up
        action = hands.hear(store, chair.voice, team, channel, ts, time.time(), user,
                            chair.policy.window_messages)
        if action is None:
            return
        post_action(client, chair, team, channel, action, logger, thread_ts=hand.ts, kind=ANSWER)
        take_down(client, chair, team, hand, logger)  # heard: the hand is no longer up
    except Exception:
        logger.exception("the hand on %s was not answered", (event.get("item") or {}).get("ts"))


def is_bot(client: WebClient, chair: Chair, team: str, user: str, logger: logging.Logger) -> bool:
    """Whether the reacting user is a bot (asked only when the reaction is on an open hand)."""
    found = call(client.users_info, chair=chair, team_id=team, logger=logger, user=user)
    profile = (found.get("user") if found else None) or {}
    return bool(profile.get("is_bot")) or user == "USLACKBOT"
