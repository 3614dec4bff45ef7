"""Import throughput and search latency at realistic corpus sizes, on SQLite and PostgreSQL.

Usage (from the repo root)::

    .venv/bin/python bench/speed.py [--rows 1000000] [--sizes 10000,100000,1000000]
                                    [--db postgresql://postgres@127.0.0.1:5432/postgres]
                                    [--hybrid-sizes 100000,1000000] [--embed-sample 20000 | --embed-all]
                                    [--load | --no-load] [--corpus PATH] [--workdir DIR] [--keep] [--json]
                                    [--model DIR]   # another embedding model (EMPTY_CHAIR_MODEL's folder)

a) Import: writes a synthetic corpus (bench/make_corpus.py) unless --corpus is given,
   imports it into a fresh SQLite database with `bot.ingest.importer.import_file`, and
   runs the baseline a team would reach for first, `sqlite-utils insert --csv` followed
   by `sqlite-utils enable-fts`, on the same file. With --db (a PostgreSQL server), the
   same file is imported into a scratch database there (COPY inside `import_file`).
b) Lexical search: for each size and backend, a database of the first N rows, then the
   median and 99th percentile latency of `search_quotes(store, q, limit=5)` over a fixed
   set of meeting-style queries, after 5 warm-up queries. With --db, the target is
   printed: PostgreSQL's p99 at 1M within 2x SQLite's.
c) Hybrid search (search by meaning) at --hybrid-sizes (default 100k and 1M), on the
   backends of --hybrid-backends (default sqlite): the same database gets one vector per
   quote, then the same queries run through the hybrid path (query embedding, nearest
   neighbours, re-ranking). By default the first --embed-sample (20,000) distinct quotes
   are embedded for real (the measured embedding rate, with its projection to 1M) and
   every other quote gets the vector of a sampled quote with its labels, turned to a
   cosine of 0.85-0.90 (bench/sample_vectors.py); --embed-all embeds every quote
   (150 quotes/s on this mix on 2 cores, 230 on short quotes alone: 1-2 hours per 1M).
d) With --db (or --load): two `empty-chair serve` replicas on the full PostgreSQL
   database under bench/slack_load.py's load (`--replicas 2`): the slash-command answer
   p99 and whatever it counts as lost or duplicated. Skipped, with a message, where
   slack_load.py has no --replicas.

Every measured step runs in its own process, started through a tiny fork-exec-wait4
launcher (what /usr/bin/time does), so its peak RSS is that step's alone: the largest
process of the step, which for import_file includes its parser worker. The scratch
PostgreSQL databases (`empty_chair_speed_<pid>_<size>`) are dropped at the end unless
--keep; a PostgreSQL server's own memory is not in any peak RSS.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import math
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parent
for folder in (REPO_ROOT, BENCH):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from make_corpus import DEFAULT_DATA, write_corpus  # noqa: E402
from quality import DEFAULT_QUERIES, load_queries  # noqa: E402

WARMUP = 5
SQLITE_UTILS = Path(sys.executable).parent / "sqlite-utils"  # the venv's, not whatever is on PATH
SLACK_LOAD = BENCH / "slack_load.py"
TARGET_SIZE = 1_000_000  # issue #11: PostgreSQL's search p99 at 1M quotes ...
TARGET_RATIO = 2.0  # ... within 2x SQLite's
REPLICAS = 2


def log(message: str) -> None:
    """Progress goes to stderr so stdout stays a clean table (or clean JSON)."""
    print(f"[speed {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Step:
    """A child process's wall time, peak RSS and whatever it reported."""

    name: str
    seconds: float
    peak_rss_mb: float
    report: dict[str, Any]
    backend: str = "sqlite"


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


def run_step(name: str, argv: Sequence[str]) -> Step:
    """Run a command; time it, and take its peak RSS from the kernel as it is reaped.

    The command is started through a small launcher, not directly: Linux carries a
    process's peak RSS across exec, so anything this (larger) process starts would
    report at least this process's own peak. ru_maxrss from wait4 covers the command
    and the descendants it has reaped (the importer's parser worker), and nothing else.
    """
    started = time.perf_counter()
    launcher = [sys.executable, "-S", "-I", "-c", _LAUNCHER]
    proc = subprocess.run([*launcher, *argv], stdout=subprocess.PIPE, text=True, check=False)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{name} failed with exit code {proc.returncode}: {' '.join(argv)}")
    lines = proc.stdout.splitlines()
    peak_kb = int(lines[-1].split()[1])
    reports = [line for line in lines if line.startswith("{")]
    report = json.loads(reports[-1]) if reports else {}
    return Step(name, seconds, peak_kb / 1024, report)


MODEL: list[str] = []  # ["--child-model", DIR] when --model chose another embedding model


def _child(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", *args, *MODEL]


def _model(model: str | None) -> Path | None:
    return Path(model) if model and model != "default" else None


def db_megabytes(path: Path) -> float:
    """The database with its WAL: what the import costs on disk."""
    files = [path, path.with_name(path.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 2**20


def remove_db(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)


# ---------------------------------------------------------------- backends: where the databases go


class Backend(Protocol):
    """Makes, measures and drops the benchmark's databases on one kind of database."""

    name: str

    def create(self, label: str) -> str:
        """A fresh, empty database for `label` ("full", or a size): what `connect` opens."""

    def megabytes(self, target: str) -> float: ...

    def settle(self, target: str) -> None:
        """Bring a freshly imported database to the state a running one is in before it is searched."""

    def remove(self, target: str) -> None:
        """Drop a database once its measurements are done (unless --keep)."""

    def close(self) -> None: ...


class SqliteFiles:
    """SQLite databases as files in the work directory (which --keep keeps)."""

    name = "sqlite"

    def __init__(self, work: Path, keep: bool) -> None:
        self.work, self.keep = work, keep

    def create(self, label: str) -> str:
        path = self.work / f"{label}.db"
        remove_db(path)
        return str(path)

    def megabytes(self, target: str) -> float:
        return db_megabytes(Path(target))

    def settle(self, target: str) -> None:
        pass

    def remove(self, target: str) -> None:
        if not self.keep:
            remove_db(Path(target))

    def close(self) -> None:
        pass


def database_url(server: str, name: str) -> str:
    """The server's URL with another database name; user, host, port and options kept."""
    parts = urlsplit(server)
    return urlunsplit(parts._replace(path=f"/{name}"))


def scratch_name(label: str, pid: int | None = None) -> str:
    """A database name no other run uses at the same time, and that says what made it."""
    return f"empty_chair_speed_{os.getpid() if pid is None else pid}_{label}"


class PostgresScratch:
    """Scratch databases on a PostgreSQL server, created and dropped over one admin connection."""

    name = "postgresql"

    def __init__(self, server: str, keep: bool) -> None:
        import psycopg

        try:
            self.admin = psycopg.connect(server, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError as err:
            raise SystemExit(f"--db {server}: no PostgreSQL server answers ({err})") from None
        self.server, self.keep = server, keep
        self.created: list[str] = []

    def create(self, label: str) -> str:
        name = scratch_name(label)
        self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return database_url(self.server, name)

    def megabytes(self, target: str) -> float:
        name = urlsplit(target).path.lstrip("/")
        row = self.admin.execute("SELECT pg_database_size(%s)", (name,)).fetchone()
        return (row[0] if row else 0) / 2**20

    def settle(self, target: str) -> None:
        """Planner statistics, as autovacuum gathers them within minutes of an import: searched
        straight after COPY, PostgreSQL plans without them (20% slower at 20k rows)."""
        import psycopg

        with psycopg.connect(target, autocommit=True) as conn:
            conn.execute("ANALYZE")

    def remove(self, target: str) -> None:
        name = urlsplit(target).path.lstrip("/")
        if self.keep or name not in self.created:
            return
        self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.remove(name)

    def close(self) -> None:
        if self.keep and self.created:
            log(f"kept PostgreSQL databases {', '.join(self.created)}")
        for name in list(self.created):
            self.remove(database_url(self.server, name))
        self.admin.close()


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


def child_search(db: str, queries_json: str, semantic_on: bool = False, model: str | None = None) -> None:
    """Time each query after a warm-up; report the latencies as one JSON line."""
    from bot.search import semantic
    from bot.search.quotes import search_quotes
    from bot.store import connect

    semantic.switch(semantic_on, model=_model(model))
    logging.getLogger(semantic.__name__).setLevel(logging.ERROR)  # "switched off": we know
    queries = json.loads(Path(queries_json).read_text(encoding="utf-8"))
    store = connect(db)
    started = time.perf_counter()
    if semantic_on and semantic.index_for(store) is None:
        raise SystemExit(f"{db}: no vectors, or search by meaning is not installed")
    index_seconds = time.perf_counter() - started  # building (or loading) the vector index
    for query in queries[:WARMUP]:
        search_quotes(store, query, limit=5)
    latencies, empty = [], 0
    for query in queries:
        started = time.perf_counter()
        result = search_quotes(store, query, limit=5)
        latencies.append(1000 * (time.perf_counter() - started))
        empty += not result.quotes
    report = {"latencies_ms": latencies, "empty": empty, "index_seconds": index_seconds}
    if semantic_on:
        report["speaking_ms"], report["speaking_posts"] = speaking(store, queries)
    store.close()
    print(json.dumps(report))


def speaking(store: Any, queries: Sequence[str], per_conversation: int = 4) -> tuple[list[float], int]:
    """Each query as a message of a meeting, through the bot's `observe`: the time from a
    message to what the customer does about it (its theme belief, then the theme's quotes)."""
    from bot.config import DEFAULT_PROMPTS
    from bot.meeting.policy import Policy, observe
    from bot.models import Message
    from bot.voice import Voice

    voice, policy = Voice.load(DEFAULT_PROMPTS), Policy(cooldown_seconds=0)
    start = time.time()
    latencies, posts = [], 0
    for number, query in enumerate(queries):
        channel = f"speed-{number // per_conversation}"
        message = Message("bench", channel, f"{start + number:.6f}", "U1", query)
        started = time.perf_counter()
        action = observe(store, voice, message, policy)
        latencies.append(1000 * (time.perf_counter() - started))
        posts += action.kind == "quotes"
    return latencies, posts


def child_vectors(db: str, plan_json: str, model: str | None = None) -> None:
    """Give every quote a vector, as the plan says: embed them all, or spread a real sample."""
    from bot.search import semantic
    from bot.store import connect

    semantic.switch(True, model=_model(model))
    plan = json.loads(plan_json)
    store = connect(db)
    started = time.perf_counter()
    if plan["how"] == "all":
        counted = [0]

        def progress(n: int) -> None:
            counted[0] += n
            if counted[0] % 10_240 < n:
                log(f"  {counted[0]:,} embedded, {counted[0] / (time.perf_counter() - started):.1f} quotes/s")

        done = semantic.embed_pending(store, progress=progress,
                                      model=semantic.new_embedder(threads=os.cpu_count() or 1))
        seconds = time.perf_counter() - started
        report: dict[str, object] = {"vectors": done, "sample": done, "embedded": done,
                                     "embed_seconds": seconds}
    else:
        from sample_vectors import spread

        report = spread(store, int(plan["sample"]), Path(plan["cache"]), say=log)
    store.close()
    print(json.dumps({"how": plan["how"], "threads": os.cpu_count() or 1, "model": semantic.model_key(),
                      "seconds": time.perf_counter() - started, **report}))


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


def bench_import(backend: Backend, corpus: Path, db: str, name: str = "empty-chair import_file") -> Step:
    """Time import_file on a CSV into a fresh database of the backend, in a child process."""
    step = run_step(name, _child("import", db, str(corpus)))
    step.backend = backend.name
    step.report["db_mb"] = backend.megabytes(db)
    backend.settle(db)
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
    """Search latency figures at one corpus size, on one backend."""

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
    backend: str = "sqlite"
    vectors: dict[str, Any] | None = None  # hybrid: what gave the quotes their vectors
    index_seconds: float | None = None  # hybrid: the search process building its vector index


@dataclass
class Plan:
    """What one run measures at each size, and on which backends."""

    sizes: list[int]
    hybrid_sizes: list[int]
    hybrid_backends: list[str]
    vectors: dict[str, object]  # the vectors child's plan: {"how": "all"|"sample", ...}

    def hybrid(self, size: int, backend: str) -> bool:
        return size in self.hybrid_sizes and backend in self.hybrid_backends


def bench_size(size: int, total: int, corpus: Path, full: dict[str, str], backends: Sequence[Backend],
               work: Path, queries_json: Path, plan: Plan) -> list[Latency]:
    """Latency at one size on every backend; the full import is reused when the size is the whole corpus."""
    if size > total:
        log(f"skipping size {size:,}: the corpus has only {total:,} rows")
        return []
    part = None
    if size < total:
        part = work / f"head-{size}.csv"
        head_csv(corpus, size, part)
    results: list[Latency] = []
    for backend in backends:
        if size not in plan.sizes and not plan.hybrid(size, backend.name):
            continue
        build, db = None, full[backend.name]
        if part is not None:
            db = backend.create(str(size))
            log(f"building a {size:,}-row {backend.name} database")
            build = bench_import(backend, part, db, f"build {size}").seconds
        results += bench_database(size, backend.name, db, build, queries_json, plan)
        if part is not None:
            backend.remove(db)
    if part is not None:
        part.unlink()
    return results


def bench_database(size: int, backend: str, db: str, build: float | None, queries_json: Path,
                   plan: Plan) -> list[Latency]:
    """Lexical search, then (if planned) vectors and hybrid search, on one database."""
    results = []
    if size in plan.sizes:
        log(f"searching {size:,} rows on {backend}")
        step = run_step(f"search {size}", _child("search", db, str(queries_json)))
        results.append(_latency(size, step, build, backend=backend))
    if plan.hybrid(size, backend):
        log(f"  vectors for {size:,} rows on {backend} ({plan.vectors['how']})")
        vectors = run_step(f"vectors {size}", _child("vectors", db, json.dumps(plan.vectors)))
        log(f"  {vectors.seconds:.1f}s; hybrid search")
        step = run_step(f"hybrid {size}", _child("hybrid", db, str(queries_json)))
        results.append(_latency(size, step, vectors.seconds, "hybrid", backend, vectors.report))
        if step.report.get("speaking_ms"):
            results.append(_latency(size, step, vectors.seconds, "speaking", backend, vectors.report,
                                    key="speaking_ms"))
    return results


def _latency(size: int, step: Step, build: float | None, mode: str = "lexical", backend: str = "sqlite",
             vectors: dict[str, Any] | None = None, key: str = "latencies_ms") -> Latency:
    latencies = step.report[key]
    # for speaking, "empty" counts the messages the customer stayed silent on
    posts = step.report.get("speaking_posts", 0)
    empty = int(step.report["empty"]) if key == "latencies_ms" else len(latencies) - posts
    return Latency(size, len(latencies), empty, statistics.median(latencies),
                   percentile(latencies, 0.99), statistics.fmean(latencies), max(latencies),
                   step.peak_rss_mb, build, mode, backend, vectors,
                   float(step.report.get("index_seconds", 0.0)) if mode == "hybrid" else None)


def slack_load_has_replicas() -> bool:
    """Whether bench/slack_load.py runs several replicas on PostgreSQL yet (its --help tells)."""
    proc = subprocess.run([sys.executable, str(SLACK_LOAD), "--help"], capture_output=True, text=True,
                          check=False)
    return proc.returncode == 0 and "--replicas" in proc.stdout


def bench_load(db: str, events: int, commands: int, extra: str) -> dict[str, Any]:
    """Two `empty-chair serve` replicas on the database under bench/slack_load.py's load.

    Its progress goes to stderr as it runs; its JSON figures are read from stdout.
    """
    if not slack_load_has_replicas():
        return {"skipped": "bench/slack_load.py has no --replicas option yet"}
    argv = [sys.executable, str(SLACK_LOAD), "--db", db, "--replicas", str(REPLICAS), "--json",
            "--events", str(events), "--commands", str(commands), *shlex.split(extra)]
    log(f"two-replica load: {' '.join(argv[1:])}")
    proc = subprocess.run(argv, stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0 or "{" not in proc.stdout:
        return {"skipped": f"bench/slack_load.py failed (exit code {proc.returncode}; its log is above)"}
    return load_figures(json.loads(proc.stdout[proc.stdout.index("{"):]))


DELIVERY_WORDS = ("lost", "missing", "duplicat", "unexpected", "failed", "over_3s")


def load_figures(report: dict[str, Any]) -> dict[str, Any]:
    """What this benchmark reports of slack_load.py's JSON: the slash-command answer times, the
    event-to-post times, and every count of something lost, missing or duplicated it has."""
    latency = report.get("latency") or {}
    config = report.get("config") or {}
    counted = {key: value for key, value in report.items()
               if any(word in key for word in DELIVERY_WORDS) and isinstance(value, int | float | list)}
    return {"replicas": config.get("replicas", REPLICAS), "quotes": config.get("quotes"),
            "events": report.get("events_sent", config.get("events")),
            "commands": report.get("commands_sent", config.get("commands")),
            "command_answer": latency.get("command_answer"), "event_to_post": latency.get("event_to_post"),
            "digest_posts": report.get("digest_posts"), "verdict": report.get("verdict"),
            "delivery": {key: len(value) if isinstance(value, list) else value
                         for key, value in counted.items()}}


# ---------------------------------------------------------------- output


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Aligned columns: the first left-aligned, numbers right-aligned."""
    everything = [list(header), *[list(r) for r in rows]]
    widths = [max(len(r[i]) for r in everything) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths, strict=True))) for r in everything]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _mb(step: Step) -> str:
    return f"{step.report['db_mb']:.0f}" if "db_mb" in step.report else ""


def format_import(rows: int, imports: Sequence[Step], baseline: list[Step]) -> str:
    total = sum(s.seconds for s in baseline)
    steps = [*imports, *baseline]
    body = [[s.name, s.backend, f"{rows:,}", f"{s.seconds:.1f}", f"{rows / s.seconds:,.0f}",
             f"{s.peak_rss_mb:.0f}", _mb(s)] for s in steps]
    body.append(["sqlite-utils total", "sqlite", f"{rows:,}", f"{total:.1f}", f"{rows / total:,.0f}",
                 f"{max(s.peak_rss_mb for s in baseline):.0f}", _mb(baseline[-1])])
    text = table(("import step", "backend", "rows", "wall s", "rows/s", "peak RSS MB", "db MB"), body)
    ratio = total / imports[0].seconds
    verdict = "faster" if ratio >= 1 else "slower"
    shown = ratio if ratio >= 1 else 1 / ratio
    lines = [text, f"speed ratio: import_file into SQLite is {shown:.2f}x {verdict} than sqlite-utils "
                   f"insert + enable-fts ({ratio:.2f} = baseline wall / import_file wall)"]
    if len(imports) > 1:
        lines.append(f"PostgreSQL import: {imports[1].seconds / imports[0].seconds:.2f}x SQLite's wall time; "
                     "its peak RSS is the importing processes' own, not the server's")
    return "\n".join(lines)


def format_search(results: Sequence[Latency]) -> str:
    lexical = [r for r in results if r.mode == "lexical"]
    body = [[f"{r.rows:,}", r.backend, str(r.queries), str(r.empty), f"{r.median_ms:.1f}",
             f"{r.p99_ms:.1f}", f"{r.mean_ms:.1f}", f"{r.max_ms:.1f}", f"{r.peak_rss_mb:.0f}",
             f"{r.build_seconds:.1f}" if r.build_seconds is not None else "(import above)"]
            for r in lexical]
    text = table(("rows", "lexical search", "queries", "empty", "median ms", "p99 ms", "mean ms", "max ms",
                  "peak RSS MB", "build s"), body)
    target = search_target(lexical)
    return text if target is None else f"{text}\n{format_target(target)}"


def search_target(results: Sequence[Latency]) -> dict[str, Any] | None:
    """Issue #11's target, at 1M if measured there, else at the largest size both backends ran."""
    p99 = {(r.backend, r.rows): r.p99_ms for r in results if r.mode == "lexical"}
    both = sorted(size for backend, size in p99 if backend == "postgresql" and ("sqlite", size) in p99)
    if not both:
        return None
    size = TARGET_SIZE if TARGET_SIZE in both else both[-1]
    ratio = p99[("postgresql", size)] / p99[("sqlite", size)]
    return {"rows": size, "target_rows": TARGET_SIZE, "sqlite_p99_ms": p99[("sqlite", size)],
            "postgresql_p99_ms": p99[("postgresql", size)], "ratio": ratio, "within": TARGET_RATIO,
            "met": ratio <= TARGET_RATIO if size == TARGET_SIZE else None}


def format_target(t: dict[str, Any]) -> str:
    verdict = {True: "met", False: "MISSED", None: f"(the target is at {t['target_rows']:,} rows)"}[t["met"]]
    return (f"target: PostgreSQL search p99 within {t['within']:g}x SQLite's at {t['target_rows']:,} rows; "
            f"at {t['rows']:,} rows: {t['postgresql_p99_ms']:.1f} ms vs {t['sqlite_p99_ms']:.1f} ms = "
            f"{t['ratio']:.2f}x {verdict}")


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{seconds / 60:.1f} min"


def format_hybrid(results: Sequence[Latency]) -> str:
    hybrid = [r for r in results if r.mode in ("hybrid", "speaking")]
    body = [[f"{r.rows:,}", r.backend if r.mode == "hybrid" else f"{r.backend}, speaking",
             vectors_mode(r.vectors or {}), str(r.queries), str(r.empty),
             f"{r.median_ms:.1f}", f"{r.p99_ms:.1f}", f"{r.mean_ms:.1f}", f"{r.max_ms:.1f}",
             f"{r.peak_rss_mb:.0f}", f"{r.build_seconds or 0:.1f}",
             f"{(r.vectors or {}).get('embedded', 0):,}", f"{r.index_seconds or 0:.1f}"]
            for r in hybrid]
    text = table(("rows", "hybrid search", "vectors", "queries", "empty", "median ms", "p99 ms", "mean ms",
                  "max ms", "peak RSS MB", "vectors s", "embedded", "index s"), body)
    lines = [text]
    model = next((r.vectors["model"] for r in hybrid if r.vectors and r.vectors.get("model")), None)
    if model:
        lines.append(f"embedding model: {model}")
    rate = embedding_rate(hybrid)
    if rate:
        lines.append(f"embedding rate: {rate['quotes_per_s']:.1f} quotes/s on {rate['threads']} threads "
                     f"({rate['embedded']:,} quotes in {rate['seconds']:.0f} s); 1,000,000 quotes would take "
                     f"{_duration(rate['projected_1m_s'])}")
    copies = next((r.vectors for r in hybrid if r.vectors and r.vectors.get("copies")), None)
    if copies:
        low, high = copies["copy_cosines"]
        lines.append(f"sample vectors: the first {copies['sample']:,} distinct quotes embedded for real, "
                     "every other quote a copy of a sampled one with its labels, turned to cosine "
                     f"{low:.2f}-{high:.2f} (mean {copies['copy_cosine_mean']:.3f})")
    return "\n".join(lines)


def vectors_mode(vectors: dict[str, Any]) -> str:
    if vectors.get("how") == "all":
        return "all embedded"
    return f"sample {vectors.get('sample', 0):,}"


def embedding_rate(hybrid: Sequence[Latency]) -> dict[str, Any] | None:
    """The rate of the step that embedded the most quotes (later steps reuse its cached vectors)."""
    steps = [r.vectors for r in hybrid if r.vectors and r.vectors.get("embedded")]
    if not steps:
        return None
    best = max(steps, key=lambda v: v["embedded"])
    rate = best["embedded"] / best["embed_seconds"]
    return {"quotes_per_s": rate, "embedded": best["embedded"], "seconds": best["embed_seconds"],
            "threads": best.get("threads"), "projected_1m_s": 1_000_000 / rate, "how": best["how"]}


def format_load(load: dict[str, Any]) -> str:
    if "skipped" in load:
        return f"two-replica load on PostgreSQL: skipped ({load['skipped']})"

    def ms(figures: dict[str, Any] | None, key: str) -> str:
        value = (figures or {}).get(key)
        return "-" if value is None else f"{value:,.1f}"

    body = [[name, str((figures or {}).get("n", "-")), ms(figures, "median_ms"), ms(figures, "p99_ms"),
             ms(figures, "max_ms")]
            for name, figures in (("slash-command answer", load["command_answer"]),
                                  ("event-to-post", load["event_to_post"]))]
    head = (f"{load['replicas']} replicas of empty-chair serve on PostgreSQL ({load['quotes'] or 0:,} "
            f"quotes) under bench/slack_load.py: {load['events'] or 0:,} events, "
            f"{load['commands'] or 0:,} slash commands")
    delivery = ", ".join(f"{key} {value:,}" for key, value in load["delivery"].items()) or "(none reported)"
    return "\n".join([head, table(("latency", "n", "median ms", "p99 ms", "max ms"), body),
                      f"lost / duplicated: {delivery}",
                      f"digest due mid-load: posted {load.get('digest_posts', '-')} time(s); "
                      f"slack_load.py verdict: {load.get('verdict') or '-'}"])


# ---------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of synthetic corpus")
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="comma-separated corpus sizes for the lexical search latency runs")
    parser.add_argument("--corpus", type=Path, help="reuse this CSV instead of generating one")
    parser.add_argument("--db", help="a PostgreSQL server (postgresql://...): measure it beside SQLite, "
                                     "in scratch databases it creates there")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--workdir", type=Path, help="where temporary files go (default: $TMPDIR)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary files and databases")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--hybrid-sizes", default="100000,1000000",
                        help="sizes that also get the hybrid search ('' for none)")
    parser.add_argument("--hybrid-backends", default="sqlite",
                        help="backends the hybrid search runs on: sqlite, postgresql or both")
    parser.add_argument("--embed-sample", type=int, default=20_000,
                        help="distinct quotes embedded for real; the others get copies of their vectors")
    parser.add_argument("--embed-all", action="store_true",
                        help="embed every quote for the hybrid runs, not a sample (1-2 h per 1M, 2 cores)")
    parser.add_argument("--load", action=argparse.BooleanOptionalAction, default=None,
                        help=f"{REPLICAS} replicas under bench/slack_load.py on the full PostgreSQL database "
                             "(default: on with --db)")
    parser.add_argument("--load-events", type=int, default=2000, help="message events the load sends")
    parser.add_argument("--load-commands", type=int, default=50, help="slash commands in the load's burst")
    parser.add_argument("--load-args", default="", help="more options for slack_load.py, e.g. '--rate 80'")
    parser.add_argument("--model", metavar="DIR",
                        help="embedding model for the hybrid runs: a directory as EMPTY_CHAIR_MODEL takes "
                             "it (bench/fetch_mpnet.py makes one); default the bundled MiniLM")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "DB", "INPUT"), help=argparse.SUPPRESS)
    parser.add_argument("--child-model", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.db is not None and not args.db.startswith(("postgresql://", "postgres://")):
        parser.error("--db takes a PostgreSQL server's URL, e.g. postgresql://postgres@127.0.0.1:5432/postgres")
    if args.load and not args.db:
        parser.error("--load needs --db (the replicas share a PostgreSQL database)")
    return args


@dataclass
class Figures:
    """Everything one run measured."""

    rows: int
    corpus_mb: float
    imports: list[Step]  # SQLite first
    baseline: list[Step]
    search: list[Latency]
    load: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, object]:
        hybrid = [r for r in self.search if r.mode == "hybrid"]
        speaking = [r for r in self.search if r.mode == "speaking"]
        return {"rows": self.rows, "corpus_mb": self.corpus_mb, "import": asdict(self.imports[0]),
                "imports": {s.backend: asdict(s) for s in self.imports},
                "sqlite_utils": [asdict(s) for s in self.baseline],
                "speed_ratio": sum(s.seconds for s in self.baseline) / self.imports[0].seconds,
                "search": [asdict(r) for r in self.search if r.mode == "lexical"],
                "search_target": search_target(self.search),
                "hybrid": [asdict(r) for r in hybrid], "embedding_rate": embedding_rate(hybrid),
                "speaking": [asdict(r) for r in speaking],
                "load": self.load}


def sizes_of(text: str) -> list[int]:
    return [int(s) for s in text.split(",") if s.strip()]


def make_plan(args: argparse.Namespace, work: Path) -> Plan:
    """Which sizes get which searches; hybrid only where search by meaning is installed."""
    from bot.search import semantic

    hybrid_sizes = sizes_of(args.hybrid_sizes)
    if hybrid_sizes and not semantic.available():
        log("search by meaning is not installed: no hybrid runs")
        hybrid_sizes = []
    how = "all" if args.embed_all else "sample"
    backends = [{"postgres": "postgresql"}.get(b.strip(), b.strip()) for b in args.hybrid_backends.split(",")]
    return Plan(sizes_of(args.sizes), hybrid_sizes, backends,
                {"how": how, "sample": args.embed_sample, "cache": str(work / "sample-vectors")})


def run(args: argparse.Namespace, work: Path, backends: Sequence[Backend]) -> Figures:
    """All the steps, in order."""
    corpus = args.corpus
    if corpus is None:
        corpus = work / "corpus.csv"
        log(f"generating a {args.rows:,}-row corpus")
        started = time.perf_counter()
        write_corpus(corpus, args.rows, args.data)
        log(f"  corpus written in {time.perf_counter() - started:.1f}s")
    full, imports = {}, []
    for backend in backends:
        full[backend.name] = backend.create("full")
        log(f"import_file of {corpus} into {backend.name}")
        imports.append(bench_import(backend, corpus, full[backend.name]))
        log(f"  {imports[-1].seconds:.1f}s for {imports[-1].report['added']:,} rows")
    total = int(imports[0].report["added"])
    if any(int(s.report["added"]) != total for s in imports):
        log(f"the backends stored different counts: {[s.report['added'] for s in imports]}")
    baseline_db = work / "sqlite-utils.db"
    baseline = bench_sqlite_utils(corpus, baseline_db)
    remove_db(baseline_db)
    queries_json = work / "queries.json"
    queries_json.write_text(json.dumps(meeting_queries(args.queries)), encoding="utf-8")
    plan = make_plan(args, work)
    latencies = [r for size in sorted(set(plan.sizes) | set(plan.hybrid_sizes))
                 for r in bench_size(size, total, corpus, full, backends, work, queries_json, plan)]
    figures = Figures(total, corpus.stat().st_size / 2**20, imports, baseline, latencies)
    if args.load:
        figures.load = bench_load(full["postgresql"], args.load_events, args.load_commands, args.load_args)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        kind, db, source = args.child
        if kind == "import":
            child_import(db, source)
        elif kind == "vectors":
            child_vectors(db, source, args.child_model)
        else:
            child_search(db, source, semantic_on=kind == "hybrid", model=args.child_model)
        return 0
    if args.model:
        from bot.search import semantic

        semantic.switch(True, model=_model(args.model))  # a folder lacking its files stops us here
        MODEL[:] = ["--child-model", args.model]
        log(f"embedding model {semantic.model_key()}")
    if args.load is None:
        args.load = args.db is not None
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="empty-chair-speed-", dir=args.workdir))
    backends: list[Backend] = [SqliteFiles(work, args.keep)]
    try:
        if args.db:
            backends.append(PostgresScratch(args.db, args.keep))
        figures = run(args, work, backends)
    finally:
        for backend in backends:
            backend.close()
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(figures.as_dict(), indent=2))
    else:
        parts = [format_import(figures.rows, figures.imports, figures.baseline),
                 format_search(figures.search)]
        if any(r.mode == "hybrid" for r in figures.search):
            parts.append(format_hybrid(figures.search))
        if figures.load is not None:
            parts.append(format_load(figures.load))
        print("\n\n".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
