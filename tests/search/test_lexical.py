from datetime import date

import pytest

from bot.ingest.importer import add_quote
from bot.models import Candidate
from bot.search.conversation import conversation_terms
from bot.search.quotes import _evidence, search_quotes, search_terms
from bot.slack.blocks import plain

HOSTILE = [
    '"unbalanced quote',
    "(parentheses (everywhere",
    "cards AND OR NOT refunds",
    "NEAR(card, 2) *",
    "-card -refund",
    "column:filter text:card",
    "emoji 🎉🔥 card 💳 arrived?",
    "<@U123ABC> <#C999|general> what about <https://example.com/x?y=1|the refund page>",
    "```select * from feedback;``` drop table",
    "'; DROP TABLE feedback; --",
    "x" * 10_000,
    "card refund " * 1000,
    "",
    "   ",
    "\x00\x01 control chars",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_search_never_fails_on_what_people_type(corpus, text):
    result = search_quotes(corpus, text)
    assert isinstance(result.quotes, list)
    assert corpus.quotes.total() > 10_000


def test_search_finds_relevant_quotes(corpus):
    result = search_quotes(corpus, "the exchange rate we charge on purchases abroad looks wrong")
    assert len(result.quotes) == 5
    on_topic = [q for q in result.quotes if "card_payment_wrong_exchange_rate" in q.labels]
    assert len(on_topic) >= 4 and result.quotes[0] in on_topic
    assert result.evidence.count >= 5
    assert result.evidence.strength in ("strong", "some")


def test_slack_markup_keeps_link_labels(corpus):
    """A Slack message as the adapter hands it over: markup read, link labels kept."""
    text = plain("<@U1> customers hate <https://x.io/a|the exchange rate> :angry:")
    result = search_quotes(corpus, text)
    assert result.quotes and "exchange" in result.terms


def test_near_duplicates_are_collapsed(store):
    for i, text in enumerate(["My card still has not arrived", "my card still has not arrived!",
                              "My card has still not arrived", "Card delivery took three weeks"]):
        add_quote(store, text, "app", external_id=str(i))
    result = search_quotes(store, "card arrived", limit=5)
    texts = [q.text.lower() for q in result.quotes]
    assert len([t for t in texts if "still" in t]) == 1


def test_recent_feedback_is_preferred(store):
    add_quote(store, "The transfer fee is far too high", "old-survey", created="2015-01-01", external_id="a")
    add_quote(store, "The transfer fee is much too high", "new-survey", created="2026-10-01", external_id="b")
    result = search_quotes(store, "transfer fee high", today=date(2026, 11, 1))
    assert result.quotes[0].source == "new-survey"


def test_evidence_summary_counts_sources_and_dates(store):
    for i, (source, day) in enumerate([("zendesk", "2026-01-05"), ("appstore", "2026-02-01"),
                                       ("zendesk", "2026-03-09")]):
        add_quote(store, f"Export to Excel keeps failing, attempt {i}", source, created=day,
                  external_id=str(i))
    evidence = search_quotes(store, "excel export failing").evidence
    assert evidence.count == 3
    assert set(evidence.sources) == {"zendesk", "appstore"}
    assert (evidence.first_date, evidence.last_date) == ("2026-01-05", "2026-03-09")


@pytest.mark.parametrize(("count", "sources", "strength"), [
    (1, 1, "single"), (2, 2, "single"), (3, 1, "some"), (10, 1, "some"), (9, 3, "some"), (10, 2, "strong"),
])
def test_evidence_strength_needs_three_quotes_for_some_and_two_sources_for_strong(count, sources, strength):
    found = [Candidate(i, "text", f"source-{i % sources}", None, None, (), str(i), 1.0) for i in range(count)]
    assert _evidence(found, capped=False).strength == strength


def test_no_evidence_when_nothing_matches(corpus):
    result = search_quotes(corpus, "quantum blockchain llamas")
    assert result.quotes == [] and result.evidence.strength == "none"


def test_workspaces_never_see_each_other(store):
    add_quote(store, "Team A's customer hates the onboarding wizard", "slack", team_id="TA")
    assert search_quotes(store, "onboarding wizard", team_id="TA").quotes
    assert search_quotes(store, "onboarding wizard", team_id="TB").quotes == []
    assert search_quotes(store, "onboarding wizard").quotes == []


def test_conversation_weighs_latest_message_most(corpus):
    terms = conversation_terms(["we talked about the top up limits", "anyway",
                                "what about the exchange rate on foreign card payments?"])
    result = search_terms(corpus, terms, limit=3)
    assert any("exchange" in q.text.lower() for q in result.quotes)


def test_excluded_ids_are_not_shown(corpus):
    first = search_quotes(corpus, "exchange rate abroad wrong", limit=3)
    again = search_quotes(corpus, "exchange rate abroad wrong", limit=3,
                          exclude_ids={q.id for q in first.quotes})
    assert not {q.id for q in first.quotes} & {q.id for q in again.quotes}


def test_search_json_gives_the_imported_rows_own_id_and_replay_the_same_ids(tmp_path):
    """A user finds a quote in their own export by `id`; `rowid` is only the database's key."""
    import json

    from click.testing import CliRunner

    from bot.cli import cli

    from ..conftest import write_csv

    rows = [["ticket", "text", "category"],
            ["ZD-1041", "the exchange rate abroad was wrong on my card payment", "exchange_rate"],
            ["ZD-1042", "exchange rate on purchases abroad is a rip off", "exchange_rate"],
            ["ZD-1043", "my card has not arrived yet", "card_arrival"]]
    source = write_csv(tmp_path / "tickets.csv", rows)
    db = str(tmp_path / "ids.db")
    runner = CliRunner()
    runner.invoke(cli, ["import", str(source), "--db", db, "--id-column", "ticket"], catch_exceptions=False)
    out = runner.invoke(cli, ["search", "exchange rate abroad", "--db", db, "--json"], catch_exceptions=False)
    quotes = json.loads(out.output)
    assert {q["id"] for q in quotes} == {"ZD-1041", "ZD-1042"}
    assert all(isinstance(q["rowid"], int) and "external_id" not in q for q in quotes)
    meeting = tmp_path / "m.txt"
    meeting.write_text("ana: Decision: we drop the exchange rate markup on purchases abroad.\n")
    replayed = runner.invoke(cli, ["replay", str(meeting), "--db", db, "--json"], catch_exceptions=False)
    [record] = [json.loads(line) for line in replayed.output.splitlines()]
    assert record["action"] == "decision" and record["quotes"]
    assert set(record["quotes"]) <= {"ZD-1041", "ZD-1042"}
