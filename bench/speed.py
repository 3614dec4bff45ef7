"""Import throughput and search latency at realistic corpus sizes.

Usage (from the repo root)::

    .venv/bin/python bench/speed.py [--rows 1000000] [--sizes 10000,100000,1000000]
                                    [--corpus PATH] [--workdir DIR] [--keep] [--json]

a) Import: writes a synthetic corpus (bench/make_corpus.py) unless --corpus is given,
   imports it into a fresh database with `bot.ingest.importer.import_file`, and runs the
   baseline a team would reach for first, `sqlite-utils insert --csv` followed by
   `sqlite-utils enable-fts`, on the same file.
b) Search: for each size, a database of the first N rows, then the median and 99th
   percentile latency of `search_quotes(store, q, limit=5)` over a fixed set of
   meeting-style queries, after 5 warm-up queries. Lexical only (EMPTY_CHAIR_SEMANTIC=off).
c) Hybrid search, with the `semantic` extra installed, at --hybrid-sizes (default
   100k): the same database gets one vector per quote, then the same queries run
   through the hybrid path (query embedding, nearest neighbours over all vectors,
   re-ranking). Embedding 100k quotes for real takes half an hour on 2 cores, and
   latency does not depend on which vector a quote has, so by default the model
   embeds a sample (25 quotes per label, ~2k) and every quote gets the vector of a
   sampled quote with its label, slightly perturbed; --embed-all embeds every quote.

Every measured step runs in its own process, started through a tiny fork-exec-wait4
launcher (what /usr/bin/time does), so its peak RSS is that step's alone: the largest
process of the step, which for import_file includes its parser worker.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parent
for folder in (REPO_ROOT, BENCH):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from make_corpus import DEFAULT_DATA, write_corpus  # noqa: E402
from quality import DEFAULT_QUERIES, load_queries  # noqa: E402

WARMUP = 5
SQLITE_UTILS = Path(sys.executable).parent / "sqlite-utils"  # the venv's, not whatever is on PATH


def log(message: str) -> None:
    """Progress goes to stderr so stdout stays a clean table (or clean JSON)."""
    print(f"[speed {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Step:
    """A child process's wall time, peak RSS and whatever it reported."""

    name: str
    seconds: float
    peak_rss_mb: float
    report: dict[str, object]


# Like /usr/bin/time: fork, exec the command, reap it with wait4, print its ru_maxrss
# last. Run with -S -I so this launcher itself stays at a few MB.
_LAUNCHER = """\
import os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execv(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
sys.stdout.flush()
print("maxrss_kb", usage.ru_maxrss, flush=True)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_step(name: str, argv: Sequence[str], env: dict[str, str] | None = None) -> Step:
    """Run a command; time it, and take its peak RSS from the kernel as it is reaped.

    The command is started through a small launcher, not directly: Linux carries a
    process's peak RSS across exec, so anything this (larger) process starts would
    report at least this process's own peak. ru_maxrss from wait4 covers the command
    and the descendants it has reaped (the importer's parser worker), and nothing else.
    """
    started = time.perf_counter()
    launcher = [sys.executable, "-S", "-I", "-c", _LAUNCHER]
    proc = subprocess.run([*launcher, *argv], stdout=subprocess.PIPE, text=True, check=False,
                          env={**os.environ, **env} if env else None)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{name} failed with exit code {proc.returncode}: {' '.join(argv)}")
    lines = proc.stdout.splitlines()
    peak_kb = int(lines[-1].split()[1])
    reports = [line for line in lines if line.startswith("{")]
    report = json.loads(reports[-1]) if reports else {}
    return Step(name, seconds, peak_kb / 1024, report)


def _child(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", *args]


def db_megabytes(path: Path) -> float:
    """The database with its WAL: what the import costs on disk."""
    files = [path, path.with_name(path.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 2**20


# ---------------------------------------------------------------- child processes


def child_import(db: str, corpus: str) -> None:
    """Import the corpus into a fresh database; report to stdout as one JSON line."""
    from bot.ingest.importer import import_file
    from bot.store import connect

    size = os.path.getsize(corpus)
    shown = [0]

    def progress(position: int) -> None:
        percent = 100 * position // max(size, 1)
        if percent >= shown[0] + 10:
            shown[0] = percent - percent % 10
            log(f"  import {percent}% of {Path(corpus).name}")

    store = connect(db)
    started = time.perf_counter()
    report = import_file(store, corpus, source="bench/corpus", progress=progress)
    seconds = time.perf_counter() - started
    store.close()
    print(json.dumps({"seconds": seconds, "read": report.read, "added": report.added,
                      "bad": len(report.bad)}))


def child_search(db: str, queries_json: str, semantic_on: bool = False) -> None:
    """Time each query after a warm-up; report the latencies as one JSON line."""
    from bot.search.lexical import search_quotes
    from bot.store import connect

    queries = json.loads(Path(queries_json).read_text(encoding="utf-8"))
    store = connect(db)
    if semantic_on:
        from bot.search import semantic

        if semantic.index_for(store) is None:
            raise SystemExit(f"{db}: no vectors, or the semantic extra is not installed")
    for query in queries[:WARMUP]:
        search_quotes(store, query, limit=5)
    latencies, empty = [], 0
    for query in queries:
        started = time.perf_counter()
        result = search_quotes(store, query, limit=5)
        latencies.append(1000 * (time.perf_counter() - started))
        empty += not result.quotes
    store.close()
    print(json.dumps({"latencies_ms": latencies, "empty": empty}))


SAMPLE_PER_LABEL = 25


def child_vectors(db: str, how: str) -> None:
    """Give every quote a vector: embed them all (`all`), or a sample per label (`sample`)."""
    from bot.search import semantic
    from bot.store import connect

    store = connect(db)
    started = time.perf_counter()
    if how == "all":
        done = semantic.embed_pending(store, model=semantic.Embedder(threads=os.cpu_count() or 1))
    else:
        done = _sampled_vectors(store)
    store.close()
    print(json.dumps({"seconds": time.perf_counter() - started, "vectors": done}))


def _sampled_vectors(store) -> int:  # noqa: ANN001
    """Real embeddings of a sample per label, spread over every quote of that label."""
    import random

    import numpy as np

    from bot.search import semantic

    rows = store.connection.execute("SELECT id, coalesce(labels, '') FROM feedback ORDER BY id").fetchall()
    by_label: dict[str, list[int]] = {}
    for feedback_id, labels in rows:
        by_label.setdefault(labels, []).append(feedback_id)
    rng = random.Random(77)
    sample = {label: rng.sample(ids, min(SAMPLE_PER_LABEL, len(ids))) for label, ids in by_label.items()}
    wanted = [i for ids in sample.values() for i in ids]
    texts = {i: text for i, text, _ in store.quotes.text_and_labels(wanted)}
    log(f"  embedding a sample of {len(wanted):,} quotes")
    vectors = semantic.Embedder(threads=os.cpu_count() or 1).embed([texts[i] for i in wanted])
    row_of = {i: n for n, i in enumerate(wanted)}
    noise = np.random.default_rng(77)
    done = 0
    for start in range(0, len(rows), 20_000):
        chunk = rows[start:start + 20_000]
        picked = np.stack([vectors[row_of[rng.choice(sample[labels])]] for _, labels in chunk])
        picked += noise.normal(0, 0.1 / math.sqrt(semantic.DIMENSIONS), picked.shape).astype(np.float32)
        picked /= np.linalg.norm(picked, axis=1, keepdims=True)
        done += semantic.store_vectors(store, [i for i, _ in chunk], picked)
    return done


# ---------------------------------------------------------------- the benchmarks


def meeting_queries(path: Path) -> list[str]:
    """A fixed, ordered query set: the labelled single queries plus variations of them.

    Variations are the shapes the bot meets in Slack: a line padded with meeting
    filler, half a thought, the latest message of a thread, and a whole thread pasted.
    """
    labelled = load_queries(path)
    singles = [q.query for q in labelled if q.kind == "single"]
    threads = [q.messages for q in labelled if q.kind == "conversation"]
    padded = [f"so, {q} - what do we do about it before the next release?" for q in singles]
    halves = [" ".join(q.split()[: max(3, len(q.split()) // 2)]) for q in singles]
    latest = [messages[-1] for messages in threads]
    pasted = ["\n".join(messages) for messages in threads]
    return singles + padded + halves + latest + pasted


def head_csv(corpus: Path, rows: int, out: Path) -> int:
    """The first `rows` records of a CSV (records, not lines: quoted fields may span lines)."""
    csv.field_size_limit(1 << 24)
    written = 0
    with open(corpus, newline="", encoding="utf-8") as src, \
            open(out, "w", newline="", encoding="utf-8") as dst:
        reader, writer = csv.reader(src), csv.writer(dst)
        writer.writerow(next(reader))
        for record in reader:
            if written >= rows:
                break
            writer.writerow(record)
            written += 1
    return written


def bench_import(corpus: Path, db: Path) -> Step:
    """Time import_file on the whole corpus, in a child process."""
    step = run_step("empty-chair import_file", _child("import", str(db), str(corpus)))
    step.report["db_mb"] = db_megabytes(db)
    return step


def bench_sqlite_utils(corpus: Path, db: Path) -> list[Step]:
    """The baseline: sqlite-utils' CSV insert, then its FTS index on the text column."""
    if not SQLITE_UTILS.exists():
        raise SystemExit(f"{SQLITE_UTILS} not found; install sqlite-utils into this venv")
    log("sqlite-utils insert --csv")
    insert = run_step("sqlite-utils insert --csv",
                      [str(SQLITE_UTILS), "insert", str(db), "feedback", str(corpus), "--csv"])
    log(f"  {insert.seconds:.1f}s; sqlite-utils enable-fts")
    fts = run_step("sqlite-utils enable-fts",
                   [str(SQLITE_UTILS), "enable-fts", str(db), "feedback", "text"])
    log(f"  {fts.seconds:.1f}s")
    fts.report["db_mb"] = db_megabytes(db)
    return [insert, fts]


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile: an actual observed latency, no interpolation."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Latency:
    """Search latency figures at one corpus size."""

    rows: int
    queries: int
    empty: int
    median_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    peak_rss_mb: float
    build_seconds: float | None
    mode: str = "lexical"


def bench_search(size: int, total: int, corpus: Path, full_db: Path, work: Path,
                 queries_json: Path, hybrid: str = "") -> list[Latency]:
    """Latency at one size; the full import is reused when the size is the whole corpus."""
    if size > total:
        log(f"skipping size {size:,}: the corpus has only {total:,} rows")
        return []
    build = None
    db = full_db
    if size < total:
        part = work / f"head-{size}.csv"
        head_csv(corpus, size, part)
        db = work / f"search-{size}.db"
        log(f"building a {size:,}-row database")
        build = run_step(f"build {size}", _child("import", str(db), str(part))).seconds
        part.unlink()
    log(f"searching {size:,} rows")
    step = run_step(f"search {size}", _child("search", str(db), str(queries_json)),
                    env={"EMPTY_CHAIR_SEMANTIC": "off"})
    results = [_latency(size, step, build)]
    if hybrid:
        log(f"  vectors for {size:,} rows ({hybrid})")
        vectors = run_step(f"vectors {size}", _child("vectors", str(db), hybrid))
        log(f"  {vectors.seconds:.1f}s; hybrid search")
        step = run_step(f"hybrid {size}", _child("hybrid", str(db), str(queries_json)))
        results.append(_latency(size, step, vectors.seconds, f"hybrid ({hybrid} vectors)"))
    if db != full_db:
        remove_db(db)
    return results


def _latency(size: int, step: Step, build: float | None, mode: str = "lexical") -> Latency:
    latencies = step.report["latencies_ms"]
    assert isinstance(latencies, list)
    return Latency(size, len(latencies), int(step.report["empty"]),  # type: ignore[call-overload]
                   statistics.median(latencies), percentile(latencies, 0.99),
                   statistics.fmean(latencies), max(latencies), step.peak_rss_mb, build, mode)


def remove_db(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)


# ---------------------------------------------------------------- output


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Aligned columns: the first left-aligned, numbers right-aligned."""
    everything = [list(header), *[list(r) for r in rows]]
    widths = [max(len(r[i]) for r in everything) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths, strict=True))) for r in everything]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_import(rows: int, ours: Step, baseline: list[Step]) -> str:
    total = sum(s.seconds for s in baseline)
    steps = [ours, *baseline]
    body = [[s.name, f"{rows:,}", f"{s.seconds:.1f}", f"{rows / s.seconds:,.0f}",
             f"{s.peak_rss_mb:.0f}", f"{s.report.get('db_mb', 0):.0f}" if "db_mb" in s.report else ""]
            for s in steps]
    body.append(["sqlite-utils total", f"{rows:,}", f"{total:.1f}", f"{rows / total:,.0f}",
                 f"{max(s.peak_rss_mb for s in baseline):.0f}", body[-1][-1]])
    text = table(("import step", "rows", "wall s", "rows/s", "peak RSS MB", "db MB"), body)
    ratio = total / ours.seconds
    verdict = "faster" if ratio >= 1 else "slower"
    shown = ratio if ratio >= 1 else 1 / ratio
    return (f"{text}\nspeed ratio: import_file is {shown:.2f}x {verdict} than sqlite-utils "
            f"insert + enable-fts ({ratio:.2f} = baseline wall / import_file wall)")


def format_search(results: Sequence[Latency]) -> str:
    body = [[f"{r.rows:,}", r.mode, str(r.queries), str(r.empty), f"{r.median_ms:.1f}",
             f"{r.p99_ms:.1f}", f"{r.mean_ms:.1f}", f"{r.max_ms:.1f}", f"{r.peak_rss_mb:.0f}",
             f"{r.build_seconds:.1f}" if r.build_seconds is not None else "(import above)"]
            for r in results]
    return table(("rows", "search", "queries", "empty", "median ms", "p99 ms", "mean ms", "max ms",
                  "peak RSS MB", "build s"), body)


# ---------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of synthetic corpus")
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="comma-separated corpus sizes for the search latency runs")
    parser.add_argument("--corpus", type=Path, help="reuse this CSV instead of generating one")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--workdir", type=Path, help="where temporary files go (default: $TMPDIR)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary files")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--hybrid-sizes", default="100000",
                        help="sizes that also get the hybrid search (needs the semantic extra)")
    parser.add_argument("--embed-all", action="store_true",
                        help="embed every quote for the hybrid runs, not a sample (slow)")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "DB", "INPUT"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


@dataclass
class Figures:
    """Everything one run measured."""

    rows: int
    corpus_mb: float
    ours: Step
    baseline: list[Step]
    search: list[Latency]

    def as_dict(self) -> dict[str, object]:
        return {"rows": self.rows, "corpus_mb": self.corpus_mb, "import": asdict(self.ours),
                "sqlite_utils": [asdict(s) for s in self.baseline],
                "speed_ratio": sum(s.seconds for s in self.baseline) / self.ours.seconds,
                "search": [asdict(r) for r in self.search]}


def run(args: argparse.Namespace, work: Path) -> Figures:
    """All the steps, in order."""
    corpus = args.corpus
    if corpus is None:
        corpus = work / "corpus.csv"
        log(f"generating a {args.rows:,}-row corpus")
        started = time.perf_counter()
        write_corpus(corpus, args.rows, args.data)
        log(f"  corpus written in {time.perf_counter() - started:.1f}s")
    full_db = work / "import.db"
    log(f"import_file of {corpus}")
    ours = bench_import(corpus, full_db)
    total = int(ours.report["added"])  # type: ignore[call-overload]
    log(f"  {ours.seconds:.1f}s for {total:,} rows")
    baseline_db = work / "sqlite-utils.db"
    baseline = bench_sqlite_utils(corpus, baseline_db)
    remove_db(baseline_db)
    queries_json = work / "queries.json"
    queries_json.write_text(json.dumps(meeting_queries(args.queries)), encoding="utf-8")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    latencies = [r for size in sizes
                 for r in bench_search(size, total, corpus, full_db, work, queries_json,
                                       _hybrid_mode(args, size))]
    return Figures(total, corpus.stat().st_size / 2**20, ours, baseline, latencies)


def _hybrid_mode(args: argparse.Namespace, size: int) -> str:
    """"all" or "sample" when this size gets a hybrid run, else ""."""
    from bot.search import semantic

    sizes = {int(s) for s in args.hybrid_sizes.split(",") if s.strip()}
    if size not in sizes or not semantic.available():
        return ""
    return "all" if args.embed_all else "sample"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        kind, db, source = args.child
        if kind == "import":
            child_import(db, source)
        elif kind == "vectors":
            child_vectors(db, source)
        else:
            child_search(db, source, semantic_on=kind == "hybrid")
        return 0
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="empty-chair-speed-", dir=args.workdir))
    try:
        figures = run(args, work)
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(figures.as_dict(), indent=2))
    else:
        print(format_import(figures.rows, figures.ours, figures.baseline))
        print()
        print(format_search(figures.search))
    return 0


if __name__ == "__main__":
    sys.exit(main())
