"""The Slack adapter: a thin Bolt app around the core.

`create_app(settings)` builds the app (listeners in `listeners/`, Block Kit in
`blocks.py`); `server.run(settings)` serves it over HTTP or Socket Mode. Nothing here
decides what the customer says: that is `bot.meeting`.
"""

from .app import create_app

__all__ = ["create_app"]
