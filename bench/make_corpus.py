"""Write a large synthetic feedback export (CSV) built from real customer text.

Usage (from the repo root)::

    .venv/bin/python bench/make_corpus.py [--rows 1000000] [--out PATH] [--seed 77] [--end YYYY-MM-DD]

Columns: id,created,category,text. About 90% of texts are banking77 messages and 10%
CFPB complaint narratives cut to 500-700 characters, so the import and search
benchmarks see both short and long quotes. Every row is lightly varied (a greeting,
a sign-off, a synonym) so the index is not a thousand copies of 11,500 strings, and
some rows carry an email address (2%) or a phone number (1%) so redaction does real
work. Dates are spread over the three years before --end (default: today).

The same --seed, --rows and --end always give a byte-identical file.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CFPB_SHARE = 0.10
EMAIL_SHARE = 0.02
PHONE_SHARE = 0.01
CFPB_CHARS = 600  # narratives are cut near here, at a varying word boundary
VARY = 0.4  # chance of each variation (greeting, synonym, sign-off)
DAYS = 3 * 365
CHUNK = 20_000

PREFIXES = ("Hi, ", "Hello, ", "Hey, ", "Hi there, ", "Good morning, ", "Quick question: ",
            "Sorry to bother you, but ", "Again, ", "Urgent: ", "Help, ", "Hello team, ",
            "Not for the first time: ")
SUFFIXES = (" Thanks.", " Thank you!", " Please help.", " Again.", " (again)", " Cheers",
            " This is the second time I'm asking.", " Any update?", " Thanks in advance.",
            " Really frustrating.", " Please advise.", " ASAP please.")
SYNONYMS = {
    "money": "funds", "funds": "money", "help": "assist", "wrong": "incorrect",
    "incorrect": "wrong", "card": "debit card", "app": "application", "cancel": "stop",
    "received": "gotten", "charged": "billed", "fee": "charge", "account": "acct",
    "transfer": "transaction", "waiting": "still waiting", "quickly": "fast",
    "why": "how come", "cash": "money", "phone": "mobile", "refund": "reimbursement",
    "declined": "rejected", "pending": "still pending", "payment": "purchase",
}
FIRST_NAMES = ("anna", "james", "maria", "wei", "fatima", "lukas", "sofia", "omar", "chloe",
               "raj", "emma", "diego", "hannah", "kwame", "julia", "tom")
LAST_NAMES = ("smith", "garcia", "nguyen", "mueller", "rossi", "khan", "brown", "okafor",
              "dubois", "tanaka", "silva", "kowalski", "jones", "patel")
DOMAINS = ("gmail.com", "yahoo.co.uk", "outlook.com", "hotmail.com", "icloud.com",
           "proton.me", "web.de", "btinternet.com")


@dataclass(frozen=True)
class Base:
    """A real message, with its ready-made variants: choosing among them is then cheap."""

    category: str
    variants: tuple[str, ...]  # the original text first, then one per synonym swap
    lowered: tuple[str, ...]  # the same, first letter lower-cased, to follow a greeting
    long: bool = False  # a narrative, cut to about CFPB_CHARS per row


def _lower_first(text: str) -> str:
    """'Hi, why is...' reads right; 'Hi, I am' must keep its capital I."""
    if text[:2] in ("I ", "I'") or not text:
        return text
    return text[0].lower() + text[1:]


def _variants(text: str) -> tuple[str, ...]:
    """The text, plus a version with each synonym-able word swapped (first hit only)."""
    found = [text]
    for word, other in SYNONYMS.items():
        pattern = re.compile(rf"\b{word}\b")
        if pattern.search(text):
            found.append(pattern.sub(other, text, count=1))
    return tuple(found)


def _base(category: str, text: str, long: bool = False) -> Base:
    variants = _variants(text)
    return Base(category, variants, tuple(_lower_first(v) for v in variants), long)


def _truncate(text: str, limit: int = CFPB_CHARS) -> str:
    """Cut long narratives at a word boundary; a quote is read in a Slack message."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "..."


def load_bases(data: Path) -> tuple[list[Base], list[Base]]:
    """banking77 and cfpb messages with their variants."""
    csv.field_size_limit(1 << 24)
    with open(data / "banking77" / "train.csv", newline="", encoding="utf-8") as handle:
        banking = [_base(r["category"], r["text"].strip())
                   for r in csv.DictReader(handle) if r["text"].strip()]
    with open(data / "cfpb" / "complaints_narratives.csv", newline="", encoding="utf-8") as handle:
        cfpb = [_base(r["Product"], " ".join(r["Consumer complaint narrative"].split())[:1000], True)
                for r in csv.DictReader(handle) if r["Consumer complaint narrative"].strip()]
    return banking, cfpb


def _email(rng: random.Random) -> str:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    style = rng.randrange(3)
    local = (f"{first}.{last}", f"{first[0]}{last}{rng.randrange(10, 99)}", f"{first}_{last}")[style]
    return f"{local}@{rng.choice(DOMAINS)}"


def _phone(rng: random.Random) -> str:
    """UK mobile, US and London landline spellings, all in reserved fictional ranges."""
    style = rng.randrange(3)
    if style == 0:
        return f"+44 7700 900{rng.randrange(1000):03d}"
    if style == 1:
        return f"(555) 01{rng.randrange(10)}-{rng.randrange(10000):04d}"
    return f"020 7946 {rng.randrange(10000):04d}"


def _contact(rng: random.Random, roll: float) -> str:
    if roll < EMAIL_SHARE:
        return rng.choice((" You can reach me at {}.", " My email is {}", " ({})")).format(_email(rng))
    if roll < EMAIL_SHARE + PHONE_SHARE:
        return rng.choice((" Call me on {}.", " My number is {}", " Phone: {}")).format(_phone(rng))
    return ""


def _text(rng: random.Random, base: Base) -> str:
    """One varied copy: maybe a greeting, maybe a synonym, maybe a sign-off, maybe contact data."""
    pick = rng.randrange(len(base.variants)) if rng.random() < VARY else 0
    if rng.random() < VARY:
        text = rng.choice(PREFIXES) + base.lowered[pick]
    else:
        text = base.variants[pick]
    if base.long:
        text = _truncate(text, CFPB_CHARS - 100 + rng.randrange(200))
    if rng.random() < VARY:
        text += rng.choice(SUFFIXES)
    return text + _contact(rng, rng.random())


def generate(rows: int, banking: Sequence[Base], cfpb: Sequence[Base], end: date,
             seed: int) -> Iterator[list[str]]:
    """Rows of id, created, category, text: deterministic for a given seed and end date."""
    rng = random.Random(seed)
    start = end - timedelta(days=DAYS - 1)
    days = [(start + timedelta(days=i)).isoformat() for i in range(DAYS)]
    for i in range(1, rows + 1):
        base = rng.choice(cfpb) if rng.random() < CFPB_SHARE else rng.choice(banking)
        seconds = rng.randrange(86400)
        created = (f"{rng.choice(days)} {seconds // 3600:02d}:{seconds // 60 % 60:02d}:"
                   f"{seconds % 60:02d}")
        yield [str(i), created, base.category, _text(rng, base)]


def write_corpus(out: Path, rows: int, data: Path = DEFAULT_DATA, seed: int = 77,
                 end: date | None = None, quiet: bool = False) -> Path:
    """Write the CSV (to a temporary name first, so a half-written file is never reused)."""
    banking, cfpb = load_bases(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    started = time.perf_counter()
    with open(partial, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "created", "category", "text"])
        chunk: list[list[str]] = []
        for row in generate(rows, banking, cfpb, end or date.today(), seed):
            chunk.append(row)
            if len(chunk) >= CHUNK:
                writer.writerows(chunk)
                chunk.clear()
                if not quiet and int(row[0]) % 200_000 == 0:
                    print(f"[corpus] {int(row[0]):,}/{rows:,} rows "
                          f"({time.perf_counter() - started:.1f}s)", file=sys.stderr)
        writer.writerows(chunk)
    partial.replace(out)
    return out


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out" / "corpus.csv",
                        help="CSV to write (default: bench/out/corpus.csv)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder holding banking77/ and cfpb/ (default: ../shared/data)")
    parser.add_argument("--seed", type=int, default=77)
    parser.add_argument("--end", type=date.fromisoformat, default=None,
                        help="latest date in the corpus (default: today)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    write_corpus(args.out, args.rows, args.data, args.seed, args.end)
    print(f"[corpus] wrote {args.rows:,} rows to {args.out} in "
          f"{time.perf_counter() - started:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
