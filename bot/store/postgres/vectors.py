"""Sentence embeddings, one per quote, stored as float16 bytes as in SQLite.

Not pgvector: it is not installable from PyPI, and the server extension needs root on
the database host. Each replica keeps its own in-memory index (bot/search/semantic.py),
loaded through `since` and topped up as the count in `vector_stats` moves.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .connection import Connections

if TYPE_CHECKING:
    import numpy as np

STORED = "float16"
Owner = tuple[str | None, str | None]  # (workspace, private channel): who may see a quote


class PostgresVectors:
    def __init__(self, db: Connections) -> None:
        self.db = db

    def state(self) -> tuple[int, int]:
        """(epoch, count): the epoch changes when vectors are dropped, the count as they land."""
        row = self.db.one("SELECT value FROM vector_stats WHERE key = 'state'")
        if not row or not row[0]:
            return 0, 0
        epoch, count = str(row[0]).split(":")
        return int(epoch), int(count)

    def cache_path(self, model: str) -> Path | None:
        """None: replicas share no disk, so each builds its own index from the database."""
        return None

    def pending(self, model: str, after: int, limit: int) -> list[tuple[int, str]]:
        """(id, text) of quotes after id `after` that have no vector from `model`, in id order."""
        rows = self.db.all(
            "SELECT id, text FROM feedback AS f WHERE id > %s AND NOT EXISTS (SELECT 1 FROM "
            "quote_vectors AS v WHERE v.feedback_id = f.id AND v.model = %s) ORDER BY id LIMIT %s",
            (after, model, limit))
        return [(row[0], row[1]) for row in rows]

    def pending_count(self, model: str) -> int:
        """Quotes that have no vector from `model` yet."""
        return self.db.one(
            "SELECT count(*) FROM feedback AS f WHERE NOT EXISTS (SELECT 1 FROM quote_vectors AS v "
            "WHERE v.feedback_id = f.id AND v.model = %s)", (model,))[0]  # type: ignore[index]

    def add(self, model: str, ids: Sequence[int], vectors: np.ndarray) -> int:
        """Store one vector per id (row i of `vectors` for ids[i]); returns how many were new.

        The count moves in the same transaction, under the row lock of the count, so two
        embedders on two replicas never lose one another's additions.
        """
        import numpy as np

        blobs = vectors.astype(np.dtype(STORED))
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO vector_stats (key, value) VALUES ('state', '0:0') "
                         "ON CONFLICT (key) DO NOTHING")
            state = conn.execute(
                "SELECT value FROM vector_stats WHERE key = 'state' FOR UPDATE").fetchone()[0]
            added = conn.execute(
                "INSERT INTO quote_vectors (feedback_id, model, vector) "
                "SELECT * FROM unnest(%s::bigint[], %s::text[], %s::bytea[]) ON CONFLICT DO NOTHING",
                (list(ids), [model] * len(ids), [blobs[row].tobytes() for row in range(len(ids))])).rowcount
            epoch, count = (int(part) for part in state.split(":"))
            conn.execute("UPDATE vector_stats SET value = %s WHERE key = 'state'",
                         (f"{epoch}:{count + added}",))
        return added

    def drop_other_models(self, model: str) -> bool:
        """Forget every vector not made by `model`; True if any went."""
        if self.db.one("SELECT 1 FROM quote_vectors WHERE model != %s LIMIT 1", (model,)) is None:
            return False
        with self.db.transaction() as conn:
            epoch, _ = self.state()
            conn.execute("DELETE FROM quote_vectors WHERE model != %s", (model,))
            count = conn.execute("SELECT count(*) FROM quote_vectors").fetchone()[0]
            conn.execute("INSERT INTO vector_stats (key, value) VALUES ('state', %s) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (f"{epoch + 1}:{count}",))
        return True

    def forget_team(self, team_id: str) -> int:
        """Delete the vectors of a workspace's quotes (before the quotes themselves go); how many.

        The epoch moves, so every search process reloads its index without them.
        """
        if not team_id:
            raise ValueError("forget_team needs a workspace id")
        with self.db.transaction() as conn:
            gone = conn.execute("DELETE FROM quote_vectors WHERE feedback_id IN "
                                "(SELECT id FROM feedback WHERE team_id = %s)", (team_id,)).rowcount
            if gone:
                conn.execute("INSERT INTO vector_stats (key, value) VALUES ('state', '0:0') "
                             "ON CONFLICT (key) DO NOTHING")
                state = conn.execute(
                    "SELECT value FROM vector_stats WHERE key = 'state' FOR UPDATE").fetchone()[0]
                count = conn.execute("SELECT count(*) FROM quote_vectors").fetchone()[0]
                epoch = int(str(state).split(":")[0])
                conn.execute("UPDATE vector_stats SET value = %s WHERE key = 'state'",
                             (f"{epoch + 1}:{count}",))
        return gone

    def since(self, model: str, after: int = 0,
              batch: int = 10_000) -> Iterator[tuple[list[int], np.ndarray, list[Owner]]]:
        """`model`'s vectors of quotes after id `after`, in id order: chunks of (ids, float16
        matrix, who may see each quote: (its workspace, '' for the shared corpus or None for a
        quote that is gone; the private channel it was saved in, or None)).

        Page by page (keyset on the id), so no transaction stays open between chunks. Who
        may see each quote comes along so that a search picks its nearest quotes among
        those it may see.
        """
        import numpy as np

        while True:
            rows = self.db.all(
                "SELECT v.feedback_id, v.vector, f.team_id, "
                "CASE WHEN f.private <> 0 THEN coalesce(f.origin_channel, '') END FROM quote_vectors v "
                "LEFT JOIN feedback f ON f.id = v.feedback_id WHERE v.model = %s AND v.feedback_id > %s "
                "ORDER BY v.feedback_id LIMIT %s", (model, after, batch))
            if not rows:
                return
            matrix = np.frombuffer(b"".join(bytes(r[1]) for r in rows), dtype=np.dtype(STORED))
            yield [r[0] for r in rows], matrix.reshape(len(rows), -1), [(r[2], r[3]) for r in rows]
            after = rows[-1][0]

    def get(self, model: str, ids: Sequence[int]) -> dict[int, np.ndarray]:
        """`model`'s vectors (float16) of the given quotes, by id; quotes without one are left out."""
        import numpy as np

        if not ids:
            return {}
        rows = self.db.all("SELECT feedback_id, vector FROM quote_vectors WHERE model = %s "
                           "AND feedback_id = ANY(%s)", (model, list(ids)))
        return {row[0]: np.frombuffer(bytes(row[1]), dtype=np.dtype(STORED)) for row in rows}
