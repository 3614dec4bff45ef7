"""Workspaces in one database, over HTTP: what each one sees of the quotes."""

from __future__ import annotations

import time

import pytest

from bot.digests.build import build_digest
from bot.models import Due, Period, utc
from bot.slack import ids

from .helpers import BOT_USER, TEAM, new_channel, new_ts

BIG, SMALL = "T0BIG", "T0SMALL"


def row(team: str, key: str, text: str) -> tuple[object, ...]:
    return (team, "support", key, text, "2024-05-01", None, None, None, (), "2024-05-01T00:00:00Z")


def answer(bot, fake, team: str, text: str, name: str) -> str:
    assert bot.command(text, channel=new_channel(), team=team, response=name).status == 200
    return fake.wait_for("response", path=f"/response/{name}")[0].params["text"]


def test_a_workspace_with_few_quotes_is_answered_from_its_own(bot, fake):
    store = bot.conn()
    slow = "The zorblax widget froze while I paid my rent, small-team-quote, and I called the bank twice."
    store.quotes.add_many([row(SMALL, "s1", slow)])
    store.quotes.add_many([row(BIG, f"b{n}", f"zorblax widget froze {n} big-team-quote") for n in range(400)])
    store.quotes.refresh_stats()
    small = answer(bot, fake, SMALL, "zorblax widget froze", "small")
    assert "small-team-quote" in small and "big-team-quote" not in small
    big = answer(bot, fake, BIG, "zorblax widget froze", "big")
    assert "big-team-quote" in big and "small-team-quote" not in big
    other = answer(bot, fake, "T0THIRD", "zorblax widget froze", "third")
    assert "team-quote" not in other and "no customer feedback" in other


SECRET = "The zorblax payroll export leaked every salary, private-quote, to the whole company."


def capture(bot, fake, channel: str, text: str) -> int:
    ts = new_ts()
    fake.add_message(channel, ts, text)
    assert bot.event({"type": "reaction_added", "user": "U_BOB", "reaction": "chair",
                      "item": {"type": "message", "channel": channel, "ts": ts}}).status == 200
    assert "Saved" in fake.wait_for("chat.postEphemeral", channel=channel)[0].params["text"]
    bot.conn().quotes.refresh_stats()  # so search knows the new words (an import does this)
    return bot.sql("SELECT id FROM feedback WHERE external_id = ?", (f"{channel}:{ts}",)).fetchone()[0]


def home_text(bot, fake, user: str) -> str:
    assert bot.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"}).status == 200
    return "\n".join(str(b) for b in fake.wait_for("views.publish", user_id=user)[0].json("view")["blocks"])


def test_a_quote_saved_in_a_private_channel_is_shown_there_only(bot, fake):
    private, public = new_channel(), new_channel()
    fake.channel_info[private] = {"is_private": True}
    before = home_text(bot, fake, "U_BEFORE")
    quote = capture(bot, fake, private, SECRET)
    row = bot.sql("SELECT origin_channel, private FROM feedback WHERE id = ?", (quote,)).fetchone()
    assert tuple(row) == (private, 1)
    # asked elsewhere in the workspace: not found, not counted, not reachable by id
    assert "private-quote" not in answer(bot, fake, TEAM, "zorblax payroll export", "elsewhere")
    mention = {"type": "app_mention", "user": "U_ALICE", "channel": public, "ts": new_ts(),
               "text": f"<@{BOT_USER}> what do customers say about the zorblax payroll export?"}
    assert bot.event(mention).status == 200
    assert "private-quote" not in fake.wait_for("chat.postMessage", channel=public)[0].params["text"]
    for button in (ids.FULL_QUOTE, ids.MORE_LIKE_THIS, ids.NOT_RELEVANT):
        bot.click(button, str(quote), channel=public, response=f"click-{button}")
        reply = fake.wait_for("response", path=f"/response/click-{button}")[0].params["text"]
        assert "no longer stored" in reply
    assert home_text(bot, fake, "U_AFTER") == before.replace("U_BEFORE", "U_AFTER")
    # in the private channel itself it is there
    assert bot.command("zorblax payroll export", channel=private, response="here").status == 200
    assert "private-quote" in fake.wait_for("response", path="/response/here")[0].params["text"]
    bot.click(ids.FULL_QUOTE, str(quote), channel=private, response="full-here")
    assert "private-quote" in fake.wait_for("response", path="/response/full-here")[0].params["text"]
    # and digests: only the private channel's counts it
    store, now = bot.conn(), time.time()
    period = Period(utc(now - 7 * 86400), utc(now + 60))
    elsewhere = build_digest(store, Due(TEAM, public, period))
    here = build_digest(store, Due(TEAM, private, period))
    assert here.total == elsewhere.total + 1
    assert all("private-quote" not in line.quote.text for line in elsewhere.themes if line.quote)
    assert all("private-quote" not in c.quote.text for c in elsewhere.severe)


def test_a_quote_saved_in_a_public_channel_is_shown_everywhere_in_the_workspace(bot, fake):
    public = new_channel()
    quote = capture(bot, fake, public, SECRET.replace("private-quote", "public-quote"))
    row = bot.sql("SELECT origin_channel, private FROM feedback WHERE id = ?", (quote,)).fetchone()
    assert tuple(row) == (public, 0)
    assert "public-quote" in answer(bot, fake, TEAM, "zorblax payroll export", "elsewhere")
    assert "public-quote" not in answer(bot, fake, "T0OTHER", "zorblax payroll export", "other")


@pytest.mark.parametrize("how", ["G id", "privategroup", "is_private", "lookup fails", "direct message"])
def test_add_in_a_private_channel_is_shown_there_only(bot, fake, how):
    channel, name = new_channel(), "product-sync"
    if how == "G id":
        channel = "G" + channel[1:]
    elif how == "privategroup":
        name = "privategroup"
    elif how == "is_private":
        fake.channel_info[channel] = {"is_private": True}
    elif how == "lookup fails":
        fake.fail("conversations.info", error="channel_not_found")
    else:
        channel, name = "D" + channel[1:], "directmessage"
    assert bot.command(f'add "{SECRET}"', channel=channel, channel_name=name, response="add").status == 200
    assert "Added" in fake.wait_for("response", path="/response/add")[0].params["text"]
    bot.conn().quotes.refresh_stats()
    row = bot.sql("SELECT origin_channel, private FROM feedback WHERE text LIKE '%private-quote%'").fetchone()
    assert tuple(row) == (channel, 1)
    assert "private-quote" not in answer(bot, fake, TEAM, "zorblax payroll export", "elsewhere")
    asked = bot.command("zorblax payroll export", channel=channel, channel_name=name, response="here")
    assert asked.status == 200
    assert "private-quote" in fake.wait_for("response", path="/response/here")[0].params["text"]


def test_add_in_a_public_channel_is_shown_everywhere_in_the_workspace(bot, fake):
    channel = new_channel()
    assert bot.command(f'add "{SECRET}"', channel=channel, response="add").status == 200
    fake.wait_for("response", path="/response/add")
    bot.conn().quotes.refresh_stats()
    row = bot.sql("SELECT origin_channel, private FROM feedback WHERE text LIKE '%private-quote%'").fetchone()
    assert tuple(row) == (channel, 0)
    assert "private-quote" in answer(bot, fake, TEAM, "zorblax payroll export", "elsewhere")
