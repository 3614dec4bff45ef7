"""The README documents the command line as it is: every command, every option."""

from __future__ import annotations

import click
import pytest

from bot.cli import cli

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(cli.commands.items()):
        found.append((name, command))
        if isinstance(command, click.Group):
            found += [(f"{name} {sub}", c) for sub, c in sorted(command.commands.items())]
    return found


@pytest.mark.parametrize("name,command", _commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_and_option_is_in_the_readme(name, command):
    rows = [line for line in README.splitlines() if line.startswith(f"| `empty-chair {name}")]
    assert rows, f"README's command table has no row for `empty-chair {name}`"
    for param in command.params:
        for option in getattr(param, "opts", []):
            if option.startswith("--") and option != "--help":
                assert f"`{option}`" in rows[0], f"README's row for `empty-chair {name}` lacks {option}"
    assert command.help, f"`empty-chair {name}` has no help text"
