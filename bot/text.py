"""Plain-text helpers every room uses the same way."""

from __future__ import annotations


def shorten(text: str, limit: int) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` characters plus " …".

    Quotes, decisions and topics are echoed back short so a post stays readable; cutting
    mid-word or leaving a dangling comma would read as a typo in the customer's words.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"
