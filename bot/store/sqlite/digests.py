"""Digest schedules and the exactly-once ledger of digest runs."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from ...models import Claim, Due, Period, Run, Schedule, Spec, from_iso, iso
from .connection import Connections

# The run a claim holds, and only while it still holds it: a sender whose claim was taken
# over must not write over the new sender's progress.
_CLAIMED = ("team_id = ? AND channel_id = ? AND kind = ? AND period_end = ? AND claimed_by = ? "
            "AND status = 'claimed'")
_RUN_KEY = "team_id = ? AND channel_id = ? AND kind = ? AND period_end = ?"


class SqliteDigests:
    def __init__(self, db: Connections) -> None:
        self.db = db

    # -- schedules --------------------------------------------------------------------------------

    def set_schedule(self, team_id: str, channel_id: str, spec: Spec, user_id: str | None,
                     now: float, enterprise_id: str | None = None) -> Schedule:
        """Turn a channel's digest on (or change it); setting it again turns it back on.
        `enterprise_id` is the workspace's Enterprise Grid organisation, where its token is kept."""
        conn = self.db.current()
        conn.execute(
            "INSERT INTO digest_schedules (team_id, channel_id, cadence, weekday, hour, minute, tz, "
            "enabled, set_by, set_at, off_reason, enterprise_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, NULL, ?) "
            "ON CONFLICT (team_id, channel_id) DO UPDATE SET cadence = excluded.cadence, "
            "weekday = excluded.weekday, hour = excluded.hour, minute = excluded.minute, tz = excluded.tz, "
            "enabled = 1, set_by = excluded.set_by, set_at = excluded.set_at, off_reason = NULL, "
            "enterprise_id = excluded.enterprise_id",
            (team_id, channel_id, spec.cadence, spec.weekday, spec.hour, spec.minute, spec.tz, user_id,
             now, enterprise_id))
        return self.get_schedule(team_id, channel_id)  # type: ignore[return-value]

    def switch_off(self, team_id: str, channel_id: str, reason: str) -> bool:
        """Stop a channel's digests (asked to, or the channel is gone); True if one was on.

        The row stays, with the reason, so the channel can be told why its digests stopped.
        """
        return self.db.current().execute(
            "UPDATE digest_schedules SET enabled = 0, off_reason = ? "
            "WHERE team_id = ? AND channel_id = ? AND enabled = 1",
            (reason, team_id, channel_id)).rowcount > 0

    def get_schedule(self, team_id: str, channel_id: str) -> Schedule | None:
        row = self.db.current().execute(
            "SELECT * FROM digest_schedules WHERE team_id = ? AND channel_id = ?",
            (team_id, channel_id)).fetchone()
        return _schedule(row) if row else None

    def enabled_schedules(self) -> list[Schedule]:
        """Every schedule that is on, in every workspace; in a stable order, so the scheduler's
        sends (and its logs) come in the same order each time."""
        rows = self.db.current().execute(
            "SELECT * FROM digest_schedules WHERE enabled = 1 ORDER BY team_id, channel_id")
        return [_schedule(row) for row in rows]

    def team_of_channel(self, channel_id: str) -> str | None:
        """The workspace a channel id belongs to, from what the bot stored about it.

        The CLI is given only a channel id; schedules, then channel state, then logged
        decisions are the places that know its workspace.
        """
        conn = self.db.current()
        for table in ("digest_schedules", "channels", "decisions"):
            row = conn.execute(f"SELECT team_id FROM {table} WHERE channel_id = ? LIMIT 1",
                               (channel_id,)).fetchone()
            if row:
                return str(row[0])
        return None

    def forget_team(self, team_id: str) -> dict[str, int]:
        """Delete a workspace's digest schedules and the record of the digests sent to it."""
        if not team_id:
            raise ValueError("forget_team needs a workspace id")
        with self.db.transaction() as conn:
            return {table: conn.execute(f"DELETE FROM {table} WHERE team_id = ?", (team_id,)).rowcount
                    for table in ("digest_schedules", "digest_runs")}

    # -- the ledger -------------------------------------------------------------------------------

    def get_run(self, team_id: str, channel_id: str, kind: str, end: datetime) -> Run | None:
        row = self.db.current().execute(
            f"SELECT * FROM digest_runs WHERE {_RUN_KEY}", (team_id, channel_id, kind, iso(end))).fetchone()
        return _run(row) if row else None

    def last_posted(self, team_id: str, channel_id: str) -> Run | None:
        """The latest digest that was posted in a channel (what `/customer-voice digest` reports)."""
        row = self.db.current().execute(
            "SELECT * FROM digest_runs WHERE team_id = ? AND channel_id = ? AND status = 'done' "
            "ORDER BY finished_at DESC LIMIT 1", (team_id, channel_id)).fetchone()
        return _run(row) if row else None

    def stalled_runs(self, now: float) -> list[tuple[Run, str | None]]:
        """Claimed runs whose lease ran out, oldest lease first, each with its channel's schedule
        zone (None when the channel has no schedule any more): the zone says when it was due."""
        rows = self.db.current().execute(
            "SELECT r.*, s.tz AS schedule_tz FROM digest_runs r LEFT JOIN digest_schedules s "
            "ON s.team_id = r.team_id AND s.channel_id = r.channel_id "
            "WHERE r.status = 'claimed' AND r.lease_until <= ? ORDER BY r.lease_until", (now,)).fetchall()
        return [(_run(row), row["schedule_tz"]) for row in rows]

    def last_end(self, team_id: str, channel_id: str, before: datetime, kinds: Sequence[str],
                 statuses: Sequence[str]) -> datetime | None:
        """Where the latest run of `kinds` in `statuses` ending before `before` ended: the next
        digest of the channel starts there."""
        marks, states = ",".join("?" * len(kinds)), ",".join("?" * len(statuses))
        row = self.db.current().execute(
            f"SELECT max(period_end) FROM digest_runs WHERE team_id = ? AND channel_id = ? "
            f"AND kind IN ({marks}) AND status IN ({states}) AND period_end < ?",
            (team_id, channel_id, *kinds, *statuses, iso(before))).fetchone()
        return from_iso(row[0]) if row[0] else None

    def first_gap_start(self, team_id: str, channel_id: str, before: datetime,
                        kinds: Sequence[str]) -> datetime | None:
        """Where the earliest given-up run of `kinds` ending before `before` started: with no
        digest delivered since, the next one covers the gap's quotes too."""
        marks = ",".join("?" * len(kinds))
        row = self.db.current().execute(
            f"SELECT min(period_start) FROM digest_runs WHERE team_id = ? AND channel_id = ? "
            f"AND kind IN ({marks}) AND status = 'gap' AND period_end < ?",
            (team_id, channel_id, *kinds, iso(before))).fetchone()
        return from_iso(row[0]) if row[0] else None

    def claim(self, due: Due, instance: str, now: float, lease: float, marker: str,
              max_attempts: int) -> Claim | None:
        """Claim a run before posting it: insert its row, or take over one whose lease ran out.

        Both happen in one write transaction (taken at once), so of several senders, threads
        or processes on one database exactly one gets the claim. None when another sender
        holds it, it is finished, or it was taken over `max_attempts` times already (see
        `give_up`). `marker` is stored with a new row and kept by takeovers.
        """
        with self.db.transaction() as conn:
            run = self.get_run(due.team_id, due.channel_id, due.kind, due.period.end)
            if run is None:
                start, end = due.period.bounds
                conn.execute(
                    "INSERT INTO digest_runs (team_id, channel_id, kind, period_end, period_start, status, "
                    "late, marker, claimed_by, first_claimed_at, lease_until) "
                    "VALUES (?, ?, ?, ?, ?, 'claimed', ?, ?, ?, ?, ?)",
                    (due.team_id, due.channel_id, due.kind, end, start, int(due.late), marker, instance,
                     now, now + lease))
                fresh = self.get_run(due.team_id, due.channel_id, due.kind, due.period.end)
                return Claim(fresh, instance, recovering=False)  # type: ignore[arg-type]
            if not run.takeover_due(now) or run.attempts >= max_attempts:
                return None
            conn.execute(f"UPDATE digest_runs SET claimed_by = ?, lease_until = ?, attempts = attempts + 1 "
                         f"WHERE {_RUN_KEY}", (instance, now + lease, *_key(run)))
        taken = replace(run, claimed_by=instance, lease_until=now + lease, attempts=run.attempts + 1)
        return Claim(taken, instance, recovering=True)

    def give_up(self, run: Run, now: float) -> bool:
        """Mark a run whose lease ran out a gap; True for the one caller that did (so it is
        logged once), False if it was no longer an expired claim."""
        return self.db.current().execute(
            f"UPDATE digest_runs SET status = 'gap', finished_at = ? WHERE {_RUN_KEY} "
            f"AND status = 'claimed' AND lease_until <= ?", (now, *_key(run), now)).rowcount > 0

    def renew(self, claim: Claim, now: float, lease_until: float) -> bool:
        """Extend a claim that is still ours, still claimed and whose lease has not run out.

        One conditional write: it and a takeover (`claim`) cannot both succeed, so a sender
        that renews before each post knows no other sender can post the same run until
        `lease_until`.
        """
        return self.db.current().execute(
            f"UPDATE digest_runs SET lease_until = ? WHERE {_CLAIMED} AND lease_until > ?",
            (lease_until, *claim.key(), claim.instance, now)).rowcount > 0

    def record_summary(self, claim: Claim, ts: str, lease_until: float) -> bool:
        """The summary landed as message `ts`; False if another sender took the run over."""
        return self._update(claim, "ts = ?, lease_until = ?", (ts, lease_until))

    def record_details(self, claim: Claim, ts: str, lease_until: float) -> bool:
        return self._update(claim, "details_ts = ?, lease_until = ?", (ts, lease_until))

    def record_chart(self, claim: Claim, state: str) -> bool:
        return self._update(claim, "chart = ?", (state,))

    def finish(self, claim: Claim, status: str, now: float, note: str | None) -> bool:
        return self._update(claim, "status = ?, finished_at = ?, note = ?", (status, now, note))

    def release(self, claim: Claim, lease_until: float, note: str) -> bool:
        """Hand a claim back: any sender may take it over once `lease_until` has passed."""
        return self._update(claim, "lease_until = ?, note = ?", (lease_until, note))

    def _update(self, claim: Claim, assignments: str, values: tuple[object, ...]) -> bool:
        return self.db.current().execute(
            f"UPDATE digest_runs SET {assignments} WHERE {_CLAIMED}",
            (*values, *claim.key(), claim.instance)).rowcount > 0


def _key(run: Run) -> tuple[str, str, str, str]:
    return run.team_id, run.channel_id, run.kind, iso(run.period.end)


def _schedule(row: sqlite3.Row) -> Schedule:
    spec = Spec(row["cadence"], row["hour"], row["minute"], row["tz"], row["weekday"])
    return Schedule(row["team_id"], row["channel_id"], spec, bool(row["enabled"]), row["set_by"],
                    row["set_at"], row["off_reason"], row["enterprise_id"])


def _run(row: sqlite3.Row) -> Run:
    return Run(row["team_id"], row["channel_id"], row["kind"],
               Period(from_iso(row["period_start"]), from_iso(row["period_end"])), row["status"],
               bool(row["late"]), row["marker"], row["claimed_by"], row["first_claimed_at"],
               row["lease_until"], row["attempts"], row["ts"], row["details_ts"], row["chart"], row["note"])
