"""Keeping secrets out of the log.

At DEBUG, Bolt logs the OAuth redirect's query (`code`, `state`) and slack_sdk logs whole
requests and responses (an `oauth.v2.access` answer holds the new bot token). A filter on
every handler rewrites each record before it is written: values of `code`, `state` and
`client_secret` (in a query string, a dict or JSON) and anything shaped like a Slack token
become `[redacted]`. Exception texts are rewritten too.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"
_KEYS = r"code|state|client_secret"
# `code=V`, `'code': ['V']`, `"state": "V"`, `state: V`, `slack-app-oauth-state=V`
_KEY_VALUE = re.compile(
    rf"""(?<![\w-])((?:[\w-]*-)?(?:{_KEYS}))(['"]?\s*(?:=|%3D|:)\s*\[?\s*['"]?)([^\s'"&,;\]\)}}]+)""",
    re.IGNORECASE)
# the same inside a URL-encoded URL: `%3Fcode%3DV%26...`
_ENCODED = re.compile(rf"((?:%3F|%26)(?:{_KEYS})%3D)((?:(?!%26)[^\s&'\"])+)", re.IGNORECASE)
_TOKEN = re.compile(r"\b(xox[abpre]|xapp)-[A-Za-z0-9-]+")


def redact_secrets(text: str) -> str:
    text = _ENCODED.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    text = _KEY_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return _TOKEN.sub(lambda m: f"{m.group(1)}-{REDACTED}", text)


class RedactSecrets(logging.Filter):
    """Rewrites a record's message and exception text with `redact_secrets`; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
            clean = redact_secrets(message)
            if clean != message:
                record.msg, record.args = clean, None
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = redact_secrets(record.exc_text)
            if record.stack_info:
                record.stack_info = redact_secrets(record.stack_info)
        except Exception:  # a record that cannot be formatted is the handler's to report
            pass
        return True


def redact_handlers(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of `logger` (the root logger by default), once each."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())
