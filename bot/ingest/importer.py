"""Importing feedback exports into the store: detect columns, redact, upsert, index.

Rows are written in batches, each one transaction holding both the rows and their
full-text entries, so a crash or kill leaves a consistent database, and re-running
the same import finishes the job without adding a row twice.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from queue import Empty
from typing import TYPE_CHECKING, Any

from ..errors import BadImportFile
from ..models import Rating
from . import ratings
from .dates import in_zone, parse_date
from .layout import SAMPLE, Columns, Forced, detect, norm
from .readers import detect_format, read_records
from .redact import redact

__all__ = ["BadRow", "Columns", "ImportReport", "add_quote", "explain_file", "import_file", "to_row"]

if TYPE_CHECKING:
    from ..store import Store

NO_COMMENT = "a score with no comment"  # not a bad row: counted, and not stored as a quote
_SEVERAL = re.compile(r"[;,]")  # a tags column: "billing;refunds" or "billing, refunds"
TITLE_JOIN = ". "  # "Subject. Body": reads as the customer's own two sentences


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
    no_comment: int = 0  # responses with a score and no words (Delighted, NPS surveys)
    bad: list[BadRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.bad


def detect_columns(keys: Sequence[str], text: str | None = None, id: str | None = None,
                   date: str | None = None, labels: Sequence[str] = (),
                   sample: Sequence[dict[str, Any]] = ()) -> Columns:
    """Columns by the usual names and the sampled values; explicit choices win, and must exist."""
    return detect(list(keys), list(sample), Forced(text=text, id=id, date=date, labels=tuple(labels)))


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
            found.extend(t for v in value if (t := _label_text(v)))
        elif value not in (None, ""):
            text = str(value).strip()
            several = norm(name).rsplit("_", 1)[-1] in ("tags", "labels", "tag")
            parts = _SEVERAL.split(text) if several else [text]
            found.extend(p.strip() for p in parts if p.strip())
    return found


def _label_text(value: Any) -> str:
    """A tag as written; an object tag (Intercom's `{"type": "tag", "name": ...}`) by its name."""
    if isinstance(value, dict):
        value = value.get("name") or value.get("label") or value.get("value") or ""
    return str(value).strip()


def to_row(fields: dict[str, Any], cols: Columns, source: str, team_id: str,
           imported_at: str) -> tuple[Any, ...] | str:
    """The row to store, or the reason this record cannot be one.

    Rows are plain tuples in the order `Store.quotes.add_many` takes them: (team_id, source,
    external_id, text, created, customer, rating, url, labels, imported_at, rating_scale).
    """
    raw_text = fields.get(cols.text)
    body = raw_text.strip() if isinstance(raw_text, str) else ""
    if cols.title:
        body = _with_title(fields.get(cols.title), body)
    if not body:
        if cols.rating and fields.get(cols.rating) not in (None, ""):
            return NO_COMMENT
        return f"no text in column {cols.text!r}"
    text = redact(body)
    created = None
    if cols.date:
        raw_date = fields.get(cols.date)
        if raw_date not in (None, ""):
            created = (_date(raw_date, cols) if cols.zone or cols.date_format
                       else parse_date(raw_date, cols.day_first))
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


def _with_title(title: Any, body: str) -> str:
    """The customer's words whole: "Subject. Body", the subject alone, or the body alone.

    A body that already opens with its subject (some tools repeat it) is not doubled; a
    subject ending in its own punctuation ("Refund?") takes no extra full stop.
    """
    if not isinstance(title, str) or not title.strip():
        return body
    title = title.strip()
    if not body or body.startswith(title):
        return body or title
    return f"{title} {body}" if title[-1] in ".!?:;…" else f"{title}{TITLE_JOIN}{body}"


def _date(raw: Any, cols: Columns) -> str | None:
    """A date read with a mapping file's format, or in the zone its column's header names."""
    if cols.date_format:
        try:
            return datetime.strptime(str(raw).strip(), cols.date_format).strftime("%Y-%m-%dT%H:%M:%S")
        except ValueError:
            return None
    created = parse_date(raw, cols.day_first)
    if created and cols.zone:
        created = in_zone(created, cols.zone)
    return created


@dataclass(frozen=True)
class _Plan:
    """What a parsing pass needs; plain data so it can travel to a worker process."""

    path: Path
    fmt: str
    source: str
    team_id: str
    forced: Forced
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
    no_comment: int = 0


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
            cols = _rating_scale(plan, detect(list(record.fields), [record.fields], plan.forced,
                                              str(plan.path)))
            batch.columns = cols
        row = to_row(record.fields, cols, plan.source, plan.team_id, plan.imported_at)
        if row is NO_COMMENT:
            batch.no_comment += 1
            continue
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


def sample(path: Path, fmt: str, size: int = SAMPLE) -> tuple[list[str], list[dict[str, Any]]]:
    """The field names and the first `size` readable records of a file: what its layout is
    decided from, once per file, however long the file."""
    keys: dict[str, None] = {}
    records: list[dict[str, Any]] = []
    for record in read_records(path, fmt, head_only=True):
        if record is None or record.fields is None:
            continue
        records.append(record.fields)
        keys.update(dict.fromkeys(record.fields))
        if len(records) >= size:
            break
    return list(keys), records


def _first_columns(plan: _Plan) -> Columns | None:
    """Columns decided from the head of the file (None if it holds no readable record)."""
    keys, records = sample(plan.path, plan.fmt)
    if not records:
        return None
    return _rating_scale(plan, detect(keys, records, plan.forced, str(plan.path)))


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
    forced: Forced | None = None,
    team_id: str = "",
    batch_size: int = 50_000,
    progress: Callable[[int], None] | None = None,
    on_bad_row: Callable[[BadRow], None] | None = None,
    parallel: bool | None = None,
) -> ImportReport:
    """Import one export file; bad records are reported, the good ones land.

    The layout (which column is what) is decided once from the head of the file, before
    anything is written: a file whose text column would be a category is refused whole.
    Large files (`parallel` defaults to on over 8 MB) are parsed and written by two
    worker processes; every batch is its own transaction.
    """
    plan = _plan(path, source, fmt, text_column, id_column, date_column, label_columns, forced,
                 team_id, batch_size)
    report = ImportReport(str(plan.path), plan.source, plan.fmt)
    if parallel is None:
        parallel = plan.path.stat().st_size > 8 << 20
    plan = replace(plan, columns=_first_columns(plan))
    if plan.columns is None:
        parallel = False  # nothing readable: the inline pass reports each record's error
    address = store.quotes.address()
    if parallel and address:
        plan = replace(plan, address=address)
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
        report.no_comment += batch.no_comment
        if batch.rows:
            report.added += store.quotes.add_many(batch.rows)
        if progress:
            progress(batch.position)
    report.unchanged = report.read - report.added - len(report.bad) - report.no_comment
    if report.added:
        store.quotes.refresh_stats()
    return report


def _plan(path: str | Path, source: str | None, fmt: str | None, text_column: str | None,
          id_column: str | None, date_column: str | None, label_columns: Sequence[str],
          forced: Forced | None, team_id: str, batch_size: int) -> _Plan:
    path = Path(path)
    if not path.is_file():
        raise BadImportFile(f"{path}: no such file")
    with open(path, "rb") as handle:
        head = handle.read(4096)
    fmt = fmt or detect_format(path, head)
    flags = Forced(text=text_column, id=id_column, date=date_column, labels=tuple(label_columns))
    chosen = (forced or Forced()).merged(flags) if forced else flags
    return _Plan(path, fmt, source or default_source(path), team_id, chosen, batch_size,
                 time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))


@dataclass
class Explanation:
    """What an import of one file would do: the layout, and three records as they would be stored."""

    path: str
    format: str
    source: str
    columns: Columns
    samples: list[tuple[int, str]]  # (line, the quote or why the record would not be one)
    sampled: int


def explain_file(path: str | Path, *, source: str | None = None, fmt: str | None = None,
                 text_column: str | None = None, id_column: str | None = None,
                 date_column: str | None = None, label_columns: Sequence[str] = (),
                 forced: Forced | None = None, shown: int = 3) -> Explanation:
    """The layout `import_file` would use, with sample rows; reads the head, writes nothing."""
    plan = _plan(path, source, fmt, text_column, id_column, date_column, label_columns, forced, "", 1)
    keys, records = sample(plan.path, plan.fmt)
    if not records:
        raise BadImportFile(f"{plan.path}: no readable record in the file")
    cols = _rating_scale(plan, detect(keys, records, plan.forced, str(plan.path)))
    rows: list[tuple[int, str]] = []
    for record in read_records(plan.path, plan.fmt, head_only=True):
        if record is None or record.fields is None:
            continue
        row = to_row(record.fields, cols, plan.source, "", plan.imported_at)
        rows.append((record.line, row if isinstance(row, str) else _shown(row)))
        if len(rows) >= shown:
            break
    return Explanation(str(plan.path), plan.fmt, plan.source, cols, rows, len(records))


def _shown(row: tuple[Any, ...]) -> str:
    """A stored row as one line: id, date, labels, rating and the quote."""
    labels = ", ".join(row[8])
    parts = [f"id {row[2]}", f"date {row[4] or '-'}"]
    if labels:
        parts.append(f"labels {labels}")
    rating = Rating.stored(row[6], row[10] if len(row) > 10 else None)
    if rating is not None:
        parts.append(f"rating {rating.original:g} ({rating.scale})")
    return "; ".join(parts) + f": {row[3]}"


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
