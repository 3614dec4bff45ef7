"""The raised hand in the core: when one may go up, how it is heard, taken down and learnt
from. No Slack here: tests/slack/test_hands.py shows the same through the bot."""

from __future__ import annotations

import uuid

from bot.meeting import hands
from bot.meeting.policy import Policy, observe
from bot.models import Message
from bot.topic.themes import display_name

T = "T1"
NOW = 1_800_000_000.0
CARD_TALK = ["the courier lost another batch of new cards", "people waiting two weeks for the card to arrive"]


def channel() -> str:
    return "C" + uuid.uuid4().hex[:8]


def test_one_hand_at_a_time_never_the_same_theme_twice_in_a_window(store):
    c = channel()
    assert hands.may_raise(store, T, c, "card_arrival", NOW)
    hand = hands.raised(store, T, c, "1.0", "card_arrival", {"courier", "card"}, NOW)
    assert hand.topic == "card arrival" and hand.emoji == hands.DEFAULT_EMOJI
    assert not hands.may_raise(store, T, c, "exchange_rate", NOW + 10)  # one is open
    assert hands.may_raise(store, T, channel(), "exchange_rate", NOW + 10)  # in another channel
    assert hands.lower(store, T, c, NOW + 20, theme="card_arrival") == []  # the talk is still on it
    assert [h.id for h in hands.lower(store, T, c, NOW + 30, theme="exchange_rate")] == [hand.id]
    assert not hands.may_raise(store, T, c, "exchange_rate", NOW + 60)  # the cooldown
    assert hands.may_raise(store, T, c, "exchange_rate", NOW + hands.HAND_COOLDOWN + 1)
    assert not hands.may_raise(store, T, c, "card_arrival", NOW + hands.HAND_COOLDOWN + 1)  # the window
    assert hands.may_raise(store, T, c, "card_arrival", NOW + hands.THEME_WINDOW + 1)


def test_a_hand_comes_down_after_its_time_or_when_the_customer_speaks(store):
    c = channel()
    hand = hands.raised(store, T, c, "1.0", "card_arrival", set(), NOW)
    assert hands.lower(store, T, c, NOW + 100, seconds=900) == []
    assert [h.id for h in hands.lower(store, T, c, NOW + 900, seconds=900)] == [hand.id]
    assert store.hands.recent(T, c, 0)[0].state == "ignored"
    other = hands.raised(store, T, c, "2.0", "exchange_rate", set(), NOW + 5000)
    hands.lower(store, T, c, NOW + 5001, spoke=True)
    latest = store.hands.recent(T, c, 0)[0]
    assert latest.id == other.id and latest.state == "withdrawn"
    assert hands.learnt(store, T, c)[0].ignored == 1  # a withdrawn hand teaches nothing


def test_hands_off_in_a_channel_and_its_own_emoji(store):
    c = channel()
    hands.switch(store, T, c, False)
    assert not hands.may_raise(store, T, c, "card_arrival", NOW)
    assert hands.raised(store, T, c, "1.0", "card_arrival", set(), NOW) is None
    hands.switch(store, T, c, True)
    hands.set_emoji(store, T, c, "eyes")
    assert hands.raised(store, T, c, "1.0", "card_arrival", set(), NOW).emoji == "eyes"


def test_bias_learns_not_this_for_the_same_words_and_more_of_what_is_called(store):
    c = channel()
    words = {"plastics", "courier", "arrive"}
    hand = hands.raised(store, T, c, "1.0", "card_arrival", words, NOW)
    store.hands.close(hand.id, "heard", NOW + 5, quote_ids=[11, 12])
    assert hands.bias(store, T, c, words) == {"card_arrival": hands.CALLED}
    assert hands.declined(store, T, c, 99, NOW + 10) is None  # not one of its quotes
    assert hands.declined(store, T, c, 12, NOW + 10).id == hand.id
    assert hands.bias(store, T, c, words)["card_arrival"] < hands.UNWELCOME
    assert hands.bias(store, T, c, {"pin", "blocked"})["card_arrival"] > hands.UNWELCOME
    assert hands.bias(store, T, channel(), words) == {}  # another channel learnt nothing
    assert hands.bias(store, "T2", c, words) == {}  # nor did another workspace
    called = hands.raised(store, T, c, "2.0", "exchange_rate", {"fx"}, NOW + 4000)
    store.hands.close(called.id, "heard", NOW + 4001)
    assert hands.bias(store, T, c, {"anything"})["exchange_rate"] > 1
    lessons = {lesson.theme: lesson for lesson in hands.learnt(store, T, c)}
    assert lessons["card_arrival"].declined == 1 and "plastics" in lessons["card_arrival"].declined_words
    assert lessons["exchange_rate"].heard == 1
    assert hands.forget(store, T, c) == 2
    assert hands.bias(store, T, c, words) == {} and hands.learnt(store, T, c) == []


def test_a_called_hand_is_answered_once_with_quotes_on_its_theme(corpus, voice):
    c = channel()
    for number, text in enumerate(CARD_TALK):
        corpus.channels.remember_message(T, c, f"{NOW + number:.6f}", "U1", text)
    hand = hands.raised(corpus, T, c, f"{NOW:.6f}", "card_arrival", {"courier"}, NOW)
    heard = hands.hear(corpus, voice, T, c, hand.ts, NOW + 30, "U2")
    assert heard.kind == "quotes" and heard.thread_ts == hand.ts and heard.theme == "card_arrival"
    assert heard.quotes and all("card_arrival" in q.labels for q in heard.quotes)
    total = corpus.themes.count_by_period(T, [hands._all_time(NOW)],
                                          hands.QuoteFilter(label="card_arrival"))[0]
    assert heard.text.startswith(f"Customers on card arrival — {total} quotes, ")
    assert hands.hear(corpus, voice, T, c, hand.ts, NOW + 31, "U3") is None  # heard already
    assert hands.hear(corpus, voice, T, c, "1.0", NOW, "U3") is None  # no hand there
    again = {q.id for q in heard.quotes}
    assert again <= corpus.channels.hidden(T, c, NOW + 40)  # shown here, so not shown again soon


def test_observe_raises_a_hand_when_unsure_and_never_on_small_talk(corpus, voice):
    c = channel()
    small = observe(corpus, voice, Message(T, c, f"{NOW:.6f}", "U1", "morning all, coffee?"), Policy())
    assert small.kind == "silent" and small.reason == "small talk"
    first = observe(corpus, voice, Message(T, c, f"{NOW + 20:.6f}", "U1", CARD_TALK[1]), Policy())
    assert first.kind == "hand", first.reason
    assert first.theme and first.thread_ts == f"{NOW + 20:.6f}"
    assert first.topic == display_name(first.theme)
    assert first.as_dict()["theme"] == first.theme
    assert corpus.hands.at(T, c, first.thread_ts) is not None


def test_hands_overdue_anywhere_come_down_once(store):
    mine, other = channel(), channel()
    old = hands.raised(store, T, mine, "1.0", "card_arrival", set(), NOW)
    hands.raised(store, "T2", other, "2.0", "card_arrival", set(), NOW + 800)
    assert [h.id for h in hands.overdue(store, NOW + 900, seconds=900)] == [old.id]
    assert hands.overdue(store, NOW + 900, seconds=900) == []
    assert [h.team_id for h in hands.overdue(store, NOW + 2000, seconds=900)] == ["T2"]


def _labelled(store, text, key, label, channel_id=None, private=False):
    """A quote with a label, saved in a channel (privately, or not)."""
    from bot.ingest.importer import Columns, to_row

    columns = Columns(text="text", id="id", labels=("category",))
    row = to_row({"text": text, "id": key, "category": label}, columns, "calls", T, "2026-11-01T00:00:00Z")
    return store.quotes.add(row, channel_id, private)


def test_a_private_channels_quotes_never_answer_a_hand_elsewhere(store, voice):
    private, public = channel(), channel()
    for number in range(3):
        _labelled(store, f"my new card never arrived, week {number + 2} of waiting", f"p{number}",
                  "card_arrival", private, private=True)
    _labelled(store, "the card I ordered still has not arrived", "shared", "card_arrival")
    for where in (private, public):
        store.channels.remember_message(T, where, f"{NOW:.6f}", "U1", "cards that never arrived")
        hands.raised(store, T, where, f"{NOW:.6f}", "card_arrival", {"arrived"}, NOW)
    heard_public = hands.hear(store, voice, T, public, f"{NOW:.6f}", NOW + 5)
    heard_private = hands.hear(store, voice, T, private, f"{NOW:.6f}", NOW + 5)
    assert [q.external_id for q in heard_public.quotes] == ["shared"]
    assert " 1 quotes" in heard_public.text  # counted as that channel may see them
    assert {q.external_id for q in heard_private.quotes} >= {"p0", "p1"}
    assert hands.hear(store, voice, "T2", public, f"{NOW:.6f}", NOW + 5) is None  # another workspace


def test_a_theme_the_channel_keeps_calling_is_posted_sooner(corpus, voice):
    probe, keen = channel(), channel()
    said = Message(T, probe, f"{NOW:.6f}", "U1", CARD_TALK[1])
    theme = observe(corpus, voice, said, Policy()).theme
    assert theme
    for number in range(2):  # two hands on it, both called
        hand = hands.raised(corpus, T, keen, f"{number}.0", theme, set(), NOW - 9000 + number * 4000)
        corpus.hands.close(hand.id, "heard", NOW - 8000 + number * 4000)
    posted = observe(corpus, voice, Message(T, keen, f"{NOW:.6f}", "U1", CARD_TALK[1]), Policy())
    assert posted.kind == "quotes" and posted.theme == theme and posted.quotes
