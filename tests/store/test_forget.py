"""`Store.forget_team`: one workspace's rows go, in one transaction; the shared corpus never."""

from __future__ import annotations

import pytest


def row(team: str, key: str, text: str) -> tuple[object, ...]:
    return (team, "support", key, text, None, None, None, None, (), "2024-05-01T00:00:00Z")


def test_the_shared_corpus_cannot_be_forgotten(conn):
    conn.quotes.add(row("", "1", "shared quote about refunds"))
    with pytest.raises(ValueError, match="workspace id"):
        conn.forget_team("")
    assert conn.quotes.total() == 1


def test_forgetting_a_workspace_leaves_the_index_and_the_vectors_in_step(conn):
    np = pytest.importorskip("numpy")
    kept = conn.quotes.add(row("", "1", "shared quote about refunds"))
    gone = [conn.quotes.add(row("T0GONE", str(n), f"gone quote {n} about refunds")) for n in range(3)]
    conn.vectors.add("m", [kept, *gone], np.ones((4, 4), dtype=np.float32))
    conn.quotes.refresh_stats()
    epoch, count = conn.vectors.state()
    counts = conn.forget_team("T0GONE")
    assert counts["feedback"] == counts["feedback_fts"] == counts["quote_vectors"] == 3
    assert conn.vectors.state() == (epoch + 1, count - 3)  # search processes reload their index
    conn.connection.execute("INSERT INTO feedback_fts (feedback_fts) VALUES ('integrity-check')")
    assert conn.quotes.matches(["refunds"], 10, "T0GONE") == {kept: pytest.approx(
        conn.quotes.matches(["refunds"], 10)[kept])}
    assert conn.quotes.load_stats()[0] == 1  # the statistics no longer count them
    assert set(conn.forget_team("T0GONE").values()) == {0}
