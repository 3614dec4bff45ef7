"""A quote's rating and its scale round-trip through both backends: lookups, search
candidates, a digest's quotes and its rating counts; rows rated before scales were kept
still read as stars."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.ingest.importer import import_file
from bot.models import Period, Rating
from bot.search.quotes import search_quotes
from bot.store import connect

from ..conftest import write_csv

JAN = Period(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC))


def row(n: int, text: str, rating: Rating | None = None) -> tuple[object, ...]:
    return ("", "reviews", str(n), text, "2024-01-15", None, rating.value if rating else None, None, (),
            "2024-03-01T00:00:00", rating.scale if rating else None)


def test_a_rating_round_trips_with_its_scale(store):
    store.quotes.add_many([row(1, "The widget froze on checkout", Rating.on(0, "nps10")),
                           row(2, "The widget is lovely", Rating.on(5, "stars5")),
                           row(3, "The widget is fine"),
                           row(4, "The widget support was bad", Rating.on(0, "csat2"))])
    store.quotes.refresh_stats()
    first = store.quotes.get(1)
    assert (first.rating, first.rating_scale) == (0.0, "nps10") and first.rated.original == 0
    assert store.quotes.get(3).rated is None
    found = {c.external_id: (c.rating, c.rating_scale) for c in store.quotes.candidates({1: 1.0, 2: 1.0})}
    assert found == {"1": (0.0, "nps10"), "2": (1.0, "stars5")}
    newest = {p.quote.external_id: p.rating for p in store.themes.newest("", JAN)}
    assert newest["4"] == Rating(0.0, "csat2") and newest["3"] is None
    assert sorted(store.themes.ratings("", JAN)) == [("csat2", 0.0, 1), ("nps10", 0.0, 1), ("stars5", 1.0, 1)]
    quotes = search_quotes(store, "widget froze checkout").quotes
    assert quotes[0].as_dict()["rating_scale"] == "nps10" and quotes[0].as_dict()["rating_value"] == 0


def test_a_row_rated_before_scales_were_kept_reads_as_stars(store):
    """Rows of ten values (no scale) are what every import wrote before: the number as exported."""
    store.quotes.add_many([("", "old", "1", "Old review", None, None, 2.0, None, (), "2024-01-01T00:00:00"),
                           ("", "old", "2", "Old score", None, None, 9.0, None, (), "2024-01-01T00:00:00")])
    two, nine = store.quotes.get(1), store.quotes.get(2)
    assert two.rated == Rating.on(2, "stars5") and two.as_dict()["rating_value"] == 2
    assert nine.rated is None  # nine was never a star: shown as no rating rather than a wrong one


def test_an_imported_scale_survives_a_copy_between_backends(tmp_path, pg_url):
    from bot.store.copy import copy_database

    path = write_csv(tmp_path / "nps.csv", [["comment", "nps"], ["Too slow", "3"], ["Great", "10"]])
    source, copied = connect(tmp_path / "from.db"), connect(pg_url)
    import_file(source, path)
    copy_database(source, copied)
    source.close()
    assert {(q.rated.scale, q.rated.original) for q in (copied.quotes.get(1), copied.quotes.get(2))} == {
        ("nps10", 3), ("nps10", 10)}
    copied.close()
