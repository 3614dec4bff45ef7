"""The repositories behave the same on every backend: each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.ingest.importer import add_quote, import_file
from bot.models import Period, QuoteFilter

from ..conftest import write_csv

JAN = Period(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC))


def row(n: int, text: str, created: str = "2024-01-15", labels: tuple[str, ...] = (), team: str = ""):
    return (team, "src", str(n), text, created, None, None, None, labels, "2024-03-01T00:00:00")


@pytest.fixture
def quotes(store):
    store.quotes.add_many([
        row(1, "My refund never arrived", labels=("refund",)),
        row(2, "The card was declined abroad", labels=("card", "travel")),
        row(3, "Refunds take forever and support is slow"),
        row(4, "I love the new savings pots", created="2023-12-20"),
        row(5, "Our own team's note about refunds", team="T2"),
    ])
    store.quotes.refresh_stats()
    return store


def test_add_many_skips_quotes_stored_before_and_keeps_order(quotes):
    assert quotes.quotes.add_many([row(1, "My refund never arrived"), row(6, "Late delivery")]) == 1
    assert quotes.quotes.total() == 6 and quotes.quotes.count() == 5 and quotes.quotes.count("T2") == 6
    assert quotes.quotes.get(2).text == "The card was declined abroad"
    assert quotes.quotes.get(5) is None and quotes.quotes.get(5, "T2").text.startswith("Our own")
    assert quotes.quotes.get(2).labels == ("card", "travel")
    assert quotes.quotes.add(row(1, "again")) is None
    assert quotes.quotes.add(row(7, "A new one")) == quotes.quotes.total()
    assert quotes.quotes.sources() == [("src", 6, "2024-01-15")]


def test_quotes_without_a_label_are_listed_in_id_order_from_a_point(quotes):
    unlabelled = quotes.quotes.unlabelled()
    assert [quotes.quotes.text_and_labels([i])[0][2] for i in unlabelled] == [(), (), ()]
    assert len(unlabelled) == 3 and unlabelled == sorted(unlabelled)
    assert quotes.quotes.unlabelled(after=unlabelled[0], limit=1) == [unlabelled[1]]


def test_full_text_matches_any_or_every_word_stemmed(quotes):
    assert set(quotes.quotes.matches(["refunds"], 10, "T2")) == {1, 3, 5}
    assert set(quotes.quotes.matches(["refunds"], 10)) == {1, 3}  # T2's own quote is T2's only
    assert list(quotes.quotes.newest_matches(["refund"], 10, team_id="T2")) == [5, 3, 1]
    assert set(quotes.quotes.newest_matches(["refund", "slow"], 10, every=True)) == {3}
    best = quotes.quotes.matches(["refund", "slow"], 10)
    assert next(iter(best)) == 3 and all(score > 0 for score in best.values())


@pytest.mark.parametrize("word", ["'", "\"", "o'brien", "a\\b", "&", "!", "(", ":*", "the", ""])
def test_full_text_reads_words_never_syntax(quotes, word):
    assert quotes.quotes.matches([word, "refund"], 10)
    quotes.quotes.newest_matches([word], 10, every=True)


def test_candidates_respect_workspaces_and_exclusions(quotes):
    found = quotes.quotes.candidates({1: 2.0, 3: 1.0, 5: 0.5}, "T1", exclude_ids={3})
    assert [(c.id, c.relevance) for c in found] == [(1, 2.0)]
    assert [i for i, _, _ in quotes.quotes.text_and_labels([2])] == [2]


def test_statistics_count_porter_stems(quotes):
    docs, avg_chars, df = quotes.quotes.load_stats()
    assert docs == 5 and avg_chars > 10 and df["refund"] == 3
    assert quotes.quotes.stats_generation() == "5:5" and not quotes.quotes.is_empty()
    assert quotes.themes.corpus_df(["refund", "card", "nothing"]) == ({"refund": 3, "card": 1}, 5)


@pytest.mark.parametrize("words,expected", [
    ('"refund"', [1, 3]),
    ('"refund"*', [1, 3]),
    ('("card" AND "abroad") OR ("savings")', [2]),
    ('"refund" "slow"', [3]),
    ('"refund" NOT "slow"', [1]),
])
def test_theme_filters_read_the_fts5_mini_syntax(quotes, words, expected):
    found = quotes.themes.newest("T1", JAN, QuoteFilter(words=words))
    assert sorted(q.quote.id for q in found) == expected
    assert quotes.themes.count_by_period("T1", [JAN], QuoteFilter(words=words)) == [len(expected)]


def test_theme_counts_by_period_label_and_uncovered(quotes):
    quotes.themes.index_time()
    quotes.themes.index_time()
    dec = Period(datetime(2023, 12, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC))
    assert quotes.themes.count_by_period("T1", [dec, JAN]) == [1, 3]
    assert quotes.themes.count_by_period("T2", [dec, JAN]) == [1, 4]
    labelled = sorted(quotes.themes.label_counts("T1", JAN))
    assert labelled == [("card", 1, 0), ("refund", 1, 0), ("travel", 1, 0)]
    assert [q.quote.id for q in quotes.themes.newest("T1", JAN, QuoteFilter(label="card"))] == [2]
    uncovered = QuoteFilter(uncovered=True, tracked=('("savings")',))
    assert sorted(i for i, _ in quotes.themes.texts("T2", JAN, uncovered, 10)) == [3, 5]


def test_import_file_and_add_quote_write_through_the_store(store, tmp_path):
    path = write_csv(tmp_path / "f.csv", [["id", "text"]] + [[str(i), f"quote number {i} about fees"]
                                                            for i in range(300)])
    report = import_file(store, path, source="csv")
    assert report.added == 300 and store.quotes.total() == 300
    assert import_file(store, path, source="csv").added == 0
    assert add_quote(store, "Saved from a meeting", "slack", team_id="T1") == 301


def test_vectors_round_trip(quotes):
    np = pytest.importorskip("numpy")
    matrix = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert quotes.vectors.pending_count("m1") == 5
    assert quotes.vectors.add("m1", [1, 2, 3], matrix) == 3
    assert quotes.vectors.add("m1", [1], matrix[:1]) == 0
    assert quotes.vectors.state() == (0, 3)
    assert [i for i, _ in quotes.vectors.pending("m1", 0, 10)] == [4, 5]
    chunks = list(quotes.vectors.since("m1", 1, batch=1))
    assert [c[0] for c in chunks] == [[2], [3]] and chunks[1][1].dtype == np.float16
    assert quotes.vectors.get("m1", [3, 4])[3].tolist() == [8, 9, 10, 11]
    assert not quotes.vectors.drop_other_models("m1")
    assert quotes.vectors.drop_other_models("m2") and quotes.vectors.state() == (1, 0)


def test_channels_clicks_decisions_and_events(store):
    store.channels.update("T1", "C1", mode="quiet", cooldown_seconds=60, topic="t")
    assert store.channels.get("T1", "C1").mode == "quiet"
    assert [c.channel_id for c in store.channels.list("T1")] == ["C1"]
    for n in range(55):
        store.channels.remember_message("T1", "C1", f"{1000 + n}.0", "U1", f"message {n}")
    store.channels.edit_message("T1", "C1", "1054.0", "edited")
    store.channels.forget_message("T1", "C1", "1053.0")
    assert store.channels.recent_messages("T1", "C1", 2) == ["message 52", "edited"]
    store.channels.mark_shown("T1", "C1", [7, 8], now=100.0)
    store.clicks.record("T1", "C1", 9, "U1", "not_relevant", now=100.0)
    store.clicks.record("T1", "C1", 4, "U1", "more_like_this", now=101.0)
    assert store.channels.hidden("T1", "C1", now=200.0) == {7, 8, 9}
    assert store.channels.hidden("T1", "C1", now=200.0, include_shown=False) == {9}
    assert store.clicks.recent("T1", "C1", "more_like_this", 5) == (4,)
    first = store.decisions.record("T1", "C1", "1.0", "U1", "We decided", "Q?", [1, 2], now=5.0)
    assert store.decisions.record("T1", "C1", "1.0", "U1", "We decided", "Q?", [1, 2]) is None
    store.decisions.record_answer(first, "yes", "U2", now=6.0)
    store.decisions.record_answer(first, "and more", "U3", now=7.0)
    decision = store.decisions.at("T1", "C1", "1.0")
    assert decision.answer == "yes\nand more" and decision.evidence == (1, 2) and decision.answered_by == "U2"
    assert store.decisions.count("T1", "C1") == 1 and store.decisions.list("T1")[0].id == first
    assert store.digests.team_of_channel("C1") == "T1"
    assert not store.events.seen("E1", 10.0) and store.events.seen("E1", 11.0)
    assert store.events.prune(20.0) == 1
    store.channels.forget_team("T1")
    assert store.channels.get("T1", "C1") is None and store.decisions.count("T1", "C1") == 1


@pytest.mark.parametrize("walk", [True, False], ids=["walk-the-ids", "gather-from-the-index"])
def test_newest_matches_are_the_same_whichever_way_they_are_found(quotes, monkeypatch, walk):
    """PostgreSQL picks how to find the newest matches by their expected number: either way
    gives the same quotes, newest first, with the same relevance."""
    if not hasattr(quotes.quotes, "_walk_is_cheaper"):
        pytest.skip("one way only on this backend")
    found = quotes.quotes.newest_matches(["refund", "slow"], 10, team_id="T2")
    before = {k: round(v, 6) for k, v in found.items()}
    monkeypatch.setattr(type(quotes.quotes), "_walk_is_cheaper", lambda self, query, limit: walk)
    after = quotes.quotes.newest_matches(["refund", "slow"], 10, team_id="T2")
    assert list(after) == [5, 3, 1] and {k: round(v, 6) for k, v in after.items()} == before
    assert list(quotes.quotes.newest_matches(["refund"], 2, team_id="T2")) == [5, 3]
