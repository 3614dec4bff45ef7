"""What digests count over quotes: per period, per label, per tracked topic.

A quote counts in a period by when it was said (`created`), or when it was imported if
its source has no dates. Counting runs over the `feedback_time` index (made by the first
digest, see `index_time`), so a period of a large corpus is a range scan, not a full one.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...models import Period, PeriodQuote, QuoteFilter, iso
from .connection import Connections
from .quotes import quote_of

# When a quote was said, as a sortable 'YYYY-MM-DDTHH:MM:SS' (UTC): its own date, else when it
# was imported (banking77 has no dates). The index made by `index_time` makes a period's
# quotes a range scan; queries must spell the expression exactly like this to use it.
QUOTE_TIME_SQL = ("coalesce(CASE WHEN length(created) = 10 THEN created || 'T00:00:00' "
                  "ELSE substr(created, 1, 19) END, substr(imported_at, 1, 19))")
TIME_INDEX_SQL = f"CREATE INDEX IF NOT EXISTS feedback_time ON feedback ({QUOTE_TIME_SQL})"
# Who may see a quote (see `quotes.VISIBLE`), with the workspace and the digest's channel as
# arguments. The team test is kept off the index (`+`): the time range narrows the scan.
SEEN_SQL = "+f.team_id IN ('', ?) AND (f.private = 0 OR f.origin_channel = ?)"
RANGE_SQL = f"{QUOTE_TIME_SQL} >= ? AND {QUOTE_TIME_SQL} < ? AND {SEEN_SQL}"
QUOTE_COLUMNS = ("f.id, f.text, f.source, f.created, f.url, f.labels, f.external_id, f.rating, "
                 "f.rating_scale, f.imported_at")
DF_CHUNK = 500  # terms per lookup, well under SQLite's limit on bound parameters


class SqliteThemes:
    def __init__(self, db: Connections) -> None:
        self.db = db

    def index_time(self) -> None:
        """Index quotes by time the first time a digest needs it, not in a migration.

        Every imported row pays for this index; a deployment that never sends digests
        should not, and bulk imports into a fresh database stay fast.
        """
        self.db.current().execute(TIME_INDEX_SQL)

    def count_by_period(self, team_id: str, periods: Sequence[Period], where: QuoteFilter | None = None,
                        channel_id: str | None = None) -> list[int]:
        """How many quotes (those `where` selects, or all) fall in each of `periods`, in one
        query: one range scan over all the periods rather than one per period."""
        cases = " ".join(f"WHEN t >= ? AND t < ? THEN {i}" for i in range(len(periods)))
        bounds = [b for p in periods for b in p.bounds]
        clause, args = _where(where)
        rows = self.db.current().execute(
            f"SELECT CASE {cases} END AS bucket, count(*) FROM ("
            f"SELECT {QUOTE_TIME_SQL} AS t FROM feedback f WHERE {QUOTE_TIME_SQL} >= ? "
            f"AND {QUOTE_TIME_SQL} < ? AND {SEEN_SQL} AND {clause}) GROUP BY bucket",
            (*bounds, iso(min(p.start for p in periods)), iso(max(p.end for p in periods)), team_id,
             channel_id, *args)).fetchall()
        counts = [0] * len(periods)
        for bucket, count in rows:
            if bucket is not None:
                counts[bucket] = count
        return counts

    def label_counts(self, team_id: str, period: Period,
                     channel_id: str | None = None) -> list[tuple[str, int, int]]:
        """Each imported label with quotes in the period or the one before: (label, quotes in the
        period, quotes in the period before), in one scan of both periods."""
        before = period.before()
        rows = self.db.current().execute(
            f"SELECT value, sum(t >= ?), sum(t < ?) FROM (SELECT DISTINCT f.id, j.value AS value, "
            f"{QUOTE_TIME_SQL} AS t FROM feedback f, json_each(f.labels) j WHERE {QUOTE_TIME_SQL} >= ? "
            f"AND {QUOTE_TIME_SQL} < ? AND {SEEN_SQL} AND f.labels IS NOT NULL) GROUP BY value",
            (period.bounds[0], period.bounds[0], before.bounds[0], period.bounds[1], team_id,
             channel_id)).fetchall()
        return [(str(value), now, then) for value, now, then in rows]

    def texts(self, team_id: str, period: Period, where: QuoteFilter | None, limit: int,
              channel_id: str | None = None) -> list[tuple[int, str]]:
        """The newest `limit` quotes of the period that `where` selects, as (id, text): what
        salient terms are found in."""
        clause, args = _where(where)
        rows = self.db.current().execute(
            f"SELECT f.id, f.text FROM feedback f WHERE {RANGE_SQL} AND {clause} "
            f"ORDER BY {QUOTE_TIME_SQL} DESC LIMIT ?", (*period.bounds, team_id, channel_id, *args, limit))
        return [(row[0], row[1]) for row in rows]

    def newest(self, team_id: str, period: Period, where: QuoteFilter | None = None,
               limit: int = 200, channel_id: str | None = None) -> list[PeriodQuote]:
        """The newest quotes of the period (those `where` selects, or all), newest first: a
        theme's candidates for its representative quote, or the sample severity is scored on."""
        clause, args = _where(where)
        rows = self.db.current().execute(
            f"SELECT {QUOTE_COLUMNS} FROM feedback f WHERE {RANGE_SQL} AND {clause} "
            f"ORDER BY {QUOTE_TIME_SQL} DESC, f.id DESC LIMIT ?",
            (*period.bounds, team_id, channel_id, *args, limit)).fetchall()
        return [PeriodQuote(quote_of(row), row["imported_at"]) for row in rows]

    def ratings(self, team_id: str, period: Period,
                channel_id: str | None = None) -> list[tuple[str | None, float, int]]:
        """The ratings of the period's quotes: (scale, rating as stored, quotes), per distinct pair."""
        rows = self.db.current().execute(
            f"SELECT f.rating_scale, f.rating, count(*) FROM feedback f WHERE {RANGE_SQL} "
            "AND f.rating IS NOT NULL GROUP BY f.rating_scale, f.rating",
            (*period.bounds, team_id, channel_id)).fetchall()
        return [(row[0], row[1], row[2]) for row in rows]

    def corpus_df(self, stems: Sequence[str]) -> tuple[dict[str, int], int]:
        """How many quotes of the whole corpus contain each stem, and how many quotes there are.

        Read from the search statistics (refreshed after each import) rather than counted.
        """
        conn = self.db.current()
        df: dict[str, int] = {}
        stems = list(stems)
        for start in range(0, len(stems), DF_CHUNK):
            chunk = stems[start:start + DF_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(f"SELECT term, docs FROM term_df WHERE term IN ({marks})", chunk)
            df.update((term, docs) for term, docs in rows)
        total = conn.execute("SELECT count(*) FROM feedback").fetchone()[0]
        return df, max(total, 1)


def _where(where: QuoteFilter | None) -> tuple[str, tuple[object, ...]]:
    """A WHERE clause over `feedback f` for a filter, with its arguments."""
    if where is None:
        return "1", ()
    clauses: list[str] = []
    args: list[object] = []
    if where.uncovered:
        clauses.append("(f.labels IS NULL OR f.labels = '[]')")
        if where.tracked:
            clauses.append("f.id NOT IN (SELECT rowid FROM feedback_fts WHERE feedback_fts MATCH ?)")
            args.append(" OR ".join(f"({query})" for query in where.tracked))
    if where.label is not None:
        clauses.append("EXISTS (SELECT 1 FROM json_each(f.labels) WHERE json_each.value = ?)")
        args.append(where.label)
    if where.words is not None:
        clauses.append("f.id IN (SELECT rowid FROM feedback_fts WHERE feedback_fts MATCH ?)")
        args.append(where.words)
    return " AND ".join(clauses) or "1", tuple(args)
