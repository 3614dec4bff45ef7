"""Settings checks before the Slack app starts: a wrong token should stop `serve` with a
sentence naming the setting and how to fix it, not with a stack trace later."""

from __future__ import annotations

import logging

from ..config import Settings
from ..errors import ConfigError

APPS_PAGE = "https://api.slack.com/apps"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def uses_oauth(settings: Settings) -> bool:
    """Multi-workspace mode: installs through /slack/install instead of one bot token."""
    return bool(settings.slack_client_id or settings.slack_client_secret)


def uses_socket_mode(settings: Settings) -> bool:
    return bool(settings.slack_app_token)


def check_settings(settings: Settings) -> None:
    """Raise ConfigError for the first missing or malformed Slack setting."""
    _check_log_level(settings.log_level)
    if uses_oauth(settings):
        _check_oauth(settings)
    else:
        _check_bot_token(settings.slack_bot_token)
    if uses_socket_mode(settings):
        _check_app_token(settings.slack_app_token)
    if not uses_socket_mode(settings) or uses_oauth(settings):
        _check_signing_secret(settings.slack_signing_secret)


def _check_log_level(level: str) -> None:
    if level not in LOG_LEVELS or not isinstance(logging.getLevelName(level), int):
        raise ConfigError(f"EMPTY_CHAIR_LOG_LEVEL={level!r} is not a log level; use one of "
                          f"{', '.join(LOG_LEVELS)}")


def _check_bot_token(token: str) -> None:
    if not token:
        raise ConfigError(
            "SLACK_BOT_TOKEN is not set. Install the app to your workspace, copy the Bot User "
            f"OAuth Token (xoxb-...) from OAuth & Permissions at {APPS_PAGE} into .env, or set "
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to install through /slack/install")
    if token.startswith("xoxp-"):
        raise ConfigError("SLACK_BOT_TOKEN holds a user token (xoxp-...); use the Bot User OAuth "
                          "Token, which starts with xoxb-")
    if token.startswith("xapp-"):
        raise ConfigError("SLACK_BOT_TOKEN holds an app-level token (xapp-...); that one belongs in "
                          "SLACK_APP_TOKEN. SLACK_BOT_TOKEN is the Bot User OAuth Token (xoxb-...)")
    if not token.startswith("xoxb-") or any(c.isspace() for c in token):
        raise ConfigError("SLACK_BOT_TOKEN must be the Bot User OAuth Token, starting with xoxb- "
                          f"(OAuth & Permissions at {APPS_PAGE})")


def _check_app_token(token: str) -> None:
    if not token.startswith("xapp-") or any(c.isspace() for c in token):
        raise ConfigError(
            "SLACK_APP_TOKEN must be an app-level token starting with xapp- (Basic Information > "
            "App-Level Tokens, with the connections:write scope); leave it empty to serve HTTP instead")


def _check_signing_secret(secret: str) -> None:
    if not secret:
        raise ConfigError(
            "SLACK_SIGNING_SECRET is not set; HTTP mode needs it to verify requests. Copy it from "
            f"Basic Information > App Credentials at {APPS_PAGE}, or set SLACK_APP_TOKEN for Socket Mode")
    if any(c.isspace() for c in secret) or secret.startswith(("xox", "xapp-")):
        raise ConfigError("SLACK_SIGNING_SECRET looks wrong: it is the Signing Secret from Basic "
                          "Information > App Credentials (hex digits, not a token)")


def _check_oauth(settings: Settings) -> None:
    for name, value in (("SLACK_CLIENT_ID", settings.slack_client_id),
                        ("SLACK_CLIENT_SECRET", settings.slack_client_secret)):
        if not value:
            raise ConfigError(f"{name} is not set; multi-workspace installs need both SLACK_CLIENT_ID "
                              f"and SLACK_CLIENT_SECRET (Basic Information > App Credentials), or "
                              f"neither for a single workspace with SLACK_BOT_TOKEN")
        if any(c.isspace() for c in value):
            raise ConfigError(f"{name} contains spaces; copy it again from Basic Information > "
                              "App Credentials")
