"""How well meeting talk finds the right customer quotes: precision@5 and nDCG@10.

Usage (from the repo root)::

    .venv/bin/python bench/quality.py [--data DIR] [--queries PATH] [--json] [--per-query]

Builds a fresh temporary database from banking77/train.csv (every quote carries its
intent as a label), runs each labelled query of bench/meeting_queries.jsonl through
every ranker, and counts a quote as relevant when its labels meet the query's
`relevant` intents. Queries are phrased the way a team talks about customers, not
the way customers write, so the score says whether the bot bridges that gap; the
plain FTS5 baseline on the same queries shows how much the query building adds.

With the `semantic` extra installed, two more rankers run on the same database and
queries: "hybrid" (the bot's search with embeddings: bot/semantic.py) and
"semantic-only" (nearest quotes by cosine, no words at all). Embedding the 10k quotes
takes a few minutes once; the vectors are cached in bench/out/quality-vectors.db (by
text), so later runs take seconds. Without the extra those rows are left out.

Rankers are a dict of named functions, so another is one entry.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bot.ingest.importer import import_file  # noqa: E402
from bot.search import semantic  # noqa: E402
from bot.search.conversation import conversation_terms, conversation_texts  # noqa: E402
from bot.search.quotes import search_terms  # noqa: E402
from bot.store import Store, connect  # noqa: E402

DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"
DEFAULT_QUERIES = Path(__file__).resolve().parent / "meeting_queries.jsonl"
VECTOR_CACHE = Path(__file__).resolve().parent / "out" / "quality-vectors.db"
DEPTH = 10  # results each ranker returns; P@5 looks at the first 5 of them
KINDS = ("single", "conversation")
_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Query:
    """One labelled line of meeting_queries.jsonl."""

    line: int
    kind: str
    relevant: frozenset[str]
    query: str = ""
    messages: tuple[str, ...] = ()
    topic: str = ""

    @property
    def text(self) -> str:
        """Everything said, as one string: what a word-matching baseline gets to see."""
        if self.kind == "single":
            return self.query
        return " ".join((self.topic, *self.messages)).strip()


def load_queries(path: Path) -> list[Query]:
    """Parse the JSONL file, failing loudly on a malformed line rather than skipping it."""
    queries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        kind = row["kind"]
        if kind not in KINDS or not row.get("relevant"):
            raise ValueError(f"{path}:{number}: bad kind or empty relevant")
        queries.append(Query(number, kind, frozenset(row["relevant"]), row.get("query", ""),
                             tuple(row.get("messages", ())), row.get("topic", "")))
    return queries


# A ranker returns, best first, the label sets of up to DEPTH quotes.
Ranker = Callable[[Store, Query], list[frozenset[str]]]


def _search(store: Store, query: Query, semantic: bool) -> list[frozenset[str]]:
    """The bot's own path: a line as `search_quotes` sends it, a thread as the meeting does."""
    messages = [query.query] if query.kind == "single" else list(query.messages)
    terms = conversation_terms(messages, query.topic)
    texts = conversation_texts(messages, query.topic)
    result = search_terms(store, terms, limit=DEPTH, query=texts, semantic=semantic)
    return [frozenset(q.labels) for q in result.quotes]


def empty_chair(store: Store, query: Query) -> list[frozenset[str]]:
    """Lexical only: BM25 candidates re-ranked by the corpus's own term weights."""
    return _search(store, query, semantic=False)


def hybrid(store: Store, query: Query) -> list[frozenset[str]]:
    """The same search with the semantic extra: lexical and nearest-by-meaning candidates,
    ranked by cosine plus a share of the lexical score."""
    return _search(store, query, semantic=True)


def semantic_only(store: Store, query: Query) -> list[frozenset[str]]:
    """Embeddings alone: the quotes nearest the conversation's vector, no words involved."""
    messages = [query.query] if query.kind == "single" else list(query.messages)
    near = semantic.neighbourhood(store, conversation_texts(messages, query.topic))
    if near is None:
        return []
    ids = near.nearest(DEPTH)
    labels = {i: found for i, _, found in store.quotes.text_and_labels(ids)}
    return [frozenset(labels.get(i, ())) for i in ids]


def fts_or_query(text: str) -> str:
    """Every word of the text, quoted and OR-ed: what a naive integration would send."""
    tokens = dict.fromkeys(_TOKEN.findall(text.lower()))
    return " OR ".join(f'"{t}"' for t in tokens)


def fts_baseline(store: Store, query: Query) -> list[frozenset[str]]:
    """Plain BM25 over all words, no stopwords, no weighting, no de-duplication.

    The SQL a naive integration would write, so it goes straight to the SQLite file.
    """
    match = fts_or_query(query.text)
    if not match:
        return []
    rows = store.connection.execute(
        "SELECT f.labels FROM feedback_fts JOIN feedback AS f ON f.id = feedback_fts.rowid "
        "WHERE feedback_fts MATCH ? ORDER BY rank LIMIT ?", (match, DEPTH)).fetchall()
    return [frozenset(json.loads(r[0])) if r[0] else frozenset() for r in rows]


RANKERS: dict[str, Ranker] = {
    "empty-chair": empty_chair,
    "fts5-or": fts_baseline,
}
SEMANTIC_RANKERS: dict[str, Ranker] = {
    "hybrid": hybrid,
    "semantic-only": semantic_only,
}


def rankers() -> dict[str, Ranker]:
    """Every ranker that can run here: the semantic ones only with the extra installed."""
    return {**RANKERS, **SEMANTIC_RANKERS} if semantic.available() else dict(RANKERS)


def embed_with_cache(store: Store, cache_path: Path = VECTOR_CACHE) -> None:
    """Give every quote its vector: from the cache when the same text was embedded before
    (by the same model), else from the model, and remember the new ones."""
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    cache = sqlite3.connect(cache_path)
    cache.execute("CREATE TABLE IF NOT EXISTS vectors (model TEXT, text TEXT, vector BLOB, "
                  "PRIMARY KEY (model, text))")
    known = dict(cache.execute("SELECT text, vector FROM vectors WHERE model = ?", (semantic.model_key(),)))
    rows = store.connection.execute("SELECT id, text FROM feedback").fetchall()
    hits = [(i, known[t]) for i, t in rows if t in known]
    if hits:
        import numpy as np

        blobs = b"".join(v for _, v in hits)
        vectors = np.frombuffer(blobs, dtype=np.float16).reshape(len(hits), semantic.dimensions())
        semantic.store_vectors(store, [i for i, _ in hits], vectors)
    missing = semantic.pending_count(store)
    print(f"[quality] vectors: {len(hits)} cached, {missing} to embed", file=sys.stderr)
    if missing:
        started = time.perf_counter()
        semantic.embed_pending(store)
        print(f"[quality] embedded {missing} quotes in {time.perf_counter() - started:.0f} s",
              file=sys.stderr)
        new = [(i, t) for i, t in rows if t not in known]
        for start in range(0, len(new), 5000):
            chunk = new[start:start + 5000]
            key = semantic.model_key()
            vectors = store.vectors.get(key, [i for i, _ in chunk])
            cache.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?, ?)",
                              [(key, t, vectors[i].tobytes()) for i, t in chunk if i in vectors])
        cache.commit()
    cache.close()


def precision_at(hits: Sequence[bool], k: int = 5) -> float:
    """Share of the first k slots holding a relevant quote; empty slots count as misses."""
    return sum(hits[:k]) / k


def ndcg_at(hits: Sequence[bool], available: int, k: int = 10) -> float:
    """Binary nDCG: rewards relevant quotes near the top; the ideal is capped by what exists."""
    dcg = sum(1.0 / math.log2(i + 2) for i, hit in enumerate(hits[:k]) if hit)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, available)))
    return dcg / ideal if ideal else 0.0


def label_counts(store: Store) -> dict[str, int]:
    """Quotes per label, so nDCG's ideal ranking knows how many relevant quotes exist."""
    counts: dict[str, int] = {}
    # Through the store, so a PostgreSQL database (--db) is counted too: a fresh import's ids
    # run from 1 to the number of quotes.
    ids = list(range(1, store.quotes.total() + 1))
    for start in range(0, len(ids), 5000):
        for _, _, labels in store.quotes.text_and_labels(ids[start:start + 5000]):
            for label in labels:
                counts[label] = counts.get(label, 0) + 1
    return counts


def build_db(data: Path, db_path: Path | str) -> Store:
    """A fresh database holding banking77/train.csv, imported the way users import."""
    csv_path = data / "banking77" / "train.csv"
    if not csv_path.is_file():
        raise SystemExit(f"missing {csv_path}; pass --data DIR (the folder holding banking77/)")
    store = connect(db_path)
    report = import_file(store, csv_path, source="banking77/train")
    if report.bad or not report.added:
        raise SystemExit(f"import of {csv_path} went wrong: added {report.added}, "
                         f"bad {len(report.bad)}")
    return store


@dataclass
class Scored:
    """One query's figures under one ranker."""

    query: Query
    ranker: str
    p5: float
    ndcg10: float
    returned: int
    seconds: float


def evaluate(store: Store, queries: Sequence[Query],
             rankers: dict[str, Ranker]) -> list[Scored]:
    """Run every query through every ranker on the same database."""
    counts = label_counts(store)
    scored = []
    for name, ranker in rankers.items():
        for query in queries:
            start = time.perf_counter()
            ranked = ranker(store, query)[:DEPTH]
            seconds = time.perf_counter() - start
            hits = [bool(labels & query.relevant) for labels in ranked]
            available = sum(counts.get(label, 0) for label in query.relevant)
            scored.append(Scored(query, name, precision_at(hits), ndcg_at(hits, available),
                                 len(ranked), seconds))
    return scored


def summarise(scored: Sequence[Scored]) -> dict[str, dict[str, dict[str, float]]]:
    """Mean figures per ranker, overall and per kind of query."""
    summary: dict[str, dict[str, dict[str, float]]] = {}
    for name in dict.fromkeys(s.ranker for s in scored):
        mine = [s for s in scored if s.ranker == name]
        summary[name] = {}
        for kind in ("all", *KINDS):
            group = [s for s in mine if kind == "all" or s.query.kind == kind]
            if not group:
                continue
            n = len(group)
            summary[name][kind] = {
                "queries": n,
                "p_at_5": sum(s.p5 for s in group) / n,
                "ndcg_at_10": sum(s.ndcg10 for s in group) / n,
                "empty": sum(1 for s in group if s.returned == 0),
                "ms_per_query": 1000 * sum(s.seconds for s in group) / n,
            }
    return summary


def format_table(summary: dict[str, dict[str, dict[str, float]]]) -> str:
    """An aligned plain-text table, one row per ranker and kind."""
    header = ("ranker", "kind", "queries", "P@5", "nDCG@10", "empty", "ms/query")
    rows = [header]
    for name, kinds in summary.items():
        for kind, f in kinds.items():
            rows.append((name, kind, str(int(f["queries"])), f"{f['p_at_5']:.3f}",
                         f"{f['ndcg_at_10']:.3f}", str(int(f["empty"])), f"{f['ms_per_query']:.1f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for row in rows:
        pairs = enumerate(zip(row, widths, strict=True))
        cells = [c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in pairs]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_per_query(scored: Sequence[Scored]) -> str:
    """Each query's P@5 per ranker, worst first for the first ranker: where to look."""
    names = list(dict.fromkeys(s.ranker for s in scored))
    by_query: dict[int, dict[str, Scored]] = {}
    for s in scored:
        by_query.setdefault(s.query.line, {})[s.ranker] = s
    order = sorted(by_query.values(), key=lambda row: row[names[0]].p5)
    lines = ["  ".join(f"{n[:11]:>11}" for n in names) + "  query"]
    for row in order:
        query = next(iter(row.values())).query
        figures = "  ".join(f"{row[n].p5:>11.1f}" for n in names)
        lines.append(f"{figures}  [{query.kind[:4]}] {query.text[:90]}")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder holding banking77/train.csv (default: ../shared/data)")
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--per-query", action="store_true", help="also list each query's P@5")
    parser.add_argument("--db", default=None,
                        help="an empty postgresql:// database to build in instead of a temporary SQLite "
                             "file; only the empty-chair (lexical) ranker runs there")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    queries = load_queries(args.queries)
    with tempfile.TemporaryDirectory(prefix="empty-chair-quality-") as tmp:
        print(f"[quality] importing {args.data / 'banking77' / 'train.csv'}", file=sys.stderr)
        store = build_db(args.data, args.db or Path(tmp) / "quality.db")
        chosen = {"empty-chair": empty_chair} if args.db else rankers()
        try:
            if args.db:
                semantic.switch(False)
            elif semantic.available():
                embed_with_cache(store)
            else:
                print("[quality] semantic extra not installed: no hybrid rows", file=sys.stderr)
            print(f"[quality] running {len(queries)} queries x {len(chosen)} rankers",
                  file=sys.stderr)
            scored = evaluate(store, queries, chosen)
        finally:
            store.close()
    summary = summarise(scored)
    if args.json:
        print(json.dumps({"queries": len(queries), "depth": DEPTH, "rankers": summary}, indent=2))
    else:
        print(format_table(summary))
    if args.per_query:
        print(format_per_query(scored), file=sys.stderr if args.json else sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
