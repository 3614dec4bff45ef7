"""`/customer-voice`: ask about a topic, change how the bot behaves in a channel, list
decisions, add a quote. Replies go to the asker only (through the response_url),
except what they choose to share.

Anything that is not a subcommand is a topic, so `/customer-voice card delivery`
just works; a lone word that looks like a setting (`settings`, `status`), an option
(`--help`), or text with nothing to search for gets the help instead of an error.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient

from ....ingest.importer import add_quote
from ....meeting.policy import answer_topic
from ....models import Decision
from ....search.conversation import words
from ....text import shorten
from ... import connect, sources
from ...api import send
from ...blocks import MAX_BLOCKS, answer_blocks, escape, fallback, plain
from ...blocks import context as context_line
from ...chair import ADD_LIMIT, Chair, team_of
from ...privacy import is_private
from .digest import digest_command
from .hands import forget_learning, hands_command, help_and_learnt

Reply = dict[str, Any]
log = logging.getLogger(__name__)

MAX_COOLDOWN_MINUTES = 1440
DECISIONS_SHOWN = 20
COMMAND_LIKE = frozenset(
    "settings config configure status mode modes list start stop on off enable disable mute unmute "
    "remove delete show commands usage version about info options menu".split())
ADD = re.compile(r'^\s*["“”](?P<quote>.+?)["“”]\s*(?P<source>\S.*)?$', re.S)


def customer_voice(command: dict[str, Any], context: BoltContext, respond: Respond, chair: Chair,
                   logger: logging.Logger, client: WebClient | None = None) -> None:
    team = team_of(context, command)
    try:
        user, channel = command.get("user_id"), command.get("channel_id")
        if connect.outsider(client, chair, context, command, user, channel, logger):
            reply = {"text": connect.refusal(chair.voice)}  # another organisation's member
        else:
            reply = dispatch(command, team, chair, client)
    except Exception:
        logger.exception("/customer-voice %r failed", (command.get("text") or "")[:200])
        reply = {"text": chair.voice.render("commands.error")}
    send(respond, logger, chair=chair, team=team, response_type="ephemeral", **reply)


def dispatch(command: dict[str, Any], team: str, chair: Chair, client: WebClient | None = None) -> Reply:
    """The reply to one invocation; subcommands first, then a topic."""
    text = plain(command.get("text") or "")
    word, _, rest = text.partition(" ")
    if word.lower() == "digest":  # calls Slack (users.info, posting)
        refused = connect.digest_refusal(chair, team, command, rest.strip(), client, log)
        return {"text": refused} if refused else digest_command(chair, team, command, rest.strip(), client)
    if word.lower() == "shared" and connect.is_shared_command(rest):  # calls Slack (conversations.info)
        return {"text": connect.shared_command(chair, team, command, rest.strip(), client, log)}
    if word.lower() == "source" and sources.is_source_command(rest):  # calls Slack (conversations.info)
        return {"text": sources.source_command(chair, team, command, rest.strip(), client, log)}
    if word.lower() == "add":  # calls Slack (conversations.info: is the channel private?)
        return add(chair, team, command, rest.strip(), client)
    handler = SUBCOMMANDS.get(word.lower())
    if handler is not None:
        return handler(chair, team, command, rest.strip())
    if not text or (word.lower() in COMMAND_LIKE and not rest) or word.startswith(("-", "/", "!", "?")):
        return unknown(chair, word)
    if not words(text):
        return unknown(chair, text)
    return ask(chair, team, command, text, client)


def ask(chair: Chair, team: str, command: dict[str, Any], topic: str,
        client: WebClient | None = None) -> Reply:
    """Only the asker sees the answer; where another organisation reads the channel, it cannot
    be shared there (unless an admin allowed it), and says who would read it."""
    channel = command.get("channel_id")
    action = answer_topic(chair.db(), chair.voice, team, channel, topic)
    state = connect.sharing(client, chair, team, channel, log) if channel else connect.NOT_SHARED
    layout = answer_blocks(chair.voice, action, share_topic=topic if state.quotes_allowed else None)
    if action.quotes and state.shared and state is not connect.UNKNOWN:
        layout = layout[:MAX_BLOCKS - 1] + [context_line(connect.answer_note(chair.voice, state))]
    return {"text": fallback(action.text), "blocks": layout}


def help_reply(chair: Chair, *_: object) -> Reply:
    return {"text": chair.voice.render("commands.help")}


def unknown(chair: Chair, word: str) -> Reply:
    if not word:
        return help_reply(chair)
    intro = chair.voice.render("commands.unknown", word=escape(word[:40]).replace("`", "'"))
    return {"text": f"{intro}\n{chair.voice.render('commands.help')}"}


def set_mode(mode: str) -> Callable[[Chair, str, dict[str, Any], str], Reply]:
    def handler(chair: Chair, team: str, command: dict[str, Any], rest: str) -> Reply:
        channel = command.get("channel_id")
        if not channel:
            return {"text": chair.voice.render("slack.no_channel")}
        chair.db().channels.update(team, channel, mode=mode)
        return {"text": chair.voice.render(f"commands.mode_{mode}", channel=channel)}
    return handler


def cooldown(chair: Chair, team: str, command: dict[str, Any], rest: str) -> Reply:
    channel = command.get("channel_id")
    if not channel:
        return {"text": chair.voice.render("slack.no_channel")}
    minutes = rest.split()[0] if rest.split() else ""
    if not minutes.isdigit() or int(minutes) > MAX_COOLDOWN_MINUTES:
        return {"text": chair.voice.render("commands.cooldown_bad")}
    chair.db().channels.update(team, channel, cooldown_seconds=int(minutes) * 60)
    return {"text": chair.voice.render("commands.cooldown_set", minutes=int(minutes), channel=channel)}


def decisions(chair: Chair, team: str, command: dict[str, Any], rest: str) -> Reply:
    channel = command.get("channel_id") or ""
    found = chair.db().decisions.list(team, channel, limit=DECISIONS_SHOWN)
    if not found:
        return {"text": chair.voice.render("commands.no_decisions", channel=channel)}
    lines = [chair.voice.render("commands.decisions_header", channel=channel)]
    lines += [decision_line(chair, decision) for decision in found]
    return {"text": "\n".join(lines)}


def decision_line(chair: Chair, decision: Decision) -> str:
    voice = chair.voice
    answer = ""
    if decision.answered:
        answer = voice.render("slack.decision_answer", answer=escape(shorten(decision.answer or "", 120)))
    status = voice.render("commands.decision_answered" if decision.answered else "commands.decision_open")
    when = datetime.fromtimestamp(decision.created_at, UTC).date().isoformat()
    return voice.render("commands.decision_line", status=status, date=when, answer=answer,
                        text=escape(shorten(decision.text, 150)).replace("_", " "))


def add(chair: Chair, team: str, command: dict[str, Any], rest: str,
        client: WebClient | None = None) -> Reply:
    """A quote someone heard; added in a private channel, it is shown in that channel only."""
    match = ADD.match(rest)
    if not match or not match["quote"].strip():
        return {"text": chair.voice.render("commands.add_bad")}
    user = str(command.get("user_id") or "")
    if not chair.may_add_quote(team, user):
        return {"text": chair.voice.render("commands.add_limited", limit=ADD_LIMIT)}
    source = "-".join((match["source"] or "").split())[:60]
    source = source or f"slack-{command.get('user_name') or command.get('user_id') or 'someone'}"
    channel = str(command.get("channel_id") or "")
    private = is_private(client, channel, log, channel_name=command.get("channel_name")) if channel else False
    added = add_quote(chair.db(), match["quote"].strip(), source, team_id=team,
                      created=date.today().isoformat(), origin_channel=channel or None, private=private)
    if added is None:
        return {"text": chair.voice.render("slack.capture_again")}
    return {"text": chair.voice.render("commands.added", source=escape(source))}



SUBCOMMANDS: dict[str, Callable[[Chair, str, dict[str, Any], str], Reply]] = {
    "help": help_and_learnt,  # with what the customer has learnt in the channel
    "quiet": set_mode("quiet"),
    "active": set_mode("active"),
    "cooldown": cooldown,
    "decisions": decisions,
    "add": add,
    "hands": hands_command,
    "forget-learning": forget_learning,
}
