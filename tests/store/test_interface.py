"""Every backend implements the storage interface of bot/store/base.py, method for method."""

from __future__ import annotations

import inspect

import pytest

from bot.store import base
from bot.store.sqlite import SqliteStore

REPOSITORIES = {"quotes": base.Quotes, "themes": base.Themes, "vectors": base.Vectors,
                "channels": base.Channels, "clicks": base.Clicks, "decisions": base.Decisions,
                "digests": base.Digests, "events": base.Events}


def _methods(cls: type) -> dict[str, inspect.Signature]:
    return {name: inspect.signature(f) for name, f in inspect.getmembers(cls, inspect.isfunction)
            if not name.startswith("_")}


@pytest.mark.parametrize("attribute,protocol", REPOSITORIES.items())
def test_sqlite_repositories_implement_the_interface(attribute, protocol):
    store = SqliteStore(":memory:")
    implemented = _methods(type(getattr(store, attribute)))
    for name, signature in _methods(protocol).items():
        assert name in implemented, f"SQLite {attribute} lacks {name}"
        assert list(implemented[name].parameters) == list(signature.parameters), f"{attribute}.{name}"
    assert set(implemented) <= set(_methods(protocol)), "a public method missing from base.py"


def test_the_store_has_every_repository():
    store = SqliteStore(":memory:")
    for attribute in REPOSITORIES:
        assert getattr(store, attribute) is not None
    assert store.ping() and store.backend == "sqlite"
