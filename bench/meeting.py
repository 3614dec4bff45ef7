"""Does the customer speak at the right moment, with relevant quotes, on real meeting talk?

Usage (from the repo root)::

    .venv/bin/python bench/meeting.py [--mode lexical|semantic|both] [--json]
    .venv/bin/python bench/meeting.py --tune-failures     # what went wrong, tuning half only
    .venv/bin/python bench/meeting.py --model default --model bench/out/mpnet [--per-corpus]
                                       # models side by side (bench/fetch_mpnet.py makes the folder)

Three questions, each answered separately for the odd lines of every set (the tuning
half) and the even lines (the reporting half):

a. Relevance: precision@5 of the bot's search for one meeting message, on the 150
   labelled messages of ../shared/data/dev/meeting_queries.jsonl, per dataset.
b. Speaking: each conversation replayed message by message through
   `bot.meeting.policy.observe`, the function the Slack bot calls. The 30 conversations
   of dev/conversations.jsonl should get relevant quotes; the ones in
   bench/data/silent_conversations.jsonl should get silence.
c. Decisions: precision, recall and F1 of `bot.meeting.decisions.is_decision` on the
   `decision` field of meeting_queries.jsonl, and F1 on tests/data/decisions.jsonl.

The corpus is both shared data sets in one database, imported with the core
`import_file`: banking77/train.csv labelled by intent, cfpb/complaints_narratives.csv
labelled by its Issue column. It is built once and cached in bench/out/ under a key
made of the corpora's checksums and the importer's source; with the semantic extra
every quote is embedded into the cached file once (several minutes on 2 cores). Each
run works on a temporary copy, so the cache never holds channel state.

"lexical" runs with EMPTY_CHAIR_SEMANTIC=off, "semantic" with the extra on, as the
bot would in each install. `--tune-failures` lists the failures of the odd lines only:
the even lines are for reporting, and their details are never printed.

`--model` (repeatable) compares embedding models: `default` is the bundled MiniLM, any
other value a model directory as EMPTY_CHAIR_MODEL takes it. Each model runs in its own
process, search by meaning on, with a cached database of its own; the figures come side
by side, with the oracle's (the belief's theme right at the last message; at some
message), the embedding rate (quotes per CPU-second on one thread, measured afresh on 480
quotes of the corpus every run), the time to embed one meeting message, and the run's
peak memory.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(__file__).resolve().parent
for _path in (REPO_ROOT, BENCH_DIR):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from decision_eval import Scores, score  # noqa: E402
from decision_eval import load as load_decision_set  # noqa: E402

from bot.config import DEFAULT_PROMPTS  # noqa: E402
from bot.ingest.importer import import_file  # noqa: E402
from bot.meeting.decisions import classify  # noqa: E402
from bot.meeting.policy import Policy, observe  # noqa: E402
from bot.models import Message  # noqa: E402
from bot.search import semantic  # noqa: E402
from bot.search.conversation import conversation_terms, conversation_texts  # noqa: E402
from bot.search.quotes import search_terms  # noqa: E402
from bot.store import connect  # noqa: E402
from bot.voice import Voice  # noqa: E402

# ../shared/data beside the checkout; a git worktree one level deeper finds it too.
DEFAULT_DATA = next((p for p in (REPO_ROOT.parent / "shared" / "data",
                                 REPO_ROOT.parent.parent / "shared" / "data") if p.is_dir()),
                    REPO_ROOT.parent / "shared" / "data")
SILENT = BENCH_DIR / "data" / "silent_conversations.jsonl"
HARD_SET = REPO_ROOT / "tests" / "data" / "decisions.jsonl"
CACHE_DIR = BENCH_DIR / "out"
# What the cached database depends on besides the corpora: a change here rebuilds it.
IMPORT_SOURCES = ("bot/ingest/importer.py", "bot/ingest/readers.py", "bot/ingest/redact.py",
                  "bot/ingest/dates.py", "bot/store/sqlite/migrations.py")
DATASETS = ("banking77", "cfpb")
HALVES = ("odd", "even")
K = 5
RELEVANT_SHARE = 2 / 3  # of the quotes posted in a conversation, to count it as spoken well
# A fixed clock, so recency and cooldowns give the same figures on every run.
START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC).timestamp()
TODAY = date(2026, 11, 25)
SECONDS_PER_MESSAGE = 20.0  # as `empty-chair replay` paces a transcript
TEAM = "bench"


def half(line: int) -> str:
    """Odd file lines are for tuning, even ones for reporting."""
    return "odd" if line % 2 else "even"


# ------------------------------------------------------------------ inputs


@dataclass(frozen=True)
class Query:
    """One labelled meeting message."""

    line: int
    dataset: str
    text: str
    relevant: frozenset[str]
    decision: bool


@dataclass(frozen=True)
class Conversation:
    """A few messages in one channel, and the labels its quotes should carry (none: silence)."""

    line: int
    dataset: str
    lines: tuple[tuple[str, str], ...]  # (speaker, text)
    relevant: frozenset[str]
    kind: str = ""
    origin: str = ""  # the file it came from


def _jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if raw.strip():
            yield number, json.loads(raw)


def load_queries(path: Path) -> list[Query]:
    queries = []
    for number, row in _jsonl(path):
        if row["dataset"] not in DATASETS or not row.get("relevant"):
            raise ValueError(f"{path}:{number}: unknown dataset or no relevant labels")
        queries.append(Query(number, row["dataset"], row["query"], frozenset(row["relevant"]),
                             bool(row["decision"])))
    return queries


def _split_speaker(line: str) -> tuple[str, str]:
    speaker, sep, text = line.partition(": ")
    return (speaker.strip(), text.strip()) if sep else ("someone", line.strip())


def load_conversations(path: Path, silent: bool) -> list[Conversation]:
    conversations = []
    for number, row in _jsonl(path):
        relevant = frozenset(row.get("relevant") or ())
        if bool(relevant) == silent:
            raise ValueError(f"{path}:{number}: relevant labels must be "
                             f"{'empty' if silent else 'given'}")
        lines = tuple(_split_speaker(m) for m in row["messages"])
        conversations.append(Conversation(number, row["dataset"], lines, relevant, row.get("kind", ""),
                                          path.stem))
    return conversations


def load_all(paths: Sequence[Path], silent: bool) -> list[Conversation]:
    """Every file's conversations; each file's own line numbers say its halves."""
    return [c for path in paths for c in load_conversations(path, silent)]


# ------------------------------------------------------------------ corpus


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def corpus_files(data: Path) -> tuple[Path, Path]:
    files = (data / "banking77" / "train.csv", data / "cfpb" / "complaints_narratives.csv")
    for path in files:
        if not path.is_file():
            raise SystemExit(f"missing {path}; pass --data DIR (the folder holding banking77/ and cfpb/)")
    return files


CORPORA = {"banking77": ("banking77/train", ()), "cfpb": ("cfpb/complaints", ("Issue",))}


def cache_path(data: Path, datasets: Sequence[str] = DATASETS) -> Path:
    """The cached database's name: the corpora's checksums, the importer's source, and a model
    other than the bundled one (each model keeps its own file: embedding another model into
    a cache would drop the vectors already there)."""
    digest = hashlib.sha256()
    for path, dataset in zip(corpus_files(data), DATASETS, strict=True):
        if dataset in datasets:
            digest.update(_sha256(path).encode())
    for name in IMPORT_SOURCES:
        source = REPO_ROOT / name
        digest.update(source.read_bytes() if source.is_file() else name.encode())
    name = "-".join(datasets) if tuple(datasets) != DATASETS else "corpus"
    key = semantic.model_key()
    model = "" if key == semantic.DEFAULT_KEY else "-" + "".join(c if c.isalnum() else "-" for c in key)
    return CACHE_DIR / f"meeting-{name}-{digest.hexdigest()[:16]}{model}.db"


def _log(text: str) -> None:
    print(f"[meeting] {text}", file=sys.stderr, flush=True)


def build_corpus(data: Path, target: Path, datasets: Sequence[str] = DATASETS) -> None:
    """The corpora in one fresh database, imported the way users import them."""
    store = connect(target)
    try:
        for path, dataset in zip(corpus_files(data), DATASETS, strict=True):
            if dataset not in datasets:
                continue
            source, labels = CORPORA[dataset]
            report = import_file(store, path, source=source, label_columns=labels)
            if report.bad or not report.added:
                raise SystemExit(f"import of {path} went wrong: added {report.added}, "
                                 f"bad {len(report.bad)} (first: {report.bad[:1]})")
            _log(f"imported {report.added} quotes from {path.name}")
    finally:
        store.close()


def corpus_database(data: Path, embed: bool, rebuild: bool = False,
                    datasets: Sequence[str] = DATASETS) -> Path:
    """The cached corpus database, built (and embedded, when asked) if needed."""
    path = cache_path(data, datasets)
    if rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    if not path.exists():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(".part")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{part}{suffix}").unlink(missing_ok=True)
        _log(f"building {path.name}")
        build_corpus(data, part, datasets)
        part.rename(path)
    if embed:
        store = connect(path)
        try:
            if semantic.pending_count(store):
                reused = reuse_vectors(store, path)
                if reused:
                    _log(f"{reused} vectors of the same model and text taken from the other cached databases")
            missing = semantic.pending_count(store)
            if missing:
                _log(f"embedding {missing} quotes into the cache with {semantic.model_key()} "
                     "(once; minutes on 2 cores)")
                started, cpu = time.perf_counter(), time.process_time()
                semantic.embed_pending(store, model=semantic.new_embedder(threads=os.cpu_count() or 1))
                spent, cpu = time.perf_counter() - started, time.process_time() - cpu
                EMBEDDING.append((missing, spent, cpu))
                _log(f"embedded in {spent:.0f} s ({missing / spent:.1f} quotes/s, "
                     f"{missing / cpu:.1f} per CPU-second)")
        finally:
            store.close()
    return path


def reuse_vectors(store: object, path: Path) -> int:
    """Vectors the other cached databases hold for the same texts, from the same model: the
    per-corpus databases need not embed again what the combined one has (an mpnet embedding
    of the corpus takes a quarter of an hour)."""
    added = 0
    for other in sorted(CACHE_DIR.glob("meeting-*.db")):
        if other == path:
            continue
        shipped = CACHE_DIR / f"{other.stem}.vectors.npz"
        source = connect(other)
        try:
            count = semantic.ship(source, shipped)
        finally:
            source.close()
        try:
            added += semantic.add_shipped(store, shipped) if count else 0
        finally:
            shipped.unlink(missing_ok=True)
    return added


EMBEDDING: list[tuple[int, float, float]] = []  # (quotes, seconds, CPU-seconds) embedded by this run


def working_copy(cached: Path, target: Path) -> None:
    """A consistent copy of the cache (SQLite's backup, so a WAL file cannot be missed)."""
    source = sqlite3.connect(f"file:{cached}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


@contextmanager
def search_mode(mode: str) -> Iterator[None]:
    """Run as an install with the semantic extra on, or with it switched off (the model
    chosen by --one-model stays chosen)."""
    semantic.switch(mode != "lexical", model=CHOSEN_MODEL[0])
    try:
        yield
    finally:
        semantic.switch(True, model=CHOSEN_MODEL[0])


CHOSEN_MODEL: list[Path | None] = [None]  # --one-model's folder; None: the bundled model


# ------------------------------------------------------------------ a. relevance


@dataclass
class Ranked:
    query: Query
    labels: list[frozenset[str]]
    texts: list[str]

    @property
    def hits(self) -> list[bool]:
        return [bool(labels & self.query.relevant) for labels in self.labels]

    @property
    def p_at_k(self) -> float:
        """Share of the first K slots holding a relevant quote; empty slots are misses."""
        return sum(self.hits[:K]) / K


def rank(store: object, query: Query) -> Ranked:
    """The bot's search for one message, as `answer_topic` runs it, without its coverage
    gate: P@5 measures the ranking; whether the bot speaks at all is part b."""
    messages = [query.text]
    result = search_terms(store, conversation_terms(messages), limit=K, today=TODAY,
                          query=conversation_texts(messages))
    return Ranked(query, [frozenset(q.labels) for q in result.quotes], [q.text for q in result.quotes])


def relevance_summary(ranked: Sequence[Ranked]) -> dict[str, dict[str, float]]:
    """Mean P@5 per half: per dataset, their mean ("mean") and over all queries ("all")."""
    summary = {}
    for name in HALVES:
        mine = [r for r in ranked if half(r.query.line) == name]
        figures: dict[str, float] = {}
        for dataset in DATASETS:
            group = [r.p_at_k for r in mine if r.query.dataset == dataset]
            figures[dataset] = sum(group) / len(group) if group else 0.0
            figures[f"{dataset}_queries"] = len(group)
        figures["mean"] = sum(figures[d] for d in DATASETS) / len(DATASETS)
        figures["all"] = sum(r.p_at_k for r in mine) / len(mine) if mine else 0.0
        figures["queries"] = len(mine)
        figures["empty"] = sum(1 for r in mine if not r.labels)
        summary[name] = figures
    return summary


# ------------------------------------------------------------------ b. speaking


@dataclass
class Replayed:
    conversation: Conversation
    actions: list = field(default_factory=list)  # bot.models.Action per message

    @property
    def spoke(self) -> list[tuple[int, object]]:
        """(message index, action) for every message the customer answered in the channel."""
        return [(i, a) for i, a in enumerate(self.actions) if a.speaks]

    @property
    def quotes(self) -> list:
        return [q for _, a in self.spoke for q in a.quotes]

    @property
    def relevant_quotes(self) -> int:
        return sum(1 for q in self.quotes if set(q.labels) & self.conversation.relevant)

    @property
    def first_post(self) -> list:
        """The quotes of the first unprompted post (not a decision's evidence)."""
        return next((a.quotes for _, a in self.spoke if a.kind == "quotes"), [])

    @property
    def spoke_well(self) -> bool:
        """Posted quotes, and at least two thirds of its first post's quotes on a relevant label."""
        quotes = self.first_post
        relevant = sum(1 for q in quotes if set(q.labels) & self.conversation.relevant)
        return bool(quotes) and relevant >= RELEVANT_SHARE * len(quotes)

    @property
    def hands(self) -> list:
        return [a for a in self.actions if a.kind == "hand"]

    @property
    def hand_well(self) -> bool:
        """Posted on topic, or raised a hand whose theme is relevant."""
        return self.spoke_well or any(a.theme in self.conversation.relevant for a in self.hands)

    @property
    def silent(self) -> bool:
        return not self.spoke

    @property
    def no_hand(self) -> bool:
        return not self.spoke and not self.hands

    @property
    def theme_right_last(self) -> bool:
        """The oracle's view: the theme it believed after the last message is relevant."""
        themes = [getattr(a, "theme", "") for a in self.actions if getattr(a, "theme", "")]
        return bool(themes) and themes[-1] in self.conversation.relevant

    @property
    def theme_right_somewhere(self) -> bool:
        return any(getattr(a, "theme", "") in self.conversation.relevant for a in self.actions)


def replay(store: object, voice: Voice, conversation: Conversation, channel: str, start: float,
           policy: Policy) -> Replayed:
    """Each line as a Slack message in its own channel, 20 s apart, through `observe`."""
    replayed = Replayed(conversation)
    for number, (speaker, text) in enumerate(conversation.lines):
        ts = f"{start + number * SECONDS_PER_MESSAGE:.6f}"
        replayed.actions.append(observe(store, voice, Message(TEAM, channel, ts, speaker, text), policy))
    return replayed


def speaking_summary(should_speak: Sequence[Replayed],
                     silent: Sequence[Replayed]) -> dict[str, dict[str, float]]:
    summary = {}
    for name in HALVES:
        talk = [r for r in should_speak if half(r.conversation.line) == name]
        quiet = [r for r in silent if half(r.conversation.line) == name]
        posted = sum(len(r.quotes) for r in talk)
        summary[name] = {
            "conversations": len(talk),
            "spoke_well": sum(r.spoke_well for r in talk) / len(talk) if talk else 0.0,
            "spoke_well_count": sum(r.spoke_well for r in talk),
            "spoke_at_all": sum(not r.silent for r in talk),
            "relevant_quote_share": (sum(r.relevant_quotes for r in talk) / posted) if posted else 0.0,
            "silent_conversations": len(quiet),
            "stayed_silent": sum(r.silent for r in quiet) / len(quiet) if quiet else 0.0,
            "stayed_silent_count": sum(r.silent for r in quiet),
            "silent_broken_by_quotes": sum(any(a.kind == "quotes" for _, a in r.spoke) for r in quiet),
            "silent_broken_by_decision": sum(any(a.kind == "decision" for _, a in r.spoke)
                                             for r in quiet),
            "hand_well_count": sum(r.hand_well for r in talk),
            "hand_well": sum(r.hand_well for r in talk) / len(talk) if talk else 0.0,
            "no_hand_count": sum(r.no_hand for r in quiet),
            "no_hand": sum(r.no_hand for r in quiet) / len(quiet) if quiet else 0.0,
            "oracle_last": sum(r.theme_right_last for r in talk),
            "oracle_some": sum(r.theme_right_somewhere for r in talk),
        }
    return summary


# ------------------------------------------------------------------ c. decisions


def _scores_dict(s: Scores) -> dict[str, float]:
    return {"precision": s.precision, "recall": s.recall, "f1": s.f1,
            "tp": s.tp, "fp": s.fp, "fn": s.fn, "tn": s.tn}


def decision_figures(queries: Sequence[Query], hard_set: Path,
                     predict: Callable[[str], bool]) -> dict[str, dict]:
    """The detector on the meeting messages, and on the hard set (overall and hard lines)."""
    figures: dict[str, dict] = {"meeting_queries": {}, "hard_set": {}}
    verdicts = {q.line: predict(q.text) for q in queries}
    examples = load_decision_set(hard_set)
    for name in HALVES:
        mine = [q for q in queries if half(q.line) == name]
        figures["meeting_queries"][name] = _scores_dict(score([(q.decision, verdicts[q.line])
                                                               for q in mine]))
        lines = [ex for ex in examples if half(ex.line) == name]
        pairs = [(ex.gold, predict(ex.text), ex.hard) for ex in lines]
        figures["hard_set"][name] = {
            "overall": _scores_dict(score([(g, p) for g, p, _ in pairs])),
            "hard": _scores_dict(score([(g, p) for g, p, h in pairs if h])),
            "lines": len(lines),
        }
    return figures


def is_decision(text: str) -> bool:
    return classify(text).is_decision


# ------------------------------------------------------------------ running


@dataclass
class ModeRun:
    mode: str
    ranked: list[Ranked]
    should_speak: list[Replayed]
    silent: list[Replayed]
    seconds: dict[str, float]


def run_mode(mode: str, cached: dict[str, Path], workdir: Path, queries: Sequence[Query],
             conversations: Sequence[Conversation], silent: Sequence[Conversation]) -> ModeRun:
    """`cached` maps each dataset to its database: one for both, or one each (--per-corpus)."""
    voice = Voice.load(DEFAULT_PROMPTS)
    policy = Policy()
    seconds: dict[str, float] = {"relevance": 0.0, "speaking": 0.0}
    ranked: list[Ranked] = []
    replays: dict[str, list[Replayed]] = {"talk": [], "silent": []}
    with search_mode(mode):
        for number, database in enumerate(sorted(set(cached.values()))):
            mine = {d for d, path in cached.items() if path == database}
            db = workdir / f"{mode}-{number}.db"
            working_copy(database, db)
            store = connect(db)
            try:
                started = time.perf_counter()
                ranked += [rank(store, q) for q in queries if q.dataset in mine]
                seconds["relevance"] += time.perf_counter() - started
                started = time.perf_counter()
                talk = [("talk", c) for c in conversations] + [("silent", c) for c in silent]
                for index, (group, conversation) in enumerate(talk):
                    if conversation.dataset not in mine:
                        continue
                    channel = f"{group}-{conversation.origin}-{conversation.line}"
                    replays[group].append(replay(store, voice, conversation, channel,
                                                 START + index * 3600, policy))
                seconds["speaking"] += time.perf_counter() - started
            finally:
                store.close()
    return ModeRun(mode, ranked, replays["talk"], replays["silent"], seconds)


def chosen_modes(requested: str) -> list[str]:
    if requested == "both":
        return ["lexical", "semantic"] if semantic.available() else ["lexical"]
    if requested == "semantic" and not semantic.available():
        raise SystemExit("the semantic extra is not available here (not installed, or "
                         f"{semantic.SWITCH}=off): use --mode lexical")
    return [requested]


# ------------------------------------------------------------------ output


def figures_of(run: ModeRun) -> dict[str, dict]:
    relevance = relevance_summary(run.ranked)
    speaking = speaking_summary(run.should_speak, run.silent)
    return {name: {"p_at_5": relevance[name], "speaking": speaking[name]} for name in HALVES}


def _table(rows: list[tuple[str, ...]], left: int) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths,
                                                                                      strict=True))]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_report(modes: dict[str, dict], decisions: dict[str, dict]) -> str:
    rows = [("mode", "half", "P@5 b77", "P@5 cfpb", "P@5 mean", "P@5 all",
             "spoke", "spoke, relevant", "relevant or hand", "oracle last/some", "talk quote share",
             "silent kept", "no hand", "broken by q/d")]
    for mode, halves in modes.items():
        for name in HALVES:
            p, s = halves[name]["p_at_5"], halves[name]["speaking"]
            rows.append((mode, "odd (tune)" if name == "odd" else "even (report)",
                         f"{p['banking77']:.3f}", f"{p['cfpb']:.3f}", f"{p['mean']:.3f}", f"{p['all']:.3f}",
                         f"{s['spoke_at_all']}/{s['conversations']}",
                         f"{s['spoke_well_count']}/{s['conversations']} = {s['spoke_well']:.3f}",
                         f"{s['hand_well_count']}/{s['conversations']} = {s['hand_well']:.3f}",
                         f"{s['oracle_last']}/{s['oracle_some']}",
                         f"{s['relevant_quote_share']:.3f}",
                         f"{s['stayed_silent_count']}/{s['silent_conversations']} = {s['stayed_silent']:.3f}",
                         f"{s['no_hand_count']}/{s['silent_conversations']} = {s['no_hand']:.3f}",
                         f"{s['silent_broken_by_quotes']}/{s['silent_broken_by_decision']}"))
    drows = [("decisions", "half", "P", "R", "F1", "tp", "fp", "fn", "tn")]
    for name in HALVES:
        sets = (("meeting_queries", decisions["meeting_queries"][name]),
                ("hard set, all lines", decisions["hard_set"][name]["overall"]),
                ("hard set, hard lines", decisions["hard_set"][name]["hard"]))
        for label, f in sets:
            drows.append((label, "odd (tune)" if name == "odd" else "even (report)",
                          f"{f['precision']:.3f}", f"{f['recall']:.3f}", f"{f['f1']:.3f}",
                          str(f["tp"]), str(f["fp"]), str(f["fn"]), str(f["tn"])))
    return _table(rows, 2) + "\n\n" + _table(drows, 2)


def format_tune_failures(run: ModeRun, queries: Sequence[Query]) -> str:
    """Failures of the odd (tuning) lines only; the even lines' details stay unseen."""
    out = [f"== {run.mode}: odd lines only =="]
    out.append("-- relevance: odd queries with P@5 below 0.6, worst first")
    for r in sorted((r for r in run.ranked if half(r.query.line) == "odd" and r.p_at_k < 0.6),
                    key=lambda r: r.p_at_k):
        out.append(f"[{r.query.line} {r.query.dataset} P@5={r.p_at_k:.1f}] {r.query.text}")
        out.append(f"    wanted: {sorted(r.query.relevant)}")
        for labels, text in zip(r.labels, r.texts, strict=True):
            mark = "+" if labels & r.query.relevant else "-"
            out.append(f"    {mark} {sorted(labels)} {' '.join(text.split())[:110]}")
    out.append("-- speaking: odd conversations that should get quotes, not spoken well")
    for r in run.should_speak:
        if half(r.conversation.line) == "odd" and not r.spoke_well:
            out.append(f"[{r.conversation.line} {r.conversation.dataset}] wanted "
                       f"{sorted(r.conversation.relevant)}")
            for (speaker, text), action in zip(r.conversation.lines, r.actions, strict=True):
                out.append(f"    {speaker}: {text}")
                out.append(f"      -> {action.kind}: {action.reason}")
                for q in action.quotes:
                    mark = "+" if set(q.labels) & r.conversation.relevant else "-"
                    out.append(f"         {mark} {list(q.labels)} {' '.join(q.text.split())[:100]}")
    out.append("-- silence: odd silent conversations where the customer spoke")
    for r in run.silent:
        if half(r.conversation.line) == "odd" and not r.silent:
            out.append(f"[{r.conversation.line} {r.conversation.kind}]")
            for (speaker, text), action in zip(r.conversation.lines, r.actions, strict=True):
                out.append(f"    {speaker}: {text}")
                if action.speaks:
                    out.append(f"      -> {action.kind}: {action.reason}")
                    for q in action.quotes:
                        out.append(f"         {list(q.labels)} {' '.join(q.text.split())[:100]}")
    out.append("-- decisions: odd meeting messages the detector got wrong")
    for q in queries:
        if half(q.line) == "odd":
            verdict = classify(q.text)
            if verdict.is_decision != q.decision:
                kind = "missed" if q.decision else "false alarm"
                out.append(f"[{q.line} {kind}: {verdict.reason}] {q.text}")
    return "\n".join(out)


def default_conversations(data: Path) -> list[Path]:
    extra = BENCH_DIR / "data" / "conversations_more.jsonl"
    return [data / "dev" / "conversations.jsonl"] + ([extra] if extra.is_file() else [])


def default_silent() -> list[Path]:
    extra = BENCH_DIR / "data" / "silent_more.jsonl"
    return [SILENT] + ([extra] if extra.is_file() else [])


RATE_SAMPLE = 480  # quotes embedded afresh on one thread, every run, for the embedding rate


def rate_figures(databases: Sequence[Path], queries: Sequence[Query]) -> dict[str, float]:
    """The model's cost, measured the same way for every model whatever the cache holds:
    quotes per CPU-second on one thread (every n-th quote of the whole corpus, so banking's
    short messages and CFPB's long narratives both count, with one database or one per
    data set), and the median time to embed one meeting message, as a search does."""
    import statistics

    every: list[str] = []
    for database in databases:
        store = connect(database)
        try:
            every += [row[0] for row in store.connection.execute("SELECT text FROM feedback ORDER BY id")]
        finally:
            store.close()
    texts = every[::max(1, len(every) // RATE_SAMPLE)][:RATE_SAMPLE]
    model = semantic.new_embedder(threads=1)
    model.embed(texts[:4])  # loads the model: not part of the rate
    cpu = time.process_time()
    model.embed(texts, semantic.QUOTE_TOKENS)
    cpu = time.process_time() - cpu
    latencies = []
    for query in queries[:60]:
        started = time.perf_counter()
        model.embed([query.text], semantic.QUERY_TOKENS)
        latencies.append(1000 * (time.perf_counter() - started))
    return {"embed_quotes_per_cpu_s": len(texts) / cpu, "rate_sample": len(texts),
            "query_embed_ms_median": statistics.median(latencies),
            "dimensions": model.dimensions, "onnx_mb": model.files.onnx.stat().st_size / 1e6}


def resource_figures() -> dict[str, str]:
    """Peak memory of this process, and the embedding rate if this run embedded the corpus."""
    import resource

    figures = {"peak_rss_mb": f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}"}
    if EMBEDDING:
        count, spent, cpu = (sum(e[i] for e in EMBEDDING) for i in range(3))
        figures["cache_embedding_quotes_per_s"] = f"{count / spent:.1f}"
        figures["cache_embedding_quotes_per_cpu_s"] = f"{count / cpu:.1f}"
    return figures


# ------------------------------------------------------------------ models side by side


def model_run(model: str, args: argparse.Namespace) -> dict:
    """One model's figures, from a process of its own (a process chooses its model once)."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--json", "--mode", "semantic",
            "--one-model", model, "--data", str(args.data)]
    for path in args.conversations or ():
        argv += ["--conversations", str(path)]
    for path in args.silent or ():
        argv += ["--silent", str(path)]
    argv += ["--per-corpus"] if args.per_corpus else []
    argv += ["--rebuild"] if args.rebuild else []
    _log(f"model {model}: {' '.join(argv[1:])}")
    done = subprocess.run(argv, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the run of model {model} failed (exit {done.returncode})")
    return json.loads(done.stdout)


FIGURES = (  # (row name, how to read it from one half's figures)
    ("P@5 banking77", lambda h: f"{h['p_at_5']['banking77']:.3f}"),
    ("P@5 cfpb", lambda h: f"{h['p_at_5']['cfpb']:.3f}"),
    ("P@5 all queries", lambda h: f"{h['p_at_5']['all']:.3f}"),
    ("spoke, relevant", lambda h: f"{h['speaking']['spoke_well_count']}/{h['speaking']['conversations']}"),
    ("relevant or hand", lambda h: f"{h['speaking']['hand_well_count']}/{h['speaking']['conversations']}"),
    ("oracle: theme right at last message",
     lambda h: f"{h['speaking']['oracle_last']}/{h['speaking']['conversations']}"),
    ("oracle: theme right at some message",
     lambda h: f"{h['speaking']['oracle_some']}/{h['speaking']['conversations']}"),
    ("silent kept",
     lambda h: f"{h['speaking']['stayed_silent_count']}/{h['speaking']['silent_conversations']}"),
    ("no hand", lambda h: f"{h['speaking']['no_hand_count']}/{h['speaking']['silent_conversations']}"),
)
COSTS = (
    ("dimensions", lambda r: str(r["rates"]["dimensions"])),
    ("ONNX file, MB", lambda r: f"{r['rates']['onnx_mb']:.0f}"),
    ("embedding, quotes per CPU-second (1 thread)", lambda r: f"{r['rates']['embed_quotes_per_cpu_s']:.1f}"),
    ("one meeting message embedded, median ms", lambda r: f"{r['rates']['query_embed_ms_median']:.1f}"),
    ("peak RSS of the run, MB", lambda r: r["peak_rss_mb"]),
)


def format_models(runs: dict[str, dict], layout: str) -> str:
    names = list(runs)
    rows: list[tuple[str, ...]] = [("figure", "half", *(runs[n]["model"] for n in names))]
    for name in HALVES:
        label = "odd (tune)" if name == "odd" else "even (report)"
        for figure, read in FIGURES:
            rows.append((figure, label, *(read(runs[n]["modes"]["semantic"][name]) for n in names)))
    for figure, read in COSTS:
        rows.append((figure, "", *(read(runs[n]) for n in names)))
    return f"corpus: {layout}\n" + _table(rows, 2)


def add_set_arguments(parser: argparse.ArgumentParser) -> None:
    """--conversations and --silent: the conversation sets, as every conversation bench reads them."""
    parser.add_argument("--conversations", type=Path, action="append",
                        help="conversations that should get quotes (repeatable; default: "
                             "dev/conversations.jsonl and bench/data/conversations_more.jsonl)")
    parser.add_argument("--silent", type=Path, action="append",
                        help="conversations that should get silence (repeatable; default: "
                             "bench/data/silent_conversations.jsonl and silent_more.jsonl)")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=("lexical", "semantic", "both"), default="both",
                        help="search mode (default: both where the semantic extra is available)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder holding banking77/, cfpb/ and dev/ (default: ../shared/data)")
    add_set_arguments(parser)
    parser.add_argument("--per-corpus", action="store_true",
                        help="one database per dataset, as a team with one kind of feedback has")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached corpus database")
    parser.add_argument("--model", action="append", metavar="DIR",
                        help="compare models side by side: 'default' (the bundled MiniLM) or a model "
                             "directory as EMPTY_CHAIR_MODEL takes it (repeatable; each runs in its own "
                             "process, search by meaning on)")
    parser.add_argument("--one-model", help=argparse.SUPPRESS)
    parser.add_argument("--tune-failures", action="store_true",
                        help="also list the failures of the odd (tuning) lines, on stderr with --json")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.model:
        runs = {model: model_run(model, args) for model in args.model}
        if args.json:
            print(json.dumps(runs, indent=2))
        else:
            print(format_models(runs, "one database per dataset" if args.per_corpus
                                else "both datasets in one database"))
        return 0
    if args.one_model:
        CHOSEN_MODEL[0] = None if args.one_model == "default" else Path(args.one_model)
        semantic.switch(True, model=CHOSEN_MODEL[0])
    began = time.perf_counter()
    queries = load_queries(args.data / "dev" / "meeting_queries.jsonl")
    conversations = load_all(args.conversations or default_conversations(args.data), silent=False)
    silent = load_all(args.silent or default_silent(), silent=True)
    modes = chosen_modes(args.mode)
    started = time.perf_counter()
    embed = "semantic" in modes
    if args.per_corpus:
        cached = {d: corpus_database(args.data, embed, args.rebuild, (d,)) for d in DATASETS}
    else:
        whole = corpus_database(args.data, embed, rebuild=args.rebuild)
        cached = {d: whole for d in DATASETS}
    seconds: dict[str, float] = {"corpus": time.perf_counter() - started}
    runs = []
    workdir = Path(tempfile.mkdtemp(prefix="empty-chair-meeting-"))
    try:
        for mode in modes:
            _log(f"{mode}: {len(queries)} queries, {len(conversations)} + {len(silent)} conversations")
            run = run_mode(mode, cached, workdir, queries, conversations, silent)
            runs.append(run)
            for part, spent in run.seconds.items():
                seconds[f"{mode}_{part}"] = spent
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    started = time.perf_counter()
    decisions = decision_figures(queries, HARD_SET, is_decision)
    seconds["decisions"] = time.perf_counter() - started
    seconds["total"] = time.perf_counter() - began
    figures = {run.mode: figures_of(run) for run in runs}
    rates = rate_figures(sorted(set(cached.values())), queries) if embed else {}
    resources = resource_figures()
    if args.json:
        print(json.dumps({"modes": figures, "decisions": decisions, "seconds": seconds,
                          "corpus": sorted({p.name for p in cached.values()}), "model": semantic.model_key(),
                          "rates": rates, **resources}, indent=2))
    else:
        layout = "one database per dataset" if args.per_corpus else "both datasets in one database"
        print(f"model {semantic.model_key()}; corpus {layout}; "
              f"{len(conversations)} + {len(silent)} conversations")
        print(format_report(figures, decisions))
        print("\nseconds: " + ", ".join(f"{k} {v:.1f}" for k, v in seconds.items()))
        print("resources: " + ", ".join(f"{k} {v}" for k, v in resources.items()))
        if rates:
            print("model cost: " + ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}"
                                             for k, v in rates.items()))
    if args.tune_failures:
        for run in runs:
            print("\n" + format_tune_failures(run, queries), file=sys.stderr if args.json else sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
