"""Tuning aid for the decision detector: the odd (tuning) lines only, in detail.

Usage (from the repo root)::

    .venv/bin/python bench/decision_tune.py                # odd-line figures and failures
    .venv/bin/python bench/decision_tune.py --all          # plus every odd line with its verdict
    .venv/bin/python bench/decision_tune.py --report       # even-line figures, aggregates only

It reads the `decision` field of ../shared/data/dev/meeting_queries.jsonl, the hard
set tests/data/decisions.jsonl and bench/decisions_dev.jsonl (a development set, all
lines tunable), plus the messages of the odd silent conversations
(bench/data/silent_conversations.jsonl), none of which states a product decision the
customer should hear about.  Odd file lines are for tuning; for even lines only
aggregate precision / recall / F1 are printed, and only with ``--report``: the even
lines' texts and verdicts are never shown.  Much faster than bench/meeting.py, which
also runs search.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
for _path in (REPO_ROOT, BENCH_DIR):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from decision_eval import Example, Scores, score  # noqa: E402
from decision_eval import load as load_labelled  # noqa: E402

from bot.meeting.decisions import classify  # noqa: E402

DEFAULT_DATA = next((p for p in (REPO_ROOT.parent / "shared" / "data",
                                 REPO_ROOT.parent.parent / "shared" / "data") if p.is_dir()),
                    REPO_ROOT.parent / "shared" / "data")
HARD_SET = REPO_ROOT / "tests" / "data" / "decisions.jsonl"
DEV_SET = BENCH_DIR / "decisions_dev.jsonl"
SILENT = BENCH_DIR / "data" / "silent_conversations.jsonl"


def load_queries(path: Path) -> list[Example]:
    """meeting_queries.jsonl as labelled examples (its text is in `query`)."""
    out = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if raw.strip():
            row = json.loads(raw)
            out.append(Example(n, row["query"], bool(row["decision"]), False, row.get("dataset", "")))
    return out


def load_silent(path: Path, parity: int) -> list[Example]:
    """Every message of the silent conversations on lines of ``parity``, all non-decisions."""
    out = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if raw.strip() and n % 2 == parity:
            row = json.loads(raw)
            for message in row["messages"]:
                text = message.partition(": ")[2] or message
                out.append(Example(n, text, False, False, row.get("kind", "")))
    return out


def line_scores(examples: Sequence[Example]) -> Scores:
    return score([(ex.gold, classify(ex.text).is_decision) for ex in examples])


def fmt(name: str, s: Scores) -> str:
    return (f"  {name:<34} P={s.precision:.3f} R={s.recall:.3f} F1={s.f1:.3f}  "
            f"(tp={s.tp} fp={s.fp} fn={s.fn} tn={s.tn})")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding dev/")
    ap.add_argument("--all", action="store_true", help="list every odd line with its verdict")
    ap.add_argument("--report", action="store_true", help="print even-line aggregates (no lines)")
    args = ap.parse_args(argv)

    queries = load_queries(args.data / "dev" / "meeting_queries.jsonl")
    hard = load_labelled(HARD_SET)
    dev = load_labelled(DEV_SET)
    sets = {"meeting_queries": queries, "hard set": hard}

    print("odd lines (tuning):")
    for name, examples in sets.items():
        odd = [ex for ex in examples if ex.line % 2 == 1]
        print(fmt(name, line_scores(odd)))
        if name == "hard set":
            print(fmt("hard set, hard lines", line_scores([ex for ex in odd if ex.hard])))
    print(fmt("decisions_dev (all lines)", line_scores(dev)))
    silent_odd = load_silent(SILENT, 1)
    fired = [ex for ex in silent_odd if classify(ex.text).is_decision]
    print(f"  silent conversations, odd: {len(fired)} of {len(silent_odd)} messages read as decisions")

    if args.report:
        print("even lines (reporting; aggregates only):")
        for name, examples in sets.items():
            even = [ex for ex in examples if ex.line % 2 == 0]
            print(fmt(name, line_scores(even)))
            if name == "hard set":
                print(fmt("hard set, hard lines", line_scores([ex for ex in even if ex.hard])))
        silent_even = load_silent(SILENT, 0)
        n = sum(classify(ex.text).is_decision for ex in silent_even)
        print(f"  silent conversations, even: {n} of {len(silent_even)} messages read as decisions")

    print("odd-line failures:")
    for name, examples in (*sets.items(), ("decisions_dev", dev)):
        for ex in examples:
            if name != "decisions_dev" and ex.line % 2 == 0:
                continue
            verdict = classify(ex.text)
            if args.all or verdict.is_decision != ex.gold:
                mark = "ok  " if verdict.is_decision == ex.gold else ("MISS" if ex.gold else "FA  ")
                print(f"  {mark} {name}:{ex.line} [{verdict.reason}] {ex.text}")
    for ex in fired:
        print(f"  FA   silent:{ex.line} {ex.shape} [{classify(ex.text).reason}] {ex.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
