"""A channel's messages as quotes: saved once and redacted, edits redacted again, an edit that
leaves no words and a deletion take the quote away; on both backends."""

from __future__ import annotations

import pytest

from bot.ingest.channel_messages import edit_message, message_date, remove_message, save_message

TS = "1700000000.000100"


def test_a_message_is_saved_once_redacted_with_its_date_and_key(store):
    first = save_message(store, "Refund me at jo@example.com please", "#feedback", team_id="T1",
                         channel_id="C1", ts=TS, private=False, url="https://example.slack.com/p1")
    assert first is not None
    assert save_message(store, "Refund me at jo@example.com please", "#feedback", team_id="T1",
                        channel_id="C1", ts=TS, private=False) is None
    quote = store.quotes.get(first, "T1", "C2")
    assert quote.text == "Refund me at [email] please"
    assert (quote.external_id, quote.date, quote.source) == (f"C1:{TS}", "2023-11-14", "#feedback")
    assert store.quotes.get(first, "T2", "C1") is None  # another workspace never sees it


def test_a_private_channels_message_is_seen_there_only(store):
    quote_id = save_message(store, "The app logs me out", "#vip", team_id="T1", channel_id="G1", ts=TS,
                            private=True)
    assert store.quotes.get(quote_id, "T1", "G1") is not None
    assert store.quotes.get(quote_id, "T1", "C2") is None and store.quotes.get(quote_id, "T1") is None


def test_an_edit_is_redacted_again_and_an_edit_to_nothing_or_a_deletion_removes_it(store):
    quote_id = save_message(store, "The fee was a shock", "#feedback", team_id="T1", channel_id="C1",
                            ts=TS, private=False)
    assert edit_message(store, "T1", "C1", TS, "The fee was a shock, ring 020 7946 0958") == 1
    assert store.quotes.get(quote_id, "T1", "C1").text == "The fee was a shock, ring [phone]"
    assert edit_message(store, "T1", "C1", TS, "   ") == 1
    assert store.quotes.get(quote_id, "T1", "C1") is None
    again = save_message(store, "Back again", "#feedback", team_id="T1", channel_id="C1", ts=TS,
                         private=False)
    assert remove_message(store, "T1", "C1", TS) == 1 and store.quotes.get(again, "T1", "C1") is None


def test_a_message_never_joins_the_shared_corpus_and_odd_timestamps_have_no_date():
    with pytest.raises(ValueError):
        save_message(None, "x", "s", team_id="", channel_id="C1", ts=TS, private=False)  # type: ignore[arg-type]
    assert message_date("not-a-ts") is None
