"""The OAuth state store: states are used once, expire, and never pile up."""

from __future__ import annotations

import threading

import pytest

from bot.store.sqlite.installations import TooManyStates, oauth_stores


def test_a_state_is_used_once_and_not_after_it_expires(tmp_path):
    now = [1_000_000.0]
    _, states = oauth_stores(tmp_path / "i.db", "1.2", state_seconds=600)
    states.clock = lambda: now[0]
    first, second = states.issue(), states.issue()
    assert states.consume(first) and not states.consume(first)
    now[0] += 600
    assert not states.consume(second) and not states.consume("' OR 1=1 --")
    assert states.live() == 0


def test_threads_issuing_at_once_never_pass_the_cap(tmp_path):
    _, states = oauth_stores(tmp_path / "i.db", "1.2", state_seconds=600, max_states=10)
    issued, refused = [], []

    def visit() -> None:
        try:
            issued.append(states.issue())
        except TooManyStates:
            refused.append(1)

    threads = [threading.Thread(target=visit) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert (len(issued), len(refused), states.live()) == (10, 30, 10)
    with pytest.raises(TooManyStates):
        states.issue()
