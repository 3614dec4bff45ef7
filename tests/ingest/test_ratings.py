"""Ratings in exports (bot/ingest/ratings.py): each tool's way of writing a score, the scale
decided per column from its name and values, and what an import keeps of it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.ingest.importer import import_file
from bot.ingest.ratings import read, scale_of
from bot.models import Rating

from ..conftest import write_csv


@pytest.mark.parametrize("column, values, scale", [
    ("Rating", ["4", "4.0", "★★★★☆", "4/5", "4 stars", "1", 5], "stars5"),  # App Store, Trustpilot, G2
    ("Star Rating", [5, 3, 5], "stars5"),  # Google Play
    ("Score", ["0", "9", "10", "7"], "nps10"),  # Delighted: 0 and 10 are no stars
    ("How likely are you to recommend us to a friend?", ["2", "3", "4"], "nps10"),  # SurveyMonkey
    ("nps", [5, 4], "nps10"),  # the name says NPS, though these fit stars
    ("satisfaction_rating", [{"score": "good"}, {"score": "bad"}, {"score": "offered"}], "csat2"),  # Zendesk
    ("Conversation rating", ["Amazing", "Great", "OK", "Bad", "Terrible"], "csat5"),  # Intercom, words
    ("Conversation rating", ["1", "2", "5"], "csat5"),  # Intercom, numbers
    ("helpful", ["👍", "👎", "thumbs up"], "thumbs2"),
    ("score", ["85%", "10 %"], "pct100"),
    ("rating", ["7/10", "9/10"], "score10"),  # out of ten, and not about recommending
    ("rating", ["", None, "unoffered"], None),
])
def test_the_scale_is_decided_per_column(column, values, scale):
    assert scale_of(column, values) == scale


@pytest.mark.parametrize("raw, column, scale, original", [
    ("4", "rating", "stars5", 4), ("★☆☆☆☆", "rating", "stars5", 1), ("4.5 out of 5", "rating", "stars5", 4.5),
    ("4,5", "rating", "stars5", 4.5), ("3", "score", "nps10", 3), ("0", "score", "nps10", 0),
    ({"score": "bad", "id": 7}, "satisfaction_rating", "csat2", 0),
    ("Great", "Conversation rating", "csat5", 4),
    ("👎", "helpful", "thumbs2", 0), ("85%", "score", "pct100", 85),
])
def test_each_value_is_read_on_its_columns_scale(raw, column, scale, original):
    rating = read(raw, column, scale)
    assert isinstance(rating, Rating) and rating.scale == scale and rating.original == original
    assert 0.0 <= rating.value <= 1.0


def test_the_same_number_means_what_its_scale_says():
    """3 stars is middling, NPS 3 a detractor: one common scale, 0 the worst mark, 1 the best."""
    assert read("3", "rating", "stars5") == Rating(0.5, "stars5")
    assert read("3", "score", "nps10") == Rating(0.3, "nps10")
    worst = [read("1", "r", "stars5"), read("0", "r", "nps10"), read("bad", "r", "csat2"),
             read("Terrible", "r", "csat5"), read("👎", "r", "thumbs2")]
    assert {r.value for r in worst} == {0.0} and all(r.unhappy for r in worst)
    assert [read(str(n), "nps", "nps10").unhappy for n in (6, 7)] == [True, False]  # detractors: 0-6


def test_offered_and_unoffered_are_no_rating():
    assert read({"score": "offered"}, "satisfaction_rating", "csat2") is None
    assert read("unoffered", "satisfaction_rating", "csat2") is None
    assert read("", "rating", "stars5") is None


def test_a_value_off_the_columns_scale_is_an_error_naming_the_column():
    assert "'Score'" in read("11", "Score", "nps10")
    assert "not on its scale" in read("9", "Rating", "stars5")
    assert read("meh", "Rating", None) == "unreadable rating 'meh' in column 'Rating'"


def test_an_unreadable_rating_is_a_bad_row_naming_the_column(conn, tmp_path):
    path = write_csv(tmp_path / "reviews.csv", [["review", "stars"], ["Love it", "5"], ["Crashes", "lots"],
                                                ["Slow", "2"]])
    report = import_file(conn, path)
    assert report.added == 2
    assert [(b.line, b.reason) for b in report.bad] == [(3, "rating 'lots' in column 'stars' is not on its "
                                                            "scale (1 to 5 stars (App Store, Google Play, "
                                                            "Trustpilot, G2))")]


def test_a_zendesk_export_keeps_its_satisfaction(conn, tmp_path):
    path = tmp_path / "tickets.json"
    path.write_text(json.dumps([
        {"id": 1, "description": "The export never finishes", "satisfaction_rating": {"score": "bad"}},
        {"id": 2, "description": "Thanks, sorted quickly", "satisfaction_rating": {"score": "good"}},
        {"id": 3, "description": "Still waiting", "satisfaction_rating": {"score": "offered"}},
    ]))
    assert import_file(conn, path).added == 3
    rows = conn.connection.execute(
        "SELECT external_id, rating, rating_scale FROM feedback ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [("1", 0.0, "csat2"), ("2", 1.0, "csat2"), ("3", None, None)]


def test_an_nps_export_searched_gives_its_scale(tmp_path):
    """Delighted-like: the 0..10 column is NPS because it holds 0 and 10, not because of its name."""
    db = tmp_path / "nps.db"
    path = write_csv(tmp_path / "delighted.csv", [
        ["Response ID", "Score", "Comment"],
        ["r1", "2", "The invoice export keeps failing"], ["r2", "10", "Invoice export is great"],
        ["r3", "0", "Invoice export lost my data"], ["r4", "5", "Invoice export is slow"]])
    runner = CliRunner()
    assert runner.invoke(cli, ["import", str(path), "--db", str(db)], catch_exceptions=False).exit_code == 0
    found = runner.invoke(cli, ["search", "invoice export", "--db", str(db), "--json"],
                          catch_exceptions=False)
    quotes = {q["id"]: q for q in json.loads(found.output)}
    assert {q["rating_scale"] for q in quotes.values()} == {"nps10"}
    assert (quotes["r1"]["rating"], quotes["r1"]["rating_value"]) == (0.2, 2)
    assert (quotes["r2"]["rating"], quotes["r2"]["rating_value"]) == (1.0, 10)
    text = runner.invoke(cli, ["search", "invoice export lost data", "--db", str(db)], catch_exceptions=False)
    assert "— NPS 0 " in text.output
