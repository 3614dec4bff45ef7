"""The digest as data and as text (bot/digests/: themes.py, build.py, render.py, chart.py),
and `empty-chair digest --dry-run`. No Slack."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.digests.build import Trend, build_digest, severity
from bot.digests.chart import trend_png
from bot.digests.render import render_text
from bot.digests.themes import LABEL, TERM, TOPIC, Theme, ThemeCount, label_name, load_topics, theme_counts
from bot.errors import BadTopicsFile
from bot.ingest.importer import add_quote, import_file
from bot.models import Due, Period, Quote, Rating

from ..conftest import ROOT, SAMPLE, write_csv

WEEK = Period(datetime(2025, 1, 6, tzinfo=UTC), datetime(2025, 1, 13, tzinfo=UTC))


def day(offset: int) -> str:
    """A date in WEEK (offset 0..6) or in the week before (offset -7..-1)."""
    return (WEEK.start + timedelta(days=offset)).strftime("%Y-%m-%d")


def seed(conn, tmp_path: Path, rows: list[tuple[str, str, str]], name: str = "tickets") -> None:
    """Import (text, category, date) rows as one labelled source."""
    path = write_csv(tmp_path / f"{name}.csv", [["text", "category", "date"], *map(list, rows)])
    import_file(conn, path, source=name)


def due(channel: str = "C1", period: Period = WEEK, team: str = "") -> Due:
    return Due(team, channel, period)


@pytest.fixture
def week(conn, tmp_path):
    """A week of labelled feedback and the week before it."""
    rows = [(f"My card has still not arrived, day {i}", "card_arrival", day(i % 7)) for i in range(6)]
    rows += [(f"Card never came, waited {i} weeks", "card_arrival", day(-1 - i)) for i in range(2)]
    rows += [(f"The exchange rate was awful on payment {i}", "exchange_rate", day(-2 - i)) for i in range(5)]
    rows += [("Exchange rate on my transfer looked off", "exchange_rate", day(3))]
    rows += [("Someone stole my card and there are fraudulent payments!! I lost money", "card_fraud", day(2)),
             ("I was charged twice for one coffee", "charged_twice", day(4))]
    seed(conn, tmp_path, rows)
    return conn


def test_label_themes_count_the_period_and_the_one_before(week):
    counts = {c.theme.name: c for c in theme_counts(week, "", WEEK)}
    assert (counts["Card arrival"].count, counts["Card arrival"].previous) == (6, 2)
    assert counts["Card arrival"].trend == "growing"
    assert counts["Exchange rate"].trend == "fading"
    assert counts["Card fraud"].trend == "new"


@pytest.mark.parametrize("count, previous, trend", [
    (3, 0, "new"), (0, 0, "steady"), (10, 8, "growing"), (10, 9, "steady"), (11, 10, "steady"),
    (12, 10, "growing"),
    (13, 10, "growing"), (0, 2, "fading"), (1, 2, "steady"), (80, 100, "fading"), (90, 100, "steady"),
])
def test_trend_needs_two_quotes_and_a_fifth(count, previous, trend):
    assert ThemeCount(Theme("k", "n", LABEL, "v"), count, previous).trend == trend


@pytest.mark.parametrize("label, name", [("card_arrival", "Card arrival"),
                                         ("Refund_not_showing_up", "Refund not showing up"),
                                         ("Debt collection", "Debt collection")])
def test_label_names_read_like_words(label, name):
    assert label_name(label) == name


def test_digest_has_themes_quotes_severe_complaints_and_a_headline(week, voice):
    digest = build_digest(week, due())
    assert (digest.total, digest.previous_total) == (9, 7)
    top = digest.themes[0]
    assert top.theme.name == "Card arrival" and top.quote and "card" in top.quote.text.lower()
    assert top.quote.day.startswith("2025-01") and top.quote.dated
    assert digest.severe[0].quote.text.startswith("Someone stole my card")
    assert {"stole", "fraudulent", "lost money"} <= set(digest.severe[0].mentions)
    text = render_text(voice, digest)
    assert text.startswith("What our customers are saying — 2025-01-06 to 2025-01-13 (UTC)")
    assert "9 customer quotes (up from 7). Most raised: Card arrival (6, growing)." in text
    assert "Fading: Exchange rate." in text
    assert "• Card arrival: 6 quotes, up from 2 (growing)" in text
    assert "No decisions were logged in this channel in this period." in text
    assert "$" not in text


def test_fading_themes_are_shown_even_with_few_quotes(conn, tmp_path, voice):
    rows = [(f"Top up failed again {i}", "top_up_failed", day(-1 - i % 6)) for i in range(9)]
    rows += [(f"Card is late {i}", "card_arrival", day(i)) for i in range(7)]
    seed(conn, tmp_path, rows)
    digest = build_digest(conn, due())
    fading = [t for t in digest.themes if t.count.trend == "fading"]
    assert [t.theme.name for t in fading] == ["Top up failed"] and fading[0].count.count == 0
    assert "Top up failed: 0 quotes, down from 9 (fading)" in render_text(voice, digest)


def test_an_empty_period_is_empty(conn, voice):
    digest = build_digest(conn, due())
    assert digest.empty
    assert render_text(voice, digest).startswith("Nothing new from customers in 2025-01-06 to 2025-01-13")


def test_undated_quotes_count_by_when_they_were_imported(conn, voice):
    add_quote(conn, "The app logs me out every day", "slack-capture")
    now = datetime.now(UTC)
    digest = build_digest(conn, due(period=Period(now - timedelta(days=1), now + timedelta(minutes=1))))
    assert digest.total == 1
    assert build_digest(conn, due()).total == 0


def test_decisions_in_the_period_with_answer_and_evidence(week, voice):
    quote = Quote(1, "", "", None, 0.0)
    inside = WEEK.start.timestamp() + 3600
    week.decisions.record("", "C1", "1.0", "U1", "We will drop the card fee", "Will this make things easier?",
                    [quote.id], now=inside)
    decision = week.decisions.record("", "C1", "2.0", "U1", "Decision: courier switch on Monday",
                               "What does the customer lose?", [], now=inside + 60)
    week.decisions.record_answer(decision, "Faster cards, fewer tickets", "U2", now=inside + 120)
    week.decisions.record("", "C2", "3.0", "U1", "Other channel", "q", [], now=inside)
    week.decisions.record("", "C1", "4.0", "U1", "Too early", "q", [], now=WEEK.start.timestamp() - 10)
    digest = build_digest(week, due())
    assert [d.decision.text for d in digest.decisions] == ["We will drop the card fee",
                                                          "Decision: courier switch on Monday"]
    text = render_text(voice, digest)
    assert "2 decisions made here, 1 with a customer answer." in text
    assert "Not answered yet. The customer question was: Will this make things easier?" in text
    assert "Evidence shown with it: 1 quote, e.g." in text
    assert "Answered for the customer: “Faster cards, fewer tickets”" in text


def test_decisions_alone_make_a_digest(conn):
    conn.decisions.record("", "C1", "1.0", "U1", "Ship it", "q", [], now=WEEK.start.timestamp() + 5)
    assert not build_digest(conn, due()).empty


@pytest.mark.parametrize("text, rating, severe, mentions", [
    ("Someone stole my card and made fraudulent payments", None, True, {"stole", "fraudulent"}),
    ("I was charged twice and I am locked out of the app", None, True, {"charged twice", "locked out"}),
    ("I can’t access my account and lost all my savings", None, True,
     {"can't access", "lost all my savings"}),
    ("The debt collector keeps harassing me with threats", None, True, {"harassing", "threats"}),
    ("The app is fine but slow", Rating.on(1, "stars5"), True, set()),
    ("The app is fine but slow", Rating.on(0, "nps10"), True, set()),
    ("The app is fine but slow", Rating.on(0, "csat2"), True, set()),
    ("The app is fine but slow", Rating.on(1, "csat5"), True, set()),
    ("The app is fine but slow", Rating.on(5, "nps10"), False, set()),  # a detractor, not a severe one
    ("The app is slow!!!!", Rating.on(3, "stars5"), False, set()),
    ("The app is slow!!!!", Rating.stored(1, None), True, set()),  # stored before scales: stars
    ("Where is my card?", None, False, set()),
    ("Unauthorised transactions", None, True, {"unauthorised"}),
])
def test_severity(text, rating, severe, mentions):
    score, found = severity(text, rating)
    assert (score >= 3.0) is severe
    assert set(found) == mentions


def test_severity_weak_signals_only_break_ties():
    short, _ = severity("My card was stolen")
    long, _ = severity("My card was stolen! " + "It was in my bag. " * 100 + "!!!")
    assert 3.0 <= short < long < 5.0


def test_tracked_topics_file(tmp_path):
    path = tmp_path / "topics.toml"
    path.write_text('[[topic]]\nname = "Card delivery"\nwords = ["card arrive", "courier", "deliver*"]\n')
    (topic,) = load_topics(path)
    assert topic.name == "Card delivery"
    assert topic.fts_query == '("card" AND "arrive") OR ("courier") OR ("deliver"*)'
    assert load_topics(None) == []
    assert len(load_topics(ROOT / "data" / "tracked_topics.toml")) >= 5


@pytest.mark.parametrize("text, problem", [
    ("[[topic]]\nwords = ['x']\n", "needs a `name`"),
    ("[[topic]]\nname = 'A'\n", "needs `words`"),
    ("[[topic]]\nname = 'A'\nwords = ['!!!']\n", "no usable words"),
    ("[[topic]]\nname = 'A'\nwords = ['a']\n[[topic]]\nname = 'A'\nwords = ['b']\n", "share a name"),
    ("[[topic]\n", "invalid TOML"),
])
def test_bad_topics_files_are_named(tmp_path, text, problem):
    path = tmp_path / "topics.toml"
    path.write_text(text)
    with pytest.raises(BadTopicsFile, match=problem):
        load_topics(path)
    with pytest.raises(BadTopicsFile, match="cannot read"):
        load_topics(tmp_path / "missing.toml")


def test_tracked_topics_are_themes(week, tmp_path, voice):
    path = tmp_path / "topics.toml"
    path.write_text('[[topic]]\nname = "Card delivery"\nwords = ["card arrived", "card came"]\n')
    digest = build_digest(week, due(), load_topics(path))
    tracked = [t for t in digest.themes if t.theme.kind == TOPIC]
    assert [(t.theme.name, t.count.count, t.count.previous) for t in tracked] == [("Card delivery", 6, 2)]
    assert "Card delivery (tracked topic): 6 quotes" in render_text(voice, digest)


def test_unlabelled_quotes_get_themes_from_the_words_that_stand_out(conn, voice):
    background = ["The app is nice", "Support answered quickly", "I like the new design", "Good service"]
    for number, text in enumerate(background * 5):
        add_quote(conn, f"{text} {number}", "survey", created="2024-06-01", external_id=f"b{number}")
    overdraft = ["My overdraft fee doubled", "Overdraft charges are too high",
                 "Why is my overdraft limit lower", "Overdraft interest is confusing",
                 "You removed my overdraft without notice", "Overdraft again"]
    for number, text in enumerate(overdraft):
        add_quote(conn, text, "survey", created=day(number), external_id=f"o{number}")
    add_quote(conn, "Support was quick", "survey", created=day(1), external_id="s1")
    conn.quotes.refresh_stats()
    digest = build_digest(conn, due())
    terms = [t for t in digest.themes if t.theme.kind == TERM]
    assert terms and terms[0].theme.name == "overdraft" and terms[0].count.count == 6
    assert "overdraft (word that stands out): 6 quotes" in render_text(voice, digest)


def test_labelled_quotes_do_not_make_word_themes(week):
    assert all(c.theme.kind != TERM for c in theme_counts(week, "", WEEK))


def test_chart_is_a_png_and_is_skipped_without_matplotlib(monkeypatch):
    pytest.importorskip("matplotlib")
    trend = Trend(("12-16", "12-23", "12-30", "01-06"),
                  (("Card arrival", (1, 2, 5, 9)), ("Fees", (3, 3, 2, 1))))
    assert trend_png(trend, "Quotes per period").startswith(b"\x89PNG")
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    assert trend_png(trend, "Quotes per period") is None


def test_digest_has_chart_data_for_its_top_themes(week):
    digest = build_digest(week, due(), chart=True)
    assert digest.trend.labels[-1] == "01-13" and len(digest.trend.labels) == 6
    assert digest.trend.series[0] == ("Card arrival", (0, 0, 0, 0, 2, 6))


def test_dry_run_over_the_sample_data_reads_in_a_minute(banking_db, tmp_path):
    """The shared data (banking77 has no dates; CFPB is 2015-2020): pick the period with --since."""
    topics = ROOT / "data" / "tracked_topics.toml"
    args = ["digest", "--channel", "C1", "--since", "2019-01-01", "--until", "2019-04-01", "--dry-run",
            "--db", str(banking_db), "--topics", str(topics), "--chart", str(tmp_path / "chart.png")]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = result.output
    lines = text.splitlines()
    assert lines[0] == "What our customers are saying — 2019-01-01 to 2019-04-01 (UTC)"
    assert lines[2].startswith("656 customer quotes (up from 233). Most raised:")
    for part in ("Themes customers raised", "(tracked topic)", "— cfpb-complaints, 2019-",
                 "Most severe new complaints", "Why it stands out: mentions", "Decisions made here",
                 "No decisions were logged"):
        assert part in text
    assert len(text) < 9000  # a minute's reading
    assert (tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG") or "No chart" in result.output
    from bot.store import connect

    assert connect(banking_db).connection.execute("SELECT count(*) FROM digest_runs").fetchone()[0] == 0


def test_dry_run_without_since_covers_the_last_week(tmp_path):
    db = tmp_path / "d.db"
    CliRunner().invoke(cli, ["import", str(SAMPLE / "banking77.csv"), "--db", str(db)])
    result = CliRunner().invoke(cli, ["digest", "--channel", "C1", "--dry-run", "--db", str(db)])
    assert result.exit_code == 0
    assert "imported 20" in result.output and "none the week before (new)" in result.output


def test_digest_cli_errors_are_plain(tmp_path):
    db = str(tmp_path / "d.db")
    bad_date = CliRunner().invoke(cli, ["digest", "--channel", "C1", "--since", "soon", "--dry-run",
                                        "--db", db])
    assert bad_date.exit_code == 2 and "is not a date" in bad_date.output
    no_token = CliRunner().invoke(cli, ["digest", "--channel", "C1", "--db", db])
    assert no_token.exit_code == 1 and "SLACK_BOT_TOKEN is not set" in no_token.output
    until = CliRunner().invoke(cli, ["digest", "--channel", "C1", "--until", "2020-01-01", "--db", db])
    assert until.exit_code == 2 and "--until needs --dry-run" in until.output


def test_the_printed_digest_has_no_slack_markup(week, voice):
    text = render_text(voice, build_digest(week, due()))
    assert "*" not in text and "<#" not in text and "<@" not in text


def test_digest_ranks_the_worst_ratings_severe_and_counts_detractors(conn, tmp_path, voice):
    """A 1-star review, an NPS 0 and a CSAT bad are severe with no word of harm; the headline
    names the week's detractors (NPS 0-6) and low ratings, scale by scale."""
    nps = [["comment", "nps", "date"], ["The export is unusable for our team", "0", day(1)],
           ["Exports are slow on big files", "5", day(2)], ["Exports work well now", "9", day(3)],
           ["Export page is fine", "10", day(3)], ["Old export complaint", "1", day(-3)]]
    import_file(conn, write_csv(tmp_path / "survey.csv", nps), source="nps-survey")
    stars = [["review", "rating", "date"], ["Crashes whenever I open settings", "★☆☆☆☆", day(2)],
             ["Nice app, love the colours", "★★★★★", day(4)]]
    import_file(conn, write_csv(tmp_path / "appstore.csv", stars), source="App Store review")
    (tmp_path / "zendesk.jsonl").write_text(
        '{"id": "z1", "description": "Nobody answered my ticket for days", '
        f'"satisfaction_rating": {{"score": "bad"}}, "created_at": "{day(5)}"}}\n')
    import_file(conn, tmp_path / "zendesk.jsonl", source="zendesk")
    digest = build_digest(conn, due())
    severe = {c.quote.text: c for c in digest.severe}
    assert set(severe) == {"The export is unusable for our team", "Crashes whenever I open settings",
                           "Nobody answered my ticket for days"}
    counts = {c.scale: (c.rated, c.unhappy) for c in digest.ratings}
    assert counts == {"nps10": (4, 2), "stars5": (2, 1), "csat2": (1, 1)}  # last week's NPS 1 not counted
    text = render_text(voice, digest)
    assert ("7 customer quotes (up from 1). Among them, 2 of 4 NPS scores are detractors (0–6); "
            "1 of 2 star ratings are 1–2 stars; 1 of 1 CSAT ratings are bad.") in text
    assert "> Crashes whenever I open settings\n— ★☆☆☆☆ App Store review, " + day(2) in text
    assert "Why it stands out: rated ★☆☆☆☆" in text
    assert "— NPS 0 nps-survey, " in text and "rated CSAT bad" in text
