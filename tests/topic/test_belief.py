"""What the talk is about: each message's vote, the conversation's belief, team talk."""

from __future__ import annotations

import pytest

from bot.store import connect
from bot.topic.belief import UNKNOWN, Vote, believe, from_neighbours, vote

from ..conftest import needs_meaning

CARD = {"card_arrival": 0.8, "card_delivery_estimate": 0.2}
FEES = {"exchange_charge": 0.9, "exchange_rate": 0.1}


def test_the_closest_quotes_decide_a_messages_vote():
    found = from_neighbours([(0.80, ("card_arrival",)), (0.70, ("card_arrival",)), (0.78, ("lost_card",))])
    assert max(found.shares, key=found.shares.get) == "card_arrival"
    assert found.closeness == pytest.approx(0.80)
    assert sum(found.shares.values()) == pytest.approx(1.0)


def test_a_quote_with_two_labels_splits_its_vote_and_an_unlabelled_one_votes_for_nothing():
    found = from_neighbours([(0.6, ("a", "b")), (0.9, ())])
    assert found.shares == pytest.approx({"a": 0.5, "b": 0.5})
    assert found.closeness == pytest.approx(0.9)


def test_the_newest_message_weighs_most():
    belief = believe([Vote(FEES, 0.7), Vote(CARD, 0.7)])
    assert belief.theme == "card_arrival" and belief.messages == 2
    assert not belief.held  # fees led before the latest message


def test_small_talk_moves_the_belief_little():
    card = Vote(CARD, 0.7)
    chatter = Vote(FEES, 0.2)  # "did anyone watch the match?": no customer said anything like it
    belief = believe([card, chatter])
    assert belief.theme == "card_arrival" and belief.held
    assert belief.share == pytest.approx(0.8)


def test_talk_closer_to_the_teams_own_words_than_to_customers_is_not_customer_like():
    customer = Vote(CARD, 0.7, team=0.3)
    team = Vote(CARD, 0.5, team=0.9)
    assert customer.customer == 1.0 and team.customer == 0.0
    assert believe([team, team]).customer == 0.0
    assert not believe([team]).known  # nothing customer-like: no theme at all


def test_what_the_channel_taught_weighs_in():
    votes = [Vote({"a": 0.55, "b": 0.45}, 0.7)]
    assert believe(votes).theme == "a"
    assert believe(votes, bias={"a": 0.5}).theme == "b"


def test_no_messages_no_belief():
    assert believe([]) is UNKNOWN


@needs_meaning
def test_a_message_votes_for_the_customers_theme_by_meaning(meaning_db):
    store = connect(meaning_db)
    try:
        found = vote(store, "support says the new plastic takes three weeks to turn up in the post")
        assert max(found.shares, key=found.shares.get) in {"card_arrival", "card_delivery_estimate"}
        team = vote(store, "who has the corporate card for the team lunch on friday?")
        assert team.customer < found.customer
    finally:
        store.close()
