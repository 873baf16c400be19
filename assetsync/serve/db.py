"""Short-lived database connections for the server's reads (run history, the lock probe)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from assetsync.config import Settings
from assetsync.store import Store, connect


@contextmanager
def open_store(settings: Settings) -> Iterator[Store]:
    """A Store on a fresh connection, closed on exit; raises StoreError when PostgreSQL is out of reach."""
    conn = connect(
        settings.database_url,
        server_timezone=settings.server_timezone.key,
        statement_timeout_s=30.0,
        connect_timeout_s=5,
    )
    try:
        yield Store(conn, settings.schema)
    finally:
        conn.close()
