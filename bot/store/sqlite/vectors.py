"""Sentence embeddings, one per quote, and the model that made them.

Vectors cross this seam as numpy arrays, and numpy is optional (the `semantic` extra):
only these methods import it, when called, so the store works without it.
"""

from __future__ import annotations

import glob
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .connection import MEMORY, Connections

if TYPE_CHECKING:
    import numpy as np

STORED = "float16"  # on disk; half the size of the float32 the model computes
Owner = tuple[str | None, str | None]  # (workspace, private channel): who may see a quote


class SqliteVectors:
    def __init__(self, db: Connections) -> None:
        self.db = db

    def state(self) -> tuple[int, int]:
        """(epoch, count): the epoch changes when vectors are dropped, the count as they land.

        Lets a search process notice new vectors without counting the table.
        """
        row = self.db.current().execute("SELECT value FROM vector_stats WHERE key = 'state'").fetchone()
        if not row or not row[0]:
            return 0, 0
        epoch, count = str(row[0]).split(":")
        return int(epoch), int(count)

    def cache_path(self, model: str) -> Path | None:
        """`<database>.<model>.usearch`, beside the file (created 0600, as the database is)."""
        if self.db.path == MEMORY:
            return None
        slug = "".join(c if c.isalnum() or c in "-." else "-" for c in model)
        return Path(f"{self.db.path}.{slug}.usearch")

    def _set_state(self, epoch: int, count: int) -> None:
        self.db.current().execute(
            "INSERT OR REPLACE INTO vector_stats (key, value) VALUES ('state', ?)", (f"{epoch}:{count}",))

    def pending(self, model: str, after: int, limit: int) -> list[tuple[int, str]]:
        """(id, text) of quotes after id `after` that have no vector from `model`, in id order.

        In id order from a given id, so embedding resumes where it stopped.
        """
        rows = self.db.current().execute(
            "SELECT id, text FROM feedback AS f WHERE id > ? AND NOT EXISTS (SELECT 1 FROM "
            "quote_vectors AS v WHERE v.feedback_id = f.id AND v.model = ?) ORDER BY id LIMIT ?",
            (after, model, limit)).fetchall()
        return [(row[0], row[1]) for row in rows]

    def pending_count(self, model: str) -> int:
        """Quotes that have no vector from `model` yet."""
        return self.db.current().execute(
            "SELECT count(*) FROM feedback AS f WHERE NOT EXISTS (SELECT 1 FROM quote_vectors AS v "
            "WHERE v.feedback_id = f.id AND v.model = ?)", (model,)).fetchone()[0]

    def add(self, model: str, ids: Sequence[int], vectors: np.ndarray) -> int:
        """Store one vector per id (row i of `vectors` for ids[i]); returns how many were new.

        The count moves in the same transaction, so a process killed mid-way loses nothing
        and a search never sees a count its rows do not back.
        """
        import numpy as np

        blobs = vectors.astype(np.dtype(STORED))
        with self.db.transaction() as conn:
            added = conn.executemany(
                "INSERT OR IGNORE INTO quote_vectors (feedback_id, model, vector) VALUES (?, ?, ?)",
                [(i, model, blobs[row].tobytes()) for row, i in enumerate(ids)]).rowcount
            epoch, count = self.state()
            self._set_state(epoch, count + added)
        return added

    def drop_other_models(self, model: str) -> bool:
        """Forget every vector not made by `model`; True if any went.

        Vectors of another model live in another space and cannot be compared: they go,
        the epoch moves (searches reload), and everything is embedded again.
        """
        if not self.db.current().execute(
                "SELECT 1 FROM quote_vectors WHERE model != ? LIMIT 1", (model,)).fetchone():
            return False
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM quote_vectors WHERE model != ?", (model,))
            count = conn.execute("SELECT count(*) FROM quote_vectors").fetchone()[0]
            self._set_state(self.state()[0] + 1, count)
        self._drop_saved_indexes()
        return True

    def forget_team(self, team_id: str) -> int:
        """Delete the vectors of a workspace's quotes (before the quotes themselves go); how many.

        The epoch moves, so every search process reloads its index without them.
        """
        if not team_id:
            raise ValueError("forget_team needs a workspace id")
        with self.db.transaction() as conn:
            gone = conn.execute("DELETE FROM quote_vectors WHERE feedback_id IN "
                                "(SELECT id FROM feedback WHERE team_id = ?)", (team_id,)).rowcount
            if gone:
                count = conn.execute("SELECT count(*) FROM quote_vectors").fetchone()[0]
                self._set_state(self.state()[0] + 1, count)
        if gone:
            self._drop_saved_indexes()
        return gone

    def _drop_saved_indexes(self) -> None:
        """Forgotten vectors must not live on in a search index kept beside the database."""
        if self.db.path == MEMORY:
            return
        folder = Path(self.db.path).parent
        for saved in folder.glob(f"{glob.escape(Path(self.db.path).name)}.*.usearch*"):
            saved.unlink(missing_ok=True)

    def since(self, model: str, after: int = 0,
              batch: int = 10_000) -> Iterator[tuple[list[int], np.ndarray, list[Owner]]]:
        """`model`'s vectors of quotes after id `after`, in id order: chunks of (ids, float16
        matrix, who may see each quote: (its workspace, '' for the shared corpus or None for a
        quote that is gone; the private channel it was saved in, or None)).

        In chunks, so loading a million vectors never holds them twice in memory;
        `after=0` loads them all. Who may see each quote comes along so that a search picks
        its nearest quotes among those it may see.
        """
        import numpy as np

        cursor = self.db.current().execute(
            "SELECT v.feedback_id, v.vector, f.team_id, "
            "CASE WHEN f.private THEN coalesce(f.origin_channel, '') END FROM quote_vectors v "
            "LEFT JOIN feedback f ON f.id = v.feedback_id WHERE v.model = ? AND v.feedback_id > ? "
            "ORDER BY v.feedback_id",
            (model, after))
        while rows := cursor.fetchmany(batch):
            matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.dtype(STORED))
            yield [r[0] for r in rows], matrix.reshape(len(rows), -1), [(r[2], r[3]) for r in rows]

    def get(self, model: str, ids: Sequence[int]) -> dict[int, np.ndarray]:
        """`model`'s vectors (float16) of the given quotes, by id; quotes without one are left out."""
        import numpy as np

        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db.current().execute(
            f"SELECT feedback_id, vector FROM quote_vectors WHERE model = ? AND feedback_id IN ({marks})",
            (model, *ids)).fetchall()
        return {row[0]: np.frombuffer(row[1], dtype=np.dtype(STORED)) for row in rows}
