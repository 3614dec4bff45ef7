"""The acknowledgement every listener starts with.

The app runs with `process_before_response=True`: this function runs on the
request's own thread and answers Slack at once, and the real work runs afterwards as
a lazy listener on the worker pool. So a slow or locked database, or a busy pool,
never delays the 200 Slack needs within 3 seconds.
"""

from __future__ import annotations

from slack_bolt import Ack


def ack_now(ack: Ack) -> None:
    ack()
