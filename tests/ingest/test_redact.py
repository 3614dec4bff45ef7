import pytest

from bot.ingest.redact import redact


@pytest.mark.parametrize(
    "text, gone, kept",
    [
        ("Please email me at jane.doe+bank@gmail.com about it", ["jane.doe", "gmail"], ["[email]"]),
        ("Call me back on (555) 123-4567 tomorrow", ["123-4567"], ["[phone]"]),
        ("my mobile is +44 20 7946 0958, ring after 5", ["7946"], ["[phone]", "after 5"]),
        ("reach me at 415.555.2671 or 4155552671", ["2671"], ["[phone]"]),
        ("They charged card 4111 1111 1111 1111 twice", ["4111"], ["[card]", "twice"]),
        ("card number 5500-0000-0000-0004 was declined", ["0004"], ["[card]"]),
        ("amex 3782 822463 10005 blocked", ["822463"], ["[card]"]),
        ("my SSN 123-45-6789 was on the letter", ["6789"], ["[ssn]"]),
        ("IBAN DE89 3704 0044 0532 0130 00 for the transfer", ["3704"], ["[iban]"]),
        ("logged in from 192.168.1.10 at night", ["192.168"], ["[ip]"]),
    ],
)
def test_redact_removes_identifiers(text, gone, kept):
    result = redact(text)
    for fragment in gone:
        assert fragment not in result
    for fragment in kept:
        assert fragment in result


@pytest.mark.parametrize(
    "text",
    [
        "I was charged $1,250.00 on 2019-09-24 and again on 09/24/2019.",
        "I paid 300 dollars in 2019 and waited 14 days for a refund of {$25.00}.",
        "Order 12345678 for 12,345.67 EUR, reference 1234-5678.",
        "account ending in 1234, XXXX XXXX, from 10/01/2019 to 12/31/2019",
        "The fee went from 1.5% to 2.75% in March 2020",
        "invoice 2019/10/25 - 2019/11/25 covers 3 months",
    ],
)
def test_redact_keeps_ordinary_numbers(text):
    assert redact(text) == text


def test_redact_luhn_keeps_long_order_numbers():
    # 16 digits that fail the card check digit are an order number, not a card.
    assert redact("order 1234 5678 9012 3456 shipped") == "order 1234 5678 9012 3456 shipped"


def test_redact_is_irreversible_and_idempotent():
    once = redact("write to a@b.co or 555-123-4567")
    assert redact(once) == once
    assert "a@b.co" not in once
