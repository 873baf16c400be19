"""One entity's table: its staging tables, the comparison with what is stored, and the merge."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql

from assetsync.entities import Entity
from assetsync.store.counts import MergeCounts
from assetsync.store.history import VersionKeeper
from assetsync.store.schema import TOAST_TUPLE_TARGET

# Conditions on a staged row `s` and its stored version `t` (NULL when new).
_CHANGED = "t.id IS NOT NULL AND (t.content_hash <> s.content_hash OR t.removed_at IS NOT NULL)"
_SOFT_DELETED = "t.id IS NOT NULL AND s.deleted_at IS NOT NULL AND t.deleted_at IS NULL"


class EntityTable:
    """The SQL of one entity, built from its declaration. Staging tables are session TEMP tables:
    private to this connection, gone when it closes."""

    def __init__(self, conn: psycopg.Connection[Any], schema: str, entity: Entity) -> None:
        self.conn = conn
        self.entity = entity
        self.target = sql.Identifier(schema, entity.table)
        self.stage = sql.Identifier(f"assetsync_stage_{entity.table}")
        self.override = sql.Identifier(f"assetsync_override_{entity.table}")
        self.mappings = sql.Identifier(schema, "entity_mappings")
        self.names = [sql.Identifier(n) for n in entity.column_names]
        self.versions = VersionKeeper(conn, schema, entity) if entity.history else None

    # -- staging -------------------------------------------------------------------------------
    def create_stage(self, *, lz4: bool) -> None:
        for table in (self.stage, self.override):
            self.conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
            self.conn.execute(
                sql.SQL(
                    "CREATE TEMP TABLE {} ({}, seq integer NOT NULL) WITH (toast_tuple_target = {})"
                ).format(
                    table,
                    sql.SQL(", ").join(
                        sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(d.replace(" NOT NULL", "")))
                        for n, d in self.entity.column_types
                    ),
                    sql.Literal(TOAST_TUPLE_TARGET),
                )
            )
        if lz4:
            self.conn.execute(
                sql.SQL("ALTER TABLE {} ALTER COLUMN raw SET COMPRESSION lz4").format(self.stage)
            )

    def copy_rows(self, records: Iterable[Sequence[Any]], seq: int, *, override: bool = False) -> int:
        """COPY one page into the stage (in its own short autocommit transaction outside a merge)."""
        return self._copy(self.override if override else self.stage, self.names, records, seq)

    def copy_unchanged(self, pairs: Iterable[tuple[int, bytes]], seq: int) -> int:
        """COPY only (id, content_hash) of rows known to equal their stored version.

        The merge skips them by their hash and the removal check needs only their id, so the
        other columns stay NULL and PostgreSQL never parses their JSON.
        """
        return self._copy(self.stage, [sql.Identifier("id"), sql.Identifier("content_hash")], pairs, seq)

    def _copy(
        self,
        table: sql.Identifier,
        columns: Sequence[sql.Identifier],
        records: Iterable[Sequence[Any]],
        seq: int,
    ) -> int:
        names = sql.SQL(", ").join([*columns, sql.Identifier("seq")])
        count = 0
        with (
            self.conn.cursor() as cur,
            cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(table, names)) as copy,
        ):
            for record in records:
                copy.write_row((*record, seq))
                count += 1
        return count

    @contextmanager
    def copy_into_table(self) -> Iterator[Callable[[Sequence[Any]], None]]:
        """One COPY straight into the (empty) table, for a first load inside the load transaction;
        yields the function that writes one row."""
        with (
            self.conn.cursor() as cur,
            cur.copy(
                sql.SQL("COPY {} ({}) FROM STDIN").format(self.target, sql.SQL(", ").join(self.names))
            ) as copy,
        ):
            yield copy.write_row

    def apply_overrides_to_table(self) -> None:
        """First load: later-pass copies of an id replace the ones copied into the table earlier."""
        names = sql.SQL(", ").join(self.names)
        self.conn.execute(
            sql.SQL("DELETE FROM {} a USING {} o WHERE a.id = o.id").format(self.target, self.override)
        )
        self.conn.execute(
            sql.SQL("INSERT INTO {} ({}) SELECT DISTINCT ON (id) {} FROM {} ORDER BY id, seq DESC").format(
                self.target, names, names, self.override
            )
        )
        self.conn.execute(sql.SQL("TRUNCATE {}").format(self.override))

    def stored_hashes(self, ids: Sequence[int]) -> dict[int, bytes]:
        """content_hash of the given ids among the live stored rows."""
        rows = self.conn.execute(
            sql.SQL("SELECT id, content_hash FROM {} WHERE id = ANY(%s) AND removed_at IS NULL").format(
                self.target
            ),
            (list(ids),),
        ).fetchall()
        return {int(r[0]): bytes(r[1]) for r in rows}

    def stored_values(self, keys: Sequence[str]) -> dict[int, tuple[Any, ...]]:
        """Each live row's values of these keys of `raw`, as Snipe-IT sent them (JSON decoded), to
        compare with a new read's (`Entity.fingerprint`)."""
        picks = sql.SQL(", ").join(sql.SQL("raw -> %s") for _ in keys)
        rows = self.conn.execute(
            sql.SQL("SELECT id, {} FROM {} WHERE removed_at IS NULL").format(picks, self.target), list(keys)
        ).fetchall()
        return {int(r[0]): tuple(r[1:]) for r in rows}

    def prepare_stage(self) -> None:
        """Let later-pass copies of an id replace earlier ones, then give the planner statistics."""
        has_override = self.conn.execute(
            sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(self.override)
        ).fetchone()
        if has_override and has_override[0]:
            with self.conn.transaction():
                self.conn.execute(
                    sql.SQL("DELETE FROM {} s USING {} o WHERE s.id = o.id").format(self.stage, self.override)
                )
                self.conn.execute(
                    sql.SQL("INSERT INTO {} SELECT DISTINCT ON (id) * FROM {} ORDER BY id, seq DESC").format(
                        self.stage, self.override
                    )
                )
                self.conn.execute(sql.SQL("TRUNCATE {}").format(self.override))
        self.conn.execute(sql.SQL("ANALYZE {}").format(self.stage))

    # -- comparing -----------------------------------------------------------------------------
    def exists(self) -> bool:
        row = self.conn.execute(
            "SELECT to_regclass(%s) IS NOT NULL", (self.target.as_string(self.conn),)
        ).fetchone()
        return bool(row and row[0])

    def is_empty(self) -> bool:
        row = self.conn.execute(
            sql.SQL("SELECT NOT EXISTS (SELECT 1 FROM {})").format(self.target)
        ).fetchone()
        return bool(row and row[0])

    def live_count(self) -> int:
        row = self.conn.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE removed_at IS NULL").format(self.target)
        ).fetchone()
        return int(row[0]) if row else 0

    def removal_candidates(self) -> list[int]:
        """Live rows whose id no pass returned: purged, or out of the token's sight."""
        rows = self.conn.execute(
            sql.SQL(
                "SELECT t.id FROM {} t WHERE t.removed_at IS NULL AND NOT EXISTS "
                "(SELECT 1 FROM {} s WHERE s.id = t.id) ORDER BY t.id"
            ).format(self.target, self.stage)
        ).fetchall()
        return [int(r[0]) for r in rows]

    def planned_changes(self, *, table_exists: bool = True) -> MergeCounts:
        """What a merge would do, counted without changing anything."""
        if not table_exists:
            row = self.conn.execute(sql.SQL("SELECT count(*) FROM {}").format(self.stage)).fetchone()
            return MergeCounts(inserted=int(row[0]) if row else 0)
        soft = "count(*) FILTER (WHERE " + _SOFT_DELETED + ")" if self.entity.soft_deletes else "0"
        row = self.conn.execute(
            sql.SQL(
                "SELECT count(*) FILTER (WHERE t.id IS NULL), count(*) FILTER (WHERE " + _CHANGED + "), "
                "count(*) FILTER (WHERE t.id IS NOT NULL AND t.content_hash = s.content_hash "
                "AND t.removed_at IS NULL), " + soft + ", count(*) FILTER (WHERE t.removed_at IS NOT NULL) "
                "FROM {} s LEFT JOIN {} t ON t.id = s.id"
            ).format(self.stage, self.target)
        ).fetchone()
        assert row is not None
        return MergeCounts(
            inserted=row[0], updated=row[1], unchanged=row[2], soft_deleted=row[3], restored=row[4]
        )

    def changed_keys(self, limit: int = 1000) -> dict[str, list[str]]:
        """The key column (asset tag, username, name) per kind of planned change, for dry-run -v."""
        key = sql.Identifier(self.entity.key_column)
        kinds = [
            ("insert", "t.id IS NULL"),
            ("update", _CHANGED),
        ]
        if self.entity.soft_deletes:
            kinds.append(("soft-delete", _SOFT_DELETED))
        out: dict[str, list[str]] = {}
        for kind, cond in kinds:
            rows = self.conn.execute(
                sql.SQL(
                    "SELECT coalesce(s.{}::text, s.id::text) FROM {} s LEFT JOIN {} t ON t.id = s.id WHERE "
                    + cond
                    + " ORDER BY s.id LIMIT %s"
                ).format(key, self.stage, self.target),
                (limit,),
            ).fetchall()
            out[kind] = [str(r[0]) for r in rows]
        return out

    def keys_of(self, ids: Sequence[int]) -> list[str]:
        rows = self.conn.execute(
            sql.SQL("SELECT coalesce({}::text, id::text) FROM {} WHERE id = ANY(%s) ORDER BY id").format(
                sql.Identifier(self.entity.key_column), self.target
            ),
            (list(ids),),
        ).fetchall()
        return [str(r[0]) for r in rows]

    # -- writing (inside the run's one transaction) ----------------------------------------------
    def merge(self) -> int:
        """Insert new and changed rows; unchanged rows are filtered out before ON CONFLICT so they
        are not even locked (a no-change run writes no row and next to no WAL). With history, the
        versions it replaces are kept first, in the same transaction."""
        if self.versions is not None:
            self.versions.keep_replaced(self.stage)
        updates = sql.SQL(", ").join(sql.SQL("{} = EXCLUDED.{}").format(n, n) for n in self.names[1:])
        cur = self.conn.execute(
            sql.SQL("""
            INSERT INTO {target} AS t ({cols})
            SELECT {scols} FROM {stage} s
            WHERE NOT EXISTS (SELECT 1 FROM {target} x WHERE x.id = s.id
                              AND x.content_hash = s.content_hash AND x.removed_at IS NULL)
            ON CONFLICT (id) DO UPDATE SET {updates}, changed_at = now(), removed_at = NULL
            WHERE t.content_hash IS DISTINCT FROM EXCLUDED.content_hash OR t.removed_at IS NOT NULL
        """).format(
                target=self.target,
                cols=sql.SQL(", ").join(self.names),
                scols=sql.SQL(", ").join(sql.SQL("s.{}").format(n) for n in self.names),
                stage=self.stage,
                updates=updates,
            )
        )
        return cur.rowcount

    def mark_removed(self, ids: Sequence[int]) -> int:
        if not ids:
            return 0
        if self.versions is not None:
            self.versions.keep_removed(ids)
        cur = self.conn.execute(
            sql.SQL(
                "UPDATE {} SET removed_at = now(), changed_at = now() "
                "WHERE id = ANY(%s) AND removed_at IS NULL"
            ).format(self.target),
            (list(ids),),
        )
        return cur.rowcount

    def prune_history(self, days: int) -> int:
        """Drop versions replaced more than `days` ago (0 keeps all); in the run's transaction."""
        return self.versions.prune(days) if self.versions is not None else 0

    def stored_mapping(self) -> tuple[int, int] | None:
        """(mapping version, mapping seed) the stored rows were written with; None for a new table."""
        row = self.conn.execute(
            sql.SQL("SELECT mapping_version, mapping_seed FROM {} WHERE entity = %s").format(self.mappings),
            (self.entity.name,),
        ).fetchone()
        return (int(row[0]), int(row[1]) % 2**64) if row else None

    def record_mapping(self) -> None:
        self.conn.execute(
            sql.SQL(
                "INSERT INTO {} (entity, mapping_version, mapping_seed) VALUES (%s, %s, %s) "
                "ON CONFLICT (entity) DO UPDATE SET mapping_version = EXCLUDED.mapping_version, "
                "mapping_seed = EXCLUDED.mapping_seed, changed_at = now()"
            ).format(self.mappings),
            (self.entity.name, self.entity.mapping_version, _signed(self.entity.mapping_seed)),
        )


def _signed(seed: int) -> int:
    """The unsigned 64-bit seed as the signed bigint PostgreSQL stores."""
    return seed - 2**64 if seed >= 2**63 else seed
