"""The connection: opening it for a sync, and turning PostgreSQL's failures into sentences."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

from assetsync.config import Settings
from assetsync.redact import Redactor, database_password, first_line

if TYPE_CHECKING:
    from assetsync.store import Store

APPLICATION_NAME = "assetsync"


class StoreError(Exception):
    """The database refused something; the message says what and how to fix it."""


class LockBusyError(StoreError):
    """Another sync holds the advisory lock for this schema."""


def connect(
    dsn: str, *, server_timezone: str, statement_timeout_s: float = 600.0, connect_timeout_s: int = 10
) -> psycopg.Connection[Any]:
    """Open an autocommit connection set up for one sync (time zone, timeouts, app name)."""
    options = f"-c statement_timeout={int(statement_timeout_s * 1000)} -c lock_timeout=30000"
    try:
        conn = psycopg.connect(
            dsn,
            autocommit=True,
            application_name=APPLICATION_NAME,
            connect_timeout=max(2, connect_timeout_s),
            options=options,
        )
    except psycopg.OperationalError as exc:
        reason = Redactor([database_password(dsn)])(pg_reason(exc))
        raise StoreError(
            f"cannot connect to PostgreSQL: {reason}; check DATABASE_URL and that the "
            "server is running and reachable"
        ) from None
    # Snipe-IT sends zone-less times in its APP_TIMEZONE; let the server read them in that zone.
    conn.execute(sql.SQL("SET TimeZone = {}").format(sql.Literal(server_timezone)))
    return conn


@contextmanager
def open_store(
    settings: Settings, *, statement_timeout_s: float | None = None, connect_timeout_s: int = 10
) -> Iterator[Store]:
    """A Store on a fresh connection for short reads, closed on exit (StoreError when PostgreSQL is
    out of reach); the statement timeout defaults to ASSETSYNC_STATEMENT_TIMEOUT."""
    conn = connect(
        settings.database_url,
        server_timezone=settings.server_timezone.key,
        statement_timeout_s=settings.statement_timeout
        if statement_timeout_s is None
        else statement_timeout_s,
        connect_timeout_s=connect_timeout_s,
    )
    try:
        from assetsync.store import Store  # the facade imports this module

        yield Store(conn, settings.schema)
    finally:
        conn.close()


def describe_error(exc: psycopg.Error, *, connection_lost: bool, statement_timeout: float) -> str:
    """A PostgreSQL failure as one sentence that says what happened and what to do."""
    reason = pg_reason(exc) if connection_lost else first_line(exc)
    if connection_lost:
        return (
            f"the connection to PostgreSQL was lost ({reason}); the server rolled back the unfinished "
            "work, so the database keeps the state of the last finished sync; run the sync again"
        )
    if isinstance(exc, psycopg.errors.QueryCanceled) and "statement timeout" in reason:
        return (
            f"a database statement ran longer than ASSETSYNC_STATEMENT_TIMEOUT ({statement_timeout:g} s) and "
            "was cancelled; nothing was changed. Another session may hold a lock on the tables (a long "
            "report or an open transaction: see pg_stat_activity), or raise ASSETSYNC_STATEMENT_TIMEOUT"
        )
    if isinstance(exc, psycopg.errors.LockNotAvailable):
        return (
            f"waited too long for a lock on the tables ({reason}); nothing was changed. Another session "
            "holds it (see pg_stat_activity); run the sync again when it is done"
        )
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return (
            f"the database role lacks a privilege ({reason}); nothing was changed. Give it the grants "
            "listed in the README (What the accounts need), or run assetsync check"
        )
    return f"PostgreSQL error: {reason}; nothing was changed"


def pg_reason(exc: BaseException) -> str:
    """The server's own message when there is one (not the statement excerpt psycopg appends);
    else the driver's first line, which for a failed connection names the host, the port and the
    reason (the lines after it are libpq's generic advice, indented with a tab)."""
    diag = getattr(exc, "diag", None)
    primary = diag.message_primary if diag is not None else None
    if primary:
        return " ".join(str(primary).split())
    return first_line(exc).removeprefix("connection failed: ")
