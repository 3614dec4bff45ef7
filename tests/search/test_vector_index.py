"""The in-memory index of stored vectors: exact for a small corpus, a graph past that, and
the same answers either way, for the quotes a workspace may see.

Vectors here are made up (clustered, like real topics) and stored directly, so these tests
need numpy and usearch but not the model, and run with search by meaning switched off too.
"""

from __future__ import annotations

import importlib.util
import itertools
import subprocess
import sys
import threading
from pathlib import Path

import pytest

np = pytest.importorskip("numpy")
if importlib.util.find_spec("usearch") is None:
    pytest.skip("usearch is not installed", allow_module_level=True)

from bot.ingest.importer import add_quote  # noqa: E402
from bot.search import vector_index  # noqa: E402
from bot.search.vector_index import Neighbourhood, VectorIndex, index_for  # noqa: E402
from bot.store import connect  # noqa: E402

MODEL, DIMS = "test-model", 32
EXACT = 200  # the test's exact size: past it, the graph


@pytest.fixture(autouse=True)
def small_exact_size(monkeypatch):
    monkeypatch.setattr(vector_index, "EXACT_UP_TO", EXACT)
    monkeypatch.setattr(vector_index, "IN_PLACE_UP_TO", 50)
    vector_index._indexes.clear()
    yield
    vector_index._indexes.clear()


@pytest.fixture
def store(tmp_path):
    with connect(tmp_path / "vectors.db") as opened:
        yield opened


def clustered(count: int, seed: int = 7, topics: int = 12) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(topics, DIMS))
    vectors = centres[rng.integers(0, topics, count)] + rng.normal(0, 0.5, (count, DIMS))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


_names = ("".join(chr(97 + int(d)) for d in str(n)) for n in itertools.count(10**6))  # distinct texts


def add(store, vectors: np.ndarray, team_id: str = "", private_in: str | None = None) -> list[int]:
    ids = [add_quote(store, f"quote {next(_names)}", "test", team_id=team_id,
                     origin_channel=private_in, private=private_in is not None)
           for _ in vectors]
    assert None not in ids
    store.vectors.add(MODEL, ids, vectors)
    return ids


def exact_nearest(ids: list[int], vectors: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    order = np.argsort(-(vectors @ query))[:k]
    return [ids[i] for i in order]


def near(store, query: np.ndarray, team_id: str = "", channel: str | None = None) -> Neighbourhood:
    index = index_for(store, MODEL, DIMS)
    assert index is not None
    return Neighbourhood(index.snapshot(), query, index.allowed(team_id, channel))


def test_past_the_exact_size_the_graph_finds_what_the_scan_finds(store):
    vectors = clustered(1500)
    ids = add(store, vectors)
    index = index_for(store, MODEL, DIMS)
    assert index.graph is not None and index.matrix is None and index.size == 1500
    queries = clustered(20, seed=99)
    recall = [len(set(near(store, q).nearest(10)) & set(exact_nearest(ids, vectors, q, 10))) / 10
              for q in queries]
    assert sum(recall) / len(recall) >= 0.9


def test_similarity_from_the_graph_is_the_cosine(store):
    vectors = clustered(400)
    ids = add(store, vectors)
    query = clustered(1, seed=5)[0]
    sims = near(store, query).similarity(ids[:30] + [10**9])
    assert 10**9 not in sims and len(sims) == 30
    expected = vectors[:30] @ query
    assert max(abs(sims[i] - float(e)) for i, e in zip(ids[:30], expected, strict=True)) < 0.01


def test_growing_past_the_exact_size_keeps_every_quote(store):
    first = add(store, clustered(150, seed=1))
    index = index_for(store, MODEL, DIMS)
    assert index.graph is None
    later = add(store, clustered(40, seed=2)) + add(store, clustered(120, seed=3))  # in place, then a copy
    index = index_for(store, MODEL, DIMS)
    assert index.graph is not None and index.size == 310
    assert all(index.has(i) for i in first + later)
    assert near(store, clustered(1, seed=2)[0]).nearest(5)


def test_a_workspace_sees_its_own_quotes_and_the_shared_ones_only(store):
    shared = add(store, clustered(300, seed=1))
    mine = add(store, clustered(20, seed=1), team_id="T_MINE")
    theirs = add(store, clustered(300, seed=1), team_id="T_THEIRS")
    secret = add(store, clustered(20, seed=1), team_id="T_MINE", private_in="G_SECRET")
    query = clustered(1, seed=1)[0]
    found = near(store, query, "T_MINE", "C_OPEN").nearest(100)
    assert found and not set(found) & set(theirs + secret)
    assert set(mine) & set(found)
    in_secret = near(store, query, "T_MINE", "G_SECRET").nearest(400)
    assert set(secret) <= set(in_secret) and not set(in_secret) & set(theirs)
    assert set(shared) & set(in_secret)


def test_a_small_workspace_gets_its_own_nearest_however_big_the_other(store):
    add(store, clustered(1000, seed=4), team_id="T_BIG")
    small = add(store, clustered(5, seed=8), team_id="T_SMALL")
    assert sorted(near(store, clustered(1, seed=4)[0], "T_SMALL").nearest(5)) == sorted(small)


def test_forgotten_quotes_leave_the_index(store):
    add(store, clustered(300, seed=1))
    gone = add(store, clustered(100, seed=2), team_id="T_GONE")
    assert index_for(store, MODEL, DIMS).has(gone[0])
    store.forget_team("T_GONE")
    index = index_for(store, MODEL, DIMS)
    assert index.size == 300 and not any(index.has(i) for i in gone)


def test_vectors_written_out_of_order_are_picked_up(store):
    ids = [add_quote(store, f"quote {next(_names)}", "test") for _ in range(300)]
    vectors = clustered(300)
    store.vectors.add(MODEL, ids[100:], vectors[100:])
    assert index_for(store, MODEL, DIMS).size == 200
    store.vectors.add(MODEL, ids[:100], vectors[:100])  # a second writer, behind the first
    index = index_for(store, MODEL, DIMS)
    assert index.size == 300 and all(index.has(i) for i in ids)
    assert near(store, vectors[5]).nearest(1) == [ids[5]]


def test_a_server_search_does_not_wait_for_the_index_to_be_built(store):
    add(store, clustered(300))
    index = vector_index._indexes.setdefault(store.key, VectorIndex(MODEL, DIMS))
    with index.catching_up:  # another thread is building it
        result: list[object] = []
        waiter = threading.Thread(target=lambda: result.append(index_for(store, MODEL, DIMS, wait=False)))
        waiter.start()
        waiter.join(5)
        assert not waiter.is_alive() and result == [None]  # words only, for now
    assert index_for(store, MODEL, DIMS, wait=False).size == 300


def test_the_graph_is_kept_beside_the_database_and_loaded_by_the_next_process(tmp_path, monkeypatch):
    path = tmp_path / "kept.db"
    with connect(path) as first:
        ids = add(first, clustered(600))
        index_for(first, MODEL, DIMS)
    saved = first.vectors.cache_path(MODEL)
    assert saved.is_file() and oct(saved.stat().st_mode & 0o777) == "0o600"
    vector_index._indexes.clear()
    built = []
    monkeypatch.setattr(VectorIndex, "_rebuild", lambda self, store: built.append(1))
    with connect(path) as second:
        more = add(second, clustered(30, seed=3))
        index = index_for(second, MODEL, DIMS)
        assert not built and index.size == 630 and all(index.has(i) for i in ids + more)


def test_a_kept_graph_of_another_database_at_the_same_path_is_not_used(tmp_path):
    path = tmp_path / "again.db"
    with connect(path) as first:
        add(first, clustered(600, seed=1))
        index_for(first, MODEL, DIMS)
    for leftover in tmp_path.glob("again.db*"):
        if not leftover.name.endswith((".usearch", ".npz")):
            leftover.unlink()
    vector_index._indexes.clear()
    with connect(path) as second:
        vectors = clustered(600, seed=2)
        ids = add(second, vectors)
        assert near(second, vectors[7]).nearest(1) == [ids[7]]


def test_forgetting_a_workspace_deletes_the_kept_graph(tmp_path):
    path = tmp_path / "forget.db"
    with connect(path) as store:
        add(store, clustered(600), team_id="T_GONE")
        index_for(store, MODEL, DIMS)
        assert store.vectors.cache_path(MODEL).is_file()
        store.forget_team("T_GONE")
        assert not list(tmp_path.glob("forget.db.*usearch*"))


def test_the_model_loads_after_the_graph_is_built():
    """A server builds its graph first, then embeds its first query: that order must not crash."""
    pytest.importorskip("onnxruntime")
    code = ("from bot.search import vector_index; vector_index.new_graph(8); "
            "import onnxruntime; print('loaded')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0 and "loaded" in done.stdout, done.stderr[-2000:]
