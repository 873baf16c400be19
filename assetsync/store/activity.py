"""The activity log's SQL: `activity`, its backfill position (`activity_state`), staging and merge.

Entries are upserted by id and never marked removed. A backfill commits in chunks of its own
(each with its position), so a long first read that fails keeps what it committed; an incremental
read is staged and merged in the run's one transaction like every entity.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from assetsync.activity.rows import COLUMNS

TRACKING = (
    ("first_seen_at", "timestamptz NOT NULL DEFAULT now()"),
    ("changed_at", "timestamptz NOT NULL DEFAULT now()"),
)


def activity_ddl(schema: str) -> list[sql.Composed]:
    s = sql.Identifier(schema)
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(d)) for n, d in (*COLUMNS, *TRACKING)
    )
    return [
        sql.SQL("CREATE TABLE IF NOT EXISTS {s}.activity ({c}, PRIMARY KEY (id))").format(s=s, c=columns),
        sql.SQL("COMMENT ON TABLE {s}.activity IS {t}").format(
            s=s,
            t=sql.Literal("Snipe-IT activity log (/api/v1/reports/activity), one row per entry; assetsync"),
        ),
        sql.SQL("CREATE INDEX IF NOT EXISTS activity_item_idx ON {s}.activity (item_type, item_id)").format(
            s=s
        ),
        sql.SQL(
            "CREATE INDEX IF NOT EXISTS activity_target_idx ON {s}.activity (target_type, target_id)"
        ).format(s=s),
        # One row: how far the first, ascending read of the whole log got, and whether it finished.
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {s}.activity_state "
            "(one boolean PRIMARY KEY DEFAULT true CHECK (one), "
            "backfill_offset bigint NOT NULL, backfill_done boolean NOT NULL, "
            "changed_at timestamptz NOT NULL DEFAULT now())"
        ).format(s=s),
    ]


@dataclass
class Backfill:
    """Where the first read of the whole log stands."""

    offset: int = 0
    done: bool = False


class ActivityTable:
    """The SQL of `activity`; the stage is a session TEMP table."""

    def __init__(self, conn: psycopg.Connection[Any], schema: str) -> None:
        self.conn = conn
        self.target = sql.Identifier(schema, "activity")
        self.state = sql.Identifier(schema, "activity_state")
        self.stage = sql.Identifier("assetsync_stage_activity")
        self.names = [sql.Identifier(n) for n, _ in COLUMNS]

    def create_stage(self) -> None:
        self.conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(self.stage))
        self.conn.execute(
            sql.SQL("CREATE TEMP TABLE {} ({}, seq integer NOT NULL)").format(
                self.stage,
                sql.SQL(", ").join(
                    sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(d.replace(" NOT NULL", "")))
                    for n, d in COLUMNS
                ),
            )
        )

    def copy_rows(self, records: Iterable[Sequence[Any]], seq: int) -> int:
        """COPY one page into the stage (its own short transaction outside a merge)."""
        names = sql.SQL(", ").join([*self.names, sql.Identifier("seq")])
        count = 0
        with (
            self.conn.cursor() as cur,
            cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(self.stage, names)) as copy,
        ):
            for record in records:
                copy.write_row((*record, seq))
                count += 1
        return count

    def high_water(self) -> int:
        """The highest id stored (0 when none)."""
        row = self.conn.execute(sql.SQL("SELECT coalesce(max(id), 0) FROM {}").format(self.target)).fetchone()
        return int(row[0]) if row else 0

    def position(self) -> int:
        """The highest id stored or staged: how far the log has been read once this run commits."""
        row = self.conn.execute(
            sql.SQL("SELECT greatest((SELECT max(id) FROM {}), (SELECT max(id) FROM {}), 0)").format(
                self.target, self.stage
            )
        ).fetchone()
        return int(row[0]) if row else 0

    def items_named_after(self, item_type: str, after_id: int) -> set[int]:
        """The ids of the items of this type that entries above `after_id` name, stored or staged."""
        rows = self.conn.execute(
            sql.SQL(
                "SELECT item_id FROM {} WHERE id > %(after)s AND item_type = %(type)s "
                "UNION SELECT item_id FROM {} WHERE id > %(after)s AND item_type = %(type)s"
            ).format(self.target, self.stage),
            {"after": after_id, "type": item_type},
        ).fetchall()
        return {int(r[0]) for r in rows if r[0] is not None}

    def backfill(self) -> Backfill:
        row = self.conn.execute(
            sql.SQL("SELECT backfill_offset, backfill_done FROM {}").format(self.state)
        ).fetchone()
        return Backfill(int(row[0]), bool(row[1])) if row else Backfill()

    def merge(self) -> tuple[int, int]:
        """Upsert the staged entries (the last copy of an id wins); entries whose content is the
        stored one are left out before ON CONFLICT, so they are not even locked. Returns
        (inserted, updated)."""
        cols = sql.SQL(", ").join(self.names)
        updates = sql.SQL(", ").join(sql.SQL("{} = EXCLUDED.{}").format(n, n) for n in self.names[1:])
        rows = self.conn.execute(
            sql.SQL("""
            INSERT INTO {target} AS t ({cols})
            SELECT {cols} FROM (SELECT DISTINCT ON (id) * FROM {stage} ORDER BY id, seq DESC) s
            WHERE NOT EXISTS (SELECT 1 FROM {target} x WHERE x.id = s.id AND x.content_hash = s.content_hash)
            ON CONFLICT (id) DO UPDATE SET {updates}, changed_at = now()
            RETURNING (xmax = 0)
        """).format(target=self.target, cols=cols, stage=self.stage, updates=updates)
        ).fetchall()
        inserted = sum(1 for r in rows if r[0])
        self.conn.execute(sql.SQL("TRUNCATE {}").format(self.stage))
        return inserted, len(rows) - inserted

    def commit_chunk(self, offset: int, done: bool) -> tuple[int, int]:
        """A backfill chunk: merge what is staged and record the position, in a transaction of its
        own (kept if the run fails later)."""
        with self.conn.transaction():
            counts = self.merge()
            self.conn.execute(
                sql.SQL(
                    "INSERT INTO {} (backfill_offset, backfill_done) VALUES (%s, %s) ON CONFLICT (one) "
                    "DO UPDATE SET backfill_offset = EXCLUDED.backfill_offset, "
                    "backfill_done = EXCLUDED.backfill_done, changed_at = now()"
                ).format(self.state),
                (offset, done),
            )
        return counts
