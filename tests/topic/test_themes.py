"""Themes for quotes with no label: clusters of their vectors, named by their words."""

from __future__ import annotations

from bot.store import connect
from bot.topic import themes
from bot.topic.belief import vote

from ..conftest import needs_meaning


@needs_meaning
def test_unlabelled_quotes_get_themes_named_by_their_words(unlabelled_db):
    store = connect(unlabelled_db)
    try:
        found = themes.clusters(store)
        assert found is not None and len(found.names) > 20
        assert len(set(found.names)) == len(found.names)
        assert all(found.theme_of(int(i)) for i in found.ids[:50])
        assert themes.clusters(store) is found  # found once, not on every message
        named = " ".join(found.names)
        assert "card" in named and "transfer" in named
    finally:
        store.close()


@needs_meaning
def test_a_message_votes_for_a_cluster_where_quotes_have_no_label(unlabelled_db):
    store = connect(unlabelled_db)
    try:
        found = vote(store, "my new card still has not arrived after two weeks")
        theme = max(found.shares, key=found.shares.get)
        assert theme in themes.clusters(store).names
        assert any(word in theme for word in ("card", "arrive", "arrived", "deliver", "waiting", "post"))
    finally:
        store.close()


@needs_meaning
def test_labelled_quotes_keep_their_labels(meaning_db):
    store = connect(meaning_db)
    try:
        assert themes.clusters(store) is None  # every quote is labelled: nothing to cluster
        assert themes.labels_or_theme(None, 1, ("card_arrival",)) == ("card_arrival",)
    finally:
        store.close()
