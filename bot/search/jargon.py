"""The team's jargon read as the customers' words, before a conversation is searched.

Teams talk about customers in the trade's words: "plastic", "card loads", "KYC",
"tradelines", "repo ops". Customers write "my card", "top up", "verify my identity",
"my credit report", "my car was repossessed". Neither the full-text index nor the model
that embeds a conversation can bridge that gap: the index finds no quote with "KYC" in
it, and the model, trained on plain English, places "NFC dead on the new batch" nowhere
near "contactless isn't working". So each term of `wordlists/jargon.toml` is replaced by
its plain words in what the search reads (never in what the bot stores or shows).

Replacing works better than adding the plain words beside the term (bench/README.md,
issue #9): the term is noise to both the index and the model. Words the customers use
themselves ("ATM", "escrow", "servicer") are not in the list.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

from ..errors import ConfigError

GLOSSARY = Path(__file__).resolve().with_name("wordlists") / "jargon.toml"


@lru_cache(maxsize=2)
def glossary(path: Path = GLOSSARY) -> dict[str, str]:
    """Every term of the glossary (lowercase) and its plain words; read once.

    The file is meant to be edited by a team: a mistake in it is named with the file, and
    the line or the term, rather than failing every search with a parser's traceback.
    """
    try:
        with open(path, "rb") as handle:
            tables = tomllib.load(handle)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: {err}") from None
    terms: dict[str, str] = {}
    for name, table in tables.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: `{name}` must be a [table] of terms, not a single value")
        for term, words in table.items():
            if not isinstance(words, str) or not words.strip():
                raise ConfigError(f"{path}: [{name}] \"{term}\" must be the customers' words, as text")
            terms[term.lower()] = words
    return terms


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    """All terms as one pattern, longest first (so "card loads" wins over "card"), on word
    boundaries where a hyphen counts as part of a word ("short-dispense" is one term)."""
    terms = sorted(glossary(), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(t) for t in terms) + r")(?![\w-])",
                      re.IGNORECASE)


@lru_cache(maxsize=4096)
def plain(text: str) -> str:
    """The text with each jargon term replaced by the customers' words for it."""
    words = glossary()
    return _pattern().sub(lambda match: words[match.group(0).lower()], text)
