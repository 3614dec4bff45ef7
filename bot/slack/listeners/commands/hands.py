"""`/customer-voice hands ...` and `forget-learning`: a channel switches the customer's raised
hand off or on, picks its emoji, hears what it taught the customer (in `help`), and resets it.

- `hands` shows whether hands are on here and the emoji;
- `hands off` / `hands on`;
- `hands emoji NAME` (with or without colons) raises the hand with :NAME: from the next one on;
- `forget-learning` deletes what this channel's answers to hands taught the customer.
"""

from __future__ import annotations

import re
from typing import Any

from ....meeting import hands
from ...blocks import escape
from ...chair import Chair

Reply = dict[str, Any]
EMOJI = re.compile(r"^:?([a-z0-9_+'-]{1,80}):?$")  # Slack's emoji names: lower-case, no spaces


def hands_command(chair: Chair, team: str, command: dict[str, Any], rest: str) -> Reply:
    channel = command.get("channel_id")
    voice = chair.voice
    if not channel:
        return {"text": voice.render("slack.no_channel")}
    word, _, value = rest.strip().partition(" ")
    store = chair.db()
    if word.lower() in ("off", "on"):
        hands.switch(store, team, channel, word.lower() == "on")
        key = "commands.hands_on" if word.lower() == "on" else "commands.hands_off"
        return {"text": voice.render(key, channel=channel, emoji=hands.emoji(store, team, channel))}
    if word.lower() == "emoji":
        return {"text": set_emoji(chair, team, channel, value.strip())}
    if word:
        return {"text": voice.render("commands.hands_usage")}
    settings = store.hands.settings(team, channel)
    key = "commands.hands_status_on" if settings.enabled else "commands.hands_status_off"
    return {"text": voice.render(key, channel=channel, emoji=hands.emoji(store, team, channel))}


def set_emoji(chair: Chair, team: str, channel: str, value: str) -> str:
    found = EMOJI.match(value.lower())
    if not found:
        return chair.voice.render("commands.hands_emoji_bad")
    name = found.group(1)
    if name == chair.settings.capture_reaction:
        return chair.voice.render("commands.hands_emoji_capture", emoji=name)
    hands.set_emoji(chair.db(), team, channel, name)
    return chair.voice.render("commands.hands_emoji_set", emoji=name, channel=channel)


def forget_learning(chair: Chair, team: str, command: dict[str, Any], rest: str) -> Reply:
    channel = command.get("channel_id")
    if not channel:
        return {"text": chair.voice.render("slack.no_channel")}
    count = hands.forget(chair.db(), team, channel)
    return {"text": chair.voice.render("commands.learning_forgotten", count=count, channel=channel)}


def help_and_learnt(chair: Chair, team: str, command: dict[str, Any], rest: str) -> Reply:
    """The help, and what the customer has learnt in the channel it is asked in."""
    text = chair.voice.render("commands.help")
    channel = command.get("channel_id")
    if channel:
        lessons = hands.learnt(chair.db(), team, channel)
        text += "\n\n" + escape(hands.learnt_text(chair.voice, lessons))
    return {"text": text}
