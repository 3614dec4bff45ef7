"""What digests count over quotes: per period, per label, per tracked topic."""

from __future__ import annotations

from collections.abc import Sequence

from ...models import Period, PeriodQuote, QuoteFilter, iso
from .connection import Connections
from .quotes import quote_of
from .text import from_fts5

# When a quote was said, as a sortable 'YYYY-MM-DDTHH:MM:SS' (UTC), spelled exactly as the
# expression index made by `index_time`, so a period's quotes are a range scan.
QUOTE_TIME_SQL = ("coalesce(CASE WHEN length(created) = 10 THEN created || 'T00:00:00' "
                  "ELSE substr(created, 1, 19) END, substr(imported_at, 1, 19))")
TIME_INDEX_SQL = f"CREATE INDEX IF NOT EXISTS feedback_time ON feedback (({QUOTE_TIME_SQL}))"
# Who may see a quote (see `quotes.VISIBLE`), with the workspace and the digest's channel as arguments.
SEEN_SQL = "f.team_id IN ('', %s) AND (f.private = 0 OR f.origin_channel = %s)"
RANGE_SQL = f"{QUOTE_TIME_SQL} >= %s AND {QUOTE_TIME_SQL} < %s AND {SEEN_SQL}"
QUOTE_COLUMNS = ("f.id, f.text, f.source, f.created, f.url, f.labels, f.external_id, f.rating, "
                 "f.rating_scale, f.imported_at")


class PostgresThemes:
    def __init__(self, db: Connections) -> None:
        self.db = db

    def index_time(self) -> None:
        """Index quotes by time the first time a digest needs it, not in a migration: a
        deployment that never sends digests does not pay for it on every import."""
        if self.db.one("SELECT to_regclass('feedback_time')")[0] is None:  # type: ignore[index]
            self.db.run(TIME_INDEX_SQL)

    def count_by_period(self, team_id: str, periods: Sequence[Period], where: QuoteFilter | None = None,
                        channel_id: str | None = None) -> list[int]:
        """How many quotes (those `where` selects, or all) fall in each of `periods`, in one query."""
        cases = " ".join(f"WHEN t >= %s AND t < %s THEN {i}" for i in range(len(periods)))
        bounds = [b for p in periods for b in p.bounds]
        clause, args = _where(where)
        rows = self.db.all(
            f"SELECT CASE {cases} END AS bucket, count(*) FROM ("
            f"SELECT {QUOTE_TIME_SQL} AS t FROM feedback f WHERE {RANGE_SQL} AND {clause}) AS timed "
            "GROUP BY bucket",
            (*bounds, iso(min(p.start for p in periods)), iso(max(p.end for p in periods)), team_id,
             channel_id, *args))
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
        rows = self.db.all(
            "SELECT value, count(*) FILTER (WHERE t >= %s), count(*) FILTER (WHERE t < %s) FROM ("
            f"SELECT DISTINCT f.id, j.value AS value, {QUOTE_TIME_SQL} AS t FROM feedback f, "
            f"jsonb_array_elements_text(f.labels::jsonb) AS j(value) WHERE {RANGE_SQL} "
            "AND f.labels IS NOT NULL) AS labelled GROUP BY value",
            (period.bounds[0], period.bounds[0], before.bounds[0], period.bounds[1], team_id, channel_id))
        return [(str(value), now, then) for value, now, then in rows]

    def texts(self, team_id: str, period: Period, where: QuoteFilter | None, limit: int,
              channel_id: str | None = None) -> list[tuple[int, str]]:
        """The newest `limit` quotes of the period that `where` selects, as (id, text)."""
        clause, args = _where(where)
        rows = self.db.all(
            f"SELECT f.id, f.text FROM feedback f WHERE {RANGE_SQL} AND {clause} "
            f"ORDER BY {QUOTE_TIME_SQL} DESC LIMIT %s", (*period.bounds, team_id, channel_id, *args, limit))
        return [(row[0], row[1]) for row in rows]

    def newest(self, team_id: str, period: Period, where: QuoteFilter | None = None,
               limit: int = 200, channel_id: str | None = None) -> list[PeriodQuote]:
        """The newest quotes of the period (those `where` selects, or all), newest first."""
        clause, args = _where(where)
        rows = self.db.all(
            f"SELECT {QUOTE_COLUMNS} FROM feedback f WHERE {RANGE_SQL} AND {clause} "
            f"ORDER BY {QUOTE_TIME_SQL} DESC, f.id DESC LIMIT %s",
            (*period.bounds, team_id, channel_id, *args, limit))
        return [PeriodQuote(quote_of(row), row[9]) for row in rows]

    def ratings(self, team_id: str, period: Period,
                channel_id: str | None = None) -> list[tuple[str | None, float, int]]:
        """The ratings of the period's quotes: (scale, rating as stored, quotes), per distinct pair."""
        rows = self.db.all(
            f"SELECT f.rating_scale, f.rating, count(*) FROM feedback f WHERE {RANGE_SQL} "
            "AND f.rating IS NOT NULL GROUP BY f.rating_scale, f.rating",
            (*period.bounds, team_id, channel_id))
        return [(row[0], row[1], row[2]) for row in rows]

    def corpus_df(self, stems: Sequence[str]) -> tuple[dict[str, int], int]:
        """How many quotes of the whole corpus contain each stem, and how many quotes there are."""
        rows = self.db.all("SELECT term, docs FROM term_df WHERE term = ANY(%s)", (list(stems),))
        total = self.db.one("SELECT count(*) FROM feedback")[0]  # type: ignore[index]
        return dict(rows), max(total, 1)


def _where(where: QuoteFilter | None) -> tuple[str, tuple[object, ...]]:
    """A WHERE clause over `feedback f` for a filter, with its arguments."""
    if where is None:
        return "TRUE", ()
    clauses: list[str] = []
    args: list[object] = []
    if where.uncovered:
        clauses.append("(f.labels IS NULL OR f.labels = '[]')")
        if where.tracked:
            clauses.append("NOT (f.tsv @@ to_tsquery('english', %s))")
            args.append(" | ".join(f"({from_fts5(query)})" for query in where.tracked))
    if where.label is not None:
        clauses.append("f.labels::jsonb ? %s")
        args.append(where.label)
    if where.words is not None:
        clauses.append("f.tsv @@ to_tsquery('english', %s)")
        args.append(from_fts5(where.words))
    return " AND ".join(clauses) or "TRUE", tuple(args)
