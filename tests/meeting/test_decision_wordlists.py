"""The decision detector's word lists (bot/meeting/wordlists/*.toml) are well-formed and used."""

from __future__ import annotations

import tomllib

import pytest

from bot.meeting import decisions


def _lists() -> dict[str, object]:
    """Every list and table of every file, as "file:key" (a list inside a table is "table.list")."""
    found: dict[str, object] = {}
    for path in sorted(decisions._WORDLISTS.glob("*.toml")):
        with path.open("rb") as fh:
            data = tomllib.load(fh)

        def walk(prefix: str, table: dict, stem: str = path.stem) -> None:
            for key, value in table.items():
                name = prefix + key
                if isinstance(value, dict) and not all(isinstance(v, str) for v in value.values()):
                    walk(name + ".", value)
                else:
                    found[f"{stem}:{name}"] = value

        walk("", data)
    return found


LISTS = _lists()


def test_there_are_word_lists():
    assert len(LISTS) > 50


@pytest.mark.parametrize("name", sorted(LISTS))
def test_every_list_is_used_by_the_rules(name):
    assert name in decisions._USED, f"{name} is not read by bot/meeting/decisions.py"


@pytest.mark.parametrize("name", sorted(LISTS))
def test_entries_are_plain_lowercase_text(name):
    value = LISTS[name]
    entries = list(value.items()) if isinstance(value, dict) else [(w, w) for w in value]
    words = [w for pair in entries for w in pair]
    assert words, f"{name} is empty"
    for word in words:
        assert isinstance(word, str) and word == " ".join(word.lower().split()), f"{name}: {word!r}"
        assert "\u2019" not in word, f"{name}: {word!r} uses a curly apostrophe"
    if isinstance(value, list):
        dupes = {w for w in value if value.count(w) > 1}
        assert not dupes, f"{name} repeats {sorted(dupes)}"


@pytest.mark.parametrize("verb", [base for base, _ in decisions._ACTIONS])
def test_each_commitment_verb_makes_a_decision_after_we_will(verb):
    verdict = decisions.classify(f"We'll {verb} the legacy export.")
    assert verdict.is_decision, verdict.reason
@pytest.mark.parametrize("phrase", decisions._words("markers", "strong_confirm"))
def test_each_strong_confirmation_alone_is_a_decision(phrase):
    verdict = decisions.classify(phrase.capitalize() + ".")
    assert verdict.is_decision, verdict.reason


