import re

import pytest

from bot.errors import ConfigError
from bot.search.conversation import conversation_terms, conversation_texts
from bot.search.jargon import glossary, plain
from bot.search.quotes import search_quotes


def _labels(result) -> list[str]:
    return [q.labels[0] if q.labels else "" for q in result.quotes]


def test_team_jargon_finds_what_customers_wrote(corpus):
    """Customers never write "NFC" or "KYC": the search reads the team's words as theirs."""
    contactless = _labels(search_quotes(corpus, "NFC dead on the new batch"))
    assert contactless.count("contactless_not_working") >= 4
    identity = _labels(search_quotes(corpus, "KYC keeps failing for new accounts"))
    assert identity[0] in ("why_verify_identity", "verify_my_identity", "unable_to_verify_identity")


def test_jargon_is_replaced_by_plain_words():
    assert plain("Card loads stuck in processing") == "top ups by card stuck in processing"
    assert plain("PANs in the dump, reissue?") == "card numbers in the dump, replacement card?"
    assert plain("short-dispense claims") == "atm gave the wrong amount of cash claims"


@pytest.mark.parametrize("text", [
    "the repo is on the auth branch",  # engineering talk: "repo" and "auth" are theirs
    "onboarding the new hire on Monday",
    "a different colour scheme for the deck",
    "put it in the bin",
    "ddos alerts on the fxrates service",  # terms only as whole words
])
def test_the_teams_own_talk_is_left_alone(text):
    assert plain(text) == text


def test_both_the_terms_and_the_embedded_text_read_plain_words():
    messages = ["morning", "the tradelines the furnishers re-report"]
    assert "credit" in {t.word for t in conversation_terms(messages)}
    assert "tradelines" not in {t.word for t in conversation_terms(messages)}
    assert conversation_texts(messages)[0][0].startswith("the accounts on my credit report")


def test_glossary_entries_are_plain_lowercase_text():
    words = glossary()
    assert len(words) > 100
    for term, plain_words in words.items():
        assert term == term.strip().lower() and plain_words == plain_words.strip().lower()
        assert plain_words and not re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", plain_words), term


@pytest.mark.parametrize("content,named", [
    ('[cards]\nplastic = "my card"\nkyc = \n', "line 3"),
    ('[cards]\nplastic = 3\n', '[cards] "plastic"'),
    ('[cards]\nplastic = ""\n', '[cards] "plastic"'),
    ('plastic = "my card"\n', "`plastic` must be a [table]"),
])
def test_a_mistake_in_an_edited_glossary_is_named_with_its_place(tmp_path, content, named):
    path = tmp_path / "jargon.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        glossary(path)
    assert str(path) in str(caught.value) and named in str(caught.value)
