"""Shortcut listeners; callback ids are the constants in `bot.slack.ids`, declared in
`manifest.yml`. Any other shortcut is acknowledged and ignored."""

from __future__ import annotations

import re

from slack_bolt import App

from ... import ids
from ..ack import ack_now
from .ask_the_customer import ask_the_customer


def register(app: App) -> None:
    app.message_shortcut(ids.ASK_THE_CUSTOMER)(ack=ack_now, lazy=[ask_the_customer])
    app.shortcut(re.compile(".*"))(ack_now)
