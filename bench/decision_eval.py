"""Evaluate bot.decision_classifier on a labelled JSONL file.

Usage (from the repo root)::

    python bench/decision_eval.py [PATH]

PATH defaults to tests/data/decisions.jsonl under the repo root.  Each line is
a JSON object with at least "text" and "decision" (bool); "hard" (bool) and
"shape" (str) are optional.  Prints precision / recall / F1 overall and on the
hard subset for the classifier and for a naive keyword baseline, per-shape
accuracy, timing, and every misclassified line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bot.meeting.decisions import classify  # noqa: E402
from bot.slack.blocks import plain  # noqa: E402

DEFAULT_PATH = REPO_ROOT / "tests" / "data" / "decisions.jsonl"
BASELINE_KEYWORDS = (
    "decide",
    "decided",
    "decision",
    "let's",
    "lets",
    "we'll",
    "go with",
    "going with",
    "ship",
    "drop",
    "final",
    "agreed",
    "plan",
)


@dataclass(frozen=True)
class Example:
    """One labelled line of the JSONL file."""

    line: int
    text: str
    gold: bool
    hard: bool
    shape: str


@dataclass(frozen=True)
class Scores:
    """Confusion counts with the derived metrics."""

    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        n = self.tp + self.fp + self.fn + self.tn
        return (self.tp + self.tn) / n if n else 0.0


def baseline(text: str) -> bool:
    """Naive keyword rule: decision if any keyword occurs anywhere (case-insensitive)."""
    low = text.lower().replace("\u2019", "'")
    return any(k in low for k in BASELINE_KEYWORDS)


def load(path: Path) -> list[Example]:
    """Read the JSONL file, skipping blank or malformed lines with a warning.

    Each text is a Slack message as the Events API delivers it (`<@U123>`, `&amp;`);
    it is read with `plain`, as the bot reads every message before classifying it.
    """
    examples: list[Example] = []
    with path.open(encoding="utf-8") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
                examples.append(
                    Example(
                        line=n,
                        text=plain(str(obj.get("text") or "")),
                        gold=bool(obj["decision"]),
                        hard=bool(obj.get("hard", False)),
                        shape=str(obj.get("shape", "?")),
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                print(f"warning: {path}:{n}: skipped ({exc})", file=sys.stderr)
    return examples


def score(pairs: list[tuple[bool, bool]]) -> Scores:
    """Confusion counts from (gold, predicted) pairs."""
    tp = sum(1 for g, p in pairs if g and p)
    fp = sum(1 for g, p in pairs if not g and p)
    fn = sum(1 for g, p in pairs if g and not p)
    tn = sum(1 for g, p in pairs if not g and not p)
    return Scores(tp, fp, fn, tn)


def fmt(name: str, s: Scores, n: int) -> str:
    """One aligned metrics row."""
    return (
        f"  {name:<22} n={n:<4} P={s.precision:.3f} R={s.recall:.3f} F1={s.f1:.3f} "
        f"acc={s.accuracy:.3f}  (tp={s.tp} fp={s.fp} fn={s.fn} tn={s.tn})"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and print the report; exit status 2 if the file is missing."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?", default=str(DEFAULT_PATH), help="labelled JSONL file")
    args = ap.parse_args(argv)
    path = Path(args.path)
    if not path.is_absolute() and not path.exists():
        path = REPO_ROOT / path
    if not path.exists():
        print(f"error: {path} not found", file=sys.stderr)
        return 2
    examples = load(path)
    if not examples:
        print(f"error: no usable lines in {path}", file=sys.stderr)
        return 2

    start = time.perf_counter()
    verdicts = [classify(ex.text) for ex in examples]
    elapsed = time.perf_counter() - start
    base = [baseline(ex.text) for ex in examples]
    hard_idx = [i for i, ex in enumerate(examples) if ex.hard]

    def subset(preds: list[bool], idx: list[int]) -> Scores:
        return score([(examples[i].gold, preds[i]) for i in idx])

    preds = [v.is_decision for v in verdicts]
    all_idx = list(range(len(examples)))
    print(
        f"file: {path}  ({len(examples)} lines, {len(hard_idx)} hard, "
        f"{sum(ex.gold for ex in examples)} decisions)"
    )
    print("classifier:")
    print(fmt("overall", subset(preds, all_idx), len(all_idx)))
    print(fmt("hard", subset(preds, hard_idx), len(hard_idx)))
    print("keyword baseline:")
    print(fmt("overall", subset(base, all_idx), len(all_idx)))
    print(fmt("hard", subset(base, hard_idx), len(hard_idx)))

    by_shape: dict[str, list[int]] = defaultdict(list)
    for i, ex in enumerate(examples):
        by_shape[ex.shape].append(i)
    print("accuracy by shape (classifier / baseline):")
    for shape in sorted(by_shape):
        idx = by_shape[shape]
        acc = sum(preds[i] == examples[i].gold for i in idx) / len(idx)
        bacc = sum(base[i] == examples[i].gold for i in idx) / len(idx)
        print(f"  {shape:<20} n={len(idx):<4} {acc:.3f} / {bacc:.3f}")
    print(f"speed: {1e6 * elapsed / len(examples):.1f} us/message on average")

    wrong = [i for i in all_idx if preds[i] != examples[i].gold]
    print(f"misclassified ({len(wrong)}):")
    for i in wrong:
        ex = examples[i]
        kind = "FN" if ex.gold else "FP"
        tag = " hard" if ex.hard else ""
        print(f"  {kind} line {ex.line} [{ex.shape}{tag}] {ex.text!r} -> {verdicts[i].reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
