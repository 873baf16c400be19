"""PostgreSQL misbehaving: unreachable, connection killed, timeouts, locks, privileges, old schemas."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from assetsync import exitcodes
from assetsync.fake_snipeit import FakeSnipeIT, RequestInfo
from assetsync.store import LATEST_VERSION
from tests.conftest import query
from tests.faults.harness import (
    NEW,
    OLD,
    Expect,
    checksum,
    finish,
    start_scheduled_sync,
    sync,
    wait_for,
)


def first_sync(fenv: dict[str, str], fake: FakeSnipeIT) -> str | None:
    assert sync(fenv).exit_code == 0
    live = sorted(fake.live_ids())
    fake.update(live[0], name="Renamed after the first sync")
    fake.purge(live[-1])
    return checksum(fenv["DATABASE_URL"])


def sync_backends(dsn: str, *, waiting_on_lock: bool = False) -> int:
    cond = " AND wait_event_type = 'Lock'" if waiting_on_lock else ""
    rows = query(
        dsn,
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'assetsync' "
        "AND datname = current_database()" + cond,
    )
    return int(rows[0][0])


def terminate_sync_backends(dsn: str) -> int:
    rows = query(
        dsn,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'assetsync' "
        "AND datname = current_database() AND pid <> pg_backend_pid()",
    )
    return len(rows)


@contextmanager
def table_lock(dsn: str) -> Iterator[None]:
    """A report query's lock: reads go on, but the sync's merge must wait for it."""
    with psycopg.connect(dsn) as conn:
        conn.execute("LOCK TABLE snipeit.assets IN SHARE MODE")
        yield
        conn.rollback()


def execute(dsn: str, statement: str | sql.Composed, params: tuple[object, ...] = ()) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(statement, params)


def run_count(dsn: str) -> int:
    return int(query(dsn, "SELECT count(*) FROM snipeit.sync_runs")[0][0])


# --- the server ------------------------------------------------------------------------------------


def test_postgresql_unreachable_at_start(
    fake: FakeSnipeIT, fenv: dict[str, str], db_dsn: str, expect: Expect
) -> None:
    before = first_sync(fenv, fake)
    runs, read = run_count(db_dsn), len(fake.requests)
    env = dict(fenv, DATABASE_URL="postgresql://assetsync:Secret-pw-42@127.0.0.1:1/reporting")
    run = sync(env)
    expect(
        run,
        code=exitcodes.FAILED,
        says="cannot connect to PostgreSQL",
        state=OLD,
        before=before,
    )
    assert run_count(db_dsn) == runs
    assert len(fake.requests) == read, "Snipe-IT was read for nothing"


def test_connection_killed_during_the_staging_copy(
    fake: FakeSnipeIT, fenv: dict[str, str], db_dsn: str, expect: Expect
) -> None:
    before = first_sync(fenv, fake)
    killed: list[int] = []

    def kill(r: RequestInfo) -> None:
        # Fires while the sync waits for this page, between COPYs of the earlier ones.
        if r.pass_name == "Archived" and not killed:
            killed.append(terminate_sync_backends(db_dsn))

    fake.on_list_request(kill)
    run = sync(fenv)
    assert killed == [1]
    expect(
        run,
        code=exitcodes.FAILED,
        says="connection to PostgreSQL was lost",
        state=OLD,
        before=before,
        recorded="failed",
    )


@pytest.mark.slow
def test_connection_killed_during_the_final_transaction(
    fake: FakeSnipeIT, fenv: dict[str, str], db_dsn: str, expect: Expect
) -> None:
    before = first_sync(fenv, fake)
    with table_lock(db_dsn):
        proc = start_scheduled_sync(fenv)
        try:
            wait_for(
                lambda: sync_backends(db_dsn, waiting_on_lock=True) == 1, "the merge to wait for the lock"
            )
            assert terminate_sync_backends(db_dsn) == 1
        finally:
            run = finish(proc, fenv)
    expect(
        run,
        code=exitcodes.FAILED,
        says="connection to PostgreSQL was lost",
        state=OLD,
        before=before,
        recorded="failed",
    )


def test_statement_timeout(fake: FakeSnipeIT, fenv: dict[str, str], db_dsn: str, expect: Expect) -> None:
    before = first_sync(fenv, fake)
    with table_lock(db_dsn):
        run = sync(dict(fenv, ASSETSYNC_STATEMENT_TIMEOUT="0.5"))
    expect(
        run,
        code=exitcodes.FAILED,
        says="ASSETSYNC_STATEMENT_TIMEOUT",
        state=OLD,
        before=before,
        recorded="failed",
    )
    # The same run with the lock gone goes through.
    expect(sync(fenv), code=0, says="Sync finished", state=NEW, recorded="success")


def test_first_load_longer_than_the_statement_timeout(
    fake: FakeSnipeIT, fenv: dict[str, str], expect: Expect
) -> None:
    # The first load's one COPY spans the whole fetch (8 pages, 0.25 s each): it is bounded by the
    # run budget, not by ASSETSYNC_STATEMENT_TIMEOUT.
    fake.page_delay = 0.25
    run = sync(dict(fenv, ASSETSYNC_STATEMENT_TIMEOUT="1"))
    expect(run, code=0, says="Sync finished", state=NEW, recorded="success")


def test_statement_timeout_setting_is_validated(fenv: dict[str, str]) -> None:
    run = sync(dict(fenv, ASSETSYNC_STATEMENT_TIMEOUT="ten minutes"))
    assert run.exit_code == exitcodes.CONFIG
    assert "ASSETSYNC_STATEMENT_TIMEOUT" in run.stderr


def test_advisory_lock_held_by_another_session(
    fake: FakeSnipeIT, fenv: dict[str, str], db_dsn: str, expect: Expect
) -> None:
    before = first_sync(fenv, fake)
    runs, read = run_count(db_dsn), len(fake.requests)
    with psycopg.connect(db_dsn, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(hashtextextended('assetsync:snipeit', 0))")
        run = sync(fenv)
    expect(
        run,
        code=exitcodes.LOCKED,
        says="another sync of schema snipeit is running",
        state=OLD,
        before=before,
    )
    assert run_count(db_dsn) == runs
    assert not [r for r in fake.requests[read:] if r.pass_name], "Snipe-IT was read while locked"


# --- privileges ------------------------------------------------------------------------------------------


@pytest.fixture
def role(db_dsn: str) -> Iterator[str]:
    """A login role with a password and no privileges beyond PUBLIC's; the DSN that uses it."""
    name = f"sync_{uuid.uuid4().hex[:8]}"
    password = f"Pw-{uuid.uuid4().hex}"
    with psycopg.connect(db_dsn, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(name), sql.Literal(password))
        )
    try:
        yield make_conninfo(db_dsn, user=name, password=password)
    finally:
        with psycopg.connect(db_dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def test_role_without_create_cannot_make_the_schema(fenv: dict[str, str], role: str, expect: Expect) -> None:
    run = sync(dict(fenv, DATABASE_URL=role))
    expect(
        run,
        code=exitcodes.FAILED,
        says=("may not create schema snipeit", "GRANT CREATE"),
        state=OLD,
        before=None,
    )
    assert "Pw-" not in run.text


def grant_readme_rights(db_dsn: str, role: str) -> None:
    """Exactly the grants the README lists for a sync role that does not own the schema."""
    user = psycopg.conninfo.conninfo_to_dict(role)["user"]
    with psycopg.connect(db_dsn, autocommit=True) as admin:
        for statement in (
            "GRANT USAGE ON SCHEMA snipeit TO {r}",
            "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA snipeit TO {r}",
            "GRANT USAGE ON ALL SEQUENCES IN SCHEMA snipeit TO {r}",
            # Tables a later release adds (made by the owner's next run) get the same rights.
            "ALTER DEFAULT PRIVILEGES IN SCHEMA snipeit GRANT SELECT, INSERT, UPDATE ON TABLES TO {r}",
        ):
            admin.execute(sql.SQL(statement).format(r=sql.Identifier(str(user))))


def test_least_privilege_role_syncs_into_a_schema_the_owner_made(
    fake: FakeSnipeIT, fenv: dict[str, str], db_dsn: str, role: str, expect: Expect
) -> None:
    first_sync(fenv, fake)  # as the owner
    grant_readme_rights(db_dsn, role)
    run = sync(dict(fenv, DATABASE_URL=role))
    expect(run, code=0, says="Sync finished", state=NEW, recorded="success")


def test_least_privilege_role_leaves_a_schema_upgrade_to_the_owner(
    fake: FakeSnipeIT, fenv: dict[str, str], db_dsn: str, role: str, expect: Expect
) -> None:
    before = first_sync(fenv, fake)  # as the owner
    # Back to what the previous assetsync left (schema version 1).
    execute(db_dsn, "DELETE FROM snipeit.schema_version WHERE version > 1")
    execute(db_dsn, "ALTER TABLE snipeit.assets RESET (toast_tuple_target)")
    grant_readme_rights(db_dsn, role)
    run = sync(dict(fenv, DATABASE_URL=role))
    expect(
        run,
        code=exitcodes.FAILED,
        says=("at version 1", "must be owner of table assets", "run one sync as the owner"),
        state=OLD,
        before=before,
    )
    assert query(db_dsn, "SELECT max(version) FROM snipeit.schema_version") == [(1,)]
    assert sync(fenv).exit_code == 0  # the owner upgrades
    run = sync(dict(fenv, DATABASE_URL=role))
    expect(run, code=0, says="Sync finished", state=NEW, recorded="success")


def test_role_owning_a_schema_made_for_it_needs_no_create_on_the_database(
    fenv: dict[str, str], db_dsn: str, role: str, expect: Expect
) -> None:
    user = psycopg.conninfo.conninfo_to_dict(role)["user"]
    execute(db_dsn, sql.SQL("CREATE SCHEMA snipeit AUTHORIZATION {}").format(sql.Identifier(str(user))))
    run = sync(dict(fenv, DATABASE_URL=role))
    expect(run, code=0, says="Sync finished", state=NEW, recorded="success")


def test_role_without_table_privileges(
    fake: FakeSnipeIT, fenv: dict[str, str], db_dsn: str, role: str, expect: Expect
) -> None:
    before = first_sync(fenv, fake)
    user = psycopg.conninfo.conninfo_to_dict(role)["user"]
    with psycopg.connect(db_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("GRANT USAGE ON SCHEMA snipeit TO {}").format(sql.Identifier(str(user))))
    run = sync(dict(fenv, DATABASE_URL=role))
    expect(
        run,
        code=exitcodes.FAILED,
        says=("permission denied", "README"),
        state=OLD,
        before=before,
    )


# --- the schema from another version -----------------------------------------------------------------


def test_schema_from_a_newer_assetsync_is_left_alone(
    fake: FakeSnipeIT, fenv: dict[str, str], db_dsn: str, expect: Expect
) -> None:
    before = first_sync(fenv, fake)
    execute(
        db_dsn,
        "INSERT INTO snipeit.schema_version (version, tool_version) VALUES (%s, '9.9.9')",
        (LATEST_VERSION + 1,),
    )
    run = sync(fenv)
    expect(run, code=exitcodes.FAILED, says="upgrade assetsync", state=OLD, before=before)


@pytest.mark.parametrize("version", range(LATEST_VERSION))
def test_schema_from_an_older_assetsync_is_upgraded(
    fenv: dict[str, str], db_dsn: str, version: int, expect: Expect
) -> None:
    from assetsync.store import Store, connect

    with connect(db_dsn, server_timezone="UTC") as conn:
        Store(conn, "snipeit").migrate(up_to=version)
    run = sync(fenv)
    expect(
        run,
        code=0,
        says=f"Applied database migration {LATEST_VERSION}",
        state=NEW,
        recorded="success",
    )
    assert query(db_dsn, "SELECT max(version) FROM snipeit.schema_version") == [(LATEST_VERSION,)]


def test_tables_of_another_shape_are_named_not_half_used(
    fake: FakeSnipeIT, fenv: dict[str, str], db_dsn: str, expect: Expect
) -> None:
    before = first_sync(fenv, fake)
    # Without its document and bookkeeping the table was not made by assetsync, whatever its name.
    execute(db_dsn, "ALTER TABLE snipeit.assets DROP COLUMN raw, DROP COLUMN first_seen_at")
    before = checksum(db_dsn)
    run = sync(fenv)
    expect(
        run,
        code=exitcodes.FAILED,
        says=("first_seen_at, raw", "ASSETSYNC_SCHEMA"),
        state=OLD,
        before=before,
    )


def test_a_declared_column_the_table_lacks_is_added_and_filled(
    fake: FakeSnipeIT, fenv: dict[str, str], db_dsn: str, expect: Expect
) -> None:
    first_sync(fenv, fake)
    # As a database left by a release that had not declared these columns: its rows were hashed
    # under another mapping.
    # (The view goes too: it is made again with the columns.)
    execute(
        db_dsn, "ALTER TABLE snipeit.assets DROP COLUMN notes CASCADE, DROP COLUMN last_audit_date CASCADE"
    )
    execute(db_dsn, "UPDATE snipeit.assets SET content_hash = '\\x00'::bytea")
    execute(db_dsn, "UPDATE snipeit.entity_mappings SET mapping_seed = 0 WHERE entity = 'hardware'")
    run = sync(fenv)
    expect(
        run,
        code=0,
        says="Added column last_audit_date to table snipeit.assets",
        state=NEW,
        recorded="success",
    )
    assert "Mapping upgrade for hardware" in run.log
    audited = {a.id for a in fake.assets.values() if a.last_audit_date is not None}
    stored = query(db_dsn, "SELECT id FROM snipeit.assets WHERE last_audit_date IS NOT NULL")
    assert audited and {r[0] for r in stored} == audited
    assert query(db_dsn, "SELECT count(*) FROM snipeit.asset_overview")[0][0] > 0
