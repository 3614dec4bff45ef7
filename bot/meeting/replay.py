"""A meeting transcript through the same `observe` the Slack bot calls, one message at a
time, so `empty-chair replay` and the demo show exactly what the bot would do."""

from __future__ import annotations

from collections.abc import Iterator

from ..ingest.transcript import Transcript, TranscriptLine
from ..models import Action, Message
from ..store import Store
from ..voice import Voice
from .hands import after_message
from .policy import Policy, observe

REPLAY_TEAM = "replay"  # a workspace id no Slack workspace has: replays never mix with real channels


def replay(store: Store, voice: Voice, transcript: Transcript, policy: Policy, *, start: float,
           seconds_per_line: float = 20.0) -> Iterator[tuple[TranscriptLine, Action]]:
    """Each line of the transcript with what the customer does about it, in a fresh channel
    whose topic and purpose are the transcript's, messages `seconds_per_line` apart."""
    channel = f"replay-{int(start * 1000)}"
    store.channels.ensure(REPLAY_TEAM, channel, 0)
    store.channels.update(REPLAY_TEAM, channel, topic=transcript.topic, purpose=transcript.purpose)
    for number, line in enumerate(transcript.lines):
        ts = f"{start + number * seconds_per_line:.6f}"
        message = Message(REPLAY_TEAM, channel, ts, line.speaker, line.text)
        action = observe(store, voice, message, policy)
        after_message(store, REPLAY_TEAM, channel, action, message.time)  # as the bot takes hands down
        yield line, action
