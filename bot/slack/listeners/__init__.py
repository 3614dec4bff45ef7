"""Every Slack listener, grouped by what Slack sends: events, commands, actions, shortcuts."""

from __future__ import annotations

from slack_bolt import App

from . import actions, commands, events, shortcuts


def register_listeners(app: App) -> None:
    events.register(app)
    commands.register(app)
    actions.register(app)
    shortcuts.register(app)
