"""Write the demo sample's vectors to data/sample/, so `empty-chair demo` needs no embedding.

Usage (from the repo root)::

    .venv/bin/python bench/demo_vectors.py [--reuse DB]

It imports data/sample/ as the demo does, embeds every quote with the current model
(about 2.5 minutes on 2 cores) and writes `semantic.shipped_path(data/sample)`, keyed by
each quote's text. `--reuse DB` first takes the vectors a database already holds for the
same texts (for example bench/out/meeting-corpus-*.db), so only the rest is embedded.
Run it again whenever the model, the embedding of quotes or the sample changes; a test
checks that the file covers the sample with the current model.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bot.cli import DEMO_CORPUS, DEMO_VECTORS  # noqa: E402
from bot.ingest.importer import import_file  # noqa: E402
from bot.search import semantic  # noqa: E402
from bot.store import connect  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reuse", type=Path, help="a database whose vectors of the same texts to take")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        store = connect(Path(folder) / "demo.db")
        for path, source in DEMO_CORPUS:
            import_file(store, path, source=source)
        if args.reuse:
            other = connect(args.reuse)
            semantic.ship(other, Path(folder) / "reused.npz")
            other.close()
            print(f"reused {semantic.add_shipped(store, Path(folder) / 'reused.npz')} vectors")
        embedded = semantic.embed_pending(store, model=semantic.new_embedder(threads=2))
        print(f"embedded {embedded} quotes")
        written = semantic.ship(store, DEMO_VECTORS)
        store.close()
    print(f"wrote {written} vectors to {DEMO_VECTORS} ({DEMO_VECTORS.stat().st_size / 1e6:.1f} MB) "
          f"in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
