"""Irreversible removal of personal data before anything is stored or indexed.

Each identifier becomes a bracketed placeholder (`[email]`, `[phone]`, `[card]` ...), so
a quote still reads naturally and nobody can recover the original. Ordinary numbers
(amounts, dates, counts, years, short ids) are left alone: a quote about a $1,250.00
charge on 2019-09-24 is only useful if it keeps both.

Speed matters here (every imported row passes through), so digits are found in one
pass: a run of digits and separators is matched once and then classified in Python,
instead of running one slow regex per kind of identifier over every text.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# A run of at least seven characters: digits with the separators phone, card, SSN and
# IP numbers use. What it is gets decided by `_classify`.
_RUN = re.compile(r"[+(]?\d[\d \-.()/]{5,40}\d")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_DATE = re.compile(r"\d{1,4}([./\-])\d{1,2}\1\d{1,4}")
_DATE_RANGE = re.compile(r"\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}\s*-\s*\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}")
_SSN = re.compile(r"\d{3}-\d{2}-\d{4}")
_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)")
_CARD = re.compile(r"\d{13,19}|\d{4}([ \-])\d{4}\1\d{4}\1\d{1,7}|\d{4}([ \-])\d{6}\2\d{4,5}")
_PHONE = re.compile(r"\+?(?:\(\d{1,4}\)|\d{1,4})(?:[ .\-]?(?:\(\d{1,4}\)|\d{1,5})){1,5}")
_DIGIT_ONLY = str.maketrans("", "", " -.()/+")


def _luhn_ok(digits: str) -> bool:
    """Card numbers carry a check digit; testing it keeps long order numbers readable."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _classify(run: str) -> str | None:
    """The placeholder for a run of digits, or None when it is an ordinary number."""
    if _SSN.fullmatch(run):
        return "[ssn]"
    if _DATE.fullmatch(run) or _DATE_RANGE.fullmatch(run):
        return None
    if _IPV4.fullmatch(run):
        return "[ip]"
    digits = run.translate(_DIGIT_ONLY)
    if not digits.isdigit():
        return None
    if 13 <= len(digits) <= 19 and _CARD.fullmatch(run) and _luhn_ok(digits):
        return "[card]"
    if 9 <= len(digits) <= 15 and _PHONE.fullmatch(run):
        return "[phone]"
    return None


def _replace_run(match: re.Match[str]) -> str:
    text = match.group()
    start = match.start()
    before = match.string[start - 1] if start else " "
    if before.isalnum() or before in "$€£.,_":
        return text  # part of a word, an amount or a decimal, not an identifier
    after_end = match.end()
    after = match.string[after_end] if after_end < len(match.string) else " "
    if after.isalnum() and after.isdigit():
        return text
    kind = _classify(text.strip())
    if kind:
        return kind
    if " " in text:
        return " ".join(_RUN.sub(_replace_run, piece) for piece in text.split(" "))
    return text


def redact(text: str) -> str:
    """Return `text` with emails, card numbers, IBANs, SSNs, IPs and phone numbers replaced."""
    if not text:
        return text
    if "@" in text:
        text = _EMAIL.sub("[email]", text)
    if _RUN.search(text) is None:
        return text
    if _IBAN.search(text):
        text = _IBAN.sub("[iban]", text)
    return _RUN.sub(_replace_run, text)
