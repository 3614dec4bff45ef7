"""Quality floor and product-brief examples for bot.decision_classifier.

The F1 floors are the figures reached on tests/data/decisions.jsonl when the
rules were last changed, minus 0.02 and rounded down, so an accidental
regression fails here while small wording changes do not.  The metrics come
from bench/decision_eval.py so they match the benchmark report.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.meeting.decisions import Verdict, classify, is_decision

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from decision_eval import baseline, load, score  # noqa: E402

DATA = ROOT / "tests" / "data" / "decisions.jsonl"

MIN_F1 = 0.95  # reached 0.976
MIN_HARD_F1 = 0.94  # reached 0.969
MAX_BASELINE_HARD_F1 = 0.2


@pytest.fixture(scope="module")
def examples():
    rows = load(DATA)
    assert rows, f"no labelled lines in {DATA}"
    return rows


def test_overall_f1(examples):
    s = score([(ex.gold, is_decision(ex.text)) for ex in examples])
    assert s.f1 >= MIN_F1, f"overall F1 {s.f1:.3f} < {MIN_F1} (P={s.precision:.3f} R={s.recall:.3f})"


def test_hard_f1(examples):
    hard = [ex for ex in examples if ex.hard]
    assert hard
    s = score([(ex.gold, is_decision(ex.text)) for ex in hard])
    assert s.f1 >= MIN_HARD_F1, f"hard F1 {s.f1:.3f} < {MIN_HARD_F1} (P={s.precision:.3f} R={s.recall:.3f})"


def test_keyword_baseline_fails_on_hard_cases(examples):
    """Documents the difficulty: a keyword list is useless on the hard subset."""
    s = score([(ex.gold, baseline(ex.text)) for ex in examples if ex.hard])
    assert s.f1 < MAX_BASELINE_HARD_F1


@pytest.mark.parametrize(
    "text",
    [
        "Fine, annual plans go away in June.",
        "Yep, we keep the old pricing page.",
        "Rolling out the new fee schedule on the 1st.",
        "No more SMS codes, email only.",
        "let's ship it Friday",
        "we'll drop the free tier",
    ],
)
def test_brief_decisions(text):
    verdict = classify(text)
    assert verdict.is_decision, verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "Let's revisit the fee next week",
        "Were we going with vendor A or B?",
        "Say we go with the yearly plan, what happens to refunds?",
        "Back in 2023 we decided against SMS",
        "This needs a call from leadership",
        "yeah the courier switch in May made card delivery slower, I saw the tracking data",
    ],
)
def test_brief_non_decisions(text):
    verdict = classify(text)
    assert not verdict.is_decision, verdict.reason


@pytest.mark.parametrize("text", ["", "🎉", "x" * 10000, "<@U1> <https://a|b>"])
def test_never_raises(text):
    verdict = classify(text)
    assert isinstance(verdict, Verdict)
    assert isinstance(verdict.is_decision, bool)
    assert not verdict.reason.startswith("error"), verdict.reason


# --------------------------------------------------------------------------
# General patterns, each with sentences written for these tests (not taken
# from the labelled sets).
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Payments sitting unsettled since Friday are piling up.",
        "Two unapproved vendors are still invoicing us.",
        "Chargebacks from the unlocked in-app wallet keep coming in.",
        "Transfers unsettled for days confuse people.",
    ],
)
def test_a_marker_inside_a_longer_word_is_not_a_marker(text):
    verdict = classify(text)
    assert not verdict.is_decision, verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "Does the export include fees",
        "did finance ever sign off on the waiver",
        "Quick one, do trial users even see the banner",
        "quick one: do refunds actually go back to the card",
        "Keep the free tier, or is that too generous",
        "We keep the free tier, or did you want to cut it",
    ],
)
def test_a_question_without_its_question_mark_is_a_question(text):
    verdict = classify(text)
    assert verdict == Verdict(False, "question"), verdict.reason


@pytest.mark.parametrize("text", ["Do it.", "Do both: email and SMS.", "do it all in one release"])
def test_an_imperative_do_stays_a_decision(text):
    verdict = classify(text)
    assert verdict.is_decision, verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "Agreed to keep the paper statements for over-70s.",
        "Decided against a fee for instant transfers.",
        "Settled on the blue card design.",
        "ok, agreed to move the KYC vendor to the new contract in May",
    ],
)
def test_a_subjectless_agreed_to_announces_the_decision(text):
    verdict = classify(text)
    assert verdict.is_decision, verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "Agreed to disagree on the fee.",
        "Agreed on nothing today.",
        "Agreed to revisit the fee next month.",
        "Agreed that the fee is confusing.",
    ],
)
def test_a_subjectless_agreed_without_a_commitment_is_not_a_decision(text):
    verdict = classify(text)
    assert not verdict.is_decision, verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "Product decision, paper statements stay free for over-70s.",
        "Team call: the beta stays invite-only.",
        "Pricing decision - annual plans get two months free.",
        "Design decision, the card number is shown on the back only.",
    ],
)
def test_a_kind_of_decision_as_a_label_announces_it(text):
    verdict = classify(text)
    assert verdict.is_decision, verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "Product decision: pending.",
        "Product decision, do we keep it?",
        "Product decisions are made by the pricing council.",
        "Risk decision, let us revisit it in May.",
        "Tough call, hard to say.",
    ],
)
def test_a_decision_label_without_a_settled_content_is_not_a_decision(text):
    verdict = classify(text)
    assert not verdict.is_decision, verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "Overdraft buffer raised to 50 pounds effective next month.",
        "Card freeze limit lifted effective end of the week.",
        "Paper statements discontinued effective from the 1st.",
        "Instant transfer fee waived for students effective tonight.",
    ],
)
def test_a_change_effective_from_a_future_time_is_a_decision(text):
    verdict = classify(text)
    assert verdict.is_decision, verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "I am on leave effective tomorrow.",
        "Is the new limit effective next month?",
        "The new limit was effective last month.",
        "Not sure the cap is effective tonight.",
    ],
)
def test_effective_without_a_team_change_is_not_a_decision(text):
    verdict = classify(text)
    assert not verdict.is_decision, verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "The statement export job runs tonight.",
        "Joint accounts ship with the spring release in April.",
        "The new fee schedule takes effect on the 1st.",
        "The old app switches over next Monday.",
        "Fine. Virtual cards launch for business accounts next quarter.",
        "Audit freeze starts on the 20th.",
        "Statement redesign lands in the March release.",
        "Budget pots move to the home screen in the 5.2 release.",
        "Savings pots for kids open in June.",
        "Alerts on large payments switch to push next week.",
        "Replacement cards for lost phones ship next sprint.",
    ],
)
def test_a_thing_on_the_teams_timetable_is_a_decision(text):
    verdict = classify(text)
    assert verdict.is_decision, verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "The vendor's patch lands next week.",
        "Their new API lands next sprint.",
        "My flight lands tomorrow.",
        "Payroll usually runs on Friday.",
        "The report runs every night.",
        "Revenue goes up next quarter.",
        "The team offsite starts tomorrow in Lisbon.",
        "The new hire starts on Monday.",
        "Does the export job run tonight",
        "The audit starts next Monday, expect questions.",
        "Reminder: the all-hands starts at 4 tomorrow.",
        "Q3 planning kicks off next week.",
        "The outage report lands tomorrow.",
        "Mastercard changes its fee table in April.",
        "Statements go out on the 1st as usual.",
        "The v2 build is broken in the March release.",
        "The dispute team moves to the new tool next week, expect slower responses.",
        "Pay day lands on a Sunday next month so salaries come in Friday.",
        "Tickets about the new fee start piling up on Monday.",
        "Most disputes from the summer land in September.",
        "Delays for card deliveries to Ireland start on Monday because of the strike.",
    ],
)
def test_someone_elses_timetable_or_a_habit_is_not_a_decision(text):
    verdict = classify(text)
    assert not verdict.is_decision, verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "Ramping the new onboarding flow to half of users on Monday.",
        "Expanding the pilot to Ireland in June.",
        "ok, flipping the savings boost flag for everyone tonight",
    ],
)
def test_an_opening_verb_with_a_future_time_is_a_scheduled_decision(text):
    verdict = classify(text)
    assert verdict.is_decision, verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "Interviewing two candidates tomorrow.",
        "Travelling to Berlin on Monday.",
        "Working from home tomorrow.",
        "Presenting the roadmap at the all-hands next week.",
        "Chasing the vendor again tomorrow.",
        "Celebrating tonight!",
    ],
)
def test_a_persons_own_plans_are_not_decisions(text):
    verdict = classify(text)
    assert not verdict.is_decision, verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "We are refunding every affected customer this week.",
        "We're rewriting the dispute emails this week.",
    ],
)
def test_we_are_doing_a_definite_thing_this_week_is_a_decision(text):
    verdict = classify(text)
    assert verdict.is_decision, verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "We're onboarding 3 customers this week.",
        "We're currently rewriting the dispute emails.",
        "We're still rewriting the emails this week.",
        "We're seeing the same errors this week.",
        "we're interviewing the two finalists this week",
    ],
)
def test_we_are_doing_something_as_status_is_not_a_decision(text):
    verdict = classify(text)
    assert not verdict.is_decision, verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "Let's make the savings goal editable after it is created.",
        "let's hire a contractor for the audit",
        "let's give premium users free instant transfers",
        "let's set the daily limit to 500",
        "let's leave the onboarding as is",
        "let's bring back the old statement layout",
        "let's notify affected customers by email",
    ],
)
def test_lets_with_any_verb_and_an_object_is_a_commitment(text):
    verdict = classify(text)
    assert verdict.is_decision, verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "let's revisit the fee",
        "let's discuss the fee",
        "let's look into the chargebacks",
        "let's think about the fee",
        "let's make sure legal sees it",
        "let's grab lunch",
        "let's sync tomorrow",
        "let's regroup monday",
        "let's give it a week",
        "let's be honest about the churn",
        "let's put a pin in the fee question",
        "let's sit on it",
        "let's ping legal",
        "let's hop on a call",
        "let's wrap up",
    ],
)
def test_lets_that_talks_or_runs_the_meeting_is_not_a_commitment(text):
    verdict = classify(text)
    assert not verdict.is_decision, verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "do it in one sitting, takes about an hour",
        "dropping the spare badge at reception later",
        "evenings only",
        "the new onboarding flow is live on staging",
    ],
)
def test_errands_availability_and_internal_builds_are_not_decisions(text):
    verdict = classify(text)
    assert not verdict.is_decision, verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "Do it in the next release.",
        "The new savings screen is live for all customers.",
        "Weekly only for the digest emails.",
        "Card PIN reveal goes live on Monday.",
    ],
)
def test_the_same_shapes_about_the_product_stay_decisions(text):
    verdict = classify(text)
    assert verdict.is_decision, verdict.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("New accounts get a 500 daily limit from Monday.", True),
        ("The weekly digest moves to Mondays from next month.", True),
        ("We deploy weekly.", False),
        ("we run the reconciliation nightly", False),
    ],
)
def test_a_frequency_before_a_noun_is_no_habit(text, expected):
    verdict = classify(text)
    assert verdict.is_decision is expected, verdict.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Instant transfers stay free for Premium.", True),
        ("Paper statements stay opt-in.", True),
        ("Joint accounts stay on the old plan.", True),
        ("Customers stay with us longer.", False),
        ("Numbers stay flat.", False),
        ("We need people to stay on top of it.", False),
    ],
)
def test_things_that_stay_as_they_are_by_decision(text, expected):
    verdict = classify(text)
    assert verdict.is_decision is expected, verdict.reason
