"""How long each kind of owed post is worth trying, and the waits between tries."""

from __future__ import annotations

import pytest

from bot.models import Post
from bot.outbox import ANSWER, DECISION, INTRO, QUOTES, RESPONSE, RESPONSE_URL, Rules, expired


@pytest.mark.parametrize("kind, method, seconds", [
    (RESPONSE, RESPONSE_URL, 1800),  # Slack's rule for a response_url
    (QUOTES, RESPONSE_URL, 1800),  # whatever the kind: the response_url decides
    (QUOTES, "chat.postMessage", 300),  # the meeting moves on
    (DECISION, "chat.postMessage", 86400),
    (INTRO, "chat.postMessage", 86400),
    (ANSWER, "chat.postMessage", 1800),
    ("raise_hand", "reactions.add", 3600),  # a kind added later gets an hour until it says otherwise
])
def test_each_kind_of_post_is_worth_trying_for_its_own_time(kind, method, seconds):
    assert Rules().lifetime(kind, method) == seconds
    assert Rules().expires_at(kind, method, 1000.0) == 1000.0 + seconds


def test_quotes_lifetime_is_a_setting():
    assert Rules(quotes_seconds=120).lifetime(QUOTES, "chat.postMessage") == 120


def test_waits_double_up_to_the_cap():
    rules = Rules(first_wait=1.0, max_wait=10.0)
    assert [rules.wait(n) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]


def post(attempts: int, expires_at: float = 1000.0) -> Post:
    return Post(1, QUOTES, "T1", "chat.postMessage", {}, 0.0, expires_at, attempts=attempts)


def test_the_next_try_honours_retry_after_and_never_passes_the_expiry():
    rules = Rules(first_wait=1.0, max_wait=60.0)
    assert rules.next_try(post(3), 100.0) == 104.0
    assert rules.next_try(post(3), 100.0, retry_after=30.0) == 130.0  # Slack said how long
    assert rules.next_try(post(1), 100.0, retry_after=5000.0) is None  # past its expiry: given up
    assert rules.next_try(post(1, expires_at=100.5), 100.0) is None
    assert expired(post(1, expires_at=100.0), 100.0) and not expired(post(1), 100.0)
