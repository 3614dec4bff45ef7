"""Aggregate-only evaluation of bot.decision_classifier on the dev set and the test-set halves.

Usage (from the repo root)::

    python bench/decision_split_eval.py

The held-out test set (tests/data/decisions.jsonl) is split by file line
number: ODD lines (1st, 3rd, ...) form a tuning half, EVEN lines a held-out
half.  For the even half this script prints only aggregate precision /
recall / F1 (overall and on the hard subset) -- never texts, verdicts or
per-line results.  The keyword baseline is reported on the even half too.
Metrics come from bench/decision_eval.py so the numbers are comparable.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from decision_eval import REPO_ROOT, Example, Scores, baseline, load, score  # noqa: E402

from bot.meeting.decisions import is_decision  # noqa: E402

DEV_PATH = REPO_ROOT / "bench" / "decisions_dev.jsonl"
TEST_PATH = REPO_ROOT / "tests" / "data" / "decisions.jsonl"


def aggregate(examples: list[Example], predict: Callable[[str], bool]) -> tuple[Scores, Scores]:
    """(overall, hard) confusion scores of ``predict`` over ``examples``."""
    pairs = [(ex.gold, predict(ex.text), ex.hard) for ex in examples]
    overall = score([(g, p) for g, p, _ in pairs])
    hard = score([(g, p) for g, p, h in pairs if h])
    return overall, hard


def row(name: str, examples: list[Example], predict: Callable[[str], bool]) -> str:
    """One block of aggregate metrics: overall and hard subset."""
    overall, hard = aggregate(examples, predict)
    n_hard = sum(ex.hard for ex in examples)
    lines = [f"{name}  (n={len(examples)}, hard={n_hard})"]
    for label, s in (("overall", overall), ("hard", hard)):
        lines.append(
            f"  {label:<8} P={s.precision:.3f} R={s.recall:.3f} F1={s.f1:.3f}  "
            f"(tp={s.tp} fp={s.fp} fn={s.fn} tn={s.tn})"
        )
    return "\n".join(lines)


def main() -> int:
    """Print aggregate metrics for dev, odd half, even half and the even-half baseline."""
    dev = load(DEV_PATH)
    test = load(TEST_PATH)
    odd = [ex for ex in test if ex.line % 2 == 1]
    even = [ex for ex in test if ex.line % 2 == 0]
    print(row("dev set (bench/decisions_dev.jsonl)", dev, is_decision))
    print(row("test ODD half (tuning)", odd, is_decision))
    print(row("test EVEN half (held out, aggregates only)", even, is_decision))
    print(row("keyword baseline on EVEN half", even, baseline))
    print(row("test full set (both halves)", test, is_decision))
    return 0


if __name__ == "__main__":
    sys.exit(main())
