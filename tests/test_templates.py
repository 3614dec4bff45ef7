"""The code and prompts/ agree: every template the code renders exists, gets exactly the
variables it uses (list templates included), and no template is left unused."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from .conftest import ROOT

CALLS = ("render", "choice")


def _template_variables(template: object) -> set[str]:
    texts = template if isinstance(template, list) else [template]
    return {name for text in texts for name in string.Template(str(text)).get_identifiers()}


def _literal_prefix(node: ast.expr) -> tuple[str, bool] | None:
    """A template name as written: ("file.key", True) for a literal, ("file.pre", False) for
    the literal start of an f-string; None when the name is computed elsewhere."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, True
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value), False
    return None


def _calls() -> list[tuple[str, int, str, bool, set[str]]]:
    """(file, line, name or prefix, exact, keyword names) of each Voice render/choice call in bot/."""
    found = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in CALLS and node.args):
                continue
            named = _literal_prefix(node.args[0])
            if named is None or named[0].endswith(".") or "." not in named[0]:
                continue  # a name computed elsewhere, or only its file: checked by its callers
            keywords = {k.arg for k in node.keywords if k.arg}
            if any(k.arg is None for k in node.keywords):  # **variables: checked where they are built
                continue
            found.append((str(path.relative_to(ROOT)), node.lineno, named[0], named[1], keywords))
    return found


def _matching(voice, name: str, exact: bool) -> list[str]:
    return [name] if exact else [n for n in voice.templates if n.startswith(name)]


@pytest.mark.parametrize("where,line,name,exact,keywords", _calls(),
                         ids=lambda v: v if isinstance(v, str) else None)
def test_code_passes_each_template_exactly_its_variables(voice, where, line, name, exact, keywords):
    names = _matching(voice, name, exact)
    assert names, f"{where}:{line} renders {name!r}, which is not in prompts/"
    for template_name in names:
        used = _template_variables(voice.templates[template_name])
        assert used <= keywords, f"{where}:{line}: {template_name} needs {sorted(used - keywords)}"
    family = set().union(*(_template_variables(voice.templates[n]) for n in names))
    assert keywords <= family, f"{where}:{line}: no {name} template uses {sorted(keywords - family)}"


def test_every_template_is_used_by_the_code(voice):
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot").rglob("*.py"))
    unused = [name for name in voice.templates
              if f'"{name}"' not in source and not _used_by_prefix(name, source)]
    assert not unused, f"templates nothing renders: {unused}"


def _used_by_prefix(name: str, source: str) -> bool:
    """`digest.trend_growing` is used by `f"digest.trend_{...}"`; `digest.x` by a bare `"x"` key."""
    file, key = name.split(".", 1)
    parts = key.split("_")
    prefixes = {f"{file}.{'_'.join(parts[:i])}_" for i in range(1, len(parts))}
    return any(f'f"{p}{{' in source for p in prefixes) or f'"{key}"' in source


def test_prompts_folder_has_no_stray_files():
    assert {p.suffix for p in Path(ROOT / "prompts").iterdir()} == {".toml"}
