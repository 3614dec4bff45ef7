"""Each tool's real export layout imports right with no flags (issue #18).

The samples in tests/ingest/exports/ follow each tool's public documentation: field names,
nesting, encoding, date formats, header rows and footers. Their customer text is invented.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.ingest.importer import import_file
from bot.ingest.layout import presets
from bot.models import Rating

EXPORTS = Path(__file__).parent / "exports"


@dataclass(frozen=True)
class Export:
    """What one export must give: how many quotes, and one record checked field by field."""

    file: str
    quotes: int  # rows that carry customer words
    id: str
    date: str
    title: str | None  # the subject or title the quote opens with
    body: str  # words from the body that follow it
    labels: list[str]
    rating: float | None
    columns: dict[str, str]  # what the dry-run names for each field
    no_comment: int = 0
    preset: str = ""


CHARGED = "Hi, my card was charged twice"
TWICE = "Charged twice for March"
MARCH_1 = "2024-03-01T09:14:00"
PRICE = "Our plan went from 29 to 39 a month"
# The scale each tool rates on, as the import decides it from the rating column.
SCALE_BY_TOOL = {"zendesk": "csat2", "zendesk-incremental": "csat2", "trustpilot": "stars5",
                 "intercom": "csat5", "app-store": "stars5", "google-play": "stars5",
                 "typeform": "nps10", "surveymonkey": "nps10", "delighted": "nps10"}
EXPORTS_BY_TOOL = {
    "zendesk": Export("zendesk-tickets.json", 20, "35436", "2024-03-01T09:14:00", "Charged twice for March",
                      CHARGED, ["billing", "vip"], 1,  # CSAT good
                      {"text": "description", "title": "subject", "id": "id", "date": "created_at",
                       "labels": "tags", "rating": "satisfaction_rating.score"}, preset="zendesk"),
    "zendesk-incremental": Export("zendesk-incremental.jsonl", 14, "36436", "2024-03-01T09:14:00",
                                  "Charged twice for March", CHARGED, ["billing", "vip"], 1,
                                  {"text": "description", "title": "subject", "date": "created_at",
                                   "rating": "satisfaction_rating.score"},
                                  preset="zendesk-incremental"),
    "hubspot": Export("hubspot-tickets.csv", 16, "1810450000", MARCH_1, TWICE, CHARGED,
                      ["BILLING_ISSUE"], None,
                      {"text": "Ticket description", "title": "Ticket name", "id": "Ticket ID",
                       "date": "Create date", "labels": "Category"}, preset="hubspot"),
    "salesforce": Export("salesforce-cases.csv", 20, "00001039", "2024-03-14T11:55:00",
                         "Price increase without notice", PRICE, ["Billing"], None,
                         {"text": "Description", "title": "Subject", "id": "Case Number",
                          "date": "Date/Time Opened", "labels": "Case Reason"}, preset="salesforce"),
    "trustpilot": Export("trustpilot-reviews.csv", 18, "65f2c007a1b2c3d4e5f6a7b8", "2024-03-08T18:13:00",
                         "Delivery took three weeks", "Ordered on the 1st", ["delivery"], 2,
                         {"text": "Review Content", "title": "Review Title", "id": "Review ID",
                          "date": "Review Created (UTC)", "rating": "Review Stars"}, preset="trustpilot"),
    "jira": Export("jira-issues.csv", 15, "SUP-101", MARCH_1, TWICE, CHARGED,
                   ["billing", "customer-portal"], None,
                   {"text": "Description", "title": "Summary", "id": "Issue key", "date": "Created",
                    "labels": "Labels, Labels (2)"}, preset="jira"),
    "intercom": Export("intercom-conversations.csv", 14, "215468000000000", "2024-06-29T14:14:00",
                       "Charged twice for March", CHARGED, ["billing", "priority"], 1,
                       {"text": "First user message", "title": "Title", "id": "Conversation ID",
                        "date": "Conversation started at (Europe/London)", "rating": "Conversation rating"},
                       preset="intercom"),
    "app-store": Export("app-store-reviews.json", 16, "0000010-7c1f-4e2a-9b3d-5a6f00000000", MARCH_1,
                        "Stopped working after update", "Since the latest update", [], 1,
                        {"text": "body", "title": "title", "id": "id", "date": "createdDate",
                         "rating": "rating"},
                        preset="app-store"),
    "google-play": Export("google-play-reviews.csv", 18,
                          "http://play.google.com/console/developers/5678/app/4973/user-feedback/"
                          "review-details?reviewId=gp:AOqpTOH0000xYz", "2024-03-01T09:14:00",
                          "Stopped working after update", "Since the latest update", [], 1,
                          {"text": "Review Text", "title": "Review Title", "id": "Review Link",
                           "date": "Review Submit Date and Time", "rating": "Star Rating"},
                          preset="google-play"),
    "typeform": Export("typeform-responses.csv", 12, "x7fk2000qz8b1w", "2024-03-01T09:16:00", None,
                       "Setup took ten minutes", [], 9,
                       {"text": "What is the main reason for your score?", "id": "#",
                        "date": "Submit Date (UTC)",
                        "rating": "How likely are you to recommend Acme"}, no_comment=6, preset="typeform"),
    "surveymonkey": Export("surveymonkey-responses.csv", 12, "114261891000", "2024-03-11T15:04:00", None,
                           "Setup took ten minutes", [], 9,
                           {"text": "What is the main reason for your score?", "id": "Respondent ID",
                            "date": "Start Date", "rating": "How likely is it that you would recommend"},
                           preset="surveymonkey"),
    "delighted": Export("delighted-responses.csv", 9, "90412000", "2024-03-01T09:14:00", None,
                        "Setup took ten minutes", ["enterprise"], 9,
                        {"text": "Comment", "id": "Response ID", "date": "Response Timestamp",
                         "rating": "Score"},
                        no_comment=15, preset="delighted"),
    "freshdesk": Export("freshdesk-tickets.csv", 12, "2301", MARCH_1, TWICE, CHARGED, ["billing"], None,
                        {"text": "Description", "title": "Subject", "id": "Ticket ID", "date": "Created time",
                         "labels": "Tags"}, preset="freshdesk"),
}
TOOLS = sorted(EXPORTS_BY_TOOL)


def rows(store):
    return store.connection.execute(
        "SELECT external_id, created, text, labels, rating, rating_scale FROM feedback ORDER BY id"
    ).fetchall()


@pytest.mark.parametrize("tool", TOOLS)
def test_export_imports_with_no_flags(conn, tool):
    spec = EXPORTS_BY_TOOL[tool]
    report = import_file(conn, EXPORTS / spec.file)
    assert report.bad == []
    assert (report.added, report.no_comment) == (spec.quotes, spec.no_comment)
    stored = {r["external_id"]: r for r in rows(conn)}
    assert len(stored) == spec.quotes
    row = stored[spec.id]
    assert row["created"] == spec.date
    if spec.title:
        assert row["text"].startswith(spec.title + ". " + spec.body)
    else:
        assert row["text"].startswith(spec.body)
    assert json.loads(row["labels"] or "[]") == spec.labels
    rating = Rating.stored(row["rating"], row["rating_scale"])
    assert (rating.original if rating else None) == spec.rating
    assert row["rating_scale"] == SCALE_BY_TOOL.get(tool)
    again = import_file(conn, EXPORTS / spec.file)
    assert (again.added, again.unchanged, again.bad) == (0, spec.quotes, [])
    assert len(rows(conn)) == spec.quotes


@pytest.mark.parametrize("tool", TOOLS)
def test_dry_run_names_each_field_and_imports_nothing(tmp_path, tool):
    spec = EXPORTS_BY_TOOL[tool]
    db = tmp_path / "dry.db"
    out = CliRunner().invoke(cli, ["import", str(EXPORTS / spec.file), "--db", str(db), "--dry-run"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    for field in ("text", "title", "id", "date", "labels", "rating"):
        line = next(line for line in lines if line.startswith(f"  {field} "))
        if field in spec.columns:
            assert spec.columns[field] in line, line
    assert len([line for line in lines if line.startswith("  line ")]) == 3
    assert "Nothing was imported" in out.output
    assert not db.exists()


@pytest.mark.parametrize("tool", TOOLS)
def test_preset_gives_the_same_quotes(conn, tool):
    spec = EXPORTS_BY_TOOL[tool]
    out = CliRunner().invoke(cli, ["import", str(EXPORTS / spec.file), "--db", str(conn.path),
                                   "--preset", spec.preset])
    assert out.exit_code == 0, out.output
    assert len(rows(conn)) == spec.quotes


def test_every_preset_is_a_tool_of_the_samples():
    assert {e.preset for e in EXPORTS_BY_TOOL.values()} == set(presets())


def test_agents_and_company_replies_are_never_quotes(conn):
    for spec in EXPORTS_BY_TOOL.values():
        import_file(conn, EXPORTS / spec.file)
    texts = " ".join(r["text"] for r in rows(conn))
    for reply in ("we're looking into it", "A fix is scheduled", "Thank you for your feedback",
                  "Sorry about this!", "Organic", "Basic link"):
        assert reply not in texts


def test_salesforce_footer_is_not_bad_rows_but_a_short_row_mid_file_is(conn, tmp_path):
    report = import_file(conn, EXPORTS / "salesforce-cases.csv")
    assert report.bad == [] and report.read == 20
    lines = (EXPORTS / "salesforce-cases.csv").read_text().splitlines()
    broken = tmp_path / "cases.csv"
    broken.write_text("\n".join(lines[:3] + ['"Grand Totals (2 records)"'] + lines[3:6]) + "\n")
    report = import_file(conn, broken)
    assert [(b.line, "expected 11 fields" in b.reason) for b in report.bad] == [(4, True)]


def test_a_source_column_as_the_only_words_is_refused_by_name(conn, tmp_path):
    path = tmp_path / "reviews.csv"
    sources = ["Organic", "Basic link", "Invitation"]
    path.write_text("Review ID,Review Created (UTC),Source Of Review,Review Stars\n" + "".join(
        f"r{i},2024-03-{i + 1:02d} 10:00:00,{sources[i % 3]},{i % 5 + 1}\n" for i in range(20)))
    out = CliRunner().invoke(cli, ["import", str(path), "--db", str(conn.path)])
    assert out.exit_code == 1
    assert "'Source Of Review'" in out.output and str(path) in out.output and "Traceback" not in out.output
    assert len(rows(conn)) == 0
    out = CliRunner().invoke(cli, ["import", str(path), "--db", str(conn.path),
                                   "--text-column", "Source Of Review"])
    assert out.exit_code == 1 and "'Source Of Review'" in out.output
    assert len(rows(conn)) == 0


def test_mapping_file_names_a_teams_own_columns(conn, tmp_path):
    path = tmp_path / "own.csv"
    path.write_text("Ref,Logged,Area,Heading,Verbatim\n"
                    "A-1,14.03.2024 10:22,Payments,Card refused,It was refused at the till twice\n"
                    "A-2,02.04.2024 08:05,Cards,Late card,My new card never came\n")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[columns]\ntext = "Verbatim"\ntitle = "Heading"\nid = "Ref"\ndate = "Logged"\n'
                       'labels = ["Area"]\ndate_format = "%d.%m.%Y %H:%M"\n')
    out = CliRunner().invoke(cli, ["import", str(path), "--db", str(conn.path), "--mapping", str(mapping)])
    assert out.exit_code == 0, out.output
    got = {r["external_id"]: (r["created"], r["text"], json.loads(r["labels"])) for r in rows(conn)}
    assert got["A-1"] == ("2024-03-14T10:22:00", "Card refused. It was refused at the till twice",
                          ["Payments"])
    assert got["A-2"][0] == "2024-04-02T08:05:00"
    mapping.write_text('text = "Words"\n')
    out = CliRunner().invoke(cli, ["import", str(path), "--db", str(conn.path), "--mapping", str(mapping)])
    assert out.exit_code == 1 and "'Words' is not a column" in out.output and "--mapping" in out.output


def test_day_order_comes_from_the_whole_column(conn, tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("id,date,text\n1,03/04/2024,first of the file is ambiguous\n"
                    "2,25/04/2024,this one is not\n")
    import_file(conn, path)
    assert {r["external_id"]: r["created"] for r in rows(conn)} == {"1": "2024-04-03", "2": "2024-04-25"}


def test_hostile_column_names_and_values_are_escaped_in_the_dry_run(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text('"body\x1b[31m",id\n"Refund please \x1b]8;;http://evil\x07 now",1\n')
    out = CliRunner().invoke(cli, ["import", str(path), "--dry-run"])
    assert out.exit_code == 0, out.output
    assert "\x1b" not in out.output and "\x07" not in out.output and "\\x1b" in out.output
