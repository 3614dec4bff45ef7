"""How fast is redaction, and what does a change to it do to real text?

Usage (from the repo root)::

    .venv/bin/python bench/redact_speed.py [--data DIR] [--rows 100000] [--repeat 7] [--against REV]

Times `bot.ingest.redact.redact` over banking77 messages repeated up to --rows (short
texts, the common case) and over the CFPB narratives (long texts full of masked
numbers, amounts and dates). With --against, the redact.py of that git revision is
timed too, runs alternating so a busy machine hurts both alike, and the rows whose
redacted text differs between the two are counted and the first few shown: the
false-positive check to run before changing what counts as personal data.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"
SHOW = 5

sys.path.insert(0, str(REPO_ROOT))
from bot.ingest.redact import redact  # noqa: E402


def load_revision(rev: str) -> Callable[[str], str]:
    """The redact function as it was at `rev`, loaded from `git show` into its own module."""
    source = subprocess.run(["git", "show", f"{rev}:bot/ingest/redact.py"], cwd=REPO_ROOT,
                            check=True, capture_output=True, text=True).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
        handle.write(source)
    spec = importlib.util.spec_from_file_location(f"redact_at_{rev}", handle.name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    Path(handle.name).unlink()
    return module.redact


def corpora(data: Path, rows: int) -> dict[str, list[str]]:
    def column(path: Path, name: str) -> list[str]:
        if not path.exists():
            raise SystemExit(f"missing {path}; pass --data DIR (the folder holding banking77/ and cfpb/)")
        with path.open(newline="", encoding="utf-8") as handle:
            return [row[name] for row in csv.DictReader(handle)]

    banking = column(data / "banking77" / "train.csv", "text")
    cfpb = column(data / "cfpb" / "complaints_narratives.csv", "Consumer complaint narrative")
    copies = rows // len(banking) + 1
    return {
        f"banking77 x{copies} ({rows:,} rows)": (banking * copies)[:rows],
        f"cfpb ({len(cfpb):,} narratives)": cfpb,
    }


def elapsed(fn: Callable[[str], str], texts: list[str]) -> float:
    start = time.perf_counter()
    for text in texts:
        fn(text)
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--against", metavar="REV", help="git revision to compare with, e.g. main")
    args = parser.parse_args(argv)

    versions = {"now": redact}
    if args.against:
        versions = {args.against: load_revision(args.against), "now": redact}
    for name, texts in corpora(args.data, args.rows).items():
        best = {version: float("inf") for version in versions}
        for _ in range(args.repeat):
            for version, fn in versions.items():
                best[version] = min(best[version], elapsed(fn, texts))
        figures = ", ".join(f"{version} {seconds * 1000:.0f} ms ({seconds / len(texts) * 1e6:.2f} us/text)"
                            for version, seconds in best.items())
        print(f"{name}: {figures}")
        changed = sum(redact(text) != text for text in set(texts))
        print(f"  distinct texts changed by redaction now: {changed:,}")
        if args.against:
            before = versions[args.against]
            differ = [text for text in dict.fromkeys(texts) if before(text) != redact(text)]
            print(f"  distinct texts redacted differently than at {args.against}: {len(differ):,}")
            for text in differ[:SHOW]:
                print(f"    {before(text)[:150]!r}\n    -> {redact(text)[:150]!r}")


if __name__ == "__main__":
    main()
