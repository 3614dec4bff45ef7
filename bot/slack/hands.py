"""The raised hand in Slack: one reaction (no post, no notification) on the message where the
customer heard a theme it is not sure of, taken down again when the core lowers the hand.
What a hand may do and what it teaches is decided in `bot.meeting.hands`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_sdk import WebClient

from ..meeting import hands
from ..models import Action, Hand
from .api import call
from .chair import Chair


def raise_hand(client: WebClient, chair: Chair, team: str, channel: str, action: Action,
               logger: logging.Logger) -> bool:
    """Show the hand the core just raised on `action.thread_ts`; a hand Slack refused is
    withdrawn, so it neither blocks the next one nor teaches anything."""
    store = chair.db()
    hand = store.hands.at(team, channel, action.thread_ts or "")
    if hand is None:
        return False
    shown = call(client.reactions_add, chair=chair, team_id=team, logger=logger, channel=channel,
                 timestamp=hand.ts, name=hand.emoji)
    if shown is None:
        hands.withdraw(store, hand, hand.raised_at)
        return False
    logger.info("hand raised in %s on %s: %s", channel, hand.ts, action.reason)
    return True


def lower_hands(client: WebClient, chair: Chair, team: str, channel: str, action: Action, now: float,
                logger: logging.Logger) -> list[Hand]:
    """After a message: take down the hands whose talk moved on or whose time ran out (or all,
    when the customer just spoke)."""
    down = hands.after_message(chair.db(), team, channel, action, now, chair.settings.hand_seconds)
    for hand in down:
        take_down(client, chair, team, hand, logger)
    return down


def sweep(chair: Chair, clients: Callable[[str, str | None], WebClient | None], logger: logging.Logger,
          now: float | None = None) -> int:
    """Take down the hands whose time ran out in channels that fell quiet; how many. Run on a
    timer inside `serve`, with each workspace's client (the bot token, or its installation)."""
    down = hands.overdue(chair.db(), time.time() if now is None else now, chair.settings.hand_seconds)
    for hand in down:
        client = clients(hand.team_id, None)
        if client is not None:
            take_down(client, chair, hand.team_id, hand, logger)
    return len(down)


def take_down(client: WebClient, chair: Chair, team: str, hand: Hand, logger: logging.Logger) -> None:
    call(client.reactions_remove, chair=chair, team_id=team, logger=logger, channel=hand.channel_id,
         timestamp=hand.ts, name=hand.emoji)
