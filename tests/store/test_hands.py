"""The hands repository, on both backends: the rules of raising a hand are decided in the
database, a hand is answered once, and what a channel taught stays in that channel."""

from __future__ import annotations

from bot.models import HandSettings

T, C = "T1", "C1"


def raise_(store, ts="100.0", theme="card_arrival", now=100.0, channel=C, team=T, words=("card", "courier")):
    return store.hands.raise_hand(team, channel, ts, theme, theme.replace("_", " "), list(words),
                                  "raising_hand", now, cooldown=300, window=3600)


def test_a_hand_is_raised_once_per_cooldown_and_once_per_theme_in_a_window(store):
    hand = raise_(store)
    assert hand is not None and hand.open and hand.words == ("card", "courier")
    assert hand.emoji == "raising_hand" and hand.topic == "card arrival"
    assert raise_(store, "101.0", "exchange_rate", 101.0) is None  # one open at a time
    assert store.hands.close(hand.id, "ignored", 150.0)
    assert raise_(store, "200.0", "exchange_rate", 200.0) is None  # closed, but within the cooldown
    assert raise_(store, "500.0", "card_arrival", 500.0) is None  # same theme within the window
    other = raise_(store, "500.0", "exchange_rate", 500.0)
    assert other is not None
    store.hands.close(other.id, "ignored", 600.0)
    assert raise_(store, "4000.0", "card_arrival", 4000.0) is not None  # the window has passed
    assert raise_(store, "4000.0", "card_arrival", 4000.0, channel="C2") is not None  # another channel


def test_a_withdrawn_hand_blocks_nothing(store):
    hand = raise_(store)
    store.hands.close(hand.id, "withdrawn", 100.0)
    assert raise_(store, "101.0", "card_arrival", 101.0) is not None


def test_a_hand_is_heard_once(store):
    hand = raise_(store)
    assert store.hands.at(T, C, "100.0").id == hand.id
    assert store.hands.at(T, C, "999.0") is None and store.hands.at("T2", C, "100.0") is None
    assert store.hands.close(hand.id, "heard", 120.0, heard_by="U1", quote_ids=[7, 8])
    assert not store.hands.close(hand.id, "heard", 121.0, heard_by="U2")  # the second person
    assert store.hands.at(T, C, "100.0") is None
    heard = store.hands.recent(T, C, 0)[0]
    assert heard.state == "heard" and heard.heard_by == "U1" and heard.quote_ids == (7, 8)
    assert store.hands.showing(T, C, 8, since=100.0).id == hand.id
    assert store.hands.showing(T, C, 9, since=100.0) is None
    assert store.hands.showing(T, "C2", 8, since=100.0) is None
    assert store.hands.close(hand.id, "declined", 130.0, from_states=("heard",))
    assert store.hands.recent(T, C, 0)[0].heard_by == "U1"  # kept as it was


def test_outcomes_are_per_channel_and_forgotten_on_request(store):
    for number, (theme, state) in enumerate([("a", "heard"), ("b", "declined"), ("c", "ignored"),
                                             ("d", "withdrawn")]):
        hand = raise_(store, f"{number}000.0", theme, number * 1000.0)
        store.hands.close(hand.id, state, number * 1000.0 + 1)
    open_hand = raise_(store, "9000.0", "e", 9000.0)
    raise_(store, "1.0", "x", 1.0, channel="C2")
    assert [h.theme for h in store.hands.outcomes(T, C)] == ["a", "b", "c"]
    assert [h.theme for h in store.hands.recent(T, C, 2000.0)] == ["e", "d", "c"]
    assert store.hands.forget_learning(T, C) == 4
    assert store.hands.outcomes(T, C) == [] and store.hands.at(T, C, "9000.0").id == open_hand.id
    assert [h.theme for h in store.hands.recent(T, "C2", 0)] == ["x"]


def test_settings_default_change_and_keep_the_rest(store):
    assert store.hands.settings(T, C) == HandSettings(True, "")
    assert store.hands.set_settings(T, C, enabled=False) == HandSettings(False, "")
    assert store.hands.set_settings(T, C, emoji="eyes") == HandSettings(False, "eyes")
    assert store.hands.set_settings(T, C, enabled=True) == HandSettings(True, "eyes")
    assert store.hands.settings(T, "C2") == HandSettings()


def test_forgetting_a_workspace_deletes_its_hands_and_settings_only(store):
    raise_(store)
    raise_(store, team="T2")
    store.hands.set_settings(T, C, emoji="eyes")
    counts = store.forget_team(T)
    assert counts["hands"] == 1 and counts["hand_settings"] == 1
    assert store.hands.recent(T, C, 0) == [] and store.hands.settings(T, C) == HandSettings()
    assert len(store.hands.recent("T2", C, 0)) == 1
