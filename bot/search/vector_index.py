"""Every stored vector of one database in memory, and the quotes nearest a query among
those a workspace may see.

Two shapes, chosen by size. Up to EXACT_UP_TO vectors: a float32 matrix and one product
per query, exact and about 5 ms at 50k. Past it the product grows with the corpus (over
200 ms and 1.5 GB of float32 at a million quotes), so the vectors go into an HNSW graph
from usearch instead (int8, cosine): about a millisecond per query at a million quotes,
for some 400 MB, at the price of building the graph (minutes at a million, on 2 cores).

The graph is built off to the side and swapped in when complete, and a large batch of new
vectors is added to a copy: a search never waits for a build, it uses the index as it was.
A server does not wait long (`wait=False`), so until a large index is first built its
searches go by words alone; a command-line search waits.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    import numpy as np

    from ..store import Store

log = logging.getLogger(__name__)

EXACT_UP_TO = 50_000  # vectors searched by brute force; more go into the graph
IN_PLACE_UP_TO = 2_000  # new vectors added to the live graph; more are added to a copy
BUSY_WAIT = 2.0  # seconds a server's search waits for another thread's catching up
OVERFETCH = 4  # with quotes a workspace may not see, ask the graph for this many times more
CONNECTIVITY = 16  # graph edges per vector (usearch's default)
EXPANSION_ADD = 64  # candidates weighed per insertion: half usearch's default, twice as fast to build
EXPANSION_SEARCH = 128  # candidates weighed per search: recall of the 50 nearest stays above 0.95

Owner = tuple[str | None, str | None]


@dataclass(frozen=True)
class Snapshot:
    """The index as one search sees it: arrays bounded by `size`, which later appends never touch."""

    ids: np.ndarray  # in the order added
    owners: np.ndarray  # code of who may see each quote, row for row
    order: np.ndarray | None  # argsort of ids, None when they are already sorted
    matrix: np.ndarray | None  # float32 rows (exact shape), or None
    graph: Any  # usearch Index (graph shape), or None
    lock: threading.Lock  # held while the graph is searched, so no in-place add runs meanwhile

    def rows_of(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row of each wanted id, whether it is here at all)."""
        import numpy as np

        if not len(self.ids):
            return np.zeros(len(wanted), dtype=np.int64), np.zeros(len(wanted), dtype=bool)
        keys = self.ids if self.order is None else self.ids[self.order]
        at = np.clip(np.searchsorted(keys, wanted), 0, len(keys) - 1)
        found = keys[at] == wanted
        rows = at if self.order is None else self.order[at]
        return rows, found

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """float32 vectors of these rows (dequantised from the graph in the graph shape)."""
        import numpy as np

        if self.matrix is not None:
            return self.matrix[rows]
        if not len(rows):
            return np.zeros((0, self.graph.ndim), dtype=np.float32)
        with self.lock:
            got = self.graph.get(self.ids[rows], dtype=np.float32)
        return _unit(np.asarray(got, dtype=np.float32).reshape(len(rows), -1))


class VectorIndex:
    """One database's vectors, kept current with `refresh` (one thread catches up at a time)."""

    def __init__(self, model: str, dimensions: int) -> None:
        import numpy as np

        self.model, self.dimensions = model, dimensions
        self.lock = threading.Lock()
        self.catching_up = threading.Lock()
        self.epoch, self.count = -1, 0  # the database's state when last caught up
        self.size, self.last_id, self.in_order = 0, 0, True
        self.ids = np.zeros(0, dtype=np.int64)
        self.owners = np.zeros(0, dtype=np.int32)
        self.matrix: np.ndarray | None = np.zeros((0, dimensions), dtype=np.float32)
        self.graph: Any = None
        # Who may see each quote, as a small number: codes[(workspace, private channel)], the
        # workspace '' for the shared corpus and None for a quote that is gone, the channel None
        # unless the quote was saved in a private one; a search leaves out what it may not see.
        self.codes: dict[Owner, int] = {}
        self._order: np.ndarray | None = None
        self.private = False  # being built aside: no reader yet, so the graph grows in place
        self.saved = 0  # rows in the copy on disk (see _save)

    # ------------------------------------------------------------ catching up

    def refresh(self, store: Store, wait: bool = True) -> None:
        """Catch up with the database; with `wait=False`, give up after BUSY_WAIT seconds if
        another thread is at it (a small index is built well within that, a large one is not)."""
        if not self.catching_up.acquire(timeout=-1 if wait else BUSY_WAIT):
            return
        try:
            epoch, count = store.vectors.state()
            if (epoch, count) == (self.epoch, self.count):
                return
            if self.epoch == -1:
                self._load_saved(store, epoch, count)
            if epoch != self.epoch or count < self.size or count - self.count > EXACT_UP_TO:
                self._rebuild(store)  # in chunks: a million new rows are never all in memory at once
            else:
                self._add(*self._read(store.vectors.since(self.model, self.last_id)))
            if self.size < count:  # a writer filled in ids below the last one held
                self._add(*self._missing(store))
            self.epoch, self.count = epoch, count
            if self.graph is not None and self.size - self.saved > max(IN_PLACE_UP_TO, self.size // 10):
                self._save(store)
        finally:
            self.catching_up.release()

    def _read(self, chunks: Iterator[tuple[list[int], np.ndarray, list[Owner]]]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        import numpy as np

        ids, vectors, owners = [], [], []
        for chunk_ids, chunk, chunk_owners in chunks:
            ids.append(np.asarray(chunk_ids, dtype=np.int64))
            vectors.append(np.asarray(chunk, dtype=np.float32))
            owners.append(np.asarray([self.codes.setdefault(o, len(self.codes)) for o in chunk_owners],
                                     dtype=np.int32))
        if not ids:
            return (np.zeros(0, dtype=np.int64), np.zeros((0, self.dimensions), dtype=np.float32),
                    np.zeros(0, dtype=np.int32))
        return np.concatenate(ids), np.concatenate(vectors), np.concatenate(owners)

    def _missing(self, store: Store) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The vectors the database has and this index lacks (read in chunks; rare)."""
        import numpy as np

        held = np.sort(self.ids[:self.size])

        def unseen() -> Iterator[tuple[list[int], np.ndarray, list[Owner]]]:
            for ids, vectors, owners in store.vectors.since(self.model, 0, 50_000):
                new = ~np.isin(np.asarray(ids, dtype=np.int64), held, assume_unique=True)
                if new.any():
                    yield ([i for i, keep in zip(ids, new, strict=True) if keep], vectors[new],
                           [o for o, keep in zip(owners, new, strict=True) if keep])

        return self._read(unseen())

    def _rebuild(self, store: Store) -> None:
        """Read everything into a new index, then take its place: at the start, after vectors
        were dropped (forget, a new model), or when more arrived than are worth adding one by one."""
        fresh = VectorIndex(self.model, self.dimensions)
        fresh.codes, fresh.private = dict(self.codes), True
        for chunk in store.vectors.since(self.model, 0, 50_000):
            fresh._add(*fresh._read(iter([chunk])))
        with self.lock:
            self.size, self.last_id, self.in_order = fresh.size, fresh.last_id, fresh.in_order
            self.ids, self.owners, self.codes, self._order = fresh.ids, fresh.owners, fresh.codes, None
            self.matrix, self.graph, self.saved = fresh.matrix, fresh.graph, 0

    def _add(self, ids: np.ndarray, vectors: np.ndarray, owners: np.ndarray) -> None:
        """Add rows: to the matrix, to the live graph (a few), or to a new graph built aside."""
        if not len(ids):
            return
        graph, in_place = self.graph, False
        if graph is None and self.size + len(ids) > EXACT_UP_TO:
            assert self.matrix is not None
            graph = new_graph(self.dimensions)  # past the exact size: every row into a graph
            _add_in_chunks(graph, self.ids[:self.size], self.matrix[:self.size])
            _add_in_chunks(graph, ids, vectors)
        elif graph is not None and (len(ids) <= IN_PLACE_UP_TO or self.private):
            in_place = True
        elif graph is not None:
            graph = graph.copy()  # searches go on with the live graph meanwhile
            _add_in_chunks(graph, ids, vectors)
        self._append(ids, owners, vectors, graph, in_place)
        if ids.min() <= self.last_id or (len(ids) > 1 and bool((ids[1:] <= ids[:-1]).any())):
            self.in_order = False
        self.last_id = max(self.last_id, int(ids.max()))

    def _append(self, ids: np.ndarray, owners: np.ndarray, vectors: np.ndarray, graph: Any,
                in_place: bool) -> None:
        """One critical section: new rows, and the graph they are in, appear together.

        Arrays grow in place (capacity doubling), so readers keep the arrays and sizes they took.
        """
        end = self.size + len(ids)
        with self.lock:
            if in_place:
                self.graph.add(ids, vectors)
            elif graph is not None:
                self.graph, self.matrix = graph, None
            if end > len(self.ids):
                capacity = max(end, 2 * len(self.ids), 1024)
                self.ids = _grown(self.ids, capacity, self.size)
                self.owners = _grown(self.owners, capacity, self.size)
                if self.matrix is not None:
                    self.matrix = _grown(self.matrix, capacity, self.size)
            self.ids[self.size:end] = ids
            self.owners[self.size:end] = owners
            if self.matrix is not None:
                self.matrix[self.size:end] = vectors
            self.size, self._order = end, None

    # ------------------------------------------------------------ a copy beside the database

    def _save(self, store: Store) -> None:
        """Keep the graph beside a database file, so the next process loads it in seconds
        instead of building it for minutes. Written aside and renamed: never half a file."""
        import numpy as np

        path = store.vectors.cache_path(self.model)
        if path is None:
            return
        rows = _rows_path(path)
        codes = json.dumps([list(owner) for owner, _ in sorted(self.codes.items(), key=lambda kv: kv[1])])
        try:
            self.graph.save(f"{path}.tmp")
            with open(f"{rows}.tmp", "wb") as handle:
                state = [self.epoch, self.count, self.last_id, self.in_order]
                np.savez(handle, ids=self.ids[:self.size], owners=self.owners[:self.size],
                         state=np.asarray(state, dtype=np.int64), codes=np.asarray(codes))
            for name in (f"{path}.tmp", f"{rows}.tmp"):
                os.chmod(name, 0o600)
            os.replace(f"{path}.tmp", path)
            os.replace(f"{rows}.tmp", rows)
            self.saved = self.size
        except OSError as err:
            log.warning("could not keep the vector index beside the database (%s); it is rebuilt "
                        "at each start", err)

    def _load_saved(self, store: Store, epoch: int, count: int) -> None:
        """Take the saved graph when it is this database's: same epoch, no more rows than the
        database has, and a sample of its vectors equal to the stored ones (a database deleted
        and created again at the same path starts at the same epoch)."""
        import numpy as np

        path = store.vectors.cache_path(self.model)
        if path is None or not path.is_file() or not _rows_path(path).is_file():
            return
        try:
            with np.load(_rows_path(path), allow_pickle=False) as saved:
                ids, owners, state, codes = saved["ids"], saved["owners"], saved["state"], str(saved["codes"])
            graph = new_graph(self.dimensions)
            graph.load(str(path))
        except (OSError, ValueError, KeyError, RuntimeError) as err:
            log.warning("ignoring the saved vector index %s (%s)", path, err)
            return
        if int(state[0]) != epoch or int(state[1]) > count or len(graph) != len(ids) or \
                not _same_vectors(store, self.model, graph, ids):
            return
        with self.lock:
            self.ids, self.owners, self.graph, self.matrix = ids.copy(), owners.copy(), graph, None
            self.codes = {(o[0], o[1]): n for n, o in enumerate(json.loads(codes))}
            self.size = self.saved = len(ids)
            self.epoch, self.count, self.last_id, self.in_order = (int(state[0]), int(state[1]),
                                                                   int(state[2]), bool(state[3]))
            self._order = None

    # ------------------------------------------------------------ reading

    def snapshot(self) -> Snapshot:
        """The index as it is now, safe to search while vectors are added."""
        import numpy as np

        with self.lock:
            size = self.size
            if not self.in_order and self._order is None:
                self._order = np.argsort(self.ids[:size], kind="stable")
            matrix = self.matrix[:size] if self.matrix is not None else None
            return Snapshot(self.ids[:size], self.owners[:size], None if self.in_order else self._order,
                            matrix, self.graph, self.lock)

    def allowed(self, team_id: str, channel_id: str | None = None) -> np.ndarray | None:
        """Owner codes this workspace may see in this channel: its own quotes and the shared
        corpus, and a private channel's quotes only in that channel. None when it may see
        every quote (one workspace, no private quotes), which spares the search the filter."""
        import numpy as np

        owners = [("", None), (team_id, None)] + ([(team_id, channel_id)] if channel_id else [])
        with self.lock:
            allowed = [self.codes[o] for o in owners if o in self.codes]
            if len(allowed) == len(self.codes):
                return None
        return np.asarray(allowed, dtype=np.int32)

    def has(self, feedback_id: int) -> bool:
        import numpy as np

        return bool(self.snapshot().rows_of(np.asarray([feedback_id], dtype=np.int64))[1][0])


def _rows_path(path: Path) -> Path:
    return path.with_name(path.name + ".npz")


def _same_vectors(store: Store, model: str, graph: Any, ids: np.ndarray, sample: int = 16) -> bool:
    import numpy as np

    if not len(ids):
        return False
    picked = [int(i) for i in ids[np.linspace(0, len(ids) - 1, min(sample, len(ids))).astype(int)]]
    stored = store.vectors.get(model, picked)
    if len(stored) != len(picked):
        return False
    held = np.asarray(graph.get(np.asarray(picked, dtype=np.int64), dtype=np.float32))
    held = _unit(held.reshape(len(picked), -1))
    wanted = np.stack([np.asarray(stored[i], dtype=np.float32) for i in picked])
    return bool((np.sum(held * wanted, axis=1) > 0.99).all())


def _unit(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled back to length 1: int8 rounding leaves them about 2% short, which would
    shift every cosine (and the thresholds that compare with it)."""
    import numpy as np

    return vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)


def new_graph(dimensions: int) -> Any:
    if importlib.util.find_spec("onnxruntime") is not None:
        # onnxruntime first: imported after usearch's extension (usearch 2.26, onnxruntime 1.32,
        # Linux x86-64) it crashes the process, as a server would when its first query is
        # embedded after the embedder thread has built the graph.
        import onnxruntime  # noqa: F401
    from usearch.index import Index

    graph = Index(ndim=dimensions, metric="cos", dtype="i8", connectivity=CONNECTIVITY,
                  expansion_add=EXPANSION_ADD, expansion_search=EXPANSION_SEARCH)
    return graph


def _add_in_chunks(graph: Any, ids: np.ndarray, vectors: np.ndarray, chunk: int = 50_000) -> None:
    for start in range(0, len(ids), chunk):
        graph.add(ids[start:start + chunk], vectors[start:start + chunk])


def _grown(array: np.ndarray, capacity: int, used: int) -> np.ndarray:
    import numpy as np

    grown = np.zeros((capacity, *array.shape[1:]), dtype=array.dtype)
    grown[:used] = array[:used]
    return grown


_indexes: dict[str, VectorIndex] = {}  # by `store.key`: one copy per database in a process
_indexes_lock = threading.Lock()


def index_for(store: Store, model: str, dimensions: int, wait: bool = True) -> VectorIndex | None:
    """This database's vectors, current; None when it has none (search stays lexical), or,
    without `wait`, while another thread builds the index for the first time."""
    if store.vectors.state()[1] == 0:
        return None
    with _indexes_lock:
        index = _indexes.get(store.key)
        if index is None or index.model != model:  # another model: another space, another index
            index = _indexes[store.key] = VectorIndex(model, dimensions)
    index.refresh(store, wait)
    return index if index.size else None


@dataclass
class Neighbourhood:
    """A query vector against one database's vectors: similarities and nearest quotes."""

    index: Snapshot
    vector: np.ndarray
    allowed: np.ndarray | None = None  # owner codes the asking workspace may see (None: all)
    found: Sequence[int] = ()  # nearest ids, when asked for up front

    def nearest(self, k: int, floor: float = -1.0) -> list[int]:
        """Ids of the k most similar quotes with a cosine of at least `floor`, best first,
        among the quotes the workspace may see: a workspace with few quotes still gets its
        own nearest ones, however many another workspace holds."""
        if k <= 0 or not len(self.index.ids):
            return []
        if self.index.graph is None:
            return self._exact(k, floor, self._visible_rows())
        pairs = self._from_graph(k)
        if len(pairs) < k and self.allowed is not None:
            rows = self._visible_rows()
            # Few visible quotes (no more than the graph was asked for): look at each, so the
            # answer is exact rather than whatever the approximate walk happened to reach.
            if rows is not None and len(rows) <= max(EXACT_UP_TO, k * OVERFETCH):
                return self._exact(k, floor, rows)
        return [i for i, sim in pairs[:k] if sim >= floor]

    def _visible_rows(self) -> np.ndarray | None:
        import numpy as np

        if self.allowed is None:
            return None
        return np.flatnonzero(np.isin(self.index.owners, self.allowed))

    def _exact(self, k: int, floor: float, rows: np.ndarray | None) -> list[int]:
        import numpy as np

        if rows is None:
            rows = np.arange(len(self.index.ids))
        ids, vectors = self.index.ids[rows], self.index.vectors(rows)
        k = min(k, len(ids))
        if k <= 0:
            return []
        sims = vectors @ self.vector
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top])]
        return [int(ids[i]) for i in top if sims[i] >= floor]

    def _from_graph(self, k: int) -> list[tuple[int, float]]:
        """(id, cosine) pairs from the graph, best first, only those the workspace may see."""
        import numpy as np

        count = k if self.allowed is None else k * OVERFETCH
        with self.index.lock:
            matches = self.index.graph.search(self.vector, count)
        keys = np.asarray(matches.keys, dtype=np.int64)
        sims = 1.0 - np.asarray(matches.distances, dtype=np.float32)
        if self.allowed is not None and len(keys):
            rows, found = self.index.rows_of(keys)
            keep = found & np.isin(self.index.owners[rows], self.allowed)
            keys, sims = keys[keep], sims[keep]
        return [(int(i), float(s)) for i, s in zip(keys, sims, strict=True)]

    def similarity(self, feedback_ids: Sequence[int]) -> dict[int, float]:
        """Cosine for each id that has a vector (ids without one are left out)."""
        import numpy as np

        wanted = np.asarray(feedback_ids, dtype=np.int64)
        rows, found = self.index.rows_of(wanted)
        if not found.any():
            return {}
        sims = self.index.vectors(rows[found]) @ self.vector
        return {int(i): float(s) for i, s in zip(wanted[found], sims, strict=True)}


def vectors_of(index: VectorIndex, feedback_ids: Sequence[int]) -> dict[int, np.ndarray]:
    """Stored vectors of a few quotes (the ones a channel clicked on), by id."""
    import numpy as np

    snapshot = index.snapshot()
    wanted = np.asarray(sorted(set(feedback_ids)), dtype=np.int64)
    rows, found = snapshot.rows_of(wanted)
    vectors = snapshot.vectors(rows[found])
    return {int(i): v for i, v in zip(wanted[found], vectors, strict=True)}
