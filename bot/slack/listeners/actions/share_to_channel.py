"""Share to channel: an answer only the asker saw (from /customer-voice) is posted for
everyone, and the private copy is removed."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient

from ....meeting.policy import answer_topic
from ....outbox import ANSWER, RESPONSE_URL
from ... import connect
from ...api import send
from ...blocks import action_blocks, escape, fallback, section, shared_topic
from ...chair import Chair, team_of
from .quote_buttons import channel_of, reply, user_of


def share_to_channel(body: dict[str, Any], action: dict[str, Any], context: BoltContext,
                     respond: Respond, chair: Chair, logger: logging.Logger,
                     client: WebClient | None = None) -> None:
    try:
        team, channel = team_of(context, body), channel_of(body)
        topic = shared_topic(str(action.get("value", "")))
        if not topic or not channel:
            return
        if connect.outsider(client, chair, context, body, user_of(body), channel, logger):
            return reply(respond, logger, connect.refusal(chair.voice))
        state = connect.sharing(client, chair, team, channel, logger, body)
        if not state.quotes_allowed:  # the answer stays the asker's: another organisation reads this channel
            return reply(respond, logger, chair.voice.render("connect.share_refused",
                                                             others=connect.others_text(chair.voice, state)))
        answer = answer_topic(chair.db(), chair.voice, team, channel, topic)
        if not answer.quotes:
            return reply(respond, logger, fallback(answer.text), chair, team)
        header = chair.voice.render("commands.shared_by", user=escape(user_of(body) or ""))
        ids = [q.id for q in answer.quotes]
        # Once the shared answer lands, its quotes count as shown and the private copy goes.
        after = {"shown": {"channel": channel, "ids": ids},
                 "then": [{"kind": ANSWER, "method": RESPONSE_URL,
                           "payload": {"url": body.get("response_url"), "delete_original": True}}]}
        posted = send(respond, logger, chair=chair, team=team, kind=ANSWER, after=after,
                      response_type="in_channel", replace_original=False,
                      text=f"{header}\n{fallback(answer.text)}",
                      blocks=[section(header)] + action_blocks(chair.voice, answer)[:49])
        if posted and chair.courier is None:
            chair.db().channels.mark_shown(team, channel, ids)
            send(respond, logger, delete_original=True)
    except Exception:
        logger.exception("sharing to %s failed", channel_of(body))
