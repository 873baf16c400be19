"""All SQL: the schema and its upgrades, the advisory lock, run history, staging and the merge.

`Store` is one connection's view of the target schema; `Store.table(entity)` gives the SQL of one
entity's table. Every psycopg error a caller may see is turned into a sentence at this boundary
(`describe_error`, `StoreError`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql

from assetsync.entities import Entity
from assetsync.store.access import MANAGED_TABLES, AccessInspector, SchemaAccess
from assetsync.store.activity import ActivityTable
from assetsync.store.connection import (
    LockBusyError,
    StoreError,
    connect,
    describe_error,
    open_store,
    pg_reason,
)
from assetsync.store.counts import MergeCounts
from assetsync.store.lock import SyncLock
from assetsync.store.runs import FailureStreak, RunHistory, SeatState
from assetsync.store.schema import LATEST_VERSION, TOAST_TUPLE_TARGET
from assetsync.store.seats import SeatTable
from assetsync.store.tables import EntityTable


class Store(AccessInspector, RunHistory, SyncLock):
    """One connection's view of the target schema."""

    def __init__(self, conn: psycopg.Connection[Any], schema: str) -> None:
        self.conn = conn
        self.schema_name = schema
        self.schema = sql.Identifier(schema)
        self.runs = sql.Identifier(schema, "sync_runs")

    def table(self, entity: Entity) -> EntityTable:
        if entity.parent is not None:
            return SeatTable(self.conn, self.schema_name, entity)
        return EntityTable(self.conn, self.schema_name, entity)

    def activity_table(self) -> ActivityTable:
        return ActivityTable(self.conn, self.schema_name)

    @contextmanager
    def merge_transaction(self) -> Iterator[None]:
        """The run's one write transaction: every table changes together or not at all."""
        with self.conn.transaction():
            # An anti-join against a near-empty target is planned as a quadratic nested loop.
            self.conn.execute("SET LOCAL enable_nestloop = off")
            yield

    @contextmanager
    def load_transaction(self, timeout_s: float) -> Iterator[None]:
        """The first load's transaction, open while pages arrive (throttle pauses included).

        Its one COPY lasts as long as the fetch, so the per-statement timeout would cancel any
        first load slower than it; `timeout_s` (what is left of the run's budget) bounds it instead.
        """
        with self.conn.transaction():
            self.conn.execute(
                sql.SQL("SET LOCAL statement_timeout = {}").format(sql.Literal(max(1, int(timeout_s * 1000))))
            )
            self.conn.execute("SET LOCAL enable_nestloop = off")
            yield


__all__ = [
    "LATEST_VERSION",
    "MANAGED_TABLES",
    "TOAST_TUPLE_TARGET",
    "ActivityTable",
    "EntityTable",
    "FailureStreak",
    "LockBusyError",
    "MergeCounts",
    "SchemaAccess",
    "SeatState",
    "SeatTable",
    "Store",
    "StoreError",
    "connect",
    "describe_error",
    "open_store",
    "pg_reason",
]
