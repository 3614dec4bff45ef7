"""bench/speed.py's helpers: the vectors it gives a large database, its PostgreSQL scratch
URLs, and how it reads the figures it reports (the timings themselves are the bench's)."""

from __future__ import annotations

import sys

import pytest

from bot.search import semantic

from .conftest import ROOT, SEMANTIC, write_csv

sys.path.insert(0, str(ROOT / "bench"))

import speed  # noqa: E402


def test_database_url_keeps_user_host_and_options():
    url = speed.database_url("postgresql://bot:pw@db.internal:6432/postgres?sslmode=require", "scratch")
    assert url == "postgresql://bot:pw@db.internal:6432/scratch?sslmode=require"


def test_scratch_names_say_which_run_and_size():
    assert speed.scratch_name("100000", pid=42) == "empty_chair_speed_42_100000"


def _lexical(rows: int, backend: str, p99: float) -> speed.Latency:
    return speed.Latency(rows, 352, 0, p99 / 2, p99, p99 / 2, p99, 60.0, None, backend=backend)


@pytest.mark.parametrize(("sizes", "pg_p99", "met", "at"), [
    ((10_000, 1_000_000), 39.0, True, 1_000_000),
    ((10_000, 1_000_000), 41.0, False, 1_000_000),
    ((10_000, 100_000), 10.0, None, 100_000),  # not measured at 1M: shown, not judged
])
def test_search_target_is_postgres_p99_within_twice_sqlite_at_1m(sizes, pg_p99, met, at):
    results = [r for size in sizes
               for r in (_lexical(size, "sqlite", 20.0), _lexical(size, "postgresql", pg_p99))]
    target = speed.search_target(results)
    assert (target["met"], target["rows"]) == (met, at)
    assert "PostgreSQL search p99 within 2x SQLite's at 1,000,000 rows" in speed.format_target(target)


def test_search_target_needs_both_backends():
    assert speed.search_target([_lexical(1_000_000, "sqlite", 20.0)]) is None


def test_load_figures_reads_what_slack_load_reports():
    report = {"config": {"quotes": 1000, "replicas": 2, "events": 300},
              "latency": {"command_answer": {"n": 50, "median_ms": 80.0, "p99_ms": 400.0, "max_ms": 410.0}},
              "events_sent": 300, "commands_sent": 50, "lost": 0, "duplicated": 1,
              "command_answers_missing": 0, "events_failed": [{"index": 3}], "quote_posts": 12}
    figures = speed.load_figures(report)
    assert figures["command_answer"]["p99_ms"] == 400.0
    assert figures["delivery"] == {"lost": 0, "duplicated": 1, "command_answers_missing": 0,
                                   "events_failed": 1}
    text = speed.format_load(figures)
    assert "slash-command answer" in text and "400.0" in text and "duplicated 1" in text


def test_load_figures_survive_a_report_without_them():
    assert "(none reported)" in speed.format_load(speed.load_figures({}))


# ---------------------------------------------------------------- vectors for a large database


def test_turned_copies_sit_at_their_cosine():
    np = pytest.importorskip("numpy")
    from sample_vectors import turn

    rng = np.random.default_rng(1)
    sources = rng.standard_normal((200, 384)).astype(np.float32)
    sources /= np.linalg.norm(sources, axis=1, keepdims=True)
    cosines = rng.uniform(0.85, 0.9, 200).astype(np.float32)
    turned = turn(sources, cosines, rng)
    assert np.allclose(np.linalg.norm(turned, axis=1), 1, atol=1e-5)
    assert np.allclose((turned * sources).sum(axis=1), cosines, atol=1e-4)


LABELS = ("card_arrival", "exchange_rate", "top_up_failed")


@pytest.fixture
def corpus(tmp_path):
    """12 quotes of 3 labels; the last label's quotes come last, after the sample is full."""
    rows = [["text", "category"]]
    for label in LABELS:
        rows += [[f"{label.replace('_', ' ')} question number {n}", label] for n in range(4)]
    return write_csv(tmp_path / "corpus.csv", rows)


@pytest.mark.skipif(not (SEMANTIC and semantic.available()),
                    reason="search by meaning is switched off or not installed")
def test_spread_gives_every_quote_a_vector_near_a_sampled_one_of_its_label(store, corpus, tmp_path):
    import numpy as np
    from sample_vectors import spread

    from bot.ingest.importer import import_file

    import_file(store, corpus, source="bench")
    ids = [i for i, _ in store.vectors.pending(semantic.model_key(), 0, 100)]
    report = spread(store, sample_size=5, cache_path=tmp_path / "cache")
    assert semantic.pending_count(store) == 0
    # the first 5 texts, plus the first quote of the label they missed
    assert (report["vectors"], report["sample"], report["embedded"], report["copies"]) == (12, 6, 6, 6)
    quotes = sorted(store.quotes.text_and_labels(ids))
    vectors = store.vectors.get(semantic.model_key(), ids)
    real = semantic.new_embedder().embed([text for _, text, _ in quotes])
    sampled = [0, 1, 2, 3, 4, 8]
    for row, (quote_id, _, labels) in enumerate(quotes):
        mine = vectors[quote_id].astype(np.float32)
        if row in sampled:
            assert float(mine @ real[row]) > 0.999
        else:
            same_label = [s for s in sampled if quotes[s][2] == labels]
            assert 0.84 < max(float(mine @ real[s]) for s in same_label) < 0.91


@pytest.mark.skipif(not (SEMANTIC and semantic.available()),
                    reason="search by meaning is switched off or not installed")
def test_spread_embeds_a_sample_once_per_corpus(corpus, tmp_path):
    from sample_vectors import spread

    from bot.ingest.importer import import_file
    from bot.store import connect

    for name, embedded in (("first.db", 6), ("second.db", 0)):
        with connect(tmp_path / name) as store:
            import_file(store, corpus, source="bench")
            assert spread(store, sample_size=5, cache_path=tmp_path / "cache")["embedded"] == embedded
