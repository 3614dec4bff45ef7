""""Ask the customer" on any message's menu: the customer answers in that message's thread,
for everyone there, with quotes about it and the talk around it.

Only in a channel the bot sits in: elsewhere (a channel it was not invited to, a private one,
a direct message) it tells the person who asked, privately, through the shortcut's
response_url. With no customer evidence it says so privately too, rather than in the thread.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient

from ....meeting.ask import around, ask_about
from ....search.conversation import words
from ... import connect
from ...api import call, send
from ...blocks import fallback, plain
from ...chair import Chair, team_of
from ...post import post_answer


def ask_the_customer(body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond,
                     chair: Chair, logger: logging.Logger) -> None:
    try:
        team = team_of(context, body)
        channel = str((body.get("channel") or {}).get("id") or "")
        message = body.get("message") or {}
        if not channel or not sits_in(client, chair, team, channel, logger):
            return tell(respond, logger, chair.voice.render("slack.ask_not_member"))
        user = str((body.get("user") or {}).get("id") or "") or None
        if connect.outsider(client, chair, context, body, user, channel, logger):
            return tell(respond, logger, connect.refusal(chair.voice))
        text = plain(message.get("text") or "")
        if not words(text):
            return tell(respond, logger, chair.voice.render("slack.ask_empty"))
        store = chair.db()
        kept = store.channels.recent_messages(team, channel, chair.policy.window_messages * 2)
        action = ask_about(store, chair.voice, team, channel, text, around(kept, text))
        if not action.quotes:
            return tell(respond, logger, fallback(action.text))
        thread = str(message.get("thread_ts") or message.get("ts") or "") or None
        state = connect.sharing(client, chair, team, channel, logger, body)
        if not state.quotes_allowed and user:  # another organisation reads the channel
            return connect.answer_privately(client, chair, team, channel, user, action, state, logger,
                                            thread_ts=thread)
        if post_answer(client, chair, team, channel, action, logger, thread_ts=thread) is None:
            tell(respond, logger, chair.voice.render("slack.ask_not_member"))
    except Exception:
        logger.exception("Ask the customer on %s was not answered", (body.get("message") or {}).get("ts"))


def sits_in(client: WebClient, chair: Chair, team: str, channel: str, logger: logging.Logger) -> bool:
    """Whether the bot is a member of the channel (False where Slack will not say: not invited
    to a private channel, or a direct message)."""
    info = call(client.conversations_info, chair=chair, team_id=team, logger=logger, channel=channel)
    found = (info.get("channel") if info else None) or {}
    return bool(found) and found.get("is_member", True) is not False and not found.get("is_archived")


def tell(respond: Respond, logger: logging.Logger, text: str) -> None:
    """A reply only the person who asked sees."""
    send(respond, logger, response_type="ephemeral", replace_original=False, text=text)
