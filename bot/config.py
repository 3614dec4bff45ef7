"""All settings in one place, read once from the environment and `.env`.

Only entry points (the CLI group, the Slack server, tests) call `load_settings`; the
core takes explicit values so it can be used and tested without any environment. Each
field names its environment variable and says what it is for: `.env.example`, the
README's table and the loader are all checked against this one list.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "data" / "empty_chair.db"
DEFAULT_PROMPTS = ROOT / "prompts"
SLACK_API_URL = "https://slack.com/api/"
_OFF = ("off", "0", "false", "no")
DATABASE_URLS = ("postgresql://", "postgres://")


def database(target: str | Path) -> Path | str:
    """Where the database is: a `postgresql://` URL as it was written (a Path would fold its
    `//`), anything else as a file path."""
    if isinstance(target, str) and target.startswith(DATABASE_URLS):
        return target
    return Path(target)


TEAM_ID = re.compile(r"[TE][A-Z0-9]{2,}")  # a Slack workspace (T...) or Enterprise Grid (E...) id


def _env(name: str, help: str, kind: str = "str", minimum: int = 0) -> dict[str, Any]:
    return {"env": name, "help": help, "kind": kind, "minimum": minimum}


def setting(default: Any, name: str, help: str, kind: str = "str", minimum: int = 0) -> Any:
    return field(default=default, metadata=_env(name, help, kind, minimum))


@dataclass(frozen=True)
class Settings:
    """Everything the adapters need; defaults suit a single workspace on a laptop."""

    slack_bot_token: str = setting(
        "", "SLACK_BOT_TOKEN", "Bot User OAuth Token (xoxb-...), from OAuth & Permissions; "
        "not needed with SLACK_CLIENT_ID.")
    slack_signing_secret: str = setting(
        "", "SLACK_SIGNING_SECRET", "Signing Secret from Basic Information > App Credentials; "
        "verifies HTTP requests.")
    slack_app_token: str = setting(
        "", "SLACK_APP_TOKEN", "App-level token (xapp-..., scope connections:write); set it for "
        "Socket Mode, leave empty for HTTP.")
    slack_api_url: str = setting(
        SLACK_API_URL, "SLACK_API_URL", "Slack Web API base URL; default https://slack.com/api/ "
        "(tests point it at a local fake).", kind="url")
    slack_client_id: str = setting(
        "", "SLACK_CLIENT_ID", "Client ID from Basic Information; with SLACK_CLIENT_SECRET, enables "
        "installs via /slack/install.")
    slack_client_secret: str = setting(
        "", "SLACK_CLIENT_SECRET", "Client Secret from Basic Information, for multi-workspace installs.")
    allowed_teams: tuple[str, ...] = setting(
        (), "EMPTY_CHAIR_ALLOWED_TEAMS", "Workspace ids (T...) or Enterprise Grid ids (E...), "
        "comma-separated, that may install and use the bot; empty: any workspace.", kind="teams")
    db_path: Path | str = setting(
        DEFAULT_DB, "EMPTY_CHAIR_DB", "SQLite database file, or a postgresql:// URL to share one "
        "database between replicas; default data/empty_chair.db.", kind="database")
    prompts_dir: Path = setting(
        DEFAULT_PROMPTS, "EMPTY_CHAIR_PROMPTS", "Folder of prompt templates (every word the bot says); "
        "default prompts/.", kind="path")
    cooldown_seconds: int = setting(
        300, "EMPTY_CHAIR_COOLDOWN_SECONDS", "Minimum seconds between unprompted posts in a channel; "
        "default 300.", kind="int")
    window_messages: int = setting(
        8, "EMPTY_CHAIR_WINDOW", "How many recent messages make up \"the conversation\"; default 8.",
        kind="int", minimum=1)
    message_retention_hours: int = setting(
        24, "EMPTY_CHAIR_MESSAGE_RETENTION_HOURS", "Hours the bot keeps the channel messages it hears "
        "before deleting them; default 24.", kind="int", minimum=1)
    capture_reaction: str = setting(
        "chair", "EMPTY_CHAIR_CAPTURE_REACTION", "Emoji name (without colons) that saves a message as "
        "customer feedback; default chair.", kind="emoji")
    hand_seconds: int = setting(
        900, "EMPTY_CHAIR_HAND_SECONDS", "Seconds a raised hand (the customer's reaction on a message) "
        "stays up unanswered before it comes down; default 900.", kind="int", minimum=1)
    topics_path: Path | None = setting(
        None, "EMPTY_CHAIR_TOPICS", "Topics your team tracks in digests (a TOML file like "
        "data/tracked_topics.toml); default none.", kind="path")
    digest_sync_seconds: int = setting(
        60, "EMPTY_CHAIR_DIGEST_SYNC_SECONDS", "Seconds between two reads of the digest schedules (one "
        "set on another replica, a run missed or handed back); default 60.", kind="int", minimum=1)
    outbox_quotes_minutes: int = setting(
        5, "EMPTY_CHAIR_OUTBOX_QUOTES_MINUTES", "Minutes quotes the bot offered unprompted are still "
        "posted while Slack cannot be reached (the meeting moves on); default 5.", kind="int", minimum=1)
    outbox_max_wait_seconds: int = setting(
        120, "EMPTY_CHAIR_OUTBOX_MAX_WAIT_SECONDS", "Longest wait between two tries of a post Slack did "
        "not take (the waits double from 1 s up to this); default 120.", kind="int", minimum=1)
    slack_timeout_seconds: int = setting(
        10, "EMPTY_CHAIR_SLACK_TIMEOUT_SECONDS", "Seconds a post to Slack may take; after that its outcome "
        "is unknown, and the bot looks for it before trying again; default 10.", kind="int", minimum=1)
    semantic: bool = setting(
        True, "EMPTY_CHAIR_SEMANTIC", "off: search by words only, even where search by meaning is "
        "installed; default on.", kind="switch")
    model: Path | None = setting(
        None, "EMPTY_CHAIR_MODEL", "Folder of a sentence-embedding model as ONNX with its tokenizer.json "
        "(as Hugging Face repositories ship it; bench/fetch_mpnet.py makes one); a change re-embeds every "
        "quote; default the bundled all-MiniLM-L6-v2.", kind="path")
    embed_on_import: bool = setting(
        False, "EMPTY_CHAIR_EMBED_ON_IMPORT", "on: `empty-chair import` waits while the new quotes are "
        "embedded; default off (`embed` or the server do it in the background).", kind="switch")
    host: str = setting(
        "127.0.0.1", "EMPTY_CHAIR_HOST", "Interface the HTTP server listens on; default 127.0.0.1 "
        "(use 0.0.0.0 behind a proxy or in a container).")
    port: int = setting(3000, "PORT", "Port of the HTTP server; default 3000.", kind="int", minimum=1)
    log_level: str = setting(
        "INFO", "EMPTY_CHAIR_LOG_LEVEL", "Log level: DEBUG, INFO, WARNING or ERROR; default INFO.",
        kind="level")


def variables() -> list[tuple[str, str]]:
    """(environment variable, what it is for) of every setting, in the order of `Settings`."""
    return [(f.metadata["env"], f.metadata["help"]) for f in fields(Settings)]


def _int(name: str, raw: str, default: int, minimum: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number; set it to e.g. {default}") from None
    if value < minimum:
        raise ConfigError(f"{name}={value} must be at least {minimum}")
    return value


def _url(name: str, raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise ConfigError(f"{name}={raw!r} must be an http(s) URL such as {SLACK_API_URL}")
    return raw if raw.endswith("/") else raw + "/"


def _teams(name: str, raw: str) -> tuple[str, ...]:
    ids = tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    wrong = [i for i in ids if not TEAM_ID.fullmatch(i)]
    if wrong:
        raise ConfigError(f"{name}: {wrong[0]!r} is not a workspace id; list ids such as T0123ABCD "
                          "(a workspace) or E0123ABCD (an Enterprise Grid organisation), separated by commas")
    return ids


def _parse(meta: Mapping[str, Any], raw: str, default: Any) -> Any:
    name, kind = meta["env"], meta["kind"]
    if kind == "int":
        return _int(name, raw, default, meta["minimum"])
    if kind == "path":
        return Path(raw)
    if kind == "database":
        return database(raw)
    if kind == "url":
        return _url(name, raw)
    if kind == "switch":
        return raw.lower() not in _OFF
    if kind == "emoji":
        return raw.strip(":") or default
    if kind == "level":
        return raw.upper()
    if kind == "teams":
        return _teams(name, raw)
    return raw


def load_settings(env: Mapping[str, str] | None = None, dotenv: bool = True) -> Settings:
    """Read settings from `env` (default: the process environment after loading `.env`)."""
    if env is None:
        if dotenv:
            from dotenv import load_dotenv

            load_dotenv(override=False)
        env = os.environ
    values = {}
    for f in fields(Settings):
        raw = env.get(f.metadata["env"], "").strip()
        if raw:
            values[f.name] = _parse(f.metadata, raw, f.default)
    return Settings(**values)
