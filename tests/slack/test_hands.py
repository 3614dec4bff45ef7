"""The customer raises its hand, end to end over HTTP against the fake Slack: a reaction where
it is unsure, quotes in the thread for whoever answers it, what a decline teaches, and the
hand coming down when the talk moves on."""

from __future__ import annotations

import json
import logging
import time

from bot.meeting import hands
from bot.slack.hands import sweep
from bot.slack.server import HANDS_JOB, start_services

from .helpers import BOT_USER, TEAM, new_channel, new_ts, reaction, valid_blocks, wait_until

UNSURE = ["morning all", "new cards are taking weeks to arrive for some customers"]
OTHER_TALK = "what about the exchange rate we charge abroad?"
SMALL_TALK = ["morning all, coffee?", "did anyone watch the match last night", "the ref needs glasses",
              "ok let's start, can everyone see my screen?"]


def say(bot, channel: str, texts: list[str], start: float = 0.0) -> list[str]:
    stamps = []
    for number, text in enumerate(texts):
        stamps.append(new_ts(start + number * 20))
        assert bot.message(channel, text, ts=stamps[-1]).status == 200
        bot.idle()
    return stamps


def raised_on(fake, channel: str) -> list[str]:
    return [c.params["timestamp"] for c in fake.calls_to("reactions.add", channel=channel)]


def raise_a_hand(bot, fake, channel: str, start: float = 0.0) -> str:
    stamps = say(bot, channel, UNSURE, start)
    raised = raised_on(fake, channel)
    assert len(raised) == 1 and raised[0] in stamps, [c.method for c in fake.calls]
    assert fake.calls_to("reactions.add", channel=channel)[0].params["name"] == hands.DEFAULT_EMOJI
    assert not fake.calls_to("chat.postMessage", channel=channel)  # a hand posts nothing
    return raised[0]


def answer(bot, fake, channel: str, ts: str, user: str = "U_BOB"):
    sent = time.monotonic()
    assert reaction(bot, channel, ts, hands.DEFAULT_EMOJI, user=user).status == 200
    post = fake.wait_for("chat.postMessage", channel=channel, timeout=3)[0]
    return post, time.monotonic() - sent


def quote_ids(post) -> list[str]:
    return [e["value"] for b in post.json("blocks") if b["type"] == "actions" for e in b["elements"]
            if e["action_id"] == "not_relevant"]


def test_an_unsure_customer_raises_a_hand_and_is_heard_in_the_thread(bot, fake):
    channel = new_channel()
    ts = raise_a_hand(bot, fake, channel)
    post, seconds = answer(bot, fake, channel, ts)
    assert seconds < 3
    assert post.params["thread_ts"] == ts
    assert post.params["text"].startswith("Customers on *")
    assert " quotes, " in post.params["text"] and " this month" in post.params["text"]
    blocks = valid_blocks(post.json("blocks"))
    assert quote_ids(post) and any(b["type"] == "actions" for b in blocks)
    bot.idle()
    assert fake.calls_to("reactions.remove", channel=channel, timestamp=ts)  # heard: the hand is down
    hand = bot.conn().hands.recent(TEAM, channel, 0)[0]
    assert hand.state == "heard" and hand.heard_by == "U_BOB"
    # a second person's reaction finds no open hand: one answer
    reaction(bot, channel, ts, hands.DEFAULT_EMOJI, user="U_CAROL")
    bot.idle()
    assert len(fake.calls_to("chat.postMessage", channel=channel)) == 1


def test_reactions_that_are_not_someone_answering_a_hand_do_nothing(bot, fake):
    channel = new_channel()
    ts = raise_a_hand(bot, fake, channel)
    other = [t for t in say(bot, channel, ["is that the Royal Mail strike again?"], 5)]
    fake.bots.add("U_OTHERBOT")
    reaction(bot, channel, ts, hands.DEFAULT_EMOJI, user=BOT_USER)  # its own reaction, reported back
    reaction(bot, channel, ts, hands.DEFAULT_EMOJI, user="U_OTHERBOT")  # another bot
    reaction(bot, channel, ts, "thumbsup")  # another emoji
    reaction(bot, channel, other[0], hands.DEFAULT_EMOJI)  # a message with no hand on it
    reaction(bot, channel, ts, hands.DEFAULT_EMOJI, team="T0OTHER")  # the same ids, another workspace
    bot.idle()
    assert not fake.calls_to("chat.postMessage", channel=channel)
    assert bot.conn().hands.at(TEAM, channel, ts) is not None  # still up, still waiting
    post, _ = answer(bot, fake, channel, ts, user="U_BOB")  # a skin tone is the same hand
    assert post.params["thread_ts"] == ts


def test_a_decline_is_remembered_and_the_same_words_raise_no_hand_again(bot, fake):
    declined, kept = new_channel(), new_channel()
    for channel in (declined, kept):
        ts = raise_a_hand(bot, fake, channel)
        post, _ = answer(bot, fake, channel, ts)
        bot.idle()
    ids = quote_ids(fake.calls_to("chat.postMessage", channel=declined)[0])
    assert bot.click("not_relevant", ids[0], channel=declined).status == 200
    bot.idle()
    assert bot.conn().hands.recent(TEAM, declined, 0)[0].state == "declined"
    # A week on (past the theme's window, and past the week a shown quote stays hidden), the same
    # talk: the channel that heard the hand gets it again, the one that declined it does not.
    later = 8 * 24 * 3600
    say(bot, declined, UNSURE, later)
    say(bot, kept, UNSURE, later)
    assert len(raised_on(fake, kept)) == 2  # heard and kept: raised again
    assert len(raised_on(fake, declined)) == 1  # not this theme, for these words
    theme = bot.conn().hands.outcomes(TEAM, declined)[0].theme
    words = hands.talk_words(bot.conn(), UNSURE)
    assert hands.bias(bot.conn(), TEAM, declined, words)[theme] < hands.UNWELCOME
    # what the channel taught is said, and can be forgotten
    bot.command("help", channel=declined, response="help")
    help_text = fake.wait_for("response", path="/response/help")[0].params["text"]
    assert "What I've learnt in this channel" in help_text and "not this" in help_text
    bot.command("forget-learning", channel=declined, response="forget")
    assert "forgot" in fake.wait_for("response", path="/response/forget")[0].params["text"]
    assert bot.conn().hands.outcomes(TEAM, declined) == []
    assert hands.bias(bot.conn(), TEAM, declined, words) == {}  # the theme is welcome again


def test_the_hand_comes_down_when_the_talk_changes(bot, fake):
    channel = new_channel()
    ts = raise_a_hand(bot, fake, channel)
    say(bot, channel, [OTHER_TALK], 60)
    assert wait_until(lambda: fake.calls_to("reactions.remove", channel=channel, timestamp=ts))
    assert bot.conn().hands.recent(TEAM, channel, 0)[-1].state == "ignored"
    reaction(bot, channel, ts, hands.DEFAULT_EMOJI)  # too late: nothing is open there
    bot.idle()
    assert not fake.calls_to("chat.postMessage", channel=channel)


def test_the_hand_comes_down_when_its_time_runs_out(bot, fake):
    channel = new_channel()
    ts = raise_a_hand(bot, fake, channel)
    say(bot, channel, ["ok, one sec"], bot.app.chair.settings.hand_seconds + 60)
    assert fake.calls_to("reactions.remove", channel=channel, timestamp=ts)


def test_nothing_is_raised_or_posted_on_small_talk(bot, fake):
    channel = new_channel()
    say(bot, channel, SMALL_TALK)
    assert not fake.calls_to("reactions.add", channel=channel)
    assert not fake.calls_to("chat.postMessage", channel=channel)


def test_a_team_switches_hands_off_or_changes_the_emoji(bot, fake):
    off, eyes = new_channel(), new_channel()
    bot.command("hands off", channel=off, response="off")
    assert "won't raise my hand" in fake.wait_for("response", path="/response/off")[0].params["text"]
    say(bot, off, UNSURE)
    assert not raised_on(fake, off)
    bot.command("hands emoji :eyes:", channel=eyes, response="eyes")
    assert ":eyes:" in fake.wait_for("response", path="/response/eyes")[0].params["text"]
    say(bot, eyes, UNSURE)
    added = fake.calls_to("reactions.add", channel=eyes)
    assert len(added) == 1 and added[0].params["name"] == "eyes"
    reaction(bot, eyes, added[0].params["timestamp"], "eyes")
    fake.wait_for("chat.postMessage", channel=eyes, timeout=3)
    bot.command("hands emoji <@U123>", channel=eyes, response="bad")
    assert "emoji name" in fake.wait_for("response", path="/response/bad")[0].params["text"]


def test_a_refused_reaction_is_withdrawn_and_blocks_nothing(bot, fake):
    channel = new_channel()
    fake.fail("reactions.add", error="missing_scope")
    say(bot, channel, UNSURE)
    assert bot.conn().hands.recent(TEAM, channel, 0)[0].state == "withdrawn"
    assert json.dumps(hands.learnt(bot.conn(), TEAM, channel)) == "[]"


def test_serve_takes_down_hands_whose_time_ran_out_in_a_quiet_channel(bot, fake):
    channel = new_channel()
    ts = raise_a_hand(bot, fake, channel)
    chair = bot.app.chair

    def clients(team, enterprise=None):
        return bot.app.client

    log = logging.getLogger(__name__)
    assert sweep(chair, clients, log, now=time.time() + 60) == 0  # still within its time
    assert sweep(chair, clients, log, now=time.time() + chair.settings.hand_seconds + 120) == 1
    assert fake.calls_to("reactions.remove", channel=channel, timestamp=ts)
    assert bot.conn().hands.recent(TEAM, channel, 0)[0].state == "ignored"
    services = start_services(bot.app, chair.settings)
    try:
        assert HANDS_JOB in services[0].scheduler.next_runs()  # serve runs the sweep on a timer
    finally:
        for service in services:
            service.stop()
