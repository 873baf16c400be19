"""The schema: versioned migrations, entity tables built from their declarations, the views."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql

from assetsync import __version__
from assetsync.entities import ENTITIES, HARDWARE, Entity
from assetsync.entities.model import DOCUMENT_COLUMNS, TRACKING_COLUMNS
from assetsync.store.activity import activity_ddl
from assetsync.store.assignments import assignments_ddl
from assetsync.store.connection import StoreError, pg_reason
from assetsync.store.history import match_history
from assetsync.store.views import VIEW_VERSION, view_statements

log = logging.getLogger("assetsync")

# Rows up to this size stay whole in the table (`raw` compressed in place) instead of sending `raw`
# out to the TOAST table: a typical asset is about 2.5 KB that way, just over the default 2 KB, and
# moving each document out cost about a tenth of PostgreSQL's work on a load.
TOAST_TUPLE_TARGET = 3000
# Without these a table was not made by assetsync, whatever its name.
CORE_COLUMNS = ("id", *(n for n, _ in DOCUMENT_COLUMNS), *(n for n, _ in TRACKING_COLUMNS))


def table_ddl(schema: str, entity: Entity) -> list[sql.Composed]:
    columns = [
        sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(d))
        for n, d in (*entity.column_types, *TRACKING_COLUMNS)
    ]
    table = sql.Identifier(schema, entity.table)
    comment = f"Snipe-IT {entity.plural} (/api/v1/{entity.endpoint}), one row per id; maintained by assetsync"
    return [
        sql.SQL("CREATE TABLE IF NOT EXISTS {} ({}, PRIMARY KEY (id)) WITH (toast_tuple_target = {})").format(
            table, sql.SQL(", ").join(columns), sql.Literal(TOAST_TUPLE_TARGET)
        ),
        sql.SQL("COMMENT ON TABLE {} IS {}").format(table, sql.Literal(comment)),
        *(
            sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} ({})").format(
                sql.Identifier(f"{entity.table}_{column}_idx"), table, sql.Identifier(column)
            )
            for column in entity.indexed
        ),
    ]


def _migrations(schema: str) -> list[tuple[int, list[sql.Composed]]]:
    """Versioned DDL; each step runs once, in order, inside the lock and one transaction. Entity
    tables other than `assets` need none: they are made and grown from their declarations."""
    s = sql.Identifier(schema)
    return [
        (
            1,
            [
                *table_ddl(schema, HARDWARE),
                sql.SQL("""CREATE TABLE IF NOT EXISTS {s}.sync_runs (
    id bigserial PRIMARY KEY,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    status text NOT NULL,
    fetched integer,
    inserted integer,
    updated integer,
    unchanged integer,
    soft_deleted integer,
    removed integer,
    duration_seconds numeric(12,3),
    error text,
    tool_version text,
    host text,
    details jsonb
)""").format(s=s),
                sql.SQL(
                    "CREATE INDEX IF NOT EXISTS sync_runs_started_idx ON {s}.sync_runs (started_at DESC)"
                ).format(s=s),
            ],
        ),
        (
            2,
            [
                sql.SQL("ALTER TABLE {s}.assets SET (toast_tuple_target = {n})").format(
                    s=s, n=sql.Literal(TOAST_TUPLE_TARGET)
                )
            ],
        ),
        (
            3,
            [
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {s}.entity_mappings (entity text PRIMARY KEY, "
                    "mapping_version integer NOT NULL, mapping_seed bigint NOT NULL, "
                    "changed_at timestamptz NOT NULL DEFAULT now())"
                ).format(s=s),
                # Assets stored before mappings were recorded were hashed without a seed (seed 0).
                sql.SQL(
                    "INSERT INTO {s}.entity_mappings (entity, mapping_version, mapping_seed) "
                    "SELECT 'hardware', 1, 0 WHERE EXISTS (SELECT 1 FROM {s}.assets) ON CONFLICT DO NOTHING"
                ).format(s=s),
            ],
        ),
        (4, activity_ddl(schema)),
        (5, assignments_ddl(schema)),
    ]


LATEST_VERSION = 5


class SchemaManager:
    """Creates and upgrades the target schema."""

    conn: psycopg.Connection[Any]
    schema_name: str
    schema: sql.Identifier

    def schema_version(self) -> int | None:
        """The applied migration version, or None when the schema has not been created yet."""
        if not self.table_exists("schema_version"):
            return None
        found = self.conn.execute(
            sql.SQL("SELECT max(version) FROM {}").format(sql.Identifier(self.schema_name, "schema_version"))
        ).fetchone()
        return int(found[0]) if found and found[0] is not None else 0

    def table_exists(self, table: str) -> bool:
        row = self.conn.execute("SELECT to_regclass(%s) IS NOT NULL", (self._qualified(table),)).fetchone()
        return bool(row and row[0])

    def migrate(self, up_to: int = LATEST_VERSION) -> int:
        """Create or upgrade the schema (to `up_to`, for tests of upgrades), then make every entity
        table match its declaration; returns the migration steps applied."""
        current = self.schema_version()
        if current is not None and current > LATEST_VERSION:
            raise StoreError(
                f"schema {self.schema_name} is at version {current}, newer than this assetsync "
                f"({__version__}) understands ({LATEST_VERSION}); upgrade assetsync"
            )
        steps = [(v, stmts) for v, stmts in _migrations(self.schema_name) if (current or 0) < v <= up_to]
        if current is not None:
            self._refuse_foreign(HARDWARE)
        try:
            with self.conn.transaction():
                if steps or current is None:
                    self._apply(steps, first=current is None)
                if up_to == LATEST_VERSION:
                    self._match_declarations(ENTITIES)
        except psycopg.errors.InsufficientPrivilege as exc:
            if current:
                upgrade = (
                    f"is at version {current} and this assetsync upgrades it to {up_to}"
                    if steps
                    else f"needs the new tables or columns of this assetsync ({__version__})"
                )
                raise StoreError(
                    f"schema {self.schema_name} {upgrade}, which this role may not do ({pg_reason(exc)}); "
                    "run one sync as the owner of its tables (`assetsync check` names it), then this role "
                    "syncs as before"
                ) from None
            raise StoreError(
                f"the database role may not create schema {self.schema_name} or its tables "
                f"({pg_reason(exc)}); "
                f"run as the owner once, or GRANT CREATE ON DATABASE/SCHEMA to this role (see README)"
            ) from None
        if up_to == LATEST_VERSION and self.lz4_available():
            for entity in ENTITIES:
                self._use_lz4(entity.table)
                if entity.history:
                    self._use_lz4(entity.history_table)
        return len(steps)

    def _apply(self, steps: Sequence[tuple[int, list[sql.Composed]]], *, first: bool) -> None:
        # Created only when missing: even IF NOT EXISTS needs CREATE on the database (or schema),
        # which a role that owns what exists may lack.
        exists = self.conn.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (self.schema_name,)
        ).fetchone()
        if not exists:
            self.conn.execute(sql.SQL("CREATE SCHEMA {}").format(self.schema))
        version_table = sql.Identifier(self.schema_name, "schema_version")
        if first:
            self.conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (version integer PRIMARY KEY, "
                    "applied_at timestamptz NOT NULL DEFAULT now(), tool_version text)"
                ).format(version_table)
            )
        for version, statements in steps:
            for statement in statements:
                self.conn.execute(statement)
            self.conn.execute(
                sql.SQL("INSERT INTO {} (version, tool_version) VALUES (%s, %s)").format(version_table),
                (version, __version__),
            )
            log.info("Applied database migration %d to schema %s", version, self.schema_name)

    def _match_declarations(self, entities: Sequence[Entity]) -> None:
        """Make each entity's table, and add the declared columns an existing one lacks, then the
        views; nothing is run when everything is there (a role without CREATE can still sync)."""
        for entity in entities:
            have = self.table_columns(entity.table)
            if not have:
                for statement in table_ddl(self.schema_name, entity):
                    self.conn.execute(statement)
                log.info("Created table %s.%s", self.schema_name, entity.table)
                continue
            self._refuse_foreign(entity, have)
            for name, ddl in entity.column_types:
                if name not in have:
                    # NOT NULL columns get their value from the next merge, which rewrites every row.
                    self.conn.execute(
                        sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(
                            sql.Identifier(self.schema_name, entity.table),
                            sql.Identifier(name),
                            sql.SQL(ddl.replace(" NOT NULL", "")),
                        )
                    )
                    log.info("Added column %s to table %s.%s", name, self.schema_name, entity.table)
        for entity in entities:
            if entity.history:
                match_history(self.conn, self.schema_name, entity, TOAST_TUPLE_TARGET)
        row = self.conn.execute(
            "SELECT obj_description(to_regclass(%s), 'pg_class')", (self._qualified("asset_overview"),)
        ).fetchone()
        if not row or row[0] != VIEW_VERSION:
            for statement in view_statements(self.schema_name):
                self.conn.execute(statement)
            log.info("Created the reporting views in schema %s", self.schema_name)

    def table_columns(self, table: str) -> set[str]:
        rows = self.conn.execute(
            "SELECT attname FROM pg_attribute "
            "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
            (self._qualified(table),),
        ).fetchall()
        return {r[0] for r in rows}

    def _refuse_foreign(self, entity: Entity, have: set[str] | None = None) -> None:
        """Refuse a same-named table of another shape before any work, rather than fail in the merge."""
        columns = self.table_columns(entity.table) if have is None else have
        missing = sorted(set(CORE_COLUMNS) - columns)
        if columns and missing:
            raise StoreError(
                f"table {self.schema_name}.{entity.table} lacks the column(s) {', '.join(missing)}: it was "
                "not made by assetsync (another tool, or by hand); set ASSETSYNC_SCHEMA to a "
                "schema of its own, or move the old table away, and run again"
            )

    def _qualified(self, table: str) -> str:
        """schema.table quoted for to_regclass(), which parses its text argument as SQL names do."""
        return sql.Identifier(self.schema_name, table).as_string(self.conn)

    def lz4_available(self) -> bool:
        row = self.conn.execute(
            "SELECT current_setting('server_version_num')::int >= 140000 AND EXISTS ("
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals))"
        ).fetchone()
        return bool(row and row[0])

    def _use_lz4(self, table: str) -> None:
        # lz4 TOAST compression loads the ~2 KB raw documents 25-38% faster; optional per server
        # build, so the caller asks `lz4_available` first (once for every table).
        row = self.conn.execute(
            "SELECT attcompression FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = 'raw'",
            (self._qualified(table),),
        ).fetchone()
        if row and row[0] != "l":
            self.conn.execute(
                sql.SQL("ALTER TABLE {} ALTER COLUMN raw SET COMPRESSION lz4").format(
                    sql.Identifier(self.schema_name, table)
                )
            )
