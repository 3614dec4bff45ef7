"""Every backend implements the storage interface of bot/store/base.py, method for method."""

from __future__ import annotations

import inspect

import pytest

from bot.store import base
from bot.store.sqlite import SqliteStore

REPOSITORIES = {"quotes": base.Quotes, "themes": base.Themes, "vectors": base.Vectors,
                "channels": base.Channels, "clicks": base.Clicks, "decisions": base.Decisions,
                "digests": base.Digests, "events": base.Events,
                "hands": base.Hands}


def _methods(cls: type) -> dict[str, inspect.Signature]:
    return {name: inspect.signature(f) for name, f in inspect.getmembers(cls, inspect.isfunction)
            if not name.startswith("_")}


def _postgres_classes() -> dict[str, type]:
    """The PostgreSQL repository classes, read without a server: the check is of their methods."""
    postgres = pytest.importorskip("bot.store.postgres", reason="psycopg is not installed")
    return {"quotes": postgres.PostgresQuotes, "themes": postgres.PostgresThemes,
            "vectors": postgres.PostgresVectors, "channels": postgres.PostgresChannels,
            "clicks": postgres.PostgresClicks, "decisions": postgres.PostgresDecisions,
            "digests": postgres.PostgresDigests, "events": postgres.PostgresEvents,
            "hands": postgres.PostgresHands}


def _check(backend: str, cls: type, attribute: str, protocol: type) -> None:
    implemented = _methods(cls)
    for name, signature in _methods(protocol).items():
        assert name in implemented, f"{backend} {attribute} lacks {name}"
        assert list(implemented[name].parameters) == list(signature.parameters), f"{attribute}.{name}"
    assert set(implemented) <= set(_methods(protocol)), "a public method missing from base.py"


@pytest.mark.parametrize("attribute,protocol", REPOSITORIES.items())
def test_sqlite_repositories_implement_the_interface(attribute, protocol):
    store = SqliteStore(":memory:")
    _check("SQLite", type(getattr(store, attribute)), attribute, protocol)


@pytest.mark.parametrize("attribute,protocol", REPOSITORIES.items())
def test_postgres_repositories_implement_the_interface(attribute, protocol):
    _check("PostgreSQL", _postgres_classes()[attribute], attribute, protocol)


def test_the_store_has_every_repository(store):
    for attribute in REPOSITORIES:
        assert getattr(store, attribute) is not None
    assert store.ping() and store.backend in ("sqlite", "postgres")
    with store.transaction():
        with store.transaction():  # nested use joins the outer one
            store.events.seen("E1", 1.0)
    assert store.events.seen("E1", 2.0)


def test_a_failed_transaction_leaves_nothing(store):
    with pytest.raises(RuntimeError), store.transaction():
        store.events.seen("E2", 1.0)
        store.channels.ensure("T1", "C1", 1.0)
        raise RuntimeError("stop")
    assert not store.events.seen("E2", 3.0)
    assert store.channels.get("T1", "C1") is None


def test_a_channel_post_is_claimed_once_per_cooldown(store):
    store.channels.ensure("T1", "C1", 100.0)
    assert store.channels.claim_post("T1", "C1", 200.0, 300)
    assert not store.channels.claim_post("T1", "C1", 200.0, 300)  # the second replica, same moment
    assert not store.channels.claim_post("T1", "C1", 499.0, 300)
    assert store.channels.claim_post("T1", "C1", 500.0, 300)
    assert store.channels.get("T1", "C1").last_post_at == 500.0
