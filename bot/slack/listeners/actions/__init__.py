"""Button listeners; action ids are the constants in `bot.slack.ids`. Any other action
(a button from an older version of a message) is acknowledged and ignored."""

from __future__ import annotations

import re

from slack_bolt import App

from ... import ids
from ..ack import ack_now
from .quote_buttons import full_quote, more_like_this, not_relevant
from .share_to_channel import share_to_channel


def register(app: App) -> None:
    app.action(ids.NOT_RELEVANT)(ack=ack_now, lazy=[not_relevant])
    app.action(ids.MORE_LIKE_THIS)(ack=ack_now, lazy=[more_like_this])
    app.action(ids.FULL_QUOTE)(ack=ack_now, lazy=[full_quote])
    app.action(ids.SHARE)(ack=ack_now, lazy=[share_to_channel])
    app.action(re.compile(".*"))(ack_now)
