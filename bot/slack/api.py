"""Calling Slack without letting its failures stop the bot.

Short rate limits (429 + Retry-After) and server errors are retried by the WebClient's
retry handlers (see `app.web_client`). What is left after that is logged with what
the person running the bot can do about it, and the listener carries on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Respond
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse

from ..outbox import RESPONSE_URL
from .chair import Chair

ADVICE = {
    "not_in_channel": "the bot is not in channel {channel}: invite it with /invite @Empty Chair",
    "channel_not_found": "channel {channel} is gone or private without the bot: invite the bot again",
    "is_archived": "channel {channel} is archived: unarchive it and invite the bot again "
                   "(marked inactive until then)",
    "invalid_auth": "Slack rejected the bot token: reinstall the app and copy the new Bot User OAuth "
                    "Token into SLACK_BOT_TOKEN (or reinstall via /slack/install)",
    "token_revoked": "the bot token was revoked: reinstall the app to this workspace",
    "account_inactive": "the bot token belongs to a deactivated app or workspace: reinstall the app",
    "not_authed": "no token was sent: set SLACK_BOT_TOKEN or install the app via /slack/install",
    "missing_scope": "the app lacks the scope {needed}: add it in manifest.yml, update the app "
                     "and reinstall",
    "ratelimited": "Slack rate-limited this call (for longer than is worth waiting, or again after "
                   "the retries); it was dropped",
    "invalid_blocks": "Slack refused the message layout; please report this with the log above",
}
CHANNEL_GONE = frozenset({"not_in_channel", "channel_not_found", "is_archived"})


def api_name(method: Callable[..., Any]) -> str:
    """`chat_postMessage` -> `chat.postMessage`, as Slack's docs and errors name it."""
    return getattr(method, "__name__", "api call").replace("_", ".", 1)


def call(method: Callable[..., SlackResponse], *, chair: Chair | None, team_id: str,
         logger: logging.Logger, **params: Any) -> SlackResponse | None:
    """Call a WebClient method; on failure log the advice and return None.

    A channel the bot can no longer post in is marked inactive, so the App Home
    stops listing it.
    """
    try:
        return method(**params)
    except SlackApiError as err:
        error = str(err.response.get("error", "unknown_error"))
        channel = str(params.get("channel", "?"))
        advice = ADVICE.get(error, "see https://api.slack.com/methods/" + api_name(method))
        logger.warning("%s failed in workspace %s: %s; %s", api_name(method), team_id, error,
                       advice.format(channel=channel, needed=err.response.get("needed", "?")))
        if error in CHANNEL_GONE and chair is not None and "channel" in params:
            _mark_inactive(chair, team_id, channel, logger)
        return None
    except (SlackClientError, OSError) as err:
        logger.error("%s could not reach Slack (%s: %s); check the network and SLACK_API_URL",
                     api_name(method), type(err).__name__, err)
        return None


def _mark_inactive(chair: Chair, team_id: str, channel: str, logger: logging.Logger) -> None:
    try:
        chair.db().channels.update(team_id, channel, active=0)
    except Exception:
        logger.exception("could not mark channel %s inactive", channel)


def send(respond: Respond, logger: logging.Logger, *, chair: Chair | None = None, team: str = "",
         kind: str = "response", after: dict[str, Any] | None = None, **message: Any) -> bool:
    """Reply through the request's response_url.

    With the outbox (`chair.courier`), the reply is owed: kept and retried for the 30
    minutes Slack keeps a response_url, and True means it will be delivered. Without
    one, it is sent once: False (and a log line) if Slack refused it.
    """
    url = getattr(respond, "response_url", None)
    if chair is not None and chair.courier is not None and isinstance(url, str) and url:
        chair.courier.owe(kind, team, RESPONSE_URL, {"url": url, **message}, after)
        return True
    try:
        result = respond(**message)
    except (SlackClientError, OSError, ValueError) as err:
        logger.error("reply via response_url failed (%s: %s)", type(err).__name__, err)
        return False
    status = getattr(result, "status_code", 200)
    if status != 200:
        logger.warning("reply via response_url refused: HTTP %s %s", status, getattr(result, "body", ""))
        return False
    return True
