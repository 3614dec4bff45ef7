"""Events API listeners. Each acknowledges at once (`ack_now`) and does its work lazily.

Specific message subtypes are registered before the general `message` listener:
Bolt runs the first listener that matches. The last listener acknowledges any other
event, so an event subscribed in Slack's settings but not handled here still gets a
200 instead of a 404 (which Slack would retry).
"""

from __future__ import annotations

import re

from slack_bolt import App

from ..ack import ack_now
from .app_home_opened import app_home_opened
from .app_mention import app_mention
from .app_uninstalled import app_uninstalled, tokens_revoked
from .channel_left import channel_left
from .channel_shared import channel_shared
from .channel_topic import channel_topic
from .member_joined_channel import member_joined_channel
from .message import message
from .message_changed import message_changed
from .message_deleted import message_deleted
from .reaction_added import reaction_added

TOPIC_SUBTYPES = ["channel_topic", "channel_purpose", "group_topic", "group_purpose"]


def register(app: App) -> None:
    app.event("member_joined_channel")(ack=ack_now, lazy=[member_joined_channel])
    app.event({"type": "message", "subtype": "message_changed"})(ack=ack_now, lazy=[message_changed])
    app.event({"type": "message", "subtype": "message_deleted"})(ack=ack_now, lazy=[message_deleted])
    app.event({"type": "message", "subtype": TOPIC_SUBTYPES})(ack=ack_now, lazy=[channel_topic])
    app.event("message")(ack=ack_now, lazy=[message])
    app.event("app_mention")(ack=ack_now, lazy=[app_mention])
    app.event("reaction_added")(ack=ack_now, lazy=[reaction_added])
    app.event("app_home_opened")(ack=ack_now, lazy=[app_home_opened])
    app.event(re.compile("^(channel|group)_left$"))(ack=ack_now, lazy=[channel_left])
    app.event(re.compile("^channel_(un)?shared$"))(ack=ack_now, lazy=[channel_shared])
    app.event("tokens_revoked")(ack=ack_now, lazy=[tokens_revoked])
    app.event("app_uninstalled")(ack=ack_now, lazy=[app_uninstalled])
    app.event(re.compile(".*"))(ack_now)
