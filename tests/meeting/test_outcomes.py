"""Speak, raise a hand, or stay silent: the policy on the conversation's belief, by meaning."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bot.cli import cli
from bot.meeting.policy import Policy, observe
from bot.models import Message
from bot.store import connect

from ..conftest import needs_meaning

POLICY = Policy(cooldown_seconds=300)
T0 = 1_800_000_000.0

pytestmark = needs_meaning


# Card delivery, settling over three messages: the customer speaks at the third.
CARDS = [
    "quick one before we wrap up",
    "support says the new cards are taking three weeks to arrive",
    "so people are stuck waiting with nothing in the post",
]


def _talk(store, voice, lines, channel, team="T1"):
    return [observe(store, voice, Message(team, channel, f"{T0 + 20 * i:.6f}", "U1", text), POLICY)
            for i, text in enumerate(lines)]


def test_a_customer_conversation_gets_quotes_from_inside_its_theme(meaning_db, voice):
    store = connect(meaning_db)
    try:
        actions = _talk(store, voice, CARDS, "C-cards")
        posted = [a for a in actions if a.kind == "quotes"]
        assert len(posted) == 1
        post = posted[0]
        assert post.theme in {"card_arrival", "card_delivery_estimate"}
        assert all(post.theme in q.labels for q in post.quotes)
        assert post.as_dict()["theme"] == post.theme
    finally:
        store.close()


def test_one_customer_remark_raises_a_hand_and_says_nothing_aloud(meaning_db, voice):
    store = connect(meaning_db)
    try:
        first = _talk(store, voice, ["merchants' refunds are showing up days late in the app"], "C-refund")[0]
        assert first.kind == "hand" and not first.speaks
        assert first.theme == "Refund_not_showing_up"
        assert first.thread_ts == f"{T0:.6f}"  # the message to raise the hand on
        assert first.quotes and all(first.theme in q.labels for q in first.quotes)
        channel = store.channels.ensure("T1", "C-refund")
        assert channel.last_post_at is None  # a hand is not a post: no cooldown taken
    finally:
        store.close()


def test_so_soon_after_speaking_the_customer_raises_a_hand_instead_of_posting_again(meaning_db, voice):
    store = connect(meaning_db)
    try:
        actions = _talk(store, voice, [
            *CARDS,
            "next: merchants' refunds are showing up days late in the app",
            "customers keep asking why their refund is not in their balance yet",
        ], "C-busy")
        assert [a.kind for a in actions].count("quotes") == 1
        later = actions[[a.kind for a in actions].index("quotes") + 1:]
        hands = [a for a in later if a.kind == "hand"]
        assert hands and hands[0].theme == "Refund_not_showing_up" and "just spoke" in hands[0].reason
    finally:
        store.close()


def test_the_team_using_customer_words_in_its_own_sense_gets_neither(meaning_db, voice):
    store = connect(meaning_db)
    try:
        actions = _talk(store, voice, [
            "who has the corporate card for the team lunch on friday?",
            "me, but it's nearly maxed out after the offsite",
            "can finance raise the limit before then?",
        ], "C-lunch")
        assert [a.kind for a in actions] == ["silent"] * 3
        assert "team talk" in actions[-1].reason
    finally:
        store.close()


def test_small_talk_raises_no_hand(meaning_db, voice):
    store = connect(meaning_db)
    try:
        actions = _talk(store, voice, ["morning all", "did anyone watch the match last night",
                                       "the ref needs glasses", "lol"], "C-chat")
        assert all(a.kind == "silent" for a in actions)
    finally:
        store.close()


def test_replay_json_reports_the_hand_and_the_theme(meaning_db, tmp_path):
    transcript = tmp_path / "meeting.txt"
    transcript.write_text("ana: last thing, refunds\n"
                          "ben: merchants' refunds are showing up days late in the app\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["replay", "--db", str(meaning_db), "--json", str(transcript)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert [r["action"] for r in records] == ["hand", "quotes"]
    assert {r["theme"] for r in records} == {"Refund_not_showing_up"}
