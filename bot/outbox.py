"""What the bot owes Slack: which posts are worth trying for how long, and when to try again.

Every post the bot decides to make (a decision's question, an answer, a `response_url` reply,
quotes it offers unprompted) is written to the store's outbox before its first try, and
delivered by a sender that retries it with growing waits, and a 429's `Retry-After` when Slack
gives one. A post is given up only once it no longer makes sense, which depends on why it
is owed (`LIFETIMES`): a `response_url` is good for 30 minutes (Slack's rule); quotes offered
unprompted are about what a channel was saying a few minutes ago; a decision's question
still matters the next morning. This module holds those rules and nothing of Slack's;
the sender is `bot.slack.delivery`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Post

MINUTE, HOUR = 60.0, 3600.0

# Why a post is owed; every kind has a lifetime (see `Rules.lifetime`).
DECISION = "decision"  # a decision's question, in its thread
QUOTES = "quotes"  # quotes offered unprompted: the meeting moves on
ANSWER = "answer"  # an answer someone asked for in a channel or thread (a mention, a shared answer)
RESPONSE = "response"  # a reply through a request's response_url (slash command, button)
INTRO = "intro"  # the introduction when the bot joins a channel
NOTICE = "notice"  # a short note to one person (ephemeral)

RESPONSE_URL = "response_url"  # the `method` of a post sent to a response_url rather than the Web API
RESPONSE_URL_LIFETIME = 30 * MINUTE  # Slack accepts posts to a response_url for 30 minutes


@dataclass(frozen=True)
class Rules:
    """How long each kind of post is worth trying, and how long to wait between tries."""

    quotes_seconds: float = 5 * MINUTE
    decision_seconds: float = 24 * HOUR
    first_wait: float = 1.0
    max_wait: float = 2 * MINUTE

    def lifetime(self, kind: str, method: str) -> float:
        """Seconds after it was decided that a post stops making sense."""
        if method == RESPONSE_URL:
            return RESPONSE_URL_LIFETIME
        return {DECISION: self.decision_seconds, QUOTES: self.quotes_seconds, ANSWER: RESPONSE_URL_LIFETIME,
                NOTICE: RESPONSE_URL_LIFETIME, INTRO: self.decision_seconds}.get(kind, HOUR)

    def expires_at(self, kind: str, method: str, now: float) -> float:
        return now + self.lifetime(kind, method)

    def wait(self, attempts: int) -> float:
        """1, 2, 4, ... seconds after the attempts so far, at most `max_wait`."""
        return min(self.max_wait, self.first_wait * 2 ** max(0, attempts - 1))

    def next_try(self, post: Post, now: float, retry_after: float | None = None) -> float | None:
        """When to try `post` again: after Slack's Retry-After if it gave one, else after the
        backoff; None when that is past the post's expiry (it is given up instead)."""
        at = now + (retry_after if retry_after is not None else self.wait(post.attempts))
        return at if at < post.expires_at else None


def expired(post: Post, now: float) -> bool:
    return now >= post.expires_at
