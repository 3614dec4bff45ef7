"""Which workspaces may use the bot: `EMPTY_CHAIR_ALLOWED_TEAMS`.

An app with public distribution turned on can be installed by anyone who finds its
install link, and every workspace that installs it reads the shared corpus. With the
allow-list set, an install from any other workspace is refused (the OAuth callback shows
a page saying so, nothing is stored, and the token Slack issued is handed back with
`apps.uninstall`), and requests from other workspaces are acknowledged and dropped, so a
workspace installed before the list was set is not answered either. An empty list lets
every workspace in, as before.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Collection
from typing import Any

from slack_bolt import BoltContext, BoltResponse
from slack_bolt.error import BoltError
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore

from ..voice import Voice

# Removing the app from a workspace only deletes what the bot kept of it; let these through.
CLEAN_UP_EVENTS = ("app_uninstalled", "tokens_revoked")


def allows(allowed: Collection[str], *ids: str | None) -> bool:
    """Whether a workspace (or its Enterprise Grid organisation) is let in."""
    return not allowed or any(i in allowed for i in ids if i)


def gate(allowed: Collection[str]) -> Callable[..., BoltResponse | None]:
    """Global middleware: requests from workspaces not on the list get a bare 200 and nothing else.

    A 200 rather than an error: Slack retries what fails, and an error would tell a stranger
    more than silence does.
    """

    def admit(context: BoltContext, body: dict[str, Any], next: Callable[[], None],  # noqa: A002
              logger: logging.Logger) -> BoltResponse | None:
        event = body.get("event") if isinstance(body.get("event"), dict) else {}
        if allows(allowed, context.team_id, context.enterprise_id) or event.get("type") in CLEAN_UP_EVENTS:
            next()
            return None
        logger.warning("request from workspace %s (organisation %s) ignored: not in "
                       "EMPTY_CHAIR_ALLOWED_TEAMS", context.team_id, context.enterprise_id)
        return BoltResponse(status=200, body="")

    return admit


class Refused(BoltError):
    "An install from a workspace that is not on the allow-list"

    def __init__(self, installation: Installation) -> None:
        super().__init__(f"workspace {installation.team_id} (organisation {installation.enterprise_id}) "
                         "is not in EMPTY_CHAIR_ALLOWED_TEAMS")
        self.installation = installation


class AllowedInstallations(InstallationStore):
    """An installation store that refuses to save installs from workspaces not on the list."""

    def __init__(self, store: InstallationStore, allowed: Collection[str]) -> None:
        self.store = store
        self.allowed = allowed

    @property
    def logger(self) -> logging.Logger:
        return self.store.logger

    def save(self, installation: Installation) -> None:
        if not allows(self.allowed, installation.team_id, installation.enterprise_id):
            raise Refused(installation)
        self.store.save(installation)

    def save_bot(self, bot: Bot) -> None:
        if not allows(self.allowed, bot.team_id, bot.enterprise_id):
            raise BoltError(f"workspace {bot.team_id} is not in EMPTY_CHAIR_ALLOWED_TEAMS")
        self.store.save_bot(bot)

    def find_bot(self, **ids: Any) -> Bot | None:
        return self.store.find_bot(**ids)

    def find_installation(self, **ids: Any) -> Installation | None:
        return self.store.find_installation(**ids)

    def delete_bot(self, **ids: Any) -> None:
        self.store.delete_bot(**ids)

    def delete_installation(self, **ids: Any) -> None:
        self.store.delete_installation(**ids)

    def delete_all(self, **ids: Any) -> None:
        self.store.delete_all(**ids)


def callback_options(voice: Voice, client: WebClient, client_id: str, client_secret: str,
                     logger: logging.Logger | None = None) -> CallbackOptions:
    """Bolt's own pages for the OAuth callback, except a refused install, which gets ours."""
    log = logger or logging.getLogger(__name__)

    def success(args: SuccessArgs) -> BoltResponse:
        return args.default.success(args)

    def failure(args: FailureArgs) -> BoltResponse:
        if not isinstance(args.error, Refused):
            return args.default.failure(args)
        refused = args.error.installation
        log.warning("install refused: %s", args.error)
        _hand_back(client, refused, client_id, client_secret, log)
        title = html.escape(voice.render("slack.install_refused_title"))
        text = html.escape(voice.render("slack.install_refused"))
        page = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>"
                f"<body><h1>{title}</h1><p>{text}</p></body></html>")
        return BoltResponse(status=403, body=page, headers={"Content-Type": "text/html; charset=utf-8"})

    return CallbackOptions(success=success, failure=failure)


def _hand_back(client: WebClient, refused: Installation, client_id: str, client_secret: str,
               log: logging.Logger) -> None:
    """Uninstall the app from the refused workspace, so it does not look installed there."""
    token = refused.bot_token or refused.user_token
    if not token:
        return
    try:
        client.apps_uninstall(token=token, client_id=client_id, client_secret=client_secret)
    except (SlackClientError, OSError) as err:
        log.warning("could not uninstall the app from refused workspace %s (%s); remove it there by hand",
                    refused.team_id, err)
