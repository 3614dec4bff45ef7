"""The log keeps no OAuth codes, states or tokens, whatever shape they are logged in."""

from __future__ import annotations

import io
import logging

import pytest

from bot.slack.logs import RedactSecrets, redact_secrets
from bot.slack.server import configure_logging


@pytest.mark.parametrize("line, secret", [
    ("request: {'code': ['c0de-1'], 'state': ['st4te-1']}", ("c0de-1", "st4te-1")),
    ("GET /slack/oauth_redirect?code=c0de.2&state=st4te-2 HTTP/1.1", ("c0de.2", "st4te-2")),
    ("Set-Cookie: slack-app-oauth-state=st4te-3; Secure; HttpOnly", ("st4te-3",)),
    ('{"access_token": "xoxb-1-2-abc", "refresh_token": "xoxe-1-def"}', ("xoxb-1-2-abc", "xoxe-1-def")),
    ("url: https://x/?redirect%3Fcode%3Dc0de-4%26state%3Dst4te-4", ("c0de-4", "st4te-4")),
    ("Failed to find any persistent data for state: st4te-5 - no such table", ("st4te-5",)),
    ("body_params: {'client_secret': 's3cr3t-6', 'client_id': '1.2'}", ("s3cr3t-6",)),
    ("app token xapp-1-A1-777 and user token xoxp-8-9", ("xapp-1-A1-777", "xoxp-8-9")),
    ("CODE=C0DE-10 State = st4te-10", ("C0DE-10", "st4te-10")),
])
def test_secrets_are_redacted_in_any_shape(line, secret):
    clean = redact_secrets(line)
    assert "[redacted]" in clean
    for value in secret:
        assert value not in clean


def test_harmless_words_are_left_alone():
    line = "chat.postMessage failed: error_code=5, status_code: 429, statement ok"
    assert redact_secrets(line) == line


@pytest.fixture
def levels_kept():
    """configure_logging sets levels on the root and apscheduler loggers; put them back."""
    loggers = [logging.getLogger(), logging.getLogger("apscheduler")]
    saved = [logger.level for logger in loggers]
    yield
    for logger, level in zip(loggers, saved, strict=True):
        logger.setLevel(level)


def test_every_handler_redacts_messages_arguments_and_tracebacks(monkeypatch, levels_kept):
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    monkeypatch.setattr(root, "handlers", [handler])
    configure_logging("DEBUG")
    configure_logging("DEBUG")  # configuring again adds no second filter
    assert sum(isinstance(f, RedactSecrets) for f in handler.filters) == 1
    log = logging.getLogger("slack_bolt.test")
    log.debug("callback (request: %s)", {"code": ["c0de-x"], "state": ["st4te-x"]})
    try:
        raise RuntimeError("bad token xoxb-T1-secret")
    except RuntimeError:
        log.exception("failed for %s", "code=c0de-y")
    log.info("%s %s", "unbalanced")  # a broken record still reaches the handler's own error path
    text = stream.getvalue()
    assert "c0de-x" not in text and "st4te-x" not in text and "c0de-y" not in text
    assert "xoxb-T1-secret" not in text and "RuntimeError: bad token xoxb-[redacted]" in text
