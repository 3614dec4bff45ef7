"""Turning the many date spellings of exported feedback into sortable ISO strings."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache

_YMD = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2}|UTC)?)?"
)
_MDY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_FORMATS = (
    "%b %d, %Y",
    "%B %d, %Y",
    "%d %b %Y",
    "%d %B %Y",
    "%a, %d %b %Y %H:%M:%S %z",
    "%a %b %d %H:%M:%S %Y",
)


def _iso(y: int, m: int, d: int, hh: str | None, mm: str | None, ss: str | None) -> str | None:
    try:
        datetime(y, m, d, int(hh or 0), int(mm or 0), int(ss or 0))
    except ValueError:
        return None
    if hh is None:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return f"{y:04d}-{m:02d}-{d:02d}T{int(hh):02d}:{int(mm or 0):02d}:{int(ss or 0):02d}"


def parse_date(value: object) -> str | None:
    """ISO `YYYY-MM-DD` (or with a time) for a date value, or None when it is not a date.

    Month-first is assumed for slashed dates (US exports), unless the first number
    cannot be a month. Epoch seconds and milliseconds are understood too.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_epoch(float(value))
    text = str(value).strip()
    if len(text) >= 10 and text[4:5] == "-" and text[7:8] == "-":
        fast = _iso_text(text)
        if fast:
            return fast
    return _parse_text(text)


def _iso_text(text: str) -> str | None:
    """ISO dates and datetimes, the commonest export spelling, checked by the C parser."""
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return None
    if len(text) == 10:
        return text
    if len(text) >= 19 and text[13] == ":" and text[16] == ":":
        return f"{text[:10]}T{text[11:19]}"
    return None


@lru_cache(maxsize=65536)
def _parse_text(text: str) -> str | None:
    """Exports repeat the same dates over and over; parsing each spelling once pays."""
    match = _YMD.fullmatch(text)
    if match:
        y, m, d, hh, mm, ss, _zone = match.groups()
        return _iso(int(y), int(m), int(d), hh, mm, ss)
    match = _MDY.fullmatch(text)
    if match:
        a, b, y, hh, mm, ss = match.groups()
        month, day = (int(a), int(b)) if int(a) <= 12 else (int(b), int(a))
        return _iso(int(y), month, day, hh, mm, ss)
    if text.isdigit() and len(text) in (10, 13):
        return _from_epoch(float(text))
    for fmt in _FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return _iso(parsed.year, parsed.month, parsed.day, None, None, None)
    return None


def _from_epoch(seconds: float) -> str | None:
    if seconds > 1e11:
        seconds /= 1000.0
    if not 0 < seconds < 4102444800:  # before 2100
        return None
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
