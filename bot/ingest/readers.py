"""Reading feedback exports (CSV, JSON, JSON Lines) record by record, with line numbers.

Readers never give up on a whole file because of one bad record: they yield the
record's line and what is wrong with it, and carry on with the next one.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import BadImportFile

FORMATS = ("csv", "tsv", "json", "jsonl")
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".jl": "jsonl",
}
_FIELD_LIMIT = 1 << 20  # a megabyte: no real quote is longer; a runaway quote is

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Record:
    """One record as found in the file: its first line, and its fields or an error."""

    line: int
    fields: dict[str, Any] | None
    error: str | None = None


def detect_format(path: Path, head: bytes) -> str:
    """The format by extension, else by the first character of the content."""
    by_name = _EXTENSIONS.get(path.suffix.lower())
    if by_name:
        return by_name
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"["):
        return "json"
    if stripped.startswith(b"{"):
        first, _, rest = stripped.partition(b"\n")
        return "jsonl" if rest.lstrip().startswith(b"{") or not rest.strip() else "json"
    return "csv"


def read_records(path: Path, fmt: str, progress: Progress | None = None,
                 share: tuple[int, int] = (0, 1)) -> Iterator[Record | None]:
    """Records of `path` in `fmt`; `progress` is called with bytes read so far.

    With `share=(k, n)`, a clean CSV record whose position is not k modulo n comes
    as None, unbuilt: a parallel import reads the file once per worker, and building
    the other workers' records would be wasted work.
    """
    if fmt not in FORMATS:
        raise BadImportFile(f"{path}: unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the generator's finally
    except OSError as err:
        raise BadImportFile(f"{path}: cannot open ({err.strerror})") from None
    try:
        if fmt in ("csv", "tsv"):
            yield from _csv_records(handle, "\t" if fmt == "tsv" else ",", progress, share)
        elif fmt == "jsonl":
            yield from _jsonl_records(handle, progress)
        else:
            yield from _json_records(path, handle, progress)
    finally:
        handle.close()


class _Lines:
    """Decoded lines for `csv.reader`, remembering which lines made up the last record.

    Keeping them lets a record with broken quoting be reported on its first line and
    the lines it swallowed be read again, so one stray quote loses one row, not the file.
    """

    def __init__(self, handle: IO[bytes], first_line: int = 1) -> None:
        self._handle = handle
        self._pending: deque[tuple[int, bytes]] = deque()
        self._next_line = first_line
        self.consumed: list[tuple[int, bytes]] = []
        self.bad_encoding: set[int] = set()
        self.bytes_read = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._pending:
            number, raw = self._pending.popleft()
        else:
            raw = self._handle.readline()
            if not raw:
                raise StopIteration
            number = self._next_line
            self._next_line += 1
            self.bytes_read += len(raw)
        self.consumed.append((number, raw))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            self.bad_encoding.add(number)
            text = raw.decode("utf-8", errors="replace")
        if number == 1 and text.startswith("\ufeff"):
            text = text[1:]
        return text

    def start_record(self) -> None:
        self.consumed.clear()

    def reread_after_first(self) -> None:
        """Put back every line of the last record but its first."""
        self._pending.extendleft(reversed(self.consumed[1:]))
        self.consumed.clear()


def _is_utf8(handle: IO[bytes]) -> bool:
    """One quick pass over the bytes: clean files then take the fast reader."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        handle.seek(0)
    return True


def _csv_records(handle: IO[bytes], delimiter: str, progress: Progress | None,
                 share: tuple[int, int] = (0, 1)) -> Iterator[Record | None]:
    """CSV records: the C reader while the file is clean, the careful one after a problem."""
    csv.field_size_limit(_FIELD_LIMIT)
    if not _is_utf8(handle):
        lines = _Lines(handle)
        header = _csv_header(handle.name, csv.reader(lines, delimiter=delimiter, strict=True))
        yield from _careful_csv(lines, header, delimiter, progress)
        return
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    header = _csv_header(handle.name, reader)
    last = reader.line_num
    mine, every = share
    index = -1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            yield from _resume_careful(handle, header, delimiter, last + 1, str(err), progress)
            return
        now = reader.line_num
        if progress and now % 1000 == 0:
            progress(handle.tell())
        if len(row) != len(header):
            if not row or (len(row) == 1 and not row[0].strip()):
                last = now
                continue
            if now - last > 1:
                yield from _resume_careful(handle, header, delimiter, last + 1, None, progress)
                return
            index += 1  # counts every item yielded, as the importer's enumerate does
            yield Record(last + 1, None, f"expected {len(header)} fields, found {len(row)}")
        else:
            index += 1
            if index % every == mine:
                yield Record(last + 1, dict(zip(header, row, strict=True)))
            else:
                yield None
        last = now
    text.detach()


def _csv_header(name: str, reader: Any) -> list[str]:
    try:
        header = next(reader)
    except StopIteration:
        raise BadImportFile(f"{name}: the file is empty") from None
    except csv.Error as err:
        raise BadImportFile(f"{name}: line 1: unreadable header ({err})") from None
    header = [column.strip() for column in header]
    if not any(header):
        raise BadImportFile(f"{name}: line 1: the header row is empty")
    return header


def _resume_careful(handle: IO[bytes], header: list[str], delimiter: str, bad_line: int,
                    error: str | None, progress: Progress | None) -> Iterator[Record]:
    """Report the record at `bad_line` and read on, line-aware, from the line after it."""
    yield Record(bad_line, None, f"broken quoting ({error or 'a quote opened here is never closed'})")
    raw = open(handle.name, "rb")  # noqa: SIM115 - closed below
    try:
        for _ in range(bad_line):
            raw.readline()
        lines = _Lines(raw, first_line=bad_line + 1)
        yield from _careful_csv(lines, header, delimiter, progress)
    finally:
        raw.close()


def _careful_csv(lines: _Lines, header: list[str], delimiter: str,
                 progress: Progress | None) -> Iterator[Record]:
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    while True:
        lines.start_record()
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            first = lines.consumed[0][0] if lines.consumed else 0
            lines.reread_after_first()
            yield Record(first, None, f"broken quoting ({err})")
            reader = csv.reader(lines, delimiter=delimiter, strict=True)
            continue
        if progress and lines.bytes_read:
            progress(lines.bytes_read)
        if not lines.consumed:
            continue
        first = lines.consumed[0][0]
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # a blank line is not a record
        if len(row) != len(header):
            if len(lines.consumed) > 1:
                lines.reread_after_first()
                yield Record(first, None, "broken quoting (a quote opened here is never closed)")
                continue
            yield Record(first, None, f"expected {len(header)} fields, found {len(row)}")
            continue
        if any(number in lines.bad_encoding for number, _ in lines.consumed):
            yield Record(first, None, "bad encoding (not UTF-8)")
            continue
        yield Record(first, dict(zip(header, row, strict=True)))


def _jsonl_records(handle: IO[bytes], progress: Progress | None) -> Iterator[Record]:
    done = 0
    for number, raw in enumerate(handle, start=1):
        done += len(raw)
        if progress:
            progress(done)
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            yield Record(number, None, "bad encoding (not UTF-8)")
            continue
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as err:
            yield Record(number, None, f"invalid JSON ({err.msg} at column {err.colno})")
            continue
        yield _as_record(number, value)


def _json_records(path: Path, handle: IO[bytes], progress: Progress | None) -> Iterator[Record]:
    raw = handle.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise BadImportFile(f"{path}: line {line}: bad encoding (not UTF-8)") from None
    decoder = json.JSONDecoder()
    pos = _skip_space(text, 0)
    if text.startswith("{", pos):
        yield from _json_object_records(path, text)
        return
    if not text.startswith("[", pos):
        raise BadImportFile(f"{path}: line 1: expected a JSON array of objects")
    pos = _skip_space(text, pos + 1)
    line, counted = 1, 0
    while pos < len(text) and text[pos] != "]":
        line += text.count("\n", counted, pos)
        counted = pos
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as err:
            yield Record(err.lineno, None, f"invalid JSON ({err.msg} at column {err.colno}); "
                         "the rest of the file cannot be read")
            return
        yield _as_record(line, value)
        if progress:
            progress(pos)
        pos = _skip_space(text, pos)
        if text.startswith(",", pos):
            pos = _skip_space(text, pos + 1)
        elif not text.startswith("]", pos):
            bad_line = text.count("\n", 0, pos) + 1
            yield Record(bad_line, None, "invalid JSON (expected ',' or ']'); "
                         "the rest of the file cannot be read")
            return


def _json_object_records(path: Path, text: str) -> Iterator[Record]:
    """A top-level object that wraps its list (`{"data": [...]}`), as many APIs export."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise BadImportFile(f"{path}: line {err.lineno}: invalid JSON ({err.msg})") from None
    lists = [v for v in value.values() if isinstance(v, list)]
    if len(lists) != 1:
        yield _as_record(1, value)
        return
    for item in lists[0]:
        yield _as_record(1, item)


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _as_record(line: int, value: Any) -> Record:
    if not isinstance(value, dict):
        return Record(line, None, f"expected an object, found {type(value).__name__}")
    return Record(line, value)
