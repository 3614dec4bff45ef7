"""All settings in one place, read from the environment and `.env`.

Only entry points (the CLI, the Slack server) call `load_settings`; the core takes
explicit values so it can be used and tested without any environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "data" / "empty_chair.db"
DEFAULT_PROMPTS = ROOT / "prompts"
SLACK_API_URL = "https://slack.com/api/"


@dataclass(frozen=True)
class Settings:
    """Everything the adapters need; defaults suit a single workspace on a laptop."""

    db_path: Path = DEFAULT_DB
    prompts_dir: Path = DEFAULT_PROMPTS
    cooldown_seconds: int = 300
    window_messages: int = 8
    capture_reaction: str = "chair"
    topics_path: Path | None = None  # tracked topics for digests (see data/tracked_topics.toml)
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = SLACK_API_URL
    slack_client_id: str = ""
    slack_client_secret: str = ""
    slack_scopes: tuple[str, ...] = field(default=())
    host: str = "127.0.0.1"
    port: int = 3000
    log_level: str = "INFO"


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number; set it to e.g. {default}") from None
    if value < minimum:
        raise ConfigError(f"{name}={value} must be at least {minimum}")
    return value


def load_settings(env: Mapping[str, str] | None = None, dotenv: bool = True) -> Settings:
    """Read settings from `env` (default: the process environment after loading `.env`)."""
    if env is None:
        if dotenv:
            from dotenv import load_dotenv

            load_dotenv(override=False)
        env = os.environ
    api_url = env.get("SLACK_API_URL", "").strip() or SLACK_API_URL
    if not api_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"SLACK_API_URL={api_url!r} must be an http(s) URL such as {SLACK_API_URL}"
        )
    if not api_url.endswith("/"):
        api_url += "/"
    return Settings(
        db_path=Path(env.get("EMPTY_CHAIR_DB", "").strip() or DEFAULT_DB),
        prompts_dir=Path(env.get("EMPTY_CHAIR_PROMPTS", "").strip() or DEFAULT_PROMPTS),
        cooldown_seconds=_int(env, "EMPTY_CHAIR_COOLDOWN_SECONDS", 300),
        window_messages=_int(env, "EMPTY_CHAIR_WINDOW", 8, minimum=1),
        capture_reaction=env.get("EMPTY_CHAIR_CAPTURE_REACTION", "").strip(": ") or "chair",
        topics_path=Path(env["EMPTY_CHAIR_TOPICS"].strip()) if env.get("EMPTY_CHAIR_TOPICS", "").strip()
        else None,
        slack_bot_token=env.get("SLACK_BOT_TOKEN", "").strip(),
        slack_signing_secret=env.get("SLACK_SIGNING_SECRET", "").strip(),
        slack_app_token=env.get("SLACK_APP_TOKEN", "").strip(),
        slack_api_url=api_url,
        slack_client_id=env.get("SLACK_CLIENT_ID", "").strip(),
        slack_client_secret=env.get("SLACK_CLIENT_SECRET", "").strip(),
        host=env.get("EMPTY_CHAIR_HOST", "").strip() or "127.0.0.1",
        port=_int(env, "PORT", 3000, minimum=1),
        log_level=env.get("EMPTY_CHAIR_LOG_LEVEL", "").strip().upper() or "INFO",
    )
