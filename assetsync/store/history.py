"""Kept versions: `<table>_history` and `<table>_as_of(at)` for every entity declared with history.

A version is a whole row as the table held it, with `valid_from` (its `changed_at`: when the sync
stored it) and `valid_to` (when a later run replaced it, removed it or restored it). The current
row is valid from its own `changed_at`, so the current table and its history together answer "as
the database held it then" without a second copy of the current rows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql

from assetsync.entities import Entity
from assetsync.entities.model import TRACKING_COLUMNS

log = logging.getLogger("assetsync")

# Raised when the function's body changes; the stored comment also names the columns it returns,
# so a column added to the table recreates the function in the same upgrade.
AS_OF_VERSION = "assetsync as_of v1"
VALIDITY_COLUMNS = (("valid_from", "timestamptz NOT NULL"), ("valid_to", "timestamptz NOT NULL"))


def version_columns(entity: Entity) -> tuple[str, ...]:
    """The columns a kept version copies from the table: declared, document and tracking ones."""
    return (*entity.column_names, *(n for n, _ in TRACKING_COLUMNS))


def column_types(entity: Entity) -> list[tuple[str, str]]:
    # Versions are copies: no defaults (they come from the row), NOT NULL only where the row has it.
    tracking = [(n, d.split(" DEFAULT")[0]) for n, d in TRACKING_COLUMNS]
    return [*entity.column_types, *tracking, *VALIDITY_COLUMNS]


def history_ddl(schema: str, entity: Entity, toast_target: int) -> list[sql.Composed]:
    table = sql.Identifier(schema, entity.history_table)
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(d)) for n, d in column_types(entity)
    )
    comment = f"Every version of {schema}.{entity.table} a sync replaced, with its validity (assetsync)"
    return [
        sql.SQL("CREATE TABLE IF NOT EXISTS {} ({}) WITH (toast_tuple_target = {})").format(
            table, columns, sql.Literal(toast_target)
        ),
        sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (id, valid_from)").format(
            sql.Identifier(f"{entity.history_table}_id_idx"), table
        ),
        # Retention deletes by valid_to; as_of scans by it too.
        sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (valid_to)").format(
            sql.Identifier(f"{entity.history_table}_valid_to_idx"), table
        ),
        sql.SQL("COMMENT ON TABLE {} IS {}").format(table, sql.Literal(comment)),
    ]


def as_of_name(entity: Entity) -> str:
    return f"{entity.table}_as_of"


def as_of_tag(columns: Sequence[str]) -> str:
    return f"{AS_OF_VERSION}: {', '.join(columns)}"


def as_of_ddl(schema: str, entity: Entity, columns: Sequence[str]) -> list[sql.Composed]:
    """`<table>_as_of(at)`: the rows as the database held them at `at`. `columns` is the table's
    physical column order (an upgrade appends columns), which the returned row type follows."""
    s = sql.Identifier(schema)
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    function = sql.Identifier(schema, as_of_name(entity))
    # A removed version (removed_at set) means "absent then"; versions are half-open [from, to).
    body = sql.SQL("""
SELECT {cols} FROM {s}.{table} WHERE changed_at <= at AND removed_at IS NULL
UNION ALL
SELECT {cols} FROM {s}.{history} WHERE valid_from <= at AND at < valid_to AND removed_at IS NULL
""").format(cols=cols, s=s, table=sql.Identifier(entity.table), history=sql.Identifier(entity.history_table))
    return [
        sql.SQL(
            "CREATE OR REPLACE FUNCTION {}(at timestamptz) RETURNS SETOF {} LANGUAGE sql STABLE "
            "AS $as_of${}$as_of$"
        ).format(function, sql.Identifier(schema, entity.table), body),
        sql.SQL("COMMENT ON FUNCTION {}(timestamptz) IS {}").format(
            function, sql.Literal(as_of_tag(columns))
        ),
    ]


def match_history(conn: psycopg.Connection[Any], schema: str, entity: Entity, toast_target: int) -> None:
    """Make the history table and the as_of function of one entity match its declaration; runs
    nothing when they already do (a role without CREATE can still sync)."""
    history = sql.Identifier(schema, entity.history_table)
    have = _columns(conn, history)
    if not have:
        for statement in history_ddl(schema, entity, toast_target):
            conn.execute(statement)
        log.info("Created table %s.%s", schema, entity.history_table)
    else:
        for name, ddl in column_types(entity):
            if name not in have:
                conn.execute(
                    sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(
                        history, sql.Identifier(name), sql.SQL(ddl.replace(" NOT NULL", ""))
                    )
                )
    columns = _columns(conn, sql.Identifier(schema, entity.table))
    row = conn.execute(
        "SELECT obj_description(to_regprocedure(%s), 'pg_proc')",
        (f"{sql.Identifier(schema, as_of_name(entity)).as_string(conn)}(timestamptz)",),
    ).fetchone()
    if not row or row[0] != as_of_tag(columns):
        for statement in as_of_ddl(schema, entity, columns):
            conn.execute(statement)


def _columns(conn: psycopg.Connection[Any], table: sql.Identifier) -> list[str]:
    """The table's columns in their physical order (none when it does not exist)."""
    rows = conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum",
        (table.as_string(conn),),
    ).fetchall()
    return [r[0] for r in rows]


class VersionKeeper:
    """Writes the versions a merge replaces, inside the run's merge transaction."""

    def __init__(self, conn: psycopg.Connection[Any], schema: str, entity: Entity) -> None:
        self.conn = conn
        self.history = sql.Identifier(schema, entity.history_table)
        self.target = sql.Identifier(schema, entity.table)
        names = [sql.Identifier(n) for n in version_columns(entity)]
        self.cols = sql.SQL(", ").join(names)
        self.tcols = sql.SQL(", ").join(sql.SQL("t.{}").format(n) for n in names)

    def keep_replaced(self, stage: sql.Identifier) -> int:
        """Before the merge: the stored version of every row the stage will change (new content,
        or a removed row coming back), valid until now (the run's transaction time)."""
        cur = self.conn.execute(
            sql.SQL(
                "INSERT INTO {h} ({cols}, valid_from, valid_to) SELECT {tcols}, t.changed_at, now() "
                "FROM {target} t JOIN {stage} s ON s.id = t.id "
                "WHERE t.content_hash <> s.content_hash OR t.removed_at IS NOT NULL"
            ).format(h=self.history, cols=self.cols, tcols=self.tcols, target=self.target, stage=stage)
        )
        return cur.rowcount

    def keep_removed(self, ids: Sequence[int]) -> int:
        """Before marking removals: the live version of each removed row."""
        cur = self.conn.execute(
            sql.SQL(
                "INSERT INTO {h} ({cols}, valid_from, valid_to) SELECT {tcols}, t.changed_at, now() "
                "FROM {target} t WHERE t.id = ANY(%s) AND t.removed_at IS NULL"
            ).format(h=self.history, cols=self.cols, tcols=self.tcols, target=self.target),
            (list(ids),),
        )
        return cur.rowcount

    def prune(self, days: int) -> int:
        """Versions replaced more than `days` ago; 0 keeps every version."""
        if days <= 0:
            return 0
        cur = self.conn.execute(
            sql.SQL("DELETE FROM {} WHERE valid_to < now() - make_interval(days => %s)").format(self.history),
            (days,),
        )
        return cur.rowcount
