"""The layout holds: each room imports only the rooms below it (docs/architecture.md),
only the adapters know Slack or click, and only the store speaks SQL."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from .conftest import ROOT

BOT = ROOT / "bot"
# room -> the bot rooms it may import (besides itself); keep in step with docs/architecture.md
ALLOWED: dict[str, set[str]] = {
    "models": set(),
    "errors": set(),
    "text": set(),
    "config": {"errors"},
    "store": {"models", "errors"},
    "voice": {"models", "errors", "text"},
    "search": {"store", "models", "errors", "text"},
    "topic": {"search", "store", "models", "errors", "text"},
    "ingest": {"store", "search", "models", "errors", "text"},
    "meeting": {"topic", "search", "store", "voice", "ingest", "models", "errors", "text"},
    "digests": {"topic", "search", "store", "voice", "models", "errors", "text", "ingest"},
    "outbox": {"store", "models", "errors"},
    "slack": {"meeting", "digests", "outbox", "topic", "search", "ingest", "store", "voice", "config",
              "models", "errors", "text"},
    "cli": {"slack", "meeting", "digests", "outbox", "topic", "search", "ingest", "store", "voice",
            "config", "models", "errors", "text"},
    "__init__": {"meeting", "digests", "outbox", "topic", "search", "ingest", "store", "voice", "config",
                 "models", "errors", "text"},
    "__main__": {"cli"},
}
ADAPTER_ONLY = ("slack_bolt", "slack_sdk", "click")
# slack_sdk's OAuth installation and state stores, implemented over SQL: they stay with the SQL.
SLACK_STORAGE = {"bot/store/sqlite/installations.py"}


def _room(path: Path) -> str:
    parts = path.relative_to(BOT).with_suffix("").parts
    return parts[0]


def _imports(path: Path) -> list[str]:
    """Absolute names of the modules a file imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ["bot", *path.relative_to(BOT).parent.parts]
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:  # from . import x: the names are modules
                    names += [f"{module}.{alias.name}" for alias in node.names]
                    continue
                names.append(module)
            elif node.module:
                names.append(node.module)
    return names


FILES = sorted(BOT.rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_room_imports_only_the_rooms_below_it(path):
    room = _room(path)
    assert room in ALLOWED, f"{room} is a new room: add it to docs/architecture.md and ALLOWED"
    for name in _imports(path):
        if name.startswith("bot."):
            target = name.split(".")[1]
            assert target == room or target in ALLOWED[room], f"{path.name} ({room}) imports {name}"
        elif name.split(".")[0] in ADAPTER_ONLY:
            where = str(path.relative_to(ROOT))
            allowed = room in ("slack", "cli") or (where in SLACK_STORAGE and name.startswith("slack_sdk"))
            assert allowed, f"{where} imports {name}: adapters only"


@pytest.mark.parametrize("path", [p for p in FILES if _room(p) != "store"],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_store_speaks_sql(path):
    text = path.read_text(encoding="utf-8")
    assert "sqlite3" not in _imports(path) and "psycopg" not in " ".join(_imports(path))
    assert not re.search(r"\.execute(many|script)?\(", text), f"{path.relative_to(ROOT)} runs SQL"


def test_the_architecture_doc_names_every_room():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for room in ALLOWED:
        if room.startswith("__"):
            continue
        assert f"`{room}" in doc, f"docs/architecture.md does not describe {room}"
