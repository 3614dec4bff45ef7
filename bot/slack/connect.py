"""Slack Connect: our customers' words never reach another organisation.

In a channel shared with another organisation (Slack says `is_ext_shared`, or someone from
another team speaks there) a partner or a customer reads everything posted, so the bot
posts no quote of its own accord there: no unprompted quotes, no quotes under a decision's
question (the question itself is still asked), no digest. It answers no command, mention or
button of a member from another organisation, beyond a short refusal only they see. An
admin of the workspace may allow quotes in one shared channel (`/customer-voice shared
allow`); a new organisation joining the channel takes that allowance back.

The shared state is kept in the channel's row: asked of `conversations.info` when the bot
joins, on the first request from a channel it knows nothing of, and again on
`channel_shared` / `channel_unshared`. When Slack cannot be asked, the channel counts as
shared for that request and nothing is cached: a hidden quote costs less than a leaked one.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from ..models import Action
from ..outbox import NOTICE
from ..voice import Voice
from .api import call
from .blocks import MAX_BLOCKS, action_blocks, escape, fallback, section
from .chair import Chair, team_of
from .delivery import owe

ALLOW_WORDS = frozenset({"allow", "on"})
DISALLOW_WORDS = frozenset({"disallow", "off", "deny", "stop"})
NAME_SECONDS = 24 * 3600  # an organisation's name, from team.info, is asked again after a day
_TEAM_NAMES: dict[str, tuple[str, float]] = {}  # team id -> (name, when asked)


@dataclass(frozen=True)
class Sharing:
    """Who else reads a channel: `shared` with another organisation (or not known for sure),
    their names, and the admin who allowed quotes there anyway."""

    shared: bool
    others: str = ""
    allowed_by: str | None = None

    @property
    def quotes_allowed(self) -> bool:
        return not self.shared or self.allowed_by is not None


NOT_SHARED = Sharing(False)
UNKNOWN = Sharing(True)  # Slack could not be asked: treated as shared, and not cached


def home_ids(context: BoltContext, body: dict[str, Any] | None = None) -> set[str]:
    """The workspace the request was delivered for, and its Enterprise Grid organisation:
    anyone else is from outside."""
    return {i for i in (team_of(context, body), context.enterprise_id) if i}


def claimed_team(body: dict[str, Any]) -> str | None:
    """The team of whoever acted, where the payload says it: an event's `user_team` (or `team`),
    a button's `user.team_id`, a command's `team_id`."""
    event = body.get("event")
    if isinstance(event, dict):
        return event.get("user_team") or event.get("team") or None
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return str(user["team_id"])
    return body.get("user_team") or body.get("team_id") or None


def sharing(client: WebClient | None, chair: Chair, team: str, channel: str,
            logger: logging.Logger, body: dict[str, Any] | None = None) -> Sharing:
    """The channel's shared state: from the store, else from Slack (and then stored).

    An event Slack marks `is_ext_shared_channel` on a channel the store thinks is not shared
    makes it ask again.
    """
    row = chair.db().channels.get(team, channel)
    hinted = bool(body and body.get("is_ext_shared_channel"))
    if row is not None and row.shared is not None and (row.shared or not hinted):
        return Sharing(row.shared, row.shared_with, row.shared_allowed_by)
    state = refresh(client, chair, team, channel, logger)
    if hinted and not state.shared:  # Slack lags behind its own event: the event wins
        _remember(chair, team, channel, shared=True)
        return UNKNOWN
    return state


def refresh(client: WebClient | None, chair: Chair, team: str, channel: str, logger: logging.Logger,
            info: dict[str, Any] | None = None) -> Sharing:
    """Ask Slack whether the channel is shared (or read `info`, conversations.info's channel, when
    the caller has it) and store the answer. An admin's allowance stays only while the same
    organisations share the channel."""
    if info is None:
        if client is None:
            return UNKNOWN
        found = call(client.conversations_info, chair=chair, team_id=team, logger=logger, channel=channel)
        if not found:
            return UNKNOWN
        info = found.get("channel") or {}
    store = chair.db()
    if not info.get("is_ext_shared"):
        _remember(chair, team, channel, shared=False, shared_with="", shared_allowed_by=None)
        return NOT_SHARED
    ours = {team, *(i for i in (info.get("context_team_id"), info.get("conversation_host_id")) if i)}
    teams = [t for t in dict.fromkeys([*(info.get("shared_team_ids") or []),
                                       *(info.get("connected_team_ids") or [])]) if t not in ours]
    others = ", ".join(team_name(client, chair, team, other, logger) for other in teams)
    row = store.channels.get(team, channel)
    allowed = row.shared_allowed_by if row is not None and row.shared and row.shared_with == others else None
    _remember(chair, team, channel, shared=True, shared_with=others, shared_allowed_by=allowed)
    return Sharing(True, others, allowed)


def _remember(chair: Chair, team: str, channel: str, **values: object) -> None:
    """Keep the state in the channel's row, if the bot has one: a command or a mention in a
    channel the bot does not sit in must not make it look like one of its seats."""
    if chair.db().channels.get(team, channel) is not None:
        chair.db().channels.update(team, channel, **values)


def team_name(client: WebClient | None, chair: Chair, team: str, other: str, logger: logging.Logger) -> str:
    """An organisation's name (team.info), or its id when Slack does not give it."""
    known = _TEAM_NAMES.get(other)
    if client is None or (known is not None and time.time() - known[1] < NAME_SECONDS):
        return known[0] if known else other
    found = call(client.team_info, chair=chair, team_id=team, logger=logger, team=other)
    name = " ".join(str(((found or {}).get("team") or {}).get("name") or "").split())[:80]
    if name:
        _TEAM_NAMES[other] = (name, time.time())
    return name or (known[0] if known else other)


def outsider(client: WebClient | None, chair: Chair, context: BoltContext, body: dict[str, Any],
             user: str | None, channel: str | None, logger: logging.Logger) -> bool:
    """Whether whoever sent this request belongs to another organisation."""
    return outside_team(client, chair, context, body, user, channel, logger) is not None


def outside_team(client: WebClient | None, chair: Chair, context: BoltContext, body: dict[str, Any],
                 user: str | None, channel: str | None, logger: logging.Logger) -> str | None:
    """The other organisation's team id of whoever sent this request ('' when it cannot be told,
    which counts as outside), or None for a member of the installing workspace.

    The payload's team says so first (and marks the channel shared); in a channel the store
    knows to be shared, `users.info` settles it for payloads that name only the installing
    workspace (a slash command's). Nothing else is asked of Slack here.
    """
    home, team = home_ids(context, body), team_of(context, body)
    claimed = claimed_team(body)
    outside = claimed_outside(client, chair, context, body, user, logger)
    if outside is not None:
        if channel:
            mark_shared(client, chair, team, channel, logger)
        return outside
    if claimed and "command" not in body:  # an event's user_team, a click's user.team_id: the actor's own
        return None
    row = chair.db().channels.get(team, channel) if channel else None
    if client is None or not user or row is None or not row.shared:
        return None
    found = call(client.users_info, chair=chair, team_id=team, logger=logger, user=user)
    if not found:
        logger.info("users.info for %s failed in shared channel %s; taken as from outside", user, channel)
        return ""
    person = found.get("user") or {}
    grid = (person.get("enterprise_user") or {}).get("enterprise_id")
    theirs = [t for t in (person.get("team_id"), grid) if t]
    if any(t in home for t in theirs):
        return None
    return str(theirs[0]) if theirs else ""


def claimed_outside(client: WebClient | None, chair: Chair, context: BoltContext, body: dict[str, Any],
                    user: str | None, logger: logging.Logger) -> str | None:
    """The other team the payload itself names for whoever acted, or None.

    In an Enterprise Grid organisation a colleague from another of its workspaces is named by
    that workspace's id: `users.info` tells whether they belong to this organisation (when it
    cannot be asked, they count as outside).
    """
    claimed = claimed_team(body)
    if not claimed or claimed in home_ids(context, body):
        return None
    grid = context.enterprise_id
    if grid and client is not None and user:
        found = call(client.users_info, chair=chair, team_id=team_of(context, body), logger=logger, user=user)
        person = (found or {}).get("user") or {}
        if grid in ((person.get("enterprise_user") or {}).get("enterprise_id"), person.get("enterprise_id")):
            return None
    return claimed


def mark_shared(client: WebClient | None, chair: Chair, team: str, channel: str,
                logger: logging.Logger, seat: bool = False) -> None:
    """Someone from another organisation spoke here: the channel is shared, whatever was stored.
    With `seat` (a message the bot heard: it sits there) the channel's row is made if need be."""
    row = chair.db().channels.get(team, channel)
    if row is None and seat:
        chair.db().channels.ensure(team, channel)
    if row is None or not row.shared:
        state = refresh(client, chair, team, channel, logger)
        if not state.shared or state is UNKNOWN:
            _remember(chair, team, channel, shared=True)  # Slack lags: the event is proof


def may_post_quotes(client: WebClient | None, chair: Chair, team: str, channel: str,
                    logger: logging.Logger, body: dict[str, Any] | None = None) -> bool:
    return sharing(client, chair, team, channel, logger, body).quotes_allowed


# -- words ------------------------------------------------------------------------------------------

def others_text(voice: Voice, state: Sharing) -> str:
    """The other organisations' names, escaped (they come from Slack), or a plain description."""
    return escape(state.others) if state.others else voice.render("connect.someone_else")


def refusal(voice: Voice) -> str:
    return voice.render("connect.outsider_refused")


def introduction(voice: Voice, state: Sharing) -> str:
    if state.quotes_allowed:
        return voice.render("connect.introduction_allowed", others=others_text(voice, state))
    return voice.render("connect.introduction", others=others_text(voice, state))


def answer_note(voice: Voice, state: Sharing) -> str:
    """What an on-demand answer in a shared channel says about who may read it."""
    if state.quotes_allowed:
        return voice.render("connect.answer_allowed", others=others_text(voice, state))
    return voice.render("connect.answer_private", others=others_text(voice, state))


def answer_privately(client: WebClient, chair: Chair, team: str, channel: str, user: str, action: Action,
                     state: Sharing, logger: logging.Logger, thread_ts: str | None = None) -> None:
    """A mention's answer in a channel another organisation reads: to the asker only."""
    note = chair.voice.render("connect.mention_private", others=others_text(chair.voice, state))
    layout = [section(note)] + action_blocks(chair.voice, action)[:MAX_BLOCKS - 1]
    owe(client, chair, team, NOTICE, {"channel": channel, "user": user, "thread_ts": thread_ts,
                                      "text": f"{note}\n{fallback(action.text)}", "blocks": layout},
        logger, method="chat.postEphemeral")


def tell_outsider(client: WebClient, chair: Chair, team: str, channel: str, user: str | None,
                  logger: logging.Logger) -> None:
    """The short refusal a member of another organisation sees, and nobody else."""
    if user:
        owe(client, chair, team, NOTICE, {"channel": channel, "user": user, "text": refusal(chair.voice)},
            logger, method="chat.postEphemeral")


def is_admin(client: WebClient | None, chair: Chair, team: str, user: str, logger: logging.Logger) -> bool:
    """A workspace admin or owner, as users.info says; False when it cannot be asked."""
    if client is None or not user:
        return False
    found = call(client.users_info, chair=chair, team_id=team, logger=logger, user=user)
    person = (found or {}).get("user") or {}
    return any(person.get(flag) for flag in ("is_admin", "is_owner", "is_primary_owner"))


def is_shared_command(rest: str) -> bool:
    """`shared`, `shared allow`, `shared off`: anything else after `shared` is a topic."""
    words = rest.lower().split()
    return not words or (len(words) == 1 and words[0] in ALLOW_WORDS | DISALLOW_WORDS)


def digest_refusal(chair: Chair, team: str, command: dict[str, Any], rest: str, client: WebClient | None,
                   logger: logging.Logger) -> str | None:
    """Why a digest may not be scheduled or posted here (a channel another organisation reads),
    or None; showing the schedule and switching it off are always allowed."""
    channel = str(command.get("channel_id") or "")
    if not channel or rest.split()[:1] in ([], ["off"]):
        return None
    state = sharing(client, chair, team, channel, logger)
    if state.quotes_allowed:
        return None
    others = others_text(chair.voice, state)
    return chair.voice.render("connect.digest_refused", channel=channel, others=others)


def shared_command(chair: Chair, team: str, command: dict[str, Any], rest: str,
                   client: WebClient | None, logger: logging.Logger) -> str:
    """`/customer-voice shared [allow|off]`: the channel's state; an admin's allowance."""
    voice, channel = chair.voice, str(command.get("channel_id") or "")
    if not channel:
        return voice.render("slack.no_channel")
    word = rest.split()[0].lower() if rest.split() else ""
    state = refresh(client, chair, team, channel, logger)  # the answer names who reads it now
    if state is UNKNOWN:
        return voice.render("connect.unknown")
    if not state.shared:
        return voice.render("connect.not_shared", channel=channel)
    user = str(command.get("user_id") or "")
    if word in ALLOW_WORDS:
        if not is_admin(client, chair, team, user, logger):
            return voice.render("connect.allow_refused")
        chair.db().channels.update(team, channel, shared_allowed_by=user)
        logger.info("quotes allowed in shared channel %s of %s by %s", channel, team, user)
        return voice.render("connect.allowed", channel=channel, others=others_text(voice, state))
    if word in DISALLOW_WORDS:
        chair.db().channels.update(team, channel, shared_allowed_by=None)
        return voice.render("connect.disallowed", channel=channel, others=others_text(voice, state))
    if state.allowed_by:
        return voice.render("connect.status_allowed", channel=channel, others=others_text(voice, state))
    return voice.render("connect.status", channel=channel, others=others_text(voice, state))
