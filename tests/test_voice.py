import string

import pytest

from bot.errors import MissingVariables, NoSuchPrompt
from bot.models import Evidence, Quote
from bot.voice import Voice, evidence_text, quote_text, quotes_message, rating_mark


def test_every_template_renders_with_its_variables(voice):
    for name, template in voice.templates.items():
        for text in template if isinstance(template, list) else [template]:
            names = string.Template(text).get_identifiers()
            rendered = voice.render(name, **{n: "x" for n in names}) if isinstance(template, str) \
                else text
            assert "$" not in rendered.replace("$$", "") or not names


def test_missing_variable_is_an_error(voice):
    with pytest.raises(MissingVariables, match="topic"):
        voice.render("meeting.quotes_header")


def test_unknown_prompt_names_the_file(voice):
    with pytest.raises(NoSuchPrompt, match="meeting.toml"):
        voice.render("meeting.nope")


def test_decision_questions_rotate(voice):
    questions = [voice.choice("meeting.decision_questions", i) for i in range(7)]
    assert len(set(questions)) == 6 and questions[6] == questions[0]


def test_edited_template_changes_what_the_bot_says(tmp_path):
    (tmp_path / "meeting.toml").write_text('no_evidence = "Nothing on $topic, sorry."\n')
    voice = Voice.load(tmp_path)
    assert quotes_message(voice, "fees", [], Evidence(0, (), None, None, "none")) == "Nothing on fees, sorry."


def test_long_quotes_are_trimmed_and_sourced(voice):
    quote = Quote(1, "word " * 500, "zendesk", "2026-01-02T10:00:00", 1.0)
    text = quote_text(voice, quote)
    assert len(text) < 700 and text.endswith("— zendesk, 2026-01-02") and "…" in text


def test_thin_evidence_is_called_thin(voice):
    assert "one customer" in evidence_text(voice, Evidence(1, ("app",), None, None, "single"))


@pytest.mark.parametrize("rating, scale, mark", [
    (0.0, "stars5", "★☆☆☆☆"), (1.0, "stars5", "★★★★★"), (0.875, "stars5", "★★★★★"), (0.3, "nps10", "NPS 3"),
    (0.0, "csat2", "CSAT bad"), (1.0, "csat2", "CSAT good"), (0.25, "csat5", "CSAT 2/5"),
    (0.0, "thumbs2", "thumbs down"), (0.85, "pct100", "85%"), (0.7, "score10", "7/10"), (None, None, ""),
])
def test_a_rating_is_shown_on_the_customers_own_scale(voice, rating, scale, mark):
    quote = Quote(1, "It broke", "App Store review", "2024-03-14", 1.0, rating=rating, rating_scale=scale)
    assert rating_mark(voice, quote.rated) == mark
    assert quote_text(voice, quote).endswith(f"— {mark + ' ' if mark else ''}App Store review, 2024-03-14")
