"""Quotes: bulk writes by COPY, lookups, full-text candidates and corpus statistics."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import snowballstemmer

from ...models import Candidate, Quote
from .connection import Connections
from .rows import labels_json, labels_of, text
from .rows import text as clean
from .text import words_query

# Who may see a quote: a workspace sees its own quotes and the operator's shared corpus
# (team_id ''), except quotes saved in a private channel, which only that channel sees.
# Arguments: the workspace, then the channel asking (None, as in the App Home: no private ones).
VISIBLE = "team_id IN ('', %s) AND (private = 0 OR origin_channel = %s)"
COLUMNS = ("team_id", "source", "external_id", "text", "created", "customer", "rating", "url", "labels",
           "imported_at", "rating_scale")
_COLUMN_LIST = ", ".join(COLUMNS)

# The import's hot path: COPY streams a batch into a session-local table in one round trip,
# then one INSERT ... SELECT lets the unique key drop the quotes stored before. `n` keeps
# the batch's order, so ids follow the file's order as they do in SQLite.
STAGE_SQL = ("CREATE TEMP TABLE IF NOT EXISTS feedback_in (n BIGINT GENERATED ALWAYS AS IDENTITY, "
             "team_id TEXT, source TEXT, external_id TEXT, text TEXT, created TEXT, customer TEXT, "
             "rating DOUBLE PRECISION, url TEXT, labels TEXT, imported_at TEXT, rating_scale TEXT) "
             "ON COMMIT DELETE ROWS")
COPY_SQL = f"COPY feedback_in ({_COLUMN_LIST}) FROM STDIN"
# Rows stored before are filtered out first, so a re-run import does not use up ids.
INSERT_SQL = (f"INSERT INTO feedback ({_COLUMN_LIST}) SELECT {_COLUMN_LIST} FROM feedback_in AS i "
              "WHERE NOT EXISTS (SELECT 1 FROM feedback AS f WHERE f.team_id = i.team_id "
              "AND f.source = i.source AND f.external_id = i.external_id) ORDER BY n "
              "ON CONFLICT (team_id, source, external_id) DO NOTHING")

# ts_rank_cd normalised by document length (1: 1 + log of it) and into 0..1 (32): the
# lexical ranker re-scores candidates itself, so only the order within a pool matters.
RANK = "ts_rank_cd(tsv, q, 1|32)"
# Measured at a million quotes: testing one quote's tsvector while walking the ids, and
# fetching one match the GIN index found (heap visit, sort), in microseconds.
WALK_COST, GATHER_COST = 0.6, 3.5

# The lexical search looks words up by their Porter stem (what FTS5's tokenizer computes);
# the document frequencies are counted under the same stems, whatever PostgreSQL stems to.
_PORTER = snowballstemmer.stemmer("porter")

_labels_json = lru_cache(maxsize=65_536)(labels_json)


def _stored(row: Sequence[Any]) -> tuple[Any, ...]:
    try:
        labels = _labels_json(row[8])
    except TypeError:  # a list: not hashable, so not cached
        labels = labels_json(row[8])
    return (*(text(v) for v in row[:8]), labels, row[9], row[10] if len(row) > 10 else None)


class PostgresQuotes:
    def __init__(self, db: Connections) -> None:
        self.db = db

    def add_many(self, rows: Iterable[Sequence[Any]]) -> int:
        """Store quotes and their full-text entries together, so a crash or a kill never
        leaves a quote that search cannot find; returns how many were new.

        The full-text entry is a generated column of the same row, so it cannot lag.
        A quote stored before (same workspace, source and external id) is skipped.
        """
        with self.db.transaction() as conn:
            conn.execute(STAGE_SQL)
            with conn.cursor().copy(COPY_SQL) as copy:
                for row in rows:
                    copy.write_row(_stored(row))
            added = conn.execute(INSERT_SQL).rowcount
            conn.execute("TRUNCATE feedback_in")  # a nested call must not insert these again
        return added

    def add(self, row: Sequence[Any], origin_channel: str | None = None, private: bool = False) -> int | None:
        """One quote (captured in Slack, typed in by hand): its id, so the caller can point
        at it, or None when it was stored before. `row` is shaped as for `add_many`;
        `origin_channel` is the channel it was saved in, which alone sees it if `private`."""
        with self.db.transaction() as conn:
            if not self.add_many([row]):
                return None
            quote_id = conn.execute(
                "SELECT id FROM feedback WHERE team_id = %s AND source = %s AND external_id = %s",
                (row[0], row[1], row[2])).fetchone()[0]  # type: ignore[index]
            if origin_channel is not None or private:
                conn.execute("UPDATE feedback SET origin_channel = %s, private = %s WHERE id = %s",
                             (origin_channel, int(private), quote_id))
            return quote_id

    def edit_saved(self, team_id: str, channel_id: str, external_id: str, text: str) -> int:
        """New words for the quotes a workspace saved from one message of `channel_id` (edited
        where it was written); how many changed. The full-text entry is a generated column, so
        it follows; their vectors go, so the embedder gives them new ones (the epoch stays)."""
        with self.db.transaction() as conn:
            ids = self._saved(conn, team_id, channel_id, external_id)
            if ids:
                conn.execute("UPDATE feedback SET text = %s WHERE id = ANY(%s)", (clean(text), ids))
                conn.execute("DELETE FROM quote_vectors WHERE feedback_id = ANY(%s)", (ids,))
        return len(ids)

    def remove_saved(self, team_id: str, channel_id: str, external_id: str) -> int:
        """Delete the quotes a workspace saved from one message of `channel_id` (deleted where
        it was written), with their vectors; how many went."""
        with self.db.transaction() as conn:
            ids = self._saved(conn, team_id, channel_id, external_id)
            if ids:
                conn.execute("DELETE FROM quote_vectors WHERE feedback_id = ANY(%s)", (ids,))
                conn.execute("DELETE FROM feedback WHERE id = ANY(%s)", (ids,))
        return len(ids)

    @staticmethod
    def _saved(conn: Any, team_id: str, channel_id: str, external_id: str) -> list[int]:
        if not team_id:
            raise ValueError("a saved message belongs to a workspace; the shared corpus is not edited")
        return [row[0] for row in conn.execute(
            "SELECT id FROM feedback WHERE team_id = %s AND origin_channel = %s AND external_id = %s",
            (team_id, channel_id, external_id)).fetchall()]

    def forget_team(self, team_id: str) -> dict[str, int]:
        """Delete every quote a workspace added, with its full-text entry. Rows deleted, by table.

        The shared corpus (team_id '') is never deleted this way. Vectors go first, through
        `vectors.forget_team`; corpus statistics are recounted afterwards (`refresh_stats`).
        The full-text entry is a column of the quote's row, so it goes with it.
        """
        if not team_id:
            raise ValueError("forget_team needs a workspace id; the shared corpus is not forgotten")
        quotes = self.db.run("DELETE FROM feedback WHERE team_id = %s", (team_id,))
        return {"feedback": quotes, "feedback_fts": quotes}

    def total(self) -> int:
        """How many quotes the database holds for every workspace together."""
        return self.db.one("SELECT count(*) FROM feedback")[0]  # type: ignore[index]

    def address(self) -> str | None:
        """What `bot.store.connect` needs to open this database from another process: its URL."""
        return self.db.url

    def count(self, team_id: str = "", channel_id: str | None = None) -> int:
        """How many quotes a workspace can draw on (its own plus the shared corpus), in a
        channel (None: outside any, so no private channel's quotes)."""
        return self.db.one(f"SELECT count(*) FROM feedback WHERE {VISIBLE}",
                           (team_id, channel_id))[0]  # type: ignore[index]

    def sources(self, team_id: str = "", channel_id: str | None = None) -> list[tuple[str, int, str | None]]:
        """Each source a workspace can draw on (in a channel, or outside any): its name, how
        many quotes, the newest date."""
        rows = self.db.all(f"SELECT source, count(*), max(created) FROM feedback WHERE {VISIBLE} "
                           "GROUP BY source ORDER BY count(*) DESC, source", (team_id, channel_id))
        return [(row[0], row[1], row[2]) for row in rows]

    def get(self, quote_id: int, team_id: str = "", channel_id: str | None = None) -> Quote | None:
        """One stored quote, if this workspace may see it (its own or the shared corpus) in
        this channel (a private channel's quotes only there)."""
        row = self.db.one("SELECT id, text, source, created, url, labels, external_id, rating, rating_scale "
                          "FROM feedback "
                          f"WHERE id = %s AND {VISIBLE}", (quote_id, team_id, channel_id))
        return quote_of(row) if row is not None else None

    # -- full-text candidates: a GIN index over the generated tsvector finds the matches

    def matches(self, words: Sequence[str], limit: int, team_id: str = "",
                channel_id: str | None = None) -> dict[int, float]:
        """The `limit` best full-text matches of any of `words` this workspace may see (in
        this channel), best first, with their relevance.

        The workspace is tested before the limit, so one workspace's many quotes cannot
        crowd another's few out of its own search.
        """
        query = words_query(words)
        if not query:
            return {}
        rows = self.db.all(
            f"SELECT id, {RANK} FROM feedback, to_tsquery('english', %s) AS q WHERE tsv @@ q "
            f"AND {VISIBLE} ORDER BY 2 DESC, id DESC LIMIT %s", (query, team_id, channel_id, limit))
        return {row[0]: float(row[1]) for row in rows}

    def newest_matches(self, words: Sequence[str], limit: int, every: bool = False, team_id: str = "",
                       channel_id: str | None = None) -> dict[int, float]:
        """The `limit` newest quotes this workspace may see (in this channel) matching any
        (or, with `every`, all) of `words`, with relevance."""
        query = words_query(words, every)
        if not query:
            return {}
        # Two ways to the newest matches: walk the ids down from the newest, testing each quote
        # (cost: quotes walked), or gather every match from the GIN index and keep the newest
        # (cost: matches). The planner prices a test as nearly free and walks: at a million
        # quotes it walked 84k rows (50 ms) for the 150 newest of ~2k matches, which the index
        # gathers in 6 ms. Its estimate of how many quotes match is good; its costs are not.
        if self._walk_is_cheaper(query, limit):
            rows = self.db.all(
                f"SELECT id, {RANK} FROM feedback, to_tsquery('english', %s) AS q WHERE tsv @@ q "
                f"AND {VISIBLE} ORDER BY id DESC LIMIT %s", (query, team_id, channel_id, limit))
        else:  # `id + 0`: not the primary key's order, so the index gathers; ranked after the limit
            rows = self.db.all(
                f"SELECT id, {RANK} FROM (SELECT id, tsv, q FROM feedback, to_tsquery('english', %s) AS q "
                f"WHERE tsv @@ q AND {VISIBLE} ORDER BY id + 0 DESC LIMIT %s) AS newest",
                (query, team_id, channel_id, limit))
        return {row[0]: float(row[1]) for row in rows}

    def _walk_is_cheaper(self, query: str, limit: int) -> bool:
        """Walking finds `limit` matches after limit x quotes / matches rows, at WALK_COST each;
        gathering costs GATHER_COST per match. Matches and quotes: the planner's estimates."""
        plan = self.db.one(
            "EXPLAIN (FORMAT JSON) SELECT 1 FROM feedback WHERE tsv @@ to_tsquery('english', %s)", (query,))
        matches = float(plan[0][0]["Plan"]["Plan Rows"]) if plan else 0.0
        quotes = self.db.one("SELECT reltuples FROM pg_class WHERE oid = 'feedback'::regclass")
        total = max(float(quotes[0]) if quotes else 0.0, matches, 1.0)
        return limit * total / max(matches, 1.0) * WALK_COST < matches * GATHER_COST

    def candidates(self, relevance: Mapping[int, float], team_id: str = "",
                   exclude_ids: Collection[int] = (), channel_id: str | None = None) -> list[Candidate]:
        """The quotes of a search's pool this workspace may see in this channel, each with its
        match relevance."""
        ids = [i for i in relevance if i not in exclude_ids]
        if not ids:
            return []
        rows = self.db.all(
            "SELECT id, text, source, created, url, labels, external_id, rating, rating_scale FROM feedback "
            f"WHERE id = ANY(%s) AND {VISIBLE}", (ids, team_id, channel_id))
        return [Candidate(i, body, source, created, url, _labels(labels), external_id, relevance[i],
                          rating, scale)
                for i, body, source, created, url, labels, external_id, rating, scale in rows]

    def unlabelled(self, after: int = 0, limit: int = 10_000) -> list[int]:
        """Ids of quotes with no label, above `after`, in id order: what themes must be found for."""
        rows = self.db.all(
            "SELECT id FROM feedback WHERE labels IS NULL AND id > %s ORDER BY id LIMIT %s", (after, limit))
        return [row[0] for row in rows]

    def text_and_labels(self, ids: Sequence[int]) -> list[tuple[int, str, tuple[str, ...]]]:
        """Id, text and labels of a few quotes (the ones a channel clicked on), to compare others with."""
        if not ids:
            return []
        rows = self.db.all("SELECT id, text, labels FROM feedback WHERE id = ANY(%s)", (list(ids),))
        return [(row[0], row[1], labels_of(row[2])) for row in rows]

    # -- corpus statistics

    def refresh_stats(self) -> int:
        """Recount document frequencies (after an import); returns quotes counted.

        The words are counted by the server (`ts_stat` over unstemmed words) and grouped
        here under their Porter stems, the keys the lexical search asks for. A quote
        holding two spellings of one stem counts twice: rare, and only an estimate moves.
        """
        df: Counter[str] = Counter()
        for word, docs in self.db.all(
                "SELECT word, ndoc FROM ts_stat('SELECT to_tsvector(''simple'', text) FROM feedback')"):
            df[_PORTER.stemWord(word)] += docs
        with self.db.transaction() as conn:
            conn.execute("LOCK TABLE term_df IN EXCLUSIVE MODE")  # two refreshes at once: one after the other
            conn.execute("DELETE FROM term_df")
            with conn.cursor().copy("COPY term_df (term, docs) FROM STDIN") as copy:
                for term, docs in df.items():
                    copy.write_row((term, docs))
            docs, top = conn.execute("SELECT count(*), coalesce(max(id), 0) FROM feedback").fetchone()
            chars = conn.execute(
                "SELECT coalesce(avg(length(text)), 200) FROM "
                "(SELECT text FROM feedback ORDER BY id DESC LIMIT 5000) AS newest").fetchone()[0]
            conn.cursor().executemany(
                "INSERT INTO corpus_stats (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [("docs", str(docs)), ("avg_chars", str(float(chars))), ("generation", f"{top}:{docs}")])
        # The planner's own statistics too: right after a bulk COPY it still believes the table
        # small, and full-text search is about a fifth slower until autovacuum gets round to it.
        self.db.run("ANALYZE feedback")
        return docs

    def stats_generation(self) -> str | None:
        """Which count the stored statistics are (None before the first): cheap, asked every search."""
        row = self.db.one("SELECT value FROM corpus_stats WHERE key = 'generation'")
        return row[0] if row else None

    def load_stats(self) -> tuple[int, float | None, dict[str, int]]:
        """Quotes counted, their typical length in characters (None if never counted), and how
        many quotes hold each stemmed word."""
        values = dict(self.db.all("SELECT key, value FROM corpus_stats"))
        avg_chars = values.get("avg_chars")
        df = dict(self.db.all("SELECT term, docs FROM term_df"))
        return int(values.get("docs", 0)), float(avg_chars) if avg_chars is not None else None, df

    def is_empty(self) -> bool:
        """No quote at all, in any workspace (statistics of nothing need no counting)."""
        return self.db.one("SELECT 1 FROM feedback LIMIT 1") is None


_labels = lru_cache(maxsize=4096)(labels_of)


def quote_of(row: Sequence[Any], score: float = 0.0, coverage: float = 0.0) -> Quote:
    """A Quote from (id, text, source, created, url, labels, external_id[, rating, rating_scale])."""
    rating, scale = (row[7], row[8]) if len(row) > 8 else (None, None)
    return Quote(row[0], row[1], row[2], row[3], score, row[4], labels_of(row[5]), row[6], coverage,
                 rating, scale)
