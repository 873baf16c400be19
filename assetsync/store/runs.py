"""Run history: one row of `sync_runs` per run, written as it starts and as it ends."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
import psycopg.rows
from psycopg import sql

from assetsync import __version__
from assetsync.store.counts import MergeCounts


@dataclass
class FailureStreak:
    """Failed or braked runs since the last success: how many, the first's and the last's start."""

    failures: int = 0
    first_started: datetime | None = None
    last_started: datetime | None = None
    last_success_watch: dict[str, Any] | None = None


@dataclass(frozen=True)
class SeatState:
    """What earlier successful runs recorded of their seat reads."""

    last_sweep_at: datetime | None = None  # when the last run that read every license's seats began
    activity_position: int | None = None  # the highest activity id the last run with seats had seen


class RunHistory:
    """Reads and writes `sync_runs`."""

    conn: psycopg.Connection[Any]
    runs: sql.Identifier

    def abandon_stale_runs(self) -> int:
        """Runs still 'running' while we hold the lock died without a word (killed, power cut)."""
        cur = self.conn.execute(
            sql.SQL(
                "UPDATE {} SET status = 'abandoned', finished_at = now(), "
                "error = coalesce(error, 'the process ended without finishing this run') "
                "WHERE status = 'running'"
            ).format(self.runs)
        )
        return cur.rowcount

    def start_run(self, host: str | None = None) -> int:
        row = self.conn.execute(
            sql.SQL(
                "INSERT INTO {} (status, tool_version, host) VALUES ('running', %s, %s) RETURNING id"
            ).format(self.runs),
            (__version__, host or socket.gethostname()),
        ).fetchone()
        assert row is not None
        return int(row[0])

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        fetched: int | None,
        counts: MergeCounts | None,
        duration: float,
        error: str | None,
        details: str | None,
    ) -> None:
        c = counts or MergeCounts()
        self.conn.execute(
            sql.SQL("""UPDATE {} SET finished_at = now(), status = %s, fetched = %s, inserted = %s,
                updated = %s, unchanged = %s, soft_deleted = %s, removed = %s, duration_seconds = %s,
                error = %s, details = %s::jsonb WHERE id = %s""").format(self.runs),
            (
                status,
                fetched,
                c.inserted if counts else None,
                c.updated if counts else None,
                c.unchanged if counts else None,
                c.soft_deleted if counts else None,
                c.removed if counts else None,
                round(duration, 3),
                error,
                details,
                run_id,
            ),
        )

    def recent_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        """The newest runs first, as dicts (columns of sync_runs)."""
        return self._runs(sql.SQL("ORDER BY id DESC LIMIT %s"), (limit,))

    def get_run(self, run_id: int) -> dict[str, Any] | None:
        rows = self._runs(sql.SQL("WHERE id = %s"), (run_id,))
        return rows[0] if rows else None

    def last_run(self, *, status: str | None = None) -> dict[str, Any] | None:
        """The newest run (optionally only with this status)."""
        if status is None:
            rows = self._runs(sql.SQL("ORDER BY id DESC LIMIT 1"), ())
        else:
            rows = self._runs(sql.SQL("WHERE status = %s ORDER BY id DESC LIMIT 1"), (status,))
        return rows[0] if rows else None

    def failure_streak(self, before_id: int | None) -> FailureStreak:
        """The failed or braked runs since the last success (before `before_id`), and the facts
        the last success recorded for the suspicious-activity checks (details->'watch')."""
        if not self._runs_table_exists():
            return FailureStreak()
        bound = before_id if before_id is not None else 2**62
        row = self.conn.execute(
            sql.SQL("""
            WITH last_ok AS (SELECT id, details FROM {runs} WHERE status = 'success' AND id < %(b)s
                             ORDER BY id DESC LIMIT 1)
            SELECT count(*), min(started_at), max(started_at), (SELECT details -> 'watch' FROM last_ok)
            FROM {runs} WHERE status IN ('failed', 'braked') AND id < %(b)s
                          AND id > coalesce((SELECT id FROM last_ok), 0)""").format(runs=self.runs),
            {"b": bound},
        ).fetchone()
        assert row is not None
        return FailureStreak(int(row[0]), row[1], row[2], row[3] if isinstance(row[3], dict) else None)

    def seat_state(self) -> SeatState:
        """When the last sweep of every license's seats began, and the activity position of the
        last successful run that read seats (both from details->'seats')."""
        if not self._runs_table_exists():
            return SeatState()
        row = self.conn.execute(
            sql.SQL("""
            SELECT (SELECT max(started_at) FROM {runs} WHERE status = 'success'
                    AND (details -> 'seats' ->> 'swept')::boolean),
                   (SELECT (details -> 'seats' ->> 'activity_position')::bigint FROM {runs}
                    WHERE status = 'success' AND jsonb_typeof(details -> 'seats') = 'object'
                    ORDER BY id DESC LIMIT 1)""").format(runs=self.runs)
        ).fetchone()
        assert row is not None
        return SeatState(row[0], int(row[1]) if row[1] is not None else None)

    def _runs_table_exists(self) -> bool:
        found = self.conn.execute("SELECT to_regclass(%s) IS NOT NULL", (self.runs.as_string(self.conn),))
        row = found.fetchone()
        return bool(row and row[0])

    def _runs(self, tail: sql.Composable, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        if not self._runs_table_exists():
            return []
        with self.conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
            cur.execute(sql.SQL("SELECT * FROM {} ").format(self.runs) + tail, params)
            return list(cur.fetchall())
