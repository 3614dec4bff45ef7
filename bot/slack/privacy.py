"""Whether a conversation is private: a quote saved in a private channel (with the capture
reaction, or `/customer-voice add`) is shown in that channel only.

Slack says so in several places: the id (`G...` for older private channels and group
messages, `D...` for direct messages), the event's `channel_type`, the slash command's
`channel_name` (`privategroup`, `directmessage`, `mpdm-...`), and `conversations.info`.
Newer private channels have `C...` ids like public ones, so when nothing else tells, the
bot asks; when it cannot find out, it treats the channel as private, which hides a quote
from other channels rather than showing a private conversation everywhere.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

PRIVATE_IDS = ("G", "D")
PRIVATE_TYPES = frozenset({"private", "group", "im", "mpim"})
PRIVATE_NAMES = frozenset({"privategroup", "directmessage"})


def is_private(client: WebClient | None, channel: str, logger: logging.Logger, *,
               channel_type: str | None = None, channel_name: str | None = None) -> bool:
    """True unless Slack says the channel is public (without a client: unless nothing says it is private)."""
    if channel.startswith(PRIVATE_IDS) or channel_type in PRIVATE_TYPES:
        return True
    if channel_name and (channel_name in PRIVATE_NAMES or channel_name.startswith("mpdm-")):
        return True
    if client is None:
        return False
    try:
        found = client.conversations_info(channel=channel).get("channel") or {}
    except (SlackClientError, OSError) as err:
        logger.info("conversations.info for %s failed (%s); a quote saved there stays in that channel",
                    channel, err)
        return True
    return any(found.get(flag) for flag in ("is_private", "is_group", "is_im", "is_mpim"))
