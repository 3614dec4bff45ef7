"""Slash command listeners; the command name matches `manifest.yml`."""

from __future__ import annotations

from slack_bolt import App

from ...ids import COMMAND
from ..ack import ack_now
from .customer_voice import customer_voice


def register(app: App) -> None:
    app.command(COMMAND)(ack=ack_now, lazy=[customer_voice])
