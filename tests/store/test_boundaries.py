"""Workspace boundaries behave the same on every backend: private quotes, the per-workspace
quorum, the add rate limit, forgetting a workspace, Enterprise Grid schedules."""

from __future__ import annotations

import pytest

from bot.digests.spec import parse_spec

from .test_repositories import JAN


def row(team: str, key: str, text: str) -> tuple[object, ...]:
    return (team, "slack", key, text, "2024-01-15", None, None, None, (), "2024-03-01T00:00:00")


def test_a_private_channels_quote_is_seen_in_that_channel_only(store):
    shared = store.quotes.add(row("", "1", "A refund that never came"))
    secret = store.quotes.add(row("T1", "2", "Our refund secret"), origin_channel="CPRIV", private=True)
    open_ = store.quotes.add(row("T1", "3", "An open refund note"), origin_channel="COPEN")
    assert store.quotes.count("T1", "CPRIV") == 3 and store.quotes.count("T1", "COPEN") == 2
    assert store.quotes.count("T1") == 2 and store.quotes.sources("T1") == [("slack", 2, "2024-01-15")]
    assert store.quotes.get(secret, "T1", "CPRIV").text == "Our refund secret"
    assert store.quotes.get(secret, "T1", "COPEN") is None and store.quotes.get(secret, "T1") is None
    assert set(store.quotes.matches(["refund"], 10, "T1", "CPRIV")) == {shared, secret, open_}
    assert set(store.quotes.matches(["refund"], 10, "T1")) == {shared, open_}
    newest = store.quotes.newest_matches(["refund"], 10, team_id="T1", channel_id="COPEN")
    assert set(newest) == {shared, open_}
    pool = {shared: 1.0, secret: 1.0, open_: 1.0}
    assert {c.id for c in store.quotes.candidates(pool, "T1", channel_id="CPRIV")} == set(pool)
    assert {c.id for c in store.quotes.candidates(pool, "T1")} == {shared, open_}
    assert store.themes.count_by_period("T1", [JAN]) == [2]
    assert store.themes.count_by_period("T1", [JAN], channel_id="CPRIV") == [3]
    assert {q.quote.id for q in store.themes.newest("T1", JAN, channel_id="CPRIV")} == set(pool)
    assert {i for i, _ in store.themes.texts("T1", JAN, None, 10)} == {shared, open_}
    assert store.quotes.get(secret, "T2", "CPRIV") is None  # another workspace never


def test_the_not_relevant_quorum_counts_one_workspaces_channels(store):
    for team, channel in (("T1", "C1"), ("T1", "C2"), ("T2", "C3"), ("T2", "C4")):
        store.clicks.record(team, channel, 7, "U1", "not_relevant", 1.0)
    assert 7 not in store.channels.hidden("T1", "C9", 2.0)
    store.clicks.record("T1", "C3", 7, "U1", "not_relevant", 1.0)
    assert 7 in store.channels.hidden("T1", "C9", 2.0) and 7 not in store.channels.hidden("T2", "C9", 2.0)


def test_the_add_rate_limit_counts_uses_in_the_window(store):
    assert all(store.events.allow("T1", "U1", "add", 3, 60.0, 100.0 + n) for n in range(3))
    assert not store.events.allow("T1", "U1", "add", 3, 60.0, 110.0)
    assert store.events.allow("T1", "U2", "add", 3, 60.0, 110.0)  # another person
    assert store.events.allow("T1", "U1", "add", 3, 60.0, 160.5)  # the first use left the window
    assert store.events.forget_team("T1") == 4  # U1: 101, 102, 160.5; U2: 110


def test_forgetting_a_workspace_deletes_its_rows_only(store):
    np = pytest.importorskip("numpy")
    kept = store.quotes.add(row("", "1", "shared quote about refunds"))
    gone = [store.quotes.add(row("T0GONE", str(n), f"gone quote {n} about refunds")) for n in range(3)]
    store.vectors.add("m", [kept, *gone], np.ones((4, 4), dtype=np.float32))
    store.quotes.refresh_stats()
    store.channels.update("T0GONE", "C1", topic="cards")
    store.clicks.record("T0GONE", "C1", kept, "U1", "not_relevant", 1.0)
    store.decisions.record("T0GONE", "C1", "2.0", "U1", "We decided", "Q?", [kept], 12.0)
    store.digests.set_schedule("T0GONE", "C1", parse_spec("daily 08:30 UTC", "UTC"), "U1", 14.0, "E1")
    assert store.digests.get_schedule("T0GONE", "C1").enterprise_id == "E1"
    store.events.allow("T0GONE", "U1", "add", 10, 60.0, 1.0)
    epoch, count = store.vectors.state()
    counts = store.forget_team("T0GONE")
    assert counts["feedback"] == counts["feedback_fts"] == counts["quote_vectors"] == 3
    assert counts["channels"] == counts["votes"] == counts["decisions"] == counts["rate_events"] == 1
    assert counts["digest_schedules"] == 1
    assert store.vectors.state() == (epoch + 1, count - 3)
    assert store.quotes.total() == 1 and store.quotes.load_stats()[0] == 1
    assert set(store.forget_team("T0GONE").values()) == {0}
    with pytest.raises(ValueError, match="workspace id"):
        store.forget_team("")


def test_vectors_come_with_who_may_see_their_quote(store):
    np = pytest.importorskip("numpy")
    shared = store.quotes.add(row("", "1", "shared"))
    secret = store.quotes.add(row("T1", "2", "secret"), origin_channel="CPRIV", private=True)
    store.vectors.add("m", [shared, secret], np.ones((2, 4), dtype=np.float32))
    ids, matrix, owners = next(store.vectors.since("m"))
    assert ids == [shared, secret] and matrix.shape == (2, 4)
    assert owners == [("", None), ("T1", "CPRIV")]
