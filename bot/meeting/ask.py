"""Ask the customer about one message (Slack's message shortcut): quotes for what it says,
read with the talk just before it, as the customer would answer if it had been asked right
then. The same search as every answer; no cooldown, since someone asked."""

from __future__ import annotations

from collections.abc import Sequence

from ..models import Action
from ..search import feedback as clicks
from ..search.conversation import conversation_terms, conversation_texts
from ..search.quotes import search_terms
from ..store import Store
from ..text import shorten
from ..voice import Voice, quotes_message
from .hands import theme_of

MAX_QUOTES = 3
AROUND = 3  # messages of the talk before it that count (each less than the one after it)


def around(kept: Sequence[str], text: str) -> list[str]:
    """The talk around a message, from the channel's kept messages: those just before it (and the
    one after), where it is among them; else none."""
    if text not in kept:
        return []
    at = len(kept) - 1 - list(reversed(kept)).index(text)
    return list(kept[max(0, at - AROUND):at]) + list(kept[at + 1:at + 2])


def ask_about(store: Store, voice: Voice, team_id: str, channel_id: str, text: str,
              talk: Sequence[str] = ()) -> Action:
    """Quotes for `text`, weighed most, and `talk` (what was said around it, oldest first)."""
    texts = [t for t in talk if t.strip() and t != text][-AROUND - 1:] + [text]
    seat = store.channels.get(team_id, channel_id)
    topic, purpose = (seat.topic, seat.purpose) if seat else ("", "")
    result = search_terms(store, conversation_terms(texts, topic, purpose), limit=MAX_QUOTES,
                          team_id=team_id,
                          exclude_ids=store.channels.hidden(team_id, channel_id, include_shown=False),
                          min_coverage=0.2, query=conversation_texts(texts, topic, purpose),
                          clicks=clicks.load(store, team_id, channel_id), channel_id=channel_id)
    label = ", ".join((result.matched_terms or result.terms)[:3]) or shorten(text, 60) or "that"
    return Action("quotes" if result.quotes else "silent",
                  "asked about a message" if result.quotes else "asked about a message, no evidence",
                  topic=label, quotes=result.quotes, evidence=result.evidence,
                  text=quotes_message(voice, label, result.quotes, result.evidence),
                  theme=theme_of(result.theme, result.quotes))
