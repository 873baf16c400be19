"""Short-lived database connections for the server's reads (run history, the lock probe)."""

from __future__ import annotations

from contextlib import AbstractContextManager

from assetsync.config import Settings
from assetsync.store import Store
from assetsync.store import open_store as _open_store


def open_store(settings: Settings) -> AbstractContextManager[Store]:
    """A Store on a fresh connection, with timeouts short enough for an HTTP request."""
    return _open_store(settings, statement_timeout_s=30.0, connect_timeout_s=5)
