"""The channels repository: the conversation the bot keeps, and how long it keeps it."""

from __future__ import annotations

from bot.models import Message
from bot.store.sqlite.channels import MESSAGE_CHARS


def test_a_kept_message_is_read_back_whole_and_only_in_its_workspace(conn):
    conn.channels.remember_message("T1", "C1", "1700000000.000100", "U1", "The fee surprised me")
    assert conn.channels.message("T1", "C1", "1700000000.000100") == Message(
        "T1", "C1", "1700000000.000100", "U1", "The fee surprised me")
    assert conn.channels.message("T2", "C1", "1700000000.000100") is None
    assert conn.channels.message("T1", "C2", "1700000000.000100") is None
    conn.channels.forget_message("T1", "C1", "1700000000.000100")
    assert conn.channels.message("T1", "C1", "1700000000.000100") is None


def test_a_message_kept_cut_short_is_not_given_as_the_message(conn):
    conn.channels.remember_message("T1", "C1", "1700000000.000100", "U1", "x" * (MESSAGE_CHARS + 5))
    assert conn.channels.message("T1", "C1", "1700000000.000100") is None


def test_messages_past_the_retention_period_are_deleted_in_every_workspace(conn):
    for team, ts in (("T1", "1700000000.000100"), ("T2", "1700000500.000100"), ("T1", "1700009000.000001")):
        conn.channels.remember_message(team, "C1", ts, "U1", f"said at {ts}")
    assert conn.channels.prune_messages(1700001000.0) == 2
    assert conn.channels.message("T1", "C1", "1700009000.000001") is not None
    assert conn.channels.message("T1", "C1", "1700000000.000100") is None
    assert conn.channels.message("T2", "C1", "1700000500.000100") is None
    assert conn.channels.prune_messages(1700001000.0) == 0


def test_the_moments_quotes_were_shown_are_read_per_workspace_once_each(store):
    store.channels.mark_shown("T1", "C2", [1, 2, 3], 1700000050.5)
    store.channels.mark_shown("T1", "C1", [4], 1700000100.25)
    store.channels.mark_shown("T1", "C1", [5, 6], 1700000000.125)
    store.channels.mark_shown("T2", "C1", [7], 1700000000.0)
    assert store.channels.shown_at("T1") == [("C1", 1700000000.125), ("C1", 1700000100.25),
                                             ("C2", 1700000050.5)]
    assert store.channels.shown_at("T3") == []
