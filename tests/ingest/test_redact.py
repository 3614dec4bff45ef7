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


# Each row is a sentence as customers write it: the identifier goes, and every amount,
# date, time, flight, order number and CFPB mask around it stays exactly as written.
@pytest.mark.parametrize(
    "text, expected",
    [
        # card numbers with dots or mixed separators, still Luhn-checked
        ("They billed 4111.1111.1111.1111 twice on 03/05/2024",
         "They billed [card] twice on 03/05/2024"),
        ("card 4111 1111-1111 1111 declined at 10:30 for $1,234.56",
         "card [card] declined at 10:30 for $1,234.56"),
        # two phone numbers side by side, and area codes written with a slash
        ("Call me on 030 1234567 / 030 7654321 after 6pm",
         "Call me on [phone] / [phone] after 6pm"),
        ("home and cell: (555) 123-4567 / (555) 765-4321",
         "home and cell: [phone] / [phone]"),
        ("both numbers 555-123-4567/555-765-4321 are dead",
         "both numbers [phone]/[phone] are dead"),
        ("ring 0301234567,0307654321 before 12:00",
         "ring [phone],[phone] before 12:00"),
        ("Tel. 030/1234567 since the 2019/2020 tax year",
         "Tel. [phone] since the 2019/2020 tax year"),
        # IBANs in lower case or without spaces, checked mod 97; look-alikes stay
        ("my iban is gb82 west 1234 5698 7654 32 thanks",
         "my iban is [iban] thanks"),
        ("sent £20 to de89 3704 0044 0532 0130 00 on 2024-03-05",
         "sent £20 to [iban] on 2024-03-05"),
        ("refund to gb82west12345698765432 please",
         "refund to [iban] please"),
        ("SKU AB12 CDEF GHIJ arrived broken, order 12345678",
         "SKU AB12 CDEF GHIJ arrived broken, order 12345678"),
        # email addresses with non-ASCII local parts
        ("write to jürgen.müller@example.de before 12:00",
         "write to [email] before 12:00"),
        ("邮箱 用户@例子.公司 谢谢", "邮箱 [email] 谢谢"),
        # IPv6, full, compressed and with an IPv4 tail; times stay
        ("login from 2001:0db8:85a3:0000:0000:8a2e:0370:7334 at 10:30",
         "login from [ip] at 10:30"),
        ("blocked 2001:db8::1 at 12:00:00 on 2024-03-05, 1:2:3:4:5:6 a.m.",
         "blocked [ip] at 12:00:00 on 2024-03-05, 1:2:3:4:5:6 a.m."),
        ("the app showed ::ffff:192.0.2.128 as my address",
         "the app showed [ip] as my address"),
        # UK sort codes and National Insurance numbers
        ("Sort code: 20-00-00, paid £20 on 12-05-19",
         "Sort code: [sort-code], paid £20 on 12-05-19"),
        ("My sort code is 200000 and the fee was 2.5%",
         "My sort code is [sort-code] and the fee was 2.5%"),
        ("wired to 20-00-00 in 2019", "wired to [sort-code] in 2019"),
        ("my sort code is 11-12-13 and the branch is shut",
         "my sort code is [sort-code] and the branch is shut"),
        ("NI number QQ 12 34 56 C on my payslip", "NI number [ni-number] on my payslip"),
        ("my NINO is AB123456C, flight BA 2490 and LH400",
         "my NINO is [ni-number], flight BA 2490 and LH400"),
        # account numbers next to an account word
        ("account no. 12345678 was charged £20", "account no. [account] was charged £20"),
        ("acct #0012345678901 shows XXXX XXXX", "acct #[account] shows XXXX XXXX"),
        ("routing number 021000021 and account number 123456789012 on XX/XX/2019",
         "routing number [account] and account number [account] on XX/XX/2019"),
        ("ABA 021000021, a/c 12345678, {$25.00} fee",
         "ABA [account], a/c [account], {$25.00} fee"),
        # order and confirmation numbers without an account word stay
        ("Order number 123456789 arrived on 03/05/2024",
         "Order number 123456789 arrived on 03/05/2024"),
        ("Confirmation # 0012345678 for flight LH400, total $1,234.56",
         "Confirmation # 0012345678 for flight LH400, total $1,234.56"),
        ("tracking number 7489 1234 5678, Ref: 2024-03-05-001",
         "tracking number 7489 1234 5678, Ref: 2024-03-05-001"),
        # totals without a currency sign, and version numbers
        ("Order total was 1234567.89, or USD 12 345 678.90 with fees",
         "Order total was 1234567.89, or USD 12 345 678.90 with fees"),
        ("app build 4.2.1.0 crashes at 10:30", "app build 4.2.1.0 crashes at 10:30"),
    ],
)
def test_redact_sentence(text, expected):
    assert redact(text) == expected
