"""The advisory lock that keeps two syncs of one schema apart."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from assetsync.store.connection import LockBusyError


class SyncLock:
    """Session advisory lock on `assetsync:<schema>`: held for a whole run, freed with the session."""

    conn: psycopg.Connection[Any]
    schema_name: str

    def lock_key(self) -> sql.Composable:
        return sql.SQL("hashtextextended({}, 0)").format(sql.Literal(f"assetsync:{self.schema_name}"))

    def try_lock(self) -> None:
        """Take the session advisory lock or raise LockBusyError; released when the connection closes."""
        got = self.conn.execute(sql.SQL("SELECT pg_try_advisory_lock({})").format(self.lock_key())).fetchone()
        if not got or not got[0]:
            raise LockBusyError(
                f"another sync of schema {self.schema_name} is running (PostgreSQL advisory lock held); "
                "this run changed nothing"
            )

    def unlock(self) -> None:
        self.conn.execute(sql.SQL("SELECT pg_advisory_unlock({})").format(self.lock_key()))

    def release_locks(self) -> None:
        """Free this session's lock now. PostgreSQL frees a closed session's locks a moment after
        the close, and a run started right after this one must not find the lock still held."""
        self.conn.execute("SELECT pg_advisory_unlock_all()")

    def lock_is_free(self) -> bool:
        """True when no session holds the sync lock of this schema (taken and released at once).

        Only a hint: another process may take the lock right after; the run itself still locks.
        """
        got = self.conn.execute(sql.SQL("SELECT pg_try_advisory_lock({})").format(self.lock_key())).fetchone()
        if not got or not got[0]:
            return False
        self.unlock()
        return True
