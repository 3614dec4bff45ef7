"""Irreversible removal of personal data before anything is stored or indexed.

Each identifier becomes a bracketed placeholder (`[email]`, `[phone]`, `[card]` ...), so
a quote still reads naturally and nobody can recover the original. Ordinary numbers
(amounts, dates, times, counts, years, flight and order numbers) are left alone: a quote
about a $1,250.00 charge on 2019-09-24 is only useful if it keeps both.

Where a pattern alone would also catch ordinary text, a check decides: the Luhn digit
for cards, mod 97 and the country's length for IBANs, an account word (account, acct,
routing ...) for bare account numbers. Names and street addresses are not detected.

Speed matters here (every imported row passes through), so digits are found in one
pass: a run of digits and separators is matched once and then classified in Python,
instead of running one slow regex per kind of identifier over every text. The other
patterns only run on texts that contain a long enough run of digits, an `@` or an
IPv6-looking colon.
"""

from __future__ import annotations

import ipaddress
import re

# \w so that jürgen.müller@example.de and 用户@例子.公司 go as a whole.
_EMAIL = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}")
# Anything made of hex digits, colons and dots; `_replace_ipv6` lets ipaddress decide,
# so times (10:30, 12:00:00) and ratios stay.
_IPV6 = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]*[0-9A-Fa-f](?![\w:])")
# A run of at least six characters: digits with the separators phone, card, SSN, sort
# code, account and IP numbers use. What it is gets decided by `_replace_run` from the run
# and the few characters around it. It starts with a digit because that is what the
# regex engine can skip to fast; a leading "+" or "(" is taken in afterwards.
_RUN = re.compile(r"\d[\d \-.()/]{4,40}\d")
# IBANs: found from their check digits (the engine skips to digits fast), then read from
# two letters before them and judged by `_iban_length`.
_IBAN_DIGITS = re.compile(r"\d\d(?<=\b[A-Za-z]{2}\d\d)")
_IBAN = re.compile(r"[A-Za-z]{2}\d\d(?: ?[A-Za-z0-9]){10,30}")
_IBAN_LENGTHS = dict(
    (entry[:2], int(entry[2:]))
    for entry in (
        "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 "
        "DK18 DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28 "
        "IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 "
        "MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 "
        "SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30"
    ).split()
)
# Filler between a word and its number: "account no. ", "routing number is ", "acct #".
_FILLER = r"(?:\s*(?:numbers?|nos?\b\.?|num\b|nbr\b|nr\b|id\b|is\b|was\b|[#:.\-])){0,3}\s*$"
# A word right before a number that says it is an account or a sort code: "sort code
# 20-00-00", "account no. 12345678", "acct #0012345678901", "routing number 021000021".
_ACCOUNT_WORD = re.compile(r"\b(?:(?P<sort>sort[ \-]?code)|accounts?|acct|a/c|iban|routing|aba)" + _FILLER,
                           re.IGNORECASE)
# Words after which a long number is a reference, not a phone or an IP address: "Order
# number 123456789", "build 4.2.1.0".
_REFERENCE_WORD = re.compile(
    r"\b(?:order|ref|reference|invoice|ticket|case|tracking|confirmation|complaint|booking|transaction"
    r"|version|build|release)"
    + _FILLER,
    re.IGNORECASE,
)
# UK National Insurance numbers: two letters HMRC issues (and QQ, the one printed on
# every example form), six digits, a suffix A-D. Spaced forms only in capitals, so
# "on 12 34 56 a" in a sentence stays.
_NI_NUMBER = re.compile(
    r"\b(?:[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]|QQ) ?\d\d ?\d\d ?\d\d ?[A-D]\b"
    r"|\b[a-ceghj-pr-tw-z][a-ceghj-npr-tw-z]\d{6}[a-d]\b"
)
_DATE = re.compile(r"\d{1,4}([./\-])\d{1,2}\1\d{1,4}")
_DATE_RANGE = re.compile(r"\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}\s*-\s*\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}")
_YEAR_RANGE = re.compile(r"(?:19|20)\d\d ?- ?(?:19|20)\d\d")
# Money with cents, written without a currency sign: "order total 1234567.89", "12 345 678.90".
_AMOUNT = re.compile(r"\d+\.\d\d|\d{1,3}(?: \d{3})+\.\d\d")
_SSN = re.compile(r"\d{3}-\d{2}-\d{4}")
_SORT_CODE = re.compile(r"(\d\d)-(\d\d)-(\d\d)")
_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)")
_CARD = re.compile(r"\d{13,19}|\d{4}[ .\-]\d{4}[ .\-]\d{4}[ .\-]\d{1,7}|\d{4}[ .\-]\d{6}[ .\-]\d{4,5}")
_PHONE = re.compile(r"\+?(?:\(\d{1,4}\)|\d{1,4})(?:[ .\-]?(?:\(\d{1,4}\)|\d{1,5})){1,5}")
# An area code written with a slash, as in Germany and Austria: 030/1234567.
_SLASH_PHONE = re.compile(r"0\d{1,4} ?/ ?\d(?:[ \-]?\d){4,11}")
# Two numbers given together: "030 1234567 / 030 7654321".
_SPACED_SLASH = re.compile(r"(\s+/\s+)")
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


def _iban_ok(iban: str) -> bool:
    """ISO 13616: the check digits make the rearranged number leave 1 modulo 97."""
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _iban_length(text: str, start: int) -> int:
    """How many characters of `text` from `start` are a valid IBAN, 0 when none are.

    A candidate may run on into the next words ("BE68 5390 0754 7034 from ..."), so it
    is cut at the length the country prescribes, and the cut must fall between words.
    """
    candidate = _IBAN.match(text, start)
    if candidate is None:
        return 0
    length = _IBAN_LENGTHS.get(text[start:start + 2].upper())
    if length is None:
        return 0
    characters = [i for i, ch in enumerate(candidate.group()) if ch != " "]
    if len(characters) < length:
        return 0
    end = characters[length - 1] + 1
    if text[start + end:start + end + 1].isalnum():
        return 0
    return end if _iban_ok(text[start:start + end].replace(" ", "").upper()) else 0


def _redact_ibans(text: str) -> str:
    pieces = []
    done = 0
    for match in _IBAN_DIGITS.finditer(text):
        start = match.start() - 2
        if start < done:
            continue
        length = _iban_length(text, start)
        if length:
            pieces.append(text[done:start])
            pieces.append("[iban]")
            done = start + length
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def _replace_ipv6(match: re.Match[str]) -> str:
    text = match.group()
    if text.count(":") < 2:
        return text
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return text
    return "[ip]"


def _could_be_date(run: str) -> bool:
    """Whether dd-dd-dd reads as a day, month and two-digit year in some order."""
    a, b, c = (int(part) for part in run.split("-"))
    return (1 <= b <= 12 and (1 <= a <= 31 or 1 <= c <= 31)) or (1 <= a <= 12 and 1 <= b <= 31)


def _classify(run: str) -> str | None:
    """The placeholder for a run of digits, or None when it is an ordinary number."""
    if _SSN.fullmatch(run):
        return "[ssn]"
    if _SORT_CODE.fullmatch(run) and not _could_be_date(run):
        return "[sort-code]"
    if _DATE.fullmatch(run) or _DATE_RANGE.fullmatch(run) or _AMOUNT.fullmatch(run):
        return None
    if _IPV4.fullmatch(run):
        return "[ip]"
    digits = run.translate(_DIGIT_ONLY)
    if not digits.isdigit():
        return None
    if 13 <= len(digits) <= 19 and _CARD.fullmatch(run) and _luhn_ok(digits):
        return "[card]"
    if 9 <= len(digits) <= 15 and (_PHONE.fullmatch(run) or _SLASH_PHONE.fullmatch(run)):
        return "[phone]"
    return None


def _labelled(run: str, word: re.Match[str]) -> str | None:
    """The placeholder for a number that follows an account word, None if it does not fit."""
    digits = run.translate(_DIGIT_ONLY)
    if not digits.isdigit():
        return None
    if word.group("sort"):
        return "[sort-code]" if len(digits) == 6 else None
    if 8 <= len(digits) <= 22 and not (_DATE.fullmatch(run) or _YEAR_RANGE.fullmatch(run)
                                       or _AMOUNT.fullmatch(run)):
        return "[account]"
    return None


def _replace_run(string: str, start: int, end: int) -> tuple[int, int, str] | None:
    """What replaces the run string[start:end]: (from, to, placeholder), or None to keep it.

    The span may grow past the run: a National Insurance number has letters around it.
    """
    before = string[start - 1] if start else " "
    if before in "+(" and start:
        start -= 1
        before = string[start - 1] if start else " "
    if (before.isalpha() and start >= 2) or (before == " " and start >= 3 and string[start - 2].isupper()):
        ni = _NI_NUMBER.match(string, start - (3 if before == " " else 2))
        if ni and ni.end() >= end:
            return ni.start(), ni.end(), "[ni-number]"
    if before.isalnum() or before in "$€£._":
        return None  # part of a word, an amount or a decimal, not an identifier
    text = string[start:end]
    if before == "," and start > 1 and string[start - 2].isdigit() and not text[:4].isdigit():
        return None  # a thousands group: 1,234.5678901
    if end < len(string) and string[end].isdigit():
        return None
    kind = _classify(text)
    if kind is None or kind == "[phone]":
        word = _ACCOUNT_WORD.search(string, max(0, start - 40), start)
        if word:
            kind = _labelled(text, word) or kind
    if kind in ("[phone]", "[ip]") and _REFERENCE_WORD.search(string, max(0, start - 40), start):
        return None
    if kind:
        return start, end, kind
    if _SPACED_SLASH.search(text):  # "030 1234567 / 030 7654321"
        return start, end, _replace_pieces(text, _SPACED_SLASH)
    if " " in text:
        return start, end, _replace_pieces(text, " ")
    if "/" in text:
        return start, end, _replace_pieces(text, "/")
    return None


def _replace_pieces(text: str, separator: re.Pattern[str] | str) -> str:
    """Redact each part of a run that is not one identifier as a whole, e.g. two phones."""
    if isinstance(separator, str):
        return separator.join(_redact_runs(part) for part in text.split(separator))
    parts = separator.split(text)  # keeps the separators, at odd positions
    return "".join(part if i % 2 else _redact_runs(part) for i, part in enumerate(parts))


def _redact_runs(text: str) -> str:
    pieces = []
    done = 0
    for match in _RUN.finditer(text):
        found = _replace_run(text, match.start(), match.end())
        if found is None:
            continue
        start, end, placeholder = found
        if start < done:
            continue
        pieces.append(text[done:start])
        pieces.append(placeholder)
        done = end
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def redact(text: str) -> str:
    """Return `text` with emails, card, account and phone numbers, IBANs, sort codes, SSNs,
    National Insurance numbers and IP addresses replaced."""
    if not text:
        return text
    if "@" in text:
        text = _EMAIL.sub("[email]", text)
    if ":" in text and ("::" in text or text.count(":") >= 6):
        text = _IPV6.sub(_replace_ipv6, text)
    if _RUN.search(text) is None:
        return text
    return _redact_runs(_redact_ibans(text))
