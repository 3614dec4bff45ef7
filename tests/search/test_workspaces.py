"""Workspaces share one database: each finds its own quotes and the shared corpus, however
many quotes another workspace holds, and never the other's."""

from __future__ import annotations

import pytest

from bot.search.lexical import BOUNDED_CANDIDATES, CANDIDATES, EXACT_BUDGET
from bot.search.quotes import search_quotes

BIG, SMALL = "T0BIG", "T0SMALL"


def padding(key: str) -> str:
    """Words of its own: a long quote scores lower on BM25, and is no near-copy of another."""
    return " ".join(f"{key}word{n}" for n in range(60))


def row(team: str, key: str, text: str) -> tuple[object, ...]:
    return (team, "support", key, text, "2024-05-01", None, None, None, (), "2024-05-01T00:00:00Z")


def fill(store, big: int) -> dict[str, set[int]]:
    """A few quotes of SMALL's and one shared, stored first (the oldest), then `big` of BIG's."""
    store.quotes.add_many([row(SMALL, f"s{n}", f"zorblax widget froze again {padding(f's{n}')}")
                           for n in range(3)])
    store.quotes.add_many([row("", "shared", f"the zorblax widget froze on login {padding('shared')}")])
    store.quotes.add_many([row(BIG, f"b{n}", f"zorblax widget froze {n}") for n in range(big)])
    store.quotes.refresh_stats()
    teams: dict[str, set[int]] = {}
    for quote_id, team in store.connection.execute("SELECT id, team_id FROM feedback"):
        teams.setdefault(team, set()).add(quote_id)
    return teams


@pytest.mark.parametrize("big", [CANDIDATES + 100, EXACT_BUDGET + 500],
                         ids=["ranked exactly", "newest first"])
def test_a_small_workspace_is_not_crowded_out_by_a_big_one(conn, big):
    assert big > BOUNDED_CANDIDATES
    teams = fill(conn, big)
    small = search_quotes(conn, "zorblax widget froze", team_id=SMALL, limit=10)
    found = {q.id for q in small.quotes}
    assert found and found <= teams[SMALL] | teams[""]
    assert teams[SMALL] <= found
    assert small.evidence.count <= len(teams[SMALL]) + 1
    mine = search_quotes(conn, "zorblax widget froze", team_id=BIG, limit=10)
    assert mine.quotes and {q.id for q in mine.quotes} <= teams[BIG] | teams[""]
    shared_only = search_quotes(conn, "zorblax widget froze", limit=10)
    assert {q.id for q in shared_only.quotes} == teams[""]


def test_the_store_limits_after_testing_the_workspace(conn):
    teams = fill(conn, CANDIDATES + 100)
    assert set(conn.quotes.matches(["zorblax"], 5, SMALL)) <= teams[SMALL] | teams[""]
    assert len(conn.quotes.matches(["zorblax"], 5, SMALL)) == 4
    assert set(conn.quotes.newest_matches(["zorblax", "widget"], 10, True, SMALL)) == teams[SMALL] | teams[""]
    assert set(conn.quotes.newest_matches(["zorblax"], 10, False, "T0NOBODY")) == teams[""]
    # what looks like syntax in a workspace id is just a value that matches nobody
    for hostile in ("' OR 1=1 --", "%", "*", "T0BIG' OR team_id='T0BIG"):
        assert set(conn.quotes.matches(["zorblax"], 500, hostile)) == teams[""]


def test_not_relevant_everywhere_counts_one_workspaces_channels(conn):
    quote = conn.quotes.add(row("", "shared", "the exchange rate abroad is wrong"))
    for channel in ("C1", "C2", "C3"):
        conn.clicks.record("T0OTHER", channel, quote, "U1", "not_relevant")
    assert quote in conn.channels.hidden("T0OTHER", "C4")  # three of its channels agreed
    assert quote not in conn.channels.hidden("T0MINE", "C9")  # not this workspace's channels
    for team, channel in (("T0A", "C1"), ("T0A", "C2"), ("T0B", "C3")):
        conn.clicks.record(team, channel, quote, "U1", "not_relevant")
    assert quote not in conn.channels.hidden("T0A", "C9") and quote not in conn.channels.hidden("T0B", "C9")
