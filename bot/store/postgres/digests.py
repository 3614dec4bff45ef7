"""Digest schedules and the exactly-once ledger of digest runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from ...models import Claim, Due, Period, Run, Schedule, Spec, from_iso, iso
from .connection import Connections

_CLAIMED = ("team_id = %s AND channel_id = %s AND kind = %s AND period_end = %s AND claimed_by = %s "
            "AND status = 'claimed'")
_RUN_KEY = "team_id = %s AND channel_id = %s AND kind = %s AND period_end = %s"
SCHEDULE = ("team_id, channel_id, cadence, weekday, hour, minute, tz, enabled, set_by, set_at, off_reason, "
            "enterprise_id")
RUN = ("team_id, channel_id, kind, period_start, period_end, status, late, marker, claimed_by, "
       "first_claimed_at, lease_until, attempts, ts, details_ts, chart, note")


class PostgresDigests:
    def __init__(self, db: Connections) -> None:
        self.db = db

    # -- schedules

    def set_schedule(self, team_id: str, channel_id: str, spec: Spec, user_id: str | None,
                     now: float, enterprise_id: str | None = None) -> Schedule:
        """Turn a channel's digest on (or change it); setting it again turns it back on.
        `enterprise_id` is the workspace's Enterprise Grid organisation, where its token is kept."""
        self.db.run(
            "INSERT INTO digest_schedules (team_id, channel_id, cadence, weekday, hour, minute, tz, "
            "enabled, set_by, set_at, off_reason, enterprise_id) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, 1, %s, %s, NULL, %s) "
            "ON CONFLICT (team_id, channel_id) DO UPDATE SET cadence = excluded.cadence, "
            "weekday = excluded.weekday, hour = excluded.hour, minute = excluded.minute, tz = excluded.tz, "
            "enabled = 1, set_by = excluded.set_by, set_at = excluded.set_at, off_reason = NULL, "
            "enterprise_id = excluded.enterprise_id",
            (team_id, channel_id, spec.cadence, spec.weekday, spec.hour, spec.minute, spec.tz, user_id, now,
             enterprise_id))
        return self.get_schedule(team_id, channel_id)  # type: ignore[return-value]

    def switch_off(self, team_id: str, channel_id: str, reason: str) -> bool:
        """Stop a channel's digests (asked to, or the channel is gone); True if one was on."""
        return self.db.run(
            "UPDATE digest_schedules SET enabled = 0, off_reason = %s "
            "WHERE team_id = %s AND channel_id = %s AND enabled = 1", (reason, team_id, channel_id)) > 0

    def get_schedule(self, team_id: str, channel_id: str) -> Schedule | None:
        row = self.db.one(f"SELECT {SCHEDULE} FROM digest_schedules WHERE team_id = %s AND channel_id = %s",
                          (team_id, channel_id))
        return _schedule(row) if row else None

    def enabled_schedules(self) -> list[Schedule]:
        """Every schedule that is on, in every workspace; in a stable order."""
        return [_schedule(row) for row in self.db.all(
            f"SELECT {SCHEDULE} FROM digest_schedules WHERE enabled = 1 ORDER BY team_id, channel_id")]

    def team_of_channel(self, channel_id: str) -> str | None:
        """The workspace a channel id belongs to, from what the bot stored about it."""
        for table in ("digest_schedules", "channels", "decisions"):  # names from a constant
            row = self.db.one(f"SELECT team_id FROM {table} WHERE channel_id = %s LIMIT 1", (channel_id,))
            if row:
                return str(row[0])
        return None

    def forget_team(self, team_id: str) -> dict[str, int]:
        """Delete a workspace's digest schedules and the record of the digests sent to it."""
        if not team_id:
            raise ValueError("forget_team needs a workspace id")
        with self.db.transaction() as conn:
            # table names from a constant, not from input
            return {table: conn.execute(f"DELETE FROM {table} WHERE team_id = %s", (team_id,)).rowcount
                    for table in ("digest_schedules", "digest_runs")}

    # -- the ledger

    def get_run(self, team_id: str, channel_id: str, kind: str, end: datetime) -> Run | None:
        row = self.db.one(f"SELECT {RUN} FROM digest_runs WHERE {_RUN_KEY}",
                          (team_id, channel_id, kind, iso(end)))
        return _run(row) if row else None

    def last_posted(self, team_id: str, channel_id: str) -> Run | None:
        """The latest digest that was posted in a channel (what `/customer-voice digest` reports)."""
        row = self.db.one(f"SELECT {RUN} FROM digest_runs WHERE team_id = %s AND channel_id = %s "
                          "AND status = 'done' ORDER BY finished_at DESC LIMIT 1", (team_id, channel_id))
        return _run(row) if row else None

    def stalled_runs(self, now: float) -> list[tuple[Run, str | None]]:
        """Claimed runs whose lease ran out, oldest lease first, each with its schedule's zone."""
        columns = ", ".join(f"r.{c.strip()}" for c in RUN.split(","))
        rows = self.db.all(
            f"SELECT {columns}, s.tz FROM digest_runs r LEFT JOIN digest_schedules s "
            "ON s.team_id = r.team_id AND s.channel_id = r.channel_id "
            "WHERE r.status = 'claimed' AND r.lease_until <= %s ORDER BY r.lease_until", (now,))
        return [(_run(row), row[-1]) for row in rows]

    def last_end(self, team_id: str, channel_id: str, before: datetime, kinds: Sequence[str],
                 statuses: Sequence[str]) -> datetime | None:
        """Where the latest run of `kinds` in `statuses` ending before `before` ended."""
        row = self.db.one(
            "SELECT max(period_end) FROM digest_runs WHERE team_id = %s AND channel_id = %s "
            "AND kind = ANY(%s) AND status = ANY(%s) AND period_end < %s",
            (team_id, channel_id, list(kinds), list(statuses), iso(before)))
        return from_iso(row[0]) if row and row[0] else None

    def first_gap_start(self, team_id: str, channel_id: str, before: datetime,
                        kinds: Sequence[str]) -> datetime | None:
        """Where the earliest given-up run of `kinds` ending before `before` started."""
        row = self.db.one(
            "SELECT min(period_start) FROM digest_runs WHERE team_id = %s AND channel_id = %s "
            "AND kind = ANY(%s) AND status = 'gap' AND period_end < %s",
            (team_id, channel_id, list(kinds), iso(before)))
        return from_iso(row[0]) if row and row[0] else None

    def claim(self, due: Due, instance: str, now: float, lease: float, marker: str,
              max_attempts: int) -> Claim | None:
        """Claim a run before posting it: insert its row, or take over one whose lease ran out.

        The insert and the takeover both hold the run's row lock until the transaction
        ends, so of several senders on several replicas exactly one gets the claim: a
        second inserter waits for the first and finds the row; a second taker-over reads
        the row as the first left it, with a fresh lease.
        """
        start, end = due.period.bounds
        key = (due.team_id, due.channel_id, due.kind, end)
        with self.db.transaction() as conn:
            inserted = conn.execute(
                "INSERT INTO digest_runs (team_id, channel_id, kind, period_end, period_start, status, "
                "late, marker, claimed_by, first_claimed_at, lease_until) "
                "VALUES (%s, %s, %s, %s, %s, 'claimed', %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (*key, start, int(due.late), marker, instance, now, now + lease)).rowcount
            row = conn.execute(f"SELECT {RUN} FROM digest_runs WHERE {_RUN_KEY} FOR UPDATE", key).fetchone()
            run = _run(row)
            if inserted:
                return Claim(run, instance, recovering=False)
            if not run.takeover_due(now) or run.attempts >= max_attempts:
                return None
            conn.execute(f"UPDATE digest_runs SET claimed_by = %s, lease_until = %s, attempts = attempts + 1 "
                         f"WHERE {_RUN_KEY}", (instance, now + lease, *key))
        taken = replace(run, claimed_by=instance, lease_until=now + lease, attempts=run.attempts + 1)
        return Claim(taken, instance, recovering=True)

    def give_up(self, run: Run, now: float) -> bool:
        """Mark a run whose lease ran out a gap; True for the one caller that did."""
        return self.db.run(f"UPDATE digest_runs SET status = 'gap', finished_at = %s WHERE {_RUN_KEY} "
                           "AND status = 'claimed' AND lease_until <= %s", (now, *_key(run), now)) > 0

    def renew(self, claim: Claim, now: float, lease_until: float) -> bool:
        """Extend a claim that is still ours, still claimed and whose lease has not run out: one
        conditional write, so it and a takeover cannot both succeed."""
        return self.db.run(f"UPDATE digest_runs SET lease_until = %s WHERE {_CLAIMED} AND lease_until > %s",
                           (lease_until, *claim.key(), claim.instance, now)) > 0

    def record_summary(self, claim: Claim, ts: str, lease_until: float) -> bool:
        """The summary landed as message `ts`; False if another sender took the run over."""
        return self._update(claim, "ts = %s, lease_until = %s", (ts, lease_until))

    def record_details(self, claim: Claim, ts: str, lease_until: float) -> bool:
        return self._update(claim, "details_ts = %s, lease_until = %s", (ts, lease_until))

    def record_chart(self, claim: Claim, state: str) -> bool:
        return self._update(claim, "chart = %s", (state,))

    def finish(self, claim: Claim, status: str, now: float, note: str | None) -> bool:
        return self._update(claim, "status = %s, finished_at = %s, note = %s", (status, now, note))

    def release(self, claim: Claim, lease_until: float, note: str) -> bool:
        """Hand a claim back: any sender may take it over once `lease_until` has passed."""
        return self._update(claim, "lease_until = %s, note = %s", (lease_until, note))

    def _update(self, claim: Claim, assignments: str, values: tuple[object, ...]) -> bool:
        return self.db.run(f"UPDATE digest_runs SET {assignments} WHERE {_CLAIMED}",
                           (*values, *claim.key(), claim.instance)) > 0


def _key(run: Run) -> tuple[str, str, str, str]:
    return run.team_id, run.channel_id, run.kind, iso(run.period.end)


def _schedule(row: Sequence[Any]) -> Schedule:
    spec = Spec(row[2], row[4], row[5], row[6], row[3])
    return Schedule(row[0], row[1], spec, bool(row[7]), row[8], row[9], row[10], row[11])


def _run(row: Sequence[Any]) -> Run:
    return Run(row[0], row[1], row[2], Period(from_iso(row[3]), from_iso(row[4])), row[5], bool(row[6]),
               row[7], row[8], row[9], row[10], row[11], row[12], row[13], row[14], row[15])
