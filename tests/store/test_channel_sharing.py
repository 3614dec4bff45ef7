"""What a channel's row remembers of Slack Connect and of being a source, and quotes saved from
a message that is then edited or deleted where it was written: on both backends."""

from __future__ import annotations

import numpy as np
import pytest

from bot.ingest.importer import add_quote


def test_a_channel_shared_state_is_unknown_until_recorded_and_then_kept(store):
    fresh = store.channels.ensure("T1", "C1")
    assert fresh.shared is None and fresh.shared_with == "" and fresh.shared_allowed_by is None
    store.channels.update("T1", "C1", shared=True, shared_with="Acme Corp")
    store.channels.update("T1", "C1", shared_allowed_by="U_ADMIN")
    kept = store.channels.get("T1", "C1")
    assert (kept.shared, kept.shared_with, kept.shared_allowed_by) == (True, "Acme Corp", "U_ADMIN")
    store.channels.update("T1", "C1", shared=False, shared_with="", shared_allowed_by=None)
    assert store.channels.get("T1", "C1").shared is False
    assert store.channels.get("T2", "C1") is None  # another workspace's channel of that id


def test_a_source_channel_is_remembered_with_its_name_and_listed_like_any(store):
    store.channels.update("T1", "C1", source="bots", source_name="#feedback")
    row = store.channels.get("T1", "C1")
    assert (row.source, row.source_name) == ("bots", "#feedback")
    assert [c.channel_id for c in store.channels.list("T1")] == ["C1"]
    store.channels.update("T1", "C1", source=None)
    assert store.channels.get("T1", "C1").source is None


def _saved(store, text: str, team: str = "T1", channel: str = "C1", ts: str = "1700000000.000100",
           source: str = "#feedback") -> int:
    quote_id = add_quote(store, text, source, team_id=team, external_id=f"{channel}:{ts}",
                         origin_channel=channel)
    assert quote_id is not None
    return quote_id


def test_an_edited_message_changes_its_quote_and_what_finds_it(store):
    quote_id = _saved(store, "The overdraft fee surprised me")
    other = _saved(store, "The overdraft fee surprised me too", team="T2")
    store.vectors.add("m", [quote_id, other], np.ones((2, 4), dtype=np.float32))
    assert store.quotes.edit_saved("T1", "C1", "C1:1700000000.000100", "Card delivery took three weeks") == 1
    assert store.quotes.get(quote_id, "T1", "C1").text == "Card delivery took three weeks"
    assert quote_id in store.quotes.matches(["delivery"], 10, team_id="T1", channel_id="C1")
    assert quote_id not in store.quotes.matches(["overdraft"], 10, team_id="T1", channel_id="C1")
    assert set(store.vectors.get("m", [quote_id, other])) == {other}  # to be embedded again
    assert store.quotes.get(other, "T2", "C1").text == "The overdraft fee surprised me too"
    assert store.quotes.edit_saved("T1", "C2", "C1:1700000000.000100", "elsewhere") == 0


def test_a_deleted_message_takes_its_quote_with_it_and_nothing_of_another_workspace(store):
    quote_id = _saved(store, "The overdraft fee surprised me")
    other = _saved(store, "The overdraft fee surprised me", team="T2")
    store.vectors.add("m", [quote_id, other], np.ones((2, 4), dtype=np.float32))
    assert store.quotes.remove_saved("T1", "C1", "C1:1700000000.000100") == 1
    assert store.quotes.get(quote_id, "T1", "C1") is None
    assert store.quotes.matches(["overdraft"], 10, team_id="T1", channel_id="C1") == {}
    assert set(store.vectors.get("m", [quote_id, other])) == {other}
    assert store.quotes.get(other, "T2", "C1") is not None
    assert store.quotes.remove_saved("T1", "C1", "C1:1700000000.000100") == 0


def test_the_shared_corpus_is_never_edited_from_a_message(store):
    with pytest.raises(ValueError):
        store.quotes.edit_saved("", "C1", "C1:1", "x")
    with pytest.raises(ValueError):
        store.quotes.remove_saved("", "C1", "C1:1")
