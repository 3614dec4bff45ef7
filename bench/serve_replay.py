"""Does the real bot in Slack do what `replay` says it would? Conversations through both.

Usage (from the repo root)::

    .venv/bin/python bench/serve_replay.py [--half even|odd|all] [--limit N] [--db CORPUS]
                                           [--mode semantic|lexical] [--json] [--verbose]

Each conversation of the sets bench/meeting.py reads (../shared/data/dev/conversations.jsonl
and bench/data/conversations_more.jsonl should get quotes; bench/data/silent_conversations.jsonl
and silent_more.jsonl should get silence), the even lines by default, is
played twice on two copies of one corpus database:

1. through `bot.meeting.replay.replay`, the core `empty-chair replay` runs, in this process;
2. through a real `empty-chair serve` in HTTP mode (a subprocess) against the fake Slack Web
   API of the tests (tests/slack/fake_slack.py), as Slack-signed message events with the same
   timestamps, one at a time: the next message leaves once the bot has finished the last one
   (its log line `handled TS in CHANNEL`), as messages in a meeting come seconds apart.

Each message's outcome is what the channel would see: posted quotes, a decision question (a
post in its thread), a raised hand (a reaction on it) or nothing; on the Slack side it is read
from the calls the fake recorded, not from the bot's log. It prints, per conversation set, how
many conversations had the same outcome for every message, and lists the messages that differ.

The corpus is the one bench/meeting.py builds and caches in bench/out/ (both shared data sets,
embedded once when search by meaning is on: minutes the first time), or --db PATH.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parent
for folder in (REPO_ROOT, BENCH):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from meeting import (  # noqa: E402
    DEFAULT_DATA,
    Conversation,
    add_set_arguments,
    corpus_database,
    default_conversations,
    default_silent,
    half,
    load_all,
)
from slack_load import Bot, bot_environment, free_port, signed_post  # noqa: E402

from bot.config import DEFAULT_PROMPTS  # noqa: E402
from bot.ingest.transcript import Transcript, TranscriptLine  # noqa: E402
from bot.meeting.policy import Policy  # noqa: E402
from bot.meeting.replay import replay  # noqa: E402
from bot.search import semantic  # noqa: E402
from bot.store import connect  # noqa: E402
from bot.voice import Voice  # noqa: E402
from tests.slack.fake_slack import DEFAULT_TEAM, FakeSlack  # noqa: E402

START = 1_790_000_000.0  # a fixed clock (2026-09), so both sides see the same times
SECONDS_PER_MESSAGE = 20.0  # as `empty-chair replay` paces a transcript
CONVERSATION_GAP = 100_000.0  # seconds between two conversations' starts: no cooldown carries over
COOLDOWN = 300  # the bot's default, on both sides
MESSAGE_TIMEOUT = 60.0
OUTCOMES = ("quotes", "decision", "hand", "nothing")


@dataclass
class Played:
    """One conversation's outcome per message, on each side."""

    conversation: Conversation
    kind: str  # "should speak" or "silent"
    replayed: list[str] = field(default_factory=list)
    served: list[str] = field(default_factory=list)

    @property
    def agree(self) -> bool:
        return self.replayed == self.served


def outcome_of(kind: str) -> str:
    """An Action's kind as the channel sees it."""
    return kind if kind in ("quotes", "decision", "hand") else "nothing"


def transcript(conversation: Conversation) -> Transcript:
    return Transcript([TranscriptLine(n + 1, speaker, text)
                       for n, (speaker, text) in enumerate(conversation.lines)], "", "")


def start_of(number: int) -> float:
    return START + number * CONVERSATION_GAP


def replay_side(db: Path, played: list[Played]) -> None:
    """Every conversation through `bot.meeting.replay`, in order, on its own copy."""
    store = connect(db)
    voice = Voice.load(DEFAULT_PROMPTS)
    try:
        for number, item in enumerate(played):
            lines = replay(store, voice, transcript(item.conversation), Policy(cooldown_seconds=COOLDOWN),
                           start=start_of(number), seconds_per_line=SECONDS_PER_MESSAGE)
            for _, action in lines:
                item.replayed.append(outcome_of(action.kind))
    finally:
        store.close()


def event_body(channel: str, ts: str, user: str, text: str) -> str:
    return json.dumps({
        "token": "legacy", "team_id": DEFAULT_TEAM, "api_app_id": "A0BENCH", "type": "event_callback",
        "event": {"type": "message", "channel": channel, "channel_type": "channel", "user": user,
                  "text": text, "ts": ts, "event_ts": ts},
        "event_id": "Ev" + uuid.uuid4().hex[:12].upper(), "event_time": int(time.time()),
        "authorizations": [{"team_id": DEFAULT_TEAM, "user_id": f"UBOT{DEFAULT_TEAM}", "is_bot": True}],
    })


def wait_handled(bot: Bot, channel: str, ts: str, timeout: float = MESSAGE_TIMEOUT) -> str:
    """The bot's own word that it finished a message (and what it decided), from its log."""
    pattern = re.compile(rf"handled {re.escape(ts)} in {re.escape(channel)}: (\w+)")
    failed = f"message {ts} in {channel} was not handled"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = bot.log_path.read_text(encoding="utf-8", errors="replace")
        found = pattern.search(text)
        if found:
            return found.group(1)
        if failed in text:
            return "error"
        time.sleep(0.01)
    raise RuntimeError(f"the bot did not finish message {ts} in {channel} within {timeout:.0f} s:\n"
                       f"{bot.log_tail()}")


def seen_in_slack(fake: FakeSlack, channel: str, ts: str, since: int) -> str:
    """What the channel saw of one message: from the Web API calls made after it was sent."""
    with fake.lock:
        calls = [c for c in fake.calls[since:] if c.ok and str(c.params.get("channel")) == channel]
    if any(c.method == "reactions.add" and str(c.params.get("timestamp")) == ts for c in calls):
        return "hand"
    posts = [c for c in calls if c.method == "chat.postMessage"]
    if any(str(c.params.get("thread_ts") or "") == ts for c in posts):
        return "decision"
    if any(not c.params.get("thread_ts") for c in posts):
        return "quotes"
    return "nothing"


def serve_side(db: Path, played: list[Played], mode: str, work: Path, verbose: bool) -> None:
    """Every conversation through a real `empty-chair serve`, one message at a time."""
    fake = FakeSlack().start()
    port = free_port()
    env = bot_environment(fake, db, port, COOLDOWN, semantic=mode == "semantic")
    env["EMPTY_CHAIR_LOG_LEVEL"] = "DEBUG"
    bot = Bot(db, port, env, work / "serve.log")
    try:
        bot.wait_ready()
        for number, item in enumerate(played):
            channel = f"CREPLAY{number:04d}"
            for line, (speaker, text) in enumerate(item.conversation.lines):
                ts = f"{start_of(number) + line * SECONDS_PER_MESSAGE:.6f}"
                since = len(fake.calls)
                status, _ = signed_post(port, event_body(channel, ts, f"U{speaker.upper()[:10]}", text),
                                        "application/json")
                if status != 200:
                    raise RuntimeError(f"the bot answered {status} to message {ts}")
                decided = wait_handled(bot, channel, ts)
                seen = seen_in_slack(fake, channel, ts, since)
                if verbose and outcome_of(decided) != seen:
                    print(f"  {channel} {ts}: the bot decided {decided}, Slack saw {seen}", file=sys.stderr)
                item.served.append(seen)
    finally:
        bot.stop()
        fake.stop()


def working_copy(source: Path, target: Path) -> None:
    """A consistent copy (SQLite's backup), so a WAL file cannot be missed."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def chosen(conversations: Sequence[Conversation], which: str, limit: int | None) -> list[Conversation]:
    picked = [c for c in conversations if which == "all" or half(c.line) == which]
    return picked[:limit] if limit else picked


def run(args: argparse.Namespace) -> list[Played]:
    semantic.switch(args.mode == "semantic")
    corpus = Path(args.db) if args.db else corpus_database(Path(args.data), embed=args.mode == "semantic")
    speak = chosen(load_all(args.conversations or default_conversations(Path(args.data)), silent=False),
                   args.half, args.limit)
    quiet = chosen(load_all(args.silent or default_silent(), silent=True), args.half, args.limit)
    played = [Played(c, "should speak") for c in speak] + [Played(c, "silent") for c in quiet]
    with tempfile.TemporaryDirectory(prefix="serve-replay-") as folder:
        work = Path(folder)
        working_copy(corpus, work / "replay.db")
        working_copy(corpus, work / "serve.db")
        started = time.perf_counter()
        replay_side(work / "replay.db", played)
        replayed = time.perf_counter() - started
        serve_side(work / "serve.db", played, args.mode, work, args.verbose)
        served = time.perf_counter() - started - replayed
        if args.keep_log:
            shutil.copy(work / "serve.log", args.keep_log)
    print(f"[serve-replay] replay {replayed:.1f} s, serve {served:.1f} s", file=sys.stderr)
    return played


def outcome_counts(played: list[Played]) -> dict[str, dict[str, int]]:
    """Messages by outcome, on each side."""
    return {side: {o: sum(getattr(p, side).count(o) for p in played) for o in OUTCOMES}
            for side in ("replayed", "served")}


def report(played: list[Played]) -> str:
    lines = [f"{'set':<14}{'conversations':>15}{'same outcomes':>15}",]
    for kind in ("should speak", "silent"):
        mine = [p for p in played if p.kind == kind]
        lines.append(f"{kind:<14}{len(mine):>15}{sum(p.agree for p in mine):>15}")
    lines.append(f"{'all':<14}{len(played):>15}{sum(p.agree for p in played):>15}")
    counts = outcome_counts(played)
    lines.append("messages by outcome: " + "; ".join(
        f"{side} " + ", ".join(f"{o} {n}" for o, n in counts[side].items()) for side in counts))
    for p in played:
        if not p.agree:
            diff = [f"message {n + 1}: replay {a}, serve {b}"
                    for n, (a, b) in enumerate(zip(p.replayed, p.served, strict=True)) if a != b]
            lines.append(f"differs: line {p.conversation.line} ({p.kind}): " + "; ".join(diff))
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--half", choices=("even", "odd", "all"), default="even",
                        help="which lines of the conversation files (default: even, the reporting half)")
    parser.add_argument("--limit", type=int, default=None, help="at most N conversations of each set")
    parser.add_argument("--data", default=str(DEFAULT_DATA),
                        help="the folder holding banking77/, cfpb/, dev/")
    add_set_arguments(parser)
    parser.add_argument("--db", default=None,
                        help="a corpus database to copy (default: bench/meeting.py's cache)")
    parser.add_argument("--mode", choices=("semantic", "lexical"),
                        default="semantic" if semantic.available() else "lexical")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    parser.add_argument("--verbose", action="store_true",
                        help="say where the bot's decision and Slack differ")
    parser.add_argument("--keep-log", default=None, help="copy the bot's log here")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    played = run(args)
    if args.json:
        print(json.dumps({"conversations": len(played), "agree": sum(p.agree for p in played),
                          "sets": {kind: {"conversations": sum(p.kind == kind for p in played),
                                          "agree": sum(p.agree for p in played if p.kind == kind)}
                                   for kind in ("should speak", "silent")},
                          "outcomes": outcome_counts(played),
                          "differ": [{"line": p.conversation.line, "set": p.kind, "replay": p.replayed,
                                      "serve": p.served} for p in played if not p.agree]}))
    else:
        print(report(played))
    return 0 if all(p.agree for p in played) else 1


if __name__ == "__main__":
    raise SystemExit(main())
