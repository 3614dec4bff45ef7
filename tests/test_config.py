"""Settings: one list of variables, read once, documented where a user looks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import Settings, load_settings, variables
from bot.errors import ConfigError

from .conftest import ROOT


def test_env_example_lists_every_setting_with_a_comment():
    text = (ROOT / ".env.example").read_text()
    assert re.findall(r"^([A-Z_]+)=$", text, re.M) == [name for name, _ in variables()]
    lines = text.splitlines()
    for name, _ in variables():
        assert lines[lines.index(f"{name}=") - 1].startswith("# "), f"{name} needs a one-line comment"


def test_readme_table_lists_every_setting():
    readme = (ROOT / "README.md").read_text()
    for name, _ in variables():
        assert re.search(rf"^\| `{name}` \|", readme, re.M), f"README's settings table lacks {name}"


def test_code_reads_no_variable_outside_settings():
    """Only bot/config.py reads the environment; everything else gets a Settings."""
    for path in (ROOT / "bot").rglob("*.py"):
        if path.name == "config.py":
            continue
        text = path.read_text()
        assert not re.search(r"os\.environ\.get|os\.getenv|environ\[", text), f"{path} reads the environment"


def test_values_are_parsed_and_checked():
    settings = load_settings({"EMPTY_CHAIR_WINDOW": "3", "EMPTY_CHAIR_SEMANTIC": "off",
                              "EMPTY_CHAIR_CAPTURE_REACTION": ":star:", "EMPTY_CHAIR_DB": "x.db",
                              "SLACK_API_URL": "http://127.0.0.1:9/api"}, dotenv=False)
    assert settings.window_messages == 3 and settings.semantic is False
    assert not settings.embed_on_import
    assert settings.capture_reaction == "star" and settings.db_path == Path("x.db")
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert load_settings({}, dotenv=False) == Settings()


@pytest.mark.parametrize("env,message", [
    ({"EMPTY_CHAIR_WINDOW": "0"}, "EMPTY_CHAIR_WINDOW=0 must be at least 1"),
    ({"PORT": "eighty"}, "PORT='eighty' is not a whole number"),
    ({"SLACK_API_URL": "slack.com/api"}, "must be an http(s) URL"),
])
def test_bad_values_name_the_variable(env, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(env, dotenv=False)


def test_a_postgresql_url_is_kept_as_written():
    settings = load_settings({"EMPTY_CHAIR_DB": "postgresql://bot:pw@db.internal:5432/chair"}, dotenv=False)
    assert settings.db_path == "postgresql://bot:pw@db.internal:5432/chair"  # a Path would fold the //
    assert load_settings({"EMPTY_CHAIR_DB": "data/x.db"}, dotenv=False).db_path == Path("data/x.db")
