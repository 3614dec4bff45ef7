"""`@Empty Chair what do customers say about refunds?`: answered in the thread."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from ....meeting.policy import answer_topic
from ....search.conversation import words
from ... import connect
from ...blocks import plain
from ...chair import Chair, team_of
from ...post import post_answer, post_text


def app_mention(body: dict[str, Any], event: dict[str, Any], context: BoltContext, client: WebClient,
                chair: Chair, logger: logging.Logger) -> None:
    try:
        if event.get("bot_id") or not chair.first_delivery(body):
            return
        team, channel = team_of(context, body), event["channel"]
        thread = event.get("thread_ts") or event["ts"]
        if connect.outsider(client, chair, context, body, event.get("user"), channel, logger):
            connect.tell_outsider(client, chair, team, channel, event.get("user"), logger)
            return
        question = ask_of(plain(event.get("text") or ""), context.bot_user_id)
        if not words(question):
            post_text(client, chair, team, channel, chair.voice.render("slack.mention_help"), logger,
                      thread_ts=thread)
            return
        action = answer_topic(chair.db(), chair.voice, team, channel, question)
        state = connect.sharing(client, chair, team, channel, logger, body)
        if action.quotes and not state.quotes_allowed:
            connect.answer_privately(client, chair, team, channel, event["user"], action, state, logger,
                                     thread_ts=thread)
            return
        post_answer(client, chair, team, channel, action, logger, thread_ts=thread)
    except Exception:
        logger.exception("mention %s in %s was not answered", event.get("ts"), event.get("channel"))


def ask_of(text: str, bot_user_id: str | None) -> str:
    """The question without the mention that addressed it to the bot."""
    if bot_user_id:
        text = re.sub(rf"@{re.escape(bot_user_id)}\b", " ", text)
    return " ".join(text.split())
