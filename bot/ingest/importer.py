"""Importing feedback exports into the store: detect columns, redact, upsert, index.

Rows are written in batches, each one transaction holding both the rows and their
full-text entries, so a crash or kill leaves a consistent database, and re-running
the same import finishes the job without adding a row twice.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from queue import Empty
from typing import TYPE_CHECKING, Any

from ..errors import BadImportFile
from . import ratings
from .dates import parse_date
from .readers import detect_format, read_records
from .redact import redact

if TYPE_CHECKING:
    from ..store import Store

# Column names people use, in order of preference (compared case-insensitively, and
# also as the last word of a longer name: "Consumer complaint narrative", "Complaint ID").
TEXT_NAMES = ("text", "body", "comment", "comments", "review", "feedback", "narrative",
              "message", "content", "description", "complaint", "verbatim", "response")
ID_NAMES = ("id", "external_id", "ticket_id", "review_id", "uuid", "key")
DATE_NAMES = ("created", "created_at", "date", "timestamp", "submitted", "submitted_at",
              "received", "time", "date_received", "updated_at")
LABEL_NAMES = ("category", "categories", "label", "labels", "tags", "tag", "topic",
               "intent", "product", "issue", "theme")
CUSTOMER_NAMES = ("customer", "segment", "plan", "tier", "customer_segment", "account")
RATING_NAMES = ("rating", "score", "stars", "nps", "csat")
URL_NAMES = ("url", "link", "permalink")

@dataclass(frozen=True)
class Columns:
    """Which field of a record holds what."""

    text: str
    id: str | None = None
    date: str | None = None
    labels: tuple[str, ...] = ()
    customer: str | None = None
    rating: str | None = None
    url: str | None = None
    rating_scale: str | None = None  # decided from the rating column's values (ratings.scale_of)


@dataclass(frozen=True)
class BadRow:
    """A record that was not imported, and why; `line` is where it starts in the file."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass
class ImportReport:
    """What an import did, for the person who ran it."""

    path: str
    source: str
    format: str
    columns: Columns | None = None
    read: int = 0
    added: int = 0
    unchanged: int = 0
    bad: list[BadRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.bad


def _norm(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def _find(keys: Sequence[str], names: Sequence[str], taken: set[str]) -> str | None:
    normal = {_norm(k): k for k in keys if k not in taken}
    for name in names:
        if name in normal:
            return normal[name]
    for name in names:
        for norm, key in normal.items():
            if norm.endswith("_" + name):
                return key
    return None


def detect_columns(keys: Sequence[str], text: str | None = None, id: str | None = None,
                   date: str | None = None, labels: Sequence[str] = ()) -> Columns:
    """Columns by the usual names; explicit choices win, and must exist."""
    for what, chosen in (("text", text), ("id", id), ("date", date)) + tuple(
            ("label", name) for name in labels):
        if chosen and chosen not in keys:
            raise BadImportFile(f"--{what}-column {chosen!r} is not a column; the columns are: "
                                f"{', '.join(keys)}")
    text = text or _find(keys, TEXT_NAMES, set())
    if not text:
        raise BadImportFile(
            f"no text column found among: {', '.join(keys)}; name one with --text-column")
    taken = {text}
    id = id or _find(keys, ID_NAMES, taken)
    taken.add(id or "")
    date = date or _find(keys, DATE_NAMES, taken)
    taken.add(date or "")
    if not labels:
        normal = {_norm(k): k for k in keys if k not in taken}
        labels = tuple(normal[n] for n in LABEL_NAMES if n in normal)
    taken.update(labels)
    return Columns(
        text=text, id=id, date=date, labels=tuple(labels),
        customer=_find(keys, CUSTOMER_NAMES, taken),
        rating=_find(keys, RATING_NAMES, taken),
        url=_find(keys, URL_NAMES, taken),
    )


def _labels(fields: dict[str, Any], names: Sequence[str]) -> tuple[str, ...]:
    values = tuple(fields.get(name) for name in names)
    if all(isinstance(v, str) for v in values):
        try:
            return _label_cache[values]
        except KeyError:
            pass
    found = tuple(_label_list(fields, names))
    if all(isinstance(v, str) for v in values) and len(_label_cache) < 100_000:
        _label_cache[values] = found
    return found


_label_cache: dict[tuple[Any, ...], tuple[str, ...]] = {}


def _label_list(fields: dict[str, Any], names: Iterable[str]) -> list[str]:
    """Labels as a list; a `tags` column may hold several, separated by semicolons."""
    found: list[str] = []
    for name in names:
        value = fields.get(name)
        if isinstance(value, list):
            found.extend(str(v).strip() for v in value if str(v).strip())
        elif value not in (None, ""):
            text = str(value).strip()
            parts = text.split(";") if _norm(name) in ("tags", "labels", "tag") else [text]
            found.extend(p.strip() for p in parts if p.strip())
    return found


def to_row(fields: dict[str, Any], cols: Columns, source: str, team_id: str,
           imported_at: str) -> tuple[Any, ...] | str:
    """The row to store, or the reason this record cannot be one.

    Rows are plain tuples in the order `Store.quotes.add_many` takes them: (team_id, source,
    external_id, text, created, customer, rating, url, labels, imported_at, rating_scale).
    """
    raw_text = fields.get(cols.text)
    if not isinstance(raw_text, str) or not raw_text.strip():
        return f"no text in column {cols.text!r}"
    text = redact(raw_text.strip())
    created = None
    if cols.date:
        raw_date = fields.get(cols.date)
        if raw_date not in (None, ""):
            created = parse_date(raw_date)
            if created is None:
                return f"unparseable date {str(raw_date)[:40]!r} in column {cols.date!r}"
    rating = ratings.read(fields.get(cols.rating), cols.rating, cols.rating_scale) if cols.rating else None
    if isinstance(rating, str):
        return rating
    external = fields.get(cols.id) if cols.id else None
    if external in (None, ""):
        digest = hashlib.sha1(f"{text}\x1f{created or ''}".encode()).hexdigest()
        external = "sha1:" + digest
    customer = fields.get(cols.customer) if cols.customer else None
    url = fields.get(cols.url) if cols.url else None
    return (team_id, source, str(external), text, created,
            redact(str(customer)) if customer not in (None, "") else None,
            rating.value if rating else None,
            str(url) if url else None,
            _labels(fields, cols.labels), imported_at, rating.scale if rating else None)


@dataclass(frozen=True)
class _Plan:
    """What a parsing pass needs; plain data so it can travel to a worker process."""

    path: Path
    fmt: str
    source: str
    team_id: str
    text_column: str | None
    id_column: str | None
    date_column: str | None
    label_columns: tuple[str, ...]
    batch_size: int
    imported_at: str
    share: tuple[int, int] = (0, 1)  # (k, n): this pass handles records k, k+n, k+2n, ...
    columns: Columns | None = None  # decided once, so parallel passes agree
    address: str | None = None  # what workers pass to `connect` to write their batches themselves


@dataclass
class _Batch:
    rows: list[tuple[Any, ...]]
    bad: list[BadRow]
    read: int
    position: int
    columns: Columns | None
    added: int = 0  # rows a worker already wrote (its `rows` are then empty)


def _batches(plan: _Plan) -> Iterator[_Batch]:
    """Parse, check and redact records into batches of rows ready to write."""
    position = 0

    def seen(done: int) -> None:
        nonlocal position
        position = done

    cols = plan.columns
    batch = _Batch([], [], 0, 0, cols)
    mine, every = plan.share
    for index, record in enumerate(read_records(plan.path, plan.fmt, seen, plan.share)):
        if record is None or index % every != mine:
            continue
        batch.read += 1
        if record.fields is None:
            batch.bad.append(BadRow(str(plan.path), record.line, record.error or "unreadable"))
            continue
        if cols is None:
            cols = _rating_scale(plan, detect_columns(list(record.fields), plan.text_column, plan.id_column,
                                                      plan.date_column, plan.label_columns))
            batch.columns = cols
        row = to_row(record.fields, cols, plan.source, plan.team_id, plan.imported_at)
        if isinstance(row, str):
            batch.bad.append(BadRow(str(plan.path), record.line, row))
            continue
        batch.rows.append(row)
        if len(batch.rows) >= plan.batch_size:
            batch.position = position
            yield batch
            batch = _Batch([], [], 0, 0, None)
    batch.position = position
    yield batch


def _first_columns(plan: _Plan) -> Columns | None:
    """Columns detected from the first readable record (None if there is none)."""
    for record in read_records(plan.path, plan.fmt):
        if record.fields is not None:
            return _rating_scale(plan, detect_columns(list(record.fields), plan.text_column, plan.id_column,
                                                      plan.date_column, plan.label_columns))
    return None


def _rating_scale(plan: _Plan, cols: Columns) -> Columns:
    """The columns with the rating column's scale, decided once from its values, not per row."""
    if not cols.rating or cols.rating_scale:
        return cols
    return replace(cols, rating_scale=ratings.scale_in_file(plan.path, plan.fmt, cols.rating))


def _produce(plan: _Plan, queue: Any) -> None:
    """Worker process: parse its share and write it, each batch one transaction.

    SQLite lets one writer in at a time; while one worker holds the lock the other
    parses, so both cores stay busy and no row crosses a process boundary.
    """
    try:
        from ..store import connect

        store = connect(plan.address) if plan.address else None
        for batch in _batches(plan):
            if store is not None and batch.rows:
                batch.added = store.quotes.add_many(batch.rows)
                batch.rows = []
            queue.put(("batch", batch))
        queue.put(("done", None))
    except BaseException as err:  # noqa: BLE001 - handed to the parent, which re-raises
        queue.put(("error", err))


def _batches_in_workers(plan: _Plan, workers: int = 2) -> Iterator[_Batch]:
    """Batches parsed by `workers` processes, each taking every n-th record.

    Every worker reads the whole file (reading is the cheap part) and checks,
    redacts, hashes and writes only its share; batches land in whatever order the
    workers finish them.
    """
    context = multiprocessing.get_context("spawn")
    queue = context.Queue(maxsize=2 * workers)
    procs = [context.Process(target=_produce, args=(replace(plan, share=(k, workers)), queue),
                             daemon=True) for k in range(workers)]
    for proc in procs:
        proc.start()
    try:
        running = workers
        while running:
            kind, value = _next_message(queue, procs)
            if kind == "batch":
                yield value
            elif kind == "error":
                raise value
            else:
                running -= 1
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
            proc.join(5)


def _next_message(queue: Any, procs: list[Any]) -> tuple[str, Any]:
    """The next message from the workers; a worker that died without a word is an error,
    not a wait forever."""
    while True:
        try:
            return queue.get(timeout=1.0)
        except Empty:
            dead = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
            if dead:
                raise BadImportFile(f"a parsing process stopped (exit code {dead[0]}); "
                                    "nothing of its unfinished batch was written") from None


def import_file(
    store: Store,
    path: str | Path,
    *,
    source: str | None = None,
    fmt: str | None = None,
    text_column: str | None = None,
    id_column: str | None = None,
    date_column: str | None = None,
    label_columns: Sequence[str] = (),
    team_id: str = "",
    batch_size: int = 50_000,
    progress: Callable[[int], None] | None = None,
    on_bad_row: Callable[[BadRow], None] | None = None,
    parallel: bool | None = None,
) -> ImportReport:
    """Import one export file; bad records are reported, the good ones land.

    Large files (`parallel` defaults to on over 8 MB) are parsed and written by two
    worker processes; every batch is its own transaction.
    """
    path = Path(path)
    if not path.is_file():
        raise BadImportFile(f"{path}: no such file")
    with open(path, "rb") as handle:
        head = handle.read(4096)
    fmt = fmt or detect_format(path, head)
    plan = _Plan(path, fmt, source or default_source(path), team_id, text_column, id_column,
                 date_column, tuple(label_columns), batch_size,
                 time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    report = ImportReport(str(path), plan.source, fmt)
    if parallel is None:
        parallel = path.stat().st_size > 8 << 20
    address = store.quotes.address()
    if parallel and address:
        plan = replace(plan, columns=_first_columns(plan), address=address)
    else:
        parallel = False  # an in-memory database cannot be shared with another process
    for batch in (_batches_in_workers(plan) if parallel else _batches(plan)):
        if batch.columns and not report.columns:
            report.columns = batch.columns
        report.read += batch.read
        for bad in batch.bad:
            report.bad.append(bad)
            if on_bad_row:
                on_bad_row(bad)
        report.added += batch.added
        if batch.rows:
            report.added += store.quotes.add_many(batch.rows)
        if progress:
            progress(batch.position)
    report.unchanged = report.read - report.added - len(report.bad)
    if report.added:
        store.quotes.refresh_stats()
    return report


def default_source(path: Path) -> str:
    """`folder/file` names a source well (`banking77/train`, `zendesk/export`)."""
    parent = path.resolve().parent.name
    return f"{parent}/{path.stem}" if parent else path.stem


def add_quote(store: Store, text: str, source: str, *, team_id: str = "",
              url: str | None = None, created: str | None = None,
              external_id: str | None = None, customer: str | None = None,
              origin_channel: str | None = None, private: bool = False) -> int | None:
    """Store one quote (a message captured in Slack, one typed in by hand), redacted and indexed.

    `origin_channel` is where it was saved; a quote saved in a `private` channel is shown in
    that channel only. Returns its id, or None if that quote was stored before or has no text.
    """
    fields = {"text": text, "id": external_id, "date": created, "customer": customer, "url": url}
    cols = Columns(text="text", id="id", date="date", customer="customer", url="url")
    row = to_row(fields, cols, source, team_id, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    if isinstance(row, str):
        return None
    return store.quotes.add(row, origin_channel, private)
