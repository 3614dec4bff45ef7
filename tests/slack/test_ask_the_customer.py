"""The "Ask the customer" message shortcut, end to end: quotes in the message's thread where
the bot sits, a private word where it does not."""

from __future__ import annotations

from bot.slack import ids

from .helpers import message_shortcut, new_channel, new_ts, valid_blocks

TALK = ["ok next item, support numbers from last week",
        "lots of calls about cards that never arrived",
        "the courier says they were delivered though"]


def test_the_shortcut_answers_in_the_messages_thread_with_the_talk_around_it(bot, fake):
    channel = new_channel()
    stamps = [new_ts(n) for n in range(len(TALK))]
    for ts, text in zip(stamps, TALK, strict=True):
        bot.message(channel, text, ts=ts)
        bot.idle()
    before = len(fake.calls_to("chat.postMessage", channel=channel))
    asked = message_shortcut(bot, ids.ASK_THE_CUSTOMER, channel, {"ts": stamps[2], "text": TALK[2]})
    assert asked.status == 200
    posts = fake.wait_for("chat.postMessage", count=before + 1, channel=channel, timeout=5)
    answer = posts[-1]
    assert answer.params["thread_ts"] == stamps[2]
    assert answer.params["text"].startswith("Customers have said this about")
    assert "card" in answer.params["text"].lower()  # the talk before it says what "they" were
    valid_blocks(answer.json("blocks"))
    assert not fake.responses("shortcut")


def test_a_reply_in_a_thread_is_answered_in_that_thread(bot, fake):
    channel = new_channel()
    parent = new_ts()
    message_shortcut(bot, ids.ASK_THE_CUSTOMER, channel,
                     {"ts": new_ts(5), "thread_ts": parent,
                      "text": "my card still hasn't arrived after two weeks"})
    post = fake.wait_for("chat.postMessage", channel=channel, timeout=5)[0]
    assert post.params["thread_ts"] == parent


def test_where_the_bot_is_not_in_the_channel_it_says_so_privately(bot, fake):
    channel = new_channel()
    fake.channel_info[channel] = {"is_member": False}
    message_shortcut(bot, ids.ASK_THE_CUSTOMER, channel, {"ts": new_ts(), "text": "cards never arrive"},
                     response="outside")
    reply = fake.wait_for("response", path="/response/outside", timeout=5)[0]
    assert reply.params["response_type"] == "ephemeral"
    assert "/invite @Empty Chair" in reply.params["text"]
    bot.idle()
    assert not fake.calls_to("chat.postMessage", channel=channel)


def test_a_message_with_nothing_customers_said_gets_a_private_answer(bot, fake):
    channel = new_channel()
    message_shortcut(bot, ids.ASK_THE_CUSTOMER, channel, {"ts": new_ts(), "text": "lunch at 12:30?"},
                     response="nothing")
    reply = fake.wait_for("response", path="/response/nothing", timeout=5)[0]
    assert reply.params["response_type"] == "ephemeral"
    bot.idle()
    assert not fake.calls_to("chat.postMessage", channel=channel)


def test_help_the_app_home_and_the_readme_name_the_shortcut(voice):
    from bot.slack.blocks import home_view

    from ..conftest import ROOT

    assert "Ask the customer" in voice.render("commands.help")
    home = str(home_view(voice, 0, [], [], "chair"))
    assert "Ask the customer" in home and "raise my hand" in home
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    slack_doc = (ROOT / "docs" / "slack.md").read_text(encoding="utf-8")
    assert "Ask the customer" in readme and "Ask the customer" in slack_doc
    assert "/customer-voice hands off" in slack_doc and "hands emoji" in slack_doc
