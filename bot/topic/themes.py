"""The corpus's themes: the labels its imports carry (intents, ticket categories) and, for
quotes that have none (captures from Slack, an export with no category column), clusters
of their vectors, each named by its most telling words.

Clusters are found once per process with scikit-learn's MiniBatchKMeans (fitted on a
sample, so a million quotes cost seconds, not minutes) and found again after the vectors
have grown by a fifth: a big import brings new themes. The fit is seeded and reads the
quotes in id order, so replicas on one database agree on the same themes.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..search import semantic
from ..search.conversation import stem, words
from ..search.lexical import corpus_stats
from ..store import Store

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

MIN_QUOTES = 40  # fewer unlabelled quotes than this make no themes worth naming
PER_THEME = 60  # about this many quotes a theme ...
MAX_THEMES = 200  # ... and never more themes than this
FIT_SAMPLE = 50_000  # vectors the clusters are fitted on; every quote is then assigned
NAMING_SAMPLE = 200  # quotes of each theme read to name it
NAME_WORDS = 3
REGROW = 1.2  # cluster again once the vectors have grown by this factor


def display_name(theme: str) -> str:
    """A theme as people read it: the label `card_arrival` is "card arrival"."""
    return " ".join(theme.replace("_", " ").split()).rstrip("?") or theme


@dataclass(frozen=True)
class Clusters:
    """Which unlabelled quote belongs to which theme, and the themes' names."""

    ids: np.ndarray  # sorted quote ids
    theme: np.ndarray  # index into names, per id
    names: tuple[str, ...]
    vectors_seen: int  # the vector count they were found at

    def theme_of(self, feedback_id: int) -> str | None:
        import numpy as np

        at = int(np.searchsorted(self.ids, feedback_id))
        if at < len(self.ids) and int(self.ids[at]) == feedback_id:
            return self.names[int(self.theme[at])]
        return None

    def size(self, name: str) -> int:
        return int((self.theme == self.names.index(name)).sum()) if name in self.names else 0


_found: dict[str, tuple[int, Clusters | None]] = {}  # by database: (vectors counted, clusters)
_lock = threading.Lock()


def available() -> bool:
    """Clustering needs scikit-learn (installed by default) and search by meaning."""
    return semantic.available() and importlib.util.find_spec("sklearn") is not None


def clusters(store: Store) -> Clusters | None:
    """The themes of this database's unlabelled quotes; None where there are too few of them,
    or where search by meaning or scikit-learn is not there. Found again after big imports."""
    if not available():
        return None
    _, count = store.vectors.state()
    with _lock:
        known = _found.get(store.key)
        if known is not None and count <= known[0] * REGROW:
            return known[1]
        found = _cluster(store, count)
        _found[store.key] = (max(count, 1), found)
        return found


def labels_or_theme(found: Clusters | None, feedback_id: int, labels: Sequence[str]) -> tuple[str, ...]:
    """A quote's themes: its labels, or the cluster it fell in when it has none."""
    if labels or found is None:
        return tuple(labels)
    theme = found.theme_of(feedback_id)
    return (theme,) if theme else ()


def _cluster(store: Store, count: int) -> Clusters | None:
    import numpy as np

    index = semantic.index_for(store)
    if index is None:
        return None
    snapshot = index.snapshot()
    rows, found = snapshot.rows_of(_unlabelled_ids(store))
    rows = np.sort(rows[found])
    if len(rows) < MIN_QUOTES:
        return None
    ids = snapshot.ids[rows]
    themes = max(2, min(MAX_THEMES, round(len(rows) / PER_THEME)))
    assignment = _fit(snapshot, rows, themes)
    order = np.argsort(ids, kind="stable")
    ids, assignment = ids[order], assignment[order]
    names = _names(store, ids, assignment, themes)
    log.info("found %d themes among %d quotes with no label", themes, len(ids))
    return Clusters(ids, assignment, names, count)


def _unlabelled_ids(store: Store) -> np.ndarray:
    import numpy as np

    found: list[int] = []
    after = 0
    while True:
        chunk = store.quotes.unlabelled(after, 50_000)
        if not chunk:
            return np.asarray(found, dtype=np.int64)
        found += chunk
        after = chunk[-1]


def _fit(snapshot: object, rows: np.ndarray, themes: int, chunk: int = 50_000) -> np.ndarray:
    """Cluster a seeded sample, then put every quote, a chunk at a time, in its nearest cluster:
    a million vectors are never all in memory as floats at once."""
    import numpy as np
    from sklearn.cluster import MiniBatchKMeans

    rng = np.random.default_rng(0)
    sample = rows if len(rows) <= FIT_SAMPLE else np.sort(rng.choice(rows, FIT_SAMPLE, replace=False))
    model = MiniBatchKMeans(n_clusters=themes, random_state=0, n_init=1, batch_size=4096,
                            init_size=min(len(sample), max(3 * themes, 2000)))
    model.fit(snapshot.vectors(sample))
    parts = [model.predict(snapshot.vectors(rows[at:at + chunk])) for at in range(0, len(rows), chunk)]
    return np.concatenate(parts).astype(np.int32)


def _names(store: Store, ids: np.ndarray, assignment: np.ndarray, themes: int) -> tuple[str, ...]:
    """Each theme named by the words its quotes share and the rest of the corpus does not."""
    import numpy as np

    stats = corpus_stats(store)
    names = []
    rng = np.random.default_rng(0)
    for theme in range(themes):
        members = ids[assignment == theme]
        if len(members) > NAMING_SAMPLE:
            members = rng.choice(members, NAMING_SAMPLE, replace=False)
        texts = [text for _, text, _ in store.quotes.text_and_labels([int(i) for i in members])]
        names.append(_salient(texts, stats.df, stats.docs) or f"theme {theme + 1}")
    return _unique(names)


def _salient(texts: Sequence[str], df: dict[str, int], docs: int) -> str:
    seen: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for text in texts:
        stems_here = {}
        for word in words(text[:2000]):
            if word.isalpha() and len(word) > 2:
                stems_here.setdefault(stem(word), word)
        for key, word in stems_here.items():
            seen[key] += 1
            spelling.setdefault(key, word)
    if not texts:
        return ""
    scored = {key: (n / len(texts)) * math.log(1 + docs / (1 + df.get(key, 0))) for key, n in seen.items()
              if n >= 2 or len(texts) < 4}
    best = sorted(scored, key=lambda key: scored[key], reverse=True)[:NAME_WORDS]
    return ", ".join(spelling[key] for key in best)


def _unique(names: list[str]) -> tuple[str, ...]:
    """Two themes may share their words; a number keeps them apart."""
    counts: Counter[str] = Counter()
    out = []
    for name in names:
        counts[name] += 1
        out.append(name if counts[name] == 1 else f"{name} ({counts[name]})")
    return tuple(out)
