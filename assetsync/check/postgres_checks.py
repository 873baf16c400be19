"""The PostgreSQL side of `assetsync check`: reachability, the schema and its upgrade, the tables'
rights and temporary tables, all read from the catalogs without writing."""

from __future__ import annotations

import psycopg

from assetsync.check.items import (
    FAIL,
    OK,
    PG_ITEMS,
    PG_REACHABLE,
    PG_SCHEMA,
    PG_TABLES,
    PG_TEMP,
    WARN,
    CheckResult,
    Emit,
    skip_after,
)
from assetsync.config import Settings
from assetsync.redact import first_line
from assetsync.store import LATEST_VERSION, MANAGED_TABLES, SchemaAccess, StoreError, open_store


def check_postgres(settings: Settings, emit: Emit) -> None:
    """Connection, and what the role may do with the target schema, found without writing."""
    try:
        # The sync's own connection settings (SNIPEIT_CONNECT_TIMEOUT is Snipe-IT's, not PostgreSQL's).
        with open_store(settings) as store:
            access = store.access()
    except StoreError as exc:  # no connection
        emit(
            CheckResult(
                PG_REACHABLE,
                FAIL,
                str(exc),
                "check host, port, user, password and database name in DATABASE_URL, and that the "
                "server accepts this machine (listen_addresses, pg_hba.conf)",
            )
        )
        skip_after(PG_REACHABLE, emit, PG_ITEMS)
        return
    except psycopg.Error as exc:  # connected, but the catalogs could not be read
        emit(
            CheckResult(
                PG_REACHABLE,
                FAIL,
                f"connected, but could not read the role's privileges: {first_line(exc)}",
                "connect as a role that may read the system catalogs (every role normally may)",
            )
        )
        skip_after(PG_REACHABLE, emit, PG_ITEMS)
        return
    emit(
        CheckResult(
            PG_REACHABLE,
            OK,
            f"PostgreSQL {access.server_version}, database {access.database}, role {access.role}",
        )
    )
    emit(_schema_state(settings.schema, access))
    emit(_tables_state(settings.schema, access))
    if access.can_use_temp:
        emit(CheckResult(PG_TEMP, OK, "the role may create the session's staging tables"))
    else:
        emit(
            CheckResult(
                PG_TEMP,
                FAIL,
                f"role {access.role} may not create temporary tables in {access.database}",
                f"GRANT TEMPORARY ON DATABASE {access.database} TO {access.role};",
            )
        )


def _schema_state(schema: str, a: SchemaAccess) -> CheckResult:
    name = PG_SCHEMA
    if not a.schema_exists:
        if a.can_create_schema:
            return CheckResult(
                name, OK, f"{schema} does not exist yet; the role may create it (the first sync does)"
            )
        return CheckResult(
            name,
            FAIL,
            f"{schema} does not exist, and role {a.role} may not create schemas in {a.database}",
            f"GRANT CREATE ON DATABASE {a.database} TO {a.role}; or, as the owner: "
            f"CREATE SCHEMA {schema} AUTHORIZATION {a.role};",
        )
    if not a.schema_usage:
        return CheckResult(
            name,
            FAIL,
            f"{schema} exists, but role {a.role} may not use it",
            f"GRANT USAGE ON SCHEMA {schema} TO {a.role};",
        )
    if a.version is not None and a.version < LATEST_VERSION and a.assets_owner and not a.owns_assets:
        return CheckResult(
            name,
            FAIL,
            f"{schema} is at version {a.version}; this assetsync upgrades it to {LATEST_VERSION}, which "
            f"only the owner of {schema}.assets ({a.assets_owner}) may do",
            f"run one sync as {a.assets_owner}; after that, role {a.role} syncs as before",
        )
    complete = set(a.tables) == set(MANAGED_TABLES) and a.version == LATEST_VERSION
    if not a.schema_create:
        grant = f"GRANT CREATE ON SCHEMA {schema} TO {a.role};"
        if complete:
            return CheckResult(
                name, WARN, f"{schema} is usable, but a future upgrade needs CREATE on it", grant
            )
        return CheckResult(name, FAIL, f"role {a.role} may not create the tables in it", grant)
    return CheckResult(name, OK, f"{schema} exists; role {a.role} may use it and create tables in it")


def _tables_state(schema: str, a: SchemaAccess) -> CheckResult:
    if not a.tables:
        return CheckResult(PG_TABLES, OK, "not created yet; the first sync creates them")
    missing = {t: rights for t, rights in a.tables.items() if rights}
    if missing:
        lacks = "; ".join(f"{schema}.{t}: {', '.join(r)}" for t, r in sorted(missing.items()))
        return CheckResult(
            PG_TABLES,
            FAIL,
            f"role {a.role} lacks rights it needs: {lacks}",
            f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA {schema} TO {a.role}; "
            f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {a.role};",
        )
    if a.version is not None and a.version > LATEST_VERSION:
        return CheckResult(
            PG_TABLES,
            FAIL,
            f"schema version {a.version} is newer than this assetsync understands ({LATEST_VERSION})",
            "upgrade assetsync on this machine",
        )
    count = (
        f"; {a.live_assets} assets stored (not counting removed ones)" if a.live_assets is not None else ""
    )
    return CheckResult(PG_TABLES, OK, f"{', '.join(sorted(a.tables))} readable and writable{count}")
