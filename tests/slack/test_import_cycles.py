"""The Slack package imports in one direction: no module reaches, even lazily inside a
function, a module that imports it back. A circle works only as long as nobody moves an
import to the top of a file, and it hides which module stands on which."""

from __future__ import annotations

import ast
from pathlib import Path

from ..conftest import ROOT

SLACK = ROOT / "bot" / "slack"


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_package(name: str) -> bool:
    return (ROOT / Path(*name.split(".")) / "__init__.py").is_file()


def _exists(name: str) -> bool:
    where = ROOT / Path(*name.split("."))
    return where.with_suffix(".py").is_file() or (where / "__init__.py").is_file()


def _imports(path: Path) -> set[str]:
    """The bot.slack modules a file imports, anywhere in it (lazy imports count)."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            for alias in node.names:  # `from . import blocks`: the name is a module
                if _exists(f"{target}.{alias.name}"):
                    found.add(f"{target}.{alias.name}")
    return {name for name in found if name.startswith("bot.slack") and _exists(name)}


def _graph() -> dict[str, set[str]]:
    return {_module(path): _imports(path) - {_module(path)} for path in SLACK.rglob("*.py")}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle, as the modules along it, or None."""
    state: dict[str, int] = {}
    trail: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        trail.append(name)
        for nxt in sorted(graph.get(name, ())):
            if state.get(nxt) == 1:
                return trail[trail.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        trail.pop()
        state[name] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_slack_package_has_no_import_cycle():
    # A package's __init__ re-exporting its own parts (bot.slack -> app) is how packages work,
    # not a circle: only the modules' own imports are followed.
    graph = {name: {t for t in targets if not (_is_package(t) and name.startswith(t + "."))}
             for name, targets in _graph().items()}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_cycle_check_finds_a_circle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
