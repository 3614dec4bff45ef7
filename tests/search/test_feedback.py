"""Clicks shape a channel's ranking, on the lexical path too (no vectors in these databases)."""

import shutil

import pytest

from bot.ingest.importer import add_quote
from bot.meeting.policy import answer_topic
from bot.search import feedback as clicks
from bot.store import connect


@pytest.fixture
def corpus(banking_db, tmp_path):
    """A copy of the sample corpus: these tests vote and add quotes."""
    path = tmp_path / "clicks.db"
    shutil.copy(banking_db, path)
    connection = connect(path)
    yield connection
    connection.close()


def _labels(action) -> list[str]:
    return [q.labels[0] if q.labels else "" for q in action.quotes]


def test_a_channel_without_clicks_has_none(corpus):
    assert not clicks.load(corpus, "T1", "C-none")


def test_more_like_this_lifts_quotes_with_the_same_label_in_that_channel(corpus, voice):
    before = answer_topic(corpus, voice, "T1", "C-like", "my card", limit=5)
    liked = corpus.connection.execute("SELECT id FROM feedback WHERE labels = ? LIMIT 1",
                                      ('["card_arrival"]',)).fetchone()[0]
    corpus.clicks.record("T1", "C-like", liked, "U1", "more_like_this")
    assert clicks.load(corpus, "T1", "C-like").liked == (liked,)
    after = answer_topic(corpus, voice, "T1", "C-like", "my card", limit=5)
    assert _labels(after).count("card_arrival") > _labels(before).count("card_arrival")
    other = answer_topic(corpus, voice, "T1", "C-unclicked", "my card", limit=5)
    assert [q.id for q in other.quotes] == [q.id for q in before.quotes]


def _first_copy(action, ids) -> int:
    return next((n for n, q in enumerate(action.quotes) if q.id in ids), len(action.quotes))


def test_not_relevant_pushes_down_near_copies_in_that_channel_only(corpus, voice):
    topic = "llama export wizard crashed"
    ids = {add_quote(corpus, f"The llama export wizard crashed and lost my llama report{end}", "support")
           for end in ("", " again", " today")}
    first = answer_topic(corpus, voice, "T1", "C-nr", topic, limit=3)
    assert first.quotes[0].id in ids  # one of the copies: the others are its duplicates
    corpus.clicks.record("T1", "C-nr", first.quotes[0].id, "U1", "not_relevant")
    again = answer_topic(corpus, voice, "T1", "C-nr", topic, limit=3)
    elsewhere = answer_topic(corpus, voice, "T1", "C-other", topic, limit=3)
    assert first.quotes[0].id not in {q.id for q in again.quotes}  # hidden there, as before
    assert elsewhere.quotes[0].id == first.quotes[0].id  # one channel's click stays its own
    assert _first_copy(again, ids) > 0  # the remaining copies no longer lead in that channel
