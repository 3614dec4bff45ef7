"""Give every quote of a large database a vector without embedding them all.

Used by bench/speed.py, which measures hybrid search at 100k and 1M quotes. Embedding
1M quotes for real takes hours on 2 cores, and search latency depends on how the
vectors are spread, not on which text each belongs to. So:

- the first `sample` distinct texts (in id order, which follows the file's order) are
  embedded for real, with the bot's own model in batches as `semantic.embed_pending`
  makes them; the time this takes is the measured embedding rate;
- every other quote gets the vector of a random sampled quote with the same labels,
  turned away from it to a cosine drawn from 0.85-0.90, in a random direction: about
  where a real quote's nearest neighbour sits (median 0.85 among 1,500 random banking77
  messages). Copies at 0.999 would be near-duplicates, which an approximate nearest-
  neighbour index handles differently from real data.

Embeddings are cached by text in a file (`TextVectors`), so a second database built from
the same corpus (another size, another backend) does not embed the same sample again.
Nothing here writes SQL: quotes are read and vectors written through the store's API,
so it works on every backend.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from bot.store import Store

COSINES = (0.85, 0.90)  # a copy's cosine to the sampled quote it was made from
WALK = 10_000  # quotes read per round trip while walking the database
WRITE = 20_000  # vectors written per call


@dataclass
class TextVectors:
    """Real embeddings by text, kept in two files: `<path>.npy` (float32) and `<path>.json`."""

    path: Path
    texts: list[str] = field(default_factory=list)
    matrix: np.ndarray | None = None

    @classmethod
    def load(cls, path: Path) -> TextVectors:
        import numpy as np

        cache = cls(path)
        if path.with_suffix(".json").exists():
            cache.texts = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            cache.matrix = np.load(path.with_suffix(".npy"))
        return cache

    def rows(self) -> dict[str, int]:
        return {text: row for row, text in enumerate(self.texts)}

    def add(self, texts: list[str], vectors: np.ndarray) -> None:
        import numpy as np

        self.texts += texts
        self.matrix = vectors if self.matrix is None else np.concatenate([self.matrix, vectors])

    def save(self) -> None:
        import numpy as np

        if self.matrix is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        np.save(self.path.with_suffix(".npy"), self.matrix)
        self.path.with_suffix(".json").write_text(json.dumps(self.texts), encoding="utf-8")


@dataclass
class Walk:
    """Every quote still without a vector, with where its vector will come from."""

    ids: list[int] = field(default_factory=list)
    label: list[int] = field(default_factory=list)  # the quote's labels, as a row of `labels`
    source: list[int] = field(default_factory=list)  # its own text's row in `sample`, or -1: a copy
    sample: list[str] = field(default_factory=list)  # distinct texts embedded for real
    sample_label: list[int] = field(default_factory=list)
    labels: list[tuple[str, ...]] = field(default_factory=list)


def walk(store: Store, model: str, sample_size: int) -> Walk:
    """Read every quote without a vector of `model`, in id order, choosing the sample on the way.

    The sample is the first `sample_size` distinct texts; a label none of them carries gets
    its first quote added, so every quote has a same-label source.
    """
    found, row_of, label_row = Walk(), {}, {}
    first_of_label: dict[int, int] = {}
    after = 0
    while rows := store.vectors.pending(model, after, WALK):
        after = rows[-1][0]
        labels = {i: ls for i, _, ls in store.quotes.text_and_labels([i for i, _ in rows])}
        for quote_id, text in rows:
            label = label_row.setdefault(tuple(sorted(labels.get(quote_id, ()))), len(label_row))
            first_of_label.setdefault(label, len(found.ids))
            if text not in row_of and len(found.sample) < sample_size:
                row_of[text] = len(found.sample)
                found.sample.append(text)
                found.sample_label.append(label)
            found.ids.append(quote_id)
            found.label.append(label)
            found.source.append(row_of.get(text, -1))
    for label in sorted(set(first_of_label) - set(found.sample_label)):
        index = first_of_label[label]
        text = store.quotes.text_and_labels([found.ids[index]])[0][1]
        found.source[index] = len(found.sample)
        found.sample.append(text)
        found.sample_label.append(label)
    found.labels = list(label_row)
    return found


def turn(sources: np.ndarray, cosines: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each unit row turned away from itself, in a random direction, to exactly its cosine."""
    import numpy as np

    away = rng.standard_normal(sources.shape).astype(np.float32)
    away -= (away * sources).sum(axis=1, keepdims=True) * sources
    away /= np.linalg.norm(away, axis=1, keepdims=True)
    turned = cosines[:, None] * sources + np.sqrt(1 - cosines**2)[:, None] * away
    return (turned / np.linalg.norm(turned, axis=1, keepdims=True)).astype(np.float32)


def embed_sample(texts: list[str], cache: TextVectors, chunk: int,
                 say: Callable[[str], None] = lambda _: None) -> tuple[np.ndarray, int, float]:
    """The sample's vectors, embedding only the texts the cache lacks: (matrix, embedded, seconds)."""
    import numpy as np

    from bot.search import semantic

    known = cache.rows()
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    seconds = 0.0
    if missing:
        model = semantic.new_embedder(threads=os.cpu_count() or 1)
        model.embed(["load the model before the clock starts"])
        parts = []
        started = time.perf_counter()
        say(f"  embedding {len(missing):,} quotes ({len(texts) - len(missing):,} cached)")
        for start in range(0, len(missing), chunk):
            parts.append(model.embed(missing[start:start + chunk]))
            if (start // chunk) % 20 == 19:
                rate = (start + chunk) / (time.perf_counter() - started)
                say(f"  {start + chunk:,} embedded, {rate:.1f} quotes/s")
        seconds = time.perf_counter() - started
        cache.add(missing, np.concatenate(parts))
        cache.save()
        known = cache.rows()
    assert cache.matrix is not None
    return cache.matrix[[known[t] for t in texts]], len(missing), seconds


def spread(store: Store, sample_size: int, cache_path: Path, seed: int = 77,
           say: Callable[[str], None] = lambda _: None) -> dict[str, object]:
    """Give every quote without a vector one: real for the sample, a turned copy for the rest.

    Returns what the run did, with the time embedding took (the measured rate).
    """
    import numpy as np

    from bot.search import semantic

    found = walk(store, semantic.model_key(), sample_size)
    if not found.ids:
        return {"vectors": 0, "sample": 0, "embedded": 0, "embed_seconds": 0.0, "copies": 0,
                "copy_cosine_mean": None, "copy_cosines": list(COSINES)}
    cache = TextVectors.load(cache_path)
    say(f"  {len(found.ids):,} quotes read; {len(found.sample):,} distinct ones to embed for real")
    vectors, embedded, seconds = embed_sample(found.sample, cache, semantic.CHUNK, say)
    sample_label = np.array(found.sample_label)
    by_label = [np.flatnonzero(sample_label == label) for label in range(len(found.labels))]
    rng = np.random.default_rng(seed)
    cosine_sum, copies, done = 0.0, 0, 0
    for start in range(0, len(found.ids), WRITE):
        source = np.array(found.source[start:start + WRITE])
        label = np.array(found.label[start:start + WRITE])
        copy = source < 0
        for row in np.unique(label[copy]):
            here = copy & (label == row)
            source[here] = rng.choice(by_label[row], int(here.sum()))
        chunk = vectors[source].copy()
        if copy.any():
            chunk[copy] = turn(chunk[copy], rng.uniform(*COSINES, int(copy.sum())).astype(np.float32), rng)
            cosine_sum += float((chunk[copy] * vectors[source[copy]]).sum())
            copies += int(copy.sum())
        done += semantic.store_vectors(store, found.ids[start:start + WRITE], chunk)
    return {"vectors": done, "sample": len(found.sample), "embedded": embedded, "embed_seconds": seconds,
            "copies": copies, "copy_cosine_mean": cosine_sum / copies if copies else None,
            "copy_cosines": list(COSINES)}
