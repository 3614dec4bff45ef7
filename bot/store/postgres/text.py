"""Full-text queries for PostgreSQL, built from words as values, never from SQL.

Every word becomes a quoted lexeme of a `tsquery` string, which is then passed to
`to_tsquery('english', ...)` as a bound parameter: nothing a user typed reaches the
SQL text, and nothing in a word is read as tsquery syntax.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# FTS5's mini syntax as the digests write it: "quoted words" (with "" for a quote),
# an optional * after one for a prefix, AND, OR, NOT, parentheses, and bare words.
_TOKEN = re.compile(r'"((?:[^"]|"")*)"(\*)?|(\()|(\))|(\S+?)(\*)?(?=[\s()]|$)')


def lexeme(word: str, prefix: bool = False) -> str:
    """One word as a quoted tsquery operand (quotes doubled, backslashes escaped)."""
    quoted = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + ":*" if prefix else quoted


def words_query(words: Sequence[str], every: bool = False) -> str:
    """Any (or, with `every`, all) of `words`, as a tsquery string."""
    return (" & " if every else " | ").join(lexeme(w) for w in words if w.strip())


def from_fts5(query: str) -> str:
    """An FTS5 query of the digests' kind (`("card" AND "arrive") OR "refund"*`) as a tsquery."""
    parts: list[str] = []
    operand_last = False
    for match in _TOKEN.finditer(query):
        quoted, star, opening, closing, bare, bare_star = match.groups()
        if closing:
            parts.append(")")
            operand_last = True
            continue
        if bare in ("AND", "OR", "NOT"):
            parts.append({"AND": "&", "OR": "|", "NOT": "& !" if operand_last else "!"}[bare])
            operand_last = False
            continue
        if operand_last:  # FTS5 reads two operands side by side as AND
            parts.append("&")
        if opening:
            parts.append("(")
            operand_last = False
            continue
        if quoted is not None:
            parts.append(lexeme(quoted.replace('""', '"'), bool(star)))
        else:
            parts.append(lexeme(bare, bool(bare_star)))
        operand_last = True
    return " ".join(parts)
