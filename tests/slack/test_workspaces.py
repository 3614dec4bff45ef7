"""Workspaces in one database, over HTTP: what each one sees of the quotes."""

from __future__ import annotations

from .helpers import new_channel

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
