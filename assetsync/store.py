"""All SQL: migrations, the advisory lock, staging COPY, the merge, removals and run history."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
import psycopg.rows
from psycopg import sql

from assetsync import __version__
from assetsync.config import Settings
from assetsync.fields import COLUMN_NAMES, COLUMNS
from assetsync.redact import first_line

log = logging.getLogger("assetsync")

APPLICATION_NAME = "assetsync"
STAGE = "assetsync_stage"
OVERRIDE = "assetsync_stage_override"


class StoreError(Exception):
    """The database refused something; the message says what and how to fix it."""


class LockBusyError(StoreError):
    """Another sync holds the advisory lock for this schema."""


# Rows up to this size stay whole in the table (`raw` compressed in place) instead of sending `raw`
# out to the TOAST table: a typical asset is about 2.5 KB that way, just over the default 2 KB, and
# moving each document out cost about a tenth of PostgreSQL's work on a load.
TOAST_TUPLE_TARGET = 3000


def _migrations(schema: sql.Identifier) -> list[tuple[int, list[sql.Composed]]]:
    """Versioned DDL; each step runs once, in order, inside the lock and one transaction."""
    asset_columns = sql.SQL(",\n    ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(ddl)) for name, ddl in COLUMNS
    )
    return [
        (
            1,
            [
                sql.SQL("""CREATE TABLE IF NOT EXISTS {s}.assets (
    {cols},
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    changed_at timestamptz NOT NULL DEFAULT now(),
    removed_at timestamptz,
    PRIMARY KEY (id)
)""").format(s=schema, cols=asset_columns),
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
)""").format(s=schema),
                sql.SQL(
                    "CREATE INDEX IF NOT EXISTS sync_runs_started_idx ON {s}.sync_runs (started_at DESC)"
                ).format(s=schema),
                sql.SQL("COMMENT ON TABLE {s}.assets IS {c}").format(
                    s=schema,
                    c=sql.Literal("Snipe-IT hardware assets, one row per asset id; maintained by assetsync"),
                ),
            ],
        ),
        (
            2,
            [
                sql.SQL("ALTER TABLE {s}.assets SET (toast_tuple_target = {n})").format(
                    s=schema, n=sql.Literal(TOAST_TUPLE_TARGET)
                ),
            ],
        ),
    ]


LATEST_VERSION = 2


@dataclass
class MergeCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    soft_deleted: int = 0
    restored: int = 0
    removed: int = 0


@dataclass
class FailureStreak:
    """Failed or braked runs since the last success: how many, the first's and the last's start."""

    failures: int = 0
    first_started: datetime | None = None
    last_started: datetime | None = None
    last_success_watch: dict[str, Any] | None = None


MANAGED_TABLES = ("assets", "sync_runs", "schema_version")


@dataclass
class SchemaAccess:
    """The role's rights on the target schema; `tables` maps each existing table to missing rights."""

    server_version: str
    database: str
    role: str
    can_create_schema: bool
    can_use_temp: bool
    schema_exists: bool
    schema_usage: bool
    schema_create: bool
    tables: dict[str, list[str]] = field(default_factory=dict)
    version: int | None = None
    live_assets: int | None = None
    # Upgrades alter the assets table, which only its owner (or a member of the owning role) may do.
    assets_owner: str | None = None
    owns_assets: bool = False


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
        raise StoreError(
            f"cannot connect to PostgreSQL: {_pg_reason(exc)}; check DATABASE_URL and that the "
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
        yield Store(conn, settings.schema)
    finally:
        conn.close()


def describe_error(exc: psycopg.Error, *, connection_lost: bool, statement_timeout: float) -> str:
    """A PostgreSQL failure as one sentence that says what happened and what to do."""
    reason = _pg_reason(exc) if connection_lost else first_line(exc)
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


def _pg_reason(exc: BaseException) -> str:
    """The server's own message when there is one (not the statement excerpt psycopg appends);
    else the last line, which for a failed connection names the reason."""
    diag = getattr(exc, "diag", None)
    primary = diag.message_primary if diag is not None else None
    if primary:
        return str(primary)
    text = str(exc).strip().splitlines()
    return text[-1] if text else type(exc).__name__


class Store:
    """One connection's view of the target schema."""

    def __init__(self, conn: psycopg.Connection[Any], schema: str) -> None:
        self.conn = conn
        self.schema_name = schema
        self.schema = sql.Identifier(schema)
        self.assets = sql.Identifier(schema, "assets")
        self.runs = sql.Identifier(schema, "sync_runs")

    # -- locking -------------------------------------------------------------------------------
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

    # -- schema --------------------------------------------------------------------------------
    def schema_version(self) -> int | None:
        """The applied migration version, or None when the schema has not been created yet."""
        row = self.conn.execute(
            "SELECT to_regclass(%s) IS NOT NULL",
            (f"{self.schema_name}.schema_version",),
        ).fetchone()
        if not row or not row[0]:
            return None
        found = self.conn.execute(
            sql.SQL("SELECT max(version) FROM {}").format(sql.Identifier(self.schema_name, "schema_version"))
        ).fetchone()
        return int(found[0]) if found and found[0] is not None else 0

    def migrate(self, up_to: int = LATEST_VERSION) -> int:
        """Create or upgrade the schema (to `up_to`, for tests of upgrades); returns the steps applied."""
        current = self.schema_version()
        if current is not None and current > LATEST_VERSION:
            raise StoreError(
                f"schema {self.schema_name} is at version {current}, newer than this assetsync "
                f"({__version__}) understands ({LATEST_VERSION}); upgrade assetsync"
            )
        steps = [(v, stmts) for v, stmts in _migrations(self.schema) if (current or 0) < v <= up_to]
        if not steps and current is not None:
            self._check_assets_columns()
            return 0
        try:
            with self.conn.transaction():
                # Created only when missing: even IF NOT EXISTS needs CREATE on the database (or
                # schema), which a role that owns what exists may lack.
                exists = self.conn.execute(
                    "SELECT 1 FROM pg_namespace WHERE nspname = %s", (self.schema_name,)
                ).fetchone()
                if not exists:
                    self.conn.execute(sql.SQL("CREATE SCHEMA {}").format(self.schema))
                if current is None:
                    self.conn.execute(
                        sql.SQL(
                            "CREATE TABLE IF NOT EXISTS {} (version integer PRIMARY KEY, "
                            "applied_at timestamptz NOT NULL DEFAULT now(), tool_version text)"
                        ).format(sql.Identifier(self.schema_name, "schema_version"))
                    )
                for version, statements in steps:
                    for statement in statements:
                        self.conn.execute(statement)
                    self.conn.execute(
                        sql.SQL("INSERT INTO {} (version, tool_version) VALUES (%s, %s)").format(
                            sql.Identifier(self.schema_name, "schema_version")
                        ),
                        (version, __version__),
                    )
                    log.info("Applied database migration %d to schema %s", version, self.schema_name)
        except psycopg.errors.InsufficientPrivilege as exc:
            if current:
                raise StoreError(
                    f"schema {self.schema_name} is at version {current} and this assetsync upgrades it to "
                    f"{up_to}, which this role may not do ({_pg_reason(exc)}); run one sync as the owner "
                    "of its tables (`assetsync check` names it), then this role syncs as before"
                ) from None
            raise StoreError(
                f"the database role may not create schema {self.schema_name} or its tables "
                f"({_pg_reason(exc)}); "
                f"run as the owner once, or GRANT CREATE ON DATABASE/SCHEMA to this role (see README)"
            ) from None
        if up_to == LATEST_VERSION:
            self._check_assets_columns()
            self._use_lz4_if_offered()
        return len(steps)

    def _check_assets_columns(self) -> None:
        """Refuse a same-named table of another shape before any work, rather than fail in the merge."""
        rows = self.conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
            "AND NOT attisdropped",
            (self._qualified("assets"),),
        ).fetchall()
        expected = {*COLUMN_NAMES, "first_seen_at", "changed_at", "removed_at"}
        missing = sorted(expected - {r[0] for r in rows})
        if missing:
            raise StoreError(
                f"table {self.schema_name}.assets lacks the column(s) {', '.join(missing)}: it was not "
                "made by this version of assetsync (another tool, or by hand); set ASSETSYNC_SCHEMA to a "
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

    def _use_lz4_if_offered(self) -> None:
        # lz4 TOAST compression loads the ~2 KB raw documents 25-38% faster; optional per server build.
        if not self.lz4_available():
            return
        row = self.conn.execute(
            "SELECT attcompression FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'raw'",
            (f"{self.schema_name}.assets",),
        ).fetchone()
        if row and row[0] != "l":
            self.conn.execute(
                sql.SQL("ALTER TABLE {} ALTER COLUMN raw SET COMPRESSION lz4").format(self.assets)
            )

    # -- run history ---------------------------------------------------------------------------
    def abandon_stale_runs(self) -> int:
        """Runs still 'running' while we hold the lock died without a word (killed, power cut)."""
        cur = self.conn.execute(
            sql.SQL(
                "UPDATE {} SET status = 'abandoned', finished_at = now(), "
                "error = coalesce(error, 'the process ended without finishing this run') "
                "WHERE status = 'running'"
            ).format(self.runs)
        )
        return cur.rowcount

    def start_run(self, host: str) -> int:
        row = self.conn.execute(
            sql.SQL(
                "INSERT INTO {} (status, tool_version, host) VALUES ('running', %s, %s) RETURNING id"
            ).format(self.runs),
            (__version__, host),
        ).fetchone()
        assert row is not None
        return int(row[0])

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        fetched: int | None,
        counts: MergeCounts | None,
        duration: float,
        error: str | None,
        details: str | None,
    ) -> None:
        c = counts or MergeCounts()
        self.conn.execute(
            sql.SQL("""UPDATE {} SET finished_at = now(), status = %s, fetched = %s, inserted = %s,
                updated = %s, unchanged = %s, soft_deleted = %s, removed = %s, duration_seconds = %s,
                error = %s, details = %s::jsonb WHERE id = %s""").format(self.runs),
            (
                status,
                fetched,
                c.inserted if counts else None,
                c.updated if counts else None,
                c.unchanged if counts else None,
                c.soft_deleted if counts else None,
                c.removed if counts else None,
                round(duration, 3),
                error,
                details,
                run_id,
            ),
        )

    def recent_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        """The newest runs first, as dicts (columns of sync_runs)."""
        return self._runs(sql.SQL("ORDER BY id DESC LIMIT %s"), (limit,))

    def get_run(self, run_id: int) -> dict[str, Any] | None:
        rows = self._runs(sql.SQL("WHERE id = %s"), (run_id,))
        return rows[0] if rows else None

    def last_run(self, *, status: str | None = None) -> dict[str, Any] | None:
        """The newest run (optionally only with this status)."""
        if status is None:
            rows = self._runs(sql.SQL("ORDER BY id DESC LIMIT 1"), ())
        else:
            rows = self._runs(sql.SQL("WHERE status = %s ORDER BY id DESC LIMIT 1"), (status,))
        return rows[0] if rows else None

    def failure_streak(self, before_id: int | None) -> FailureStreak:
        """The failed or braked runs since the last success (before `before_id`), and the facts
        the last success recorded for the suspicious-activity checks (details->'watch')."""
        if self.schema_version() is None:
            return FailureStreak()
        bound = before_id if before_id is not None else 2**62
        row = self.conn.execute(
            sql.SQL("""
            WITH last_ok AS (SELECT id, details FROM {runs} WHERE status = 'success' AND id < %(b)s
                             ORDER BY id DESC LIMIT 1)
            SELECT count(*), min(started_at), max(started_at), (SELECT details -> 'watch' FROM last_ok)
            FROM {runs} WHERE status IN ('failed', 'braked') AND id < %(b)s
                          AND id > coalesce((SELECT id FROM last_ok), 0)""").format(runs=self.runs),
            {"b": bound},
        ).fetchone()
        assert row is not None
        return FailureStreak(int(row[0]), row[1], row[2], row[3] if isinstance(row[3], dict) else None)

    def _runs(self, tail: sql.Composable, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        if self.schema_version() is None:
            return []
        with self.conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
            cur.execute(sql.SQL("SELECT * FROM {} ").format(self.runs) + tail, params)
            return list(cur.fetchall())

    # -- staging -------------------------------------------------------------------------------
    def create_stage(self) -> None:
        """Session TEMP tables: private to this connection, gone when it closes."""
        for name in (STAGE, OVERRIDE):
            self.conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))
            self.conn.execute(
                sql.SQL(
                    "CREATE TEMP TABLE {} ({}, seq integer NOT NULL) WITH (toast_tuple_target = {})"
                ).format(
                    sql.Identifier(name),
                    sql.SQL(", ").join(
                        sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(d.replace(" NOT NULL", "")))
                        for n, d in COLUMNS
                    ),
                    sql.Literal(TOAST_TUPLE_TARGET),
                )
            )
        if self.lz4_available():
            self.conn.execute(
                sql.SQL("ALTER TABLE {} ALTER COLUMN raw SET COMPRESSION lz4").format(sql.Identifier(STAGE))
            )

    def copy_rows(self, records: Iterable[Sequence[Any]], seq: int, *, override: bool = False) -> int:
        """COPY one page into the stage in its own short autocommit transaction."""
        return self._copy_stage(OVERRIDE if override else STAGE, (*COLUMN_NAMES, "seq"), records, seq)

    def _copy_stage(
        self, table: str, columns: Sequence[str], records: Iterable[Sequence[Any]], seq: int
    ) -> int:
        """One COPY of `records` (each followed by `seq`) into a stage table; returns the row count."""
        names = sql.SQL(", ").join(map(sql.Identifier, columns))
        count = 0
        with (
            self.conn.cursor() as cur,
            cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), names)) as copy,
        ):
            for record in records:
                copy.write_row((*record, seq))
                count += 1
        return count

    @contextmanager
    def copy_into_assets(self) -> Iterator[Callable[[Sequence[Any]], None]]:
        """One COPY straight into the assets table (first load, inside `load_transaction`);
        yields the function that writes one row."""
        columns = sql.SQL(", ").join(map(sql.Identifier, COLUMN_NAMES))
        with (
            self.conn.cursor() as cur,
            cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(self.assets, columns)) as copy,
        ):
            yield copy.write_row

    def apply_overrides_to_assets(self) -> None:
        """First load: later-pass copies of an id replace the ones copied into the table earlier."""
        override = sql.Identifier(OVERRIDE)
        names = sql.SQL(", ").join(map(sql.Identifier, COLUMN_NAMES))
        self.conn.execute(
            sql.SQL("DELETE FROM {} a USING {} o WHERE a.id = o.id").format(self.assets, override)
        )
        self.conn.execute(
            sql.SQL("INSERT INTO {} ({}) SELECT DISTINCT ON (id) {} FROM {} ORDER BY id, seq DESC").format(
                self.assets, names, names, override
            )
        )
        self.conn.execute(sql.SQL("TRUNCATE {}").format(override))

    def copy_unchanged(self, pairs: Iterable[tuple[int, bytes]], seq: int) -> int:
        """COPY only (id, content_hash) of rows known to equal their stored version.

        The merge skips them by their hash and the removal check needs only their id, so the
        other columns stay NULL and PostgreSQL never parses their JSON.
        """
        return self._copy_stage(STAGE, ("id", "content_hash", "seq"), pairs, seq)

    def stored_hashes(self, ids: Sequence[int]) -> dict[int, bytes]:
        """content_hash of the given ids among the live stored assets."""
        rows = self.conn.execute(
            sql.SQL("SELECT id, content_hash FROM {} WHERE id = ANY(%s) AND removed_at IS NULL").format(
                self.assets
            ),
            (list(ids),),
        ).fetchall()
        return {int(r[0]): bytes(r[1]) for r in rows}

    def prepare_stage(self) -> None:
        """Let later-pass copies of an id replace earlier ones, then give the planner statistics."""
        stage, override = sql.Identifier(STAGE), sql.Identifier(OVERRIDE)
        has_override = self.conn.execute(
            sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(override)
        ).fetchone()
        if has_override and has_override[0]:
            with self.conn.transaction():
                self.conn.execute(
                    sql.SQL("DELETE FROM {} s USING {} o WHERE s.id = o.id").format(stage, override)
                )
                self.conn.execute(
                    sql.SQL("INSERT INTO {} SELECT DISTINCT ON (id) * FROM {} ORDER BY id, seq DESC").format(
                        stage, override
                    )
                )
                self.conn.execute(sql.SQL("TRUNCATE {}").format(override))
        self.conn.execute(sql.SQL("ANALYZE {}").format(stage))

    # -- comparing -----------------------------------------------------------------------------
    def live_count(self) -> int:
        row = self.conn.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE removed_at IS NULL").format(self.assets)
        ).fetchone()
        return int(row[0]) if row else 0

    def removal_candidates(self) -> list[int]:
        """Live rows whose id no pass returned: purged, or out of the token's sight."""
        rows = self.conn.execute(
            sql.SQL(
                "SELECT t.id FROM {} t WHERE t.removed_at IS NULL AND NOT EXISTS "
                "(SELECT 1 FROM {} s WHERE s.id = t.id) ORDER BY t.id"
            ).format(self.assets, sql.Identifier(STAGE))
        ).fetchall()
        return [int(r[0]) for r in rows]

    def planned_changes(self, *, assets_exist: bool = True) -> MergeCounts:
        """What a merge would do, counted without changing anything."""
        stage = sql.Identifier(STAGE)
        if not assets_exist:
            row = self.conn.execute(sql.SQL("SELECT count(*) FROM {}").format(stage)).fetchone()
            return MergeCounts(inserted=int(row[0]) if row else 0)
        row = self.conn.execute(
            sql.SQL("""
            SELECT count(*) FILTER (WHERE t.id IS NULL),
                   count(*) FILTER (WHERE t.id IS NOT NULL
                                    AND (t.content_hash <> s.content_hash OR t.removed_at IS NOT NULL)),
                   count(*) FILTER (WHERE t.id IS NOT NULL AND t.content_hash = s.content_hash
                                    AND t.removed_at IS NULL),
                   count(*) FILTER (WHERE t.id IS NOT NULL AND s.deleted_at IS NOT NULL
                                    AND t.deleted_at IS NULL),
                   count(*) FILTER (WHERE t.removed_at IS NOT NULL)
            FROM {} s LEFT JOIN {} t ON t.id = s.id""").format(stage, self.assets)
        ).fetchone()
        assert row is not None
        return MergeCounts(
            inserted=row[0], updated=row[1], unchanged=row[2], soft_deleted=row[3], restored=row[4]
        )

    def watch_changes(self) -> tuple[int, dict[str, int]]:
        """For the suspicious-activity checks, among live stored assets the stage brings in full:
        how many changed assignee, status or location, and per field (a key of Snipe-IT's row or
        a custom field) how many rows no longer have it."""
        stage = sql.Identifier(STAGE)
        row = self.conn.execute(
            sql.SQL("""
            SELECT count(*) FROM {stage} s JOIN {assets} t ON t.id = s.id
            WHERE t.removed_at IS NULL AND s.raw IS NOT NULL
              AND (t.assigned_to_type, t.assigned_to_id, t.status_id, t.location_id) IS DISTINCT FROM
                  (s.assigned_to_type, s.assigned_to_id, s.status_id, s.location_id)""").format(
                stage=stage, assets=self.assets
            )
        ).fetchone()
        lost = self.conn.execute(
            sql.SQL("""
            SELECT k, count(*) FROM {stage} s JOIN {assets} t ON t.id = s.id, jsonb_object_keys(t.raw) k
            WHERE t.removed_at IS NULL AND s.raw IS NOT NULL AND NOT s.raw ? k GROUP BY k
            UNION ALL
            SELECT 'custom field ' || k, count(*)
            FROM {stage} s JOIN {assets} t ON t.id = s.id, jsonb_object_keys(t.custom_fields) k
            WHERE t.removed_at IS NULL AND s.raw IS NOT NULL AND NOT s.custom_fields ? k
            GROUP BY k""").format(
                stage=stage, assets=self.assets
            )
        ).fetchall()
        return (int(row[0]) if row else 0), {str(k): int(n) for k, n in lost}

    def changed_tags(self, limit: int = 1000) -> dict[str, list[str]]:
        """Asset tags per kind of planned change (for dry-run -v)."""
        stage = sql.Identifier(STAGE)
        out: dict[str, list[str]] = {}
        for kind, cond in (
            ("insert", "t.id IS NULL"),
            ("update", "t.id IS NOT NULL AND (t.content_hash <> s.content_hash OR t.removed_at IS NOT NULL)"),
            ("soft-delete", "t.id IS NOT NULL AND s.deleted_at IS NOT NULL AND t.deleted_at IS NULL"),
        ):
            rows = self.conn.execute(
                sql.SQL(
                    "SELECT coalesce(s.asset_tag, s.id::text) FROM {} s LEFT JOIN {} t "
                    "ON t.id = s.id WHERE " + cond + " ORDER BY s.id LIMIT %s"
                ).format(stage, self.assets),
                (limit,),
            ).fetchall()
            out[kind] = [str(r[0]) for r in rows]
        return out

    def tags_of(self, ids: Sequence[int]) -> list[str]:
        rows = self.conn.execute(
            sql.SQL("SELECT coalesce(asset_tag, id::text) FROM {} WHERE id = ANY(%s) ORDER BY id").format(
                self.assets
            ),
            (list(ids),),
        ).fetchall()
        return [str(r[0]) for r in rows]

    # -- the one write transaction -------------------------------------------------------------
    @contextmanager
    def merge_transaction(self) -> Iterator[None]:
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
            yield

    def merge(self) -> int:
        """Insert new and changed rows; unchanged rows are filtered out before ON CONFLICT so they
        are not even locked (a no-change run writes no row and next to no WAL)."""
        stage = sql.Identifier(STAGE)
        names = [sql.Identifier(n) for n in COLUMN_NAMES]
        updates = sql.SQL(", ").join(
            sql.SQL("{} = EXCLUDED.{}").format(n, n) for n in names if n != sql.Identifier("id")
        )
        cur = self.conn.execute(
            sql.SQL("""
            INSERT INTO {assets} AS t ({cols})
            SELECT {scols} FROM {stage} s
            WHERE NOT EXISTS (SELECT 1 FROM {assets} x WHERE x.id = s.id
                              AND x.content_hash = s.content_hash AND x.removed_at IS NULL)
            ON CONFLICT (id) DO UPDATE SET {updates}, changed_at = now(), removed_at = NULL
            WHERE t.content_hash IS DISTINCT FROM EXCLUDED.content_hash OR t.removed_at IS NOT NULL
        """).format(
                assets=self.assets,
                cols=sql.SQL(", ").join(names),
                scols=sql.SQL(", ").join(sql.SQL("s.{}").format(n) for n in names),
                stage=stage,
                updates=updates,
            )
        )
        return cur.rowcount

    def mark_removed(self, ids: Sequence[int]) -> int:
        if not ids:
            return 0
        cur = self.conn.execute(
            sql.SQL(
                "UPDATE {} SET removed_at = now(), changed_at = now() "
                "WHERE id = ANY(%s) AND removed_at IS NULL"
            ).format(self.assets),
            (list(ids),),
        )
        return cur.rowcount

    def assets_empty(self) -> bool:
        row = self.conn.execute(
            sql.SQL("SELECT NOT EXISTS (SELECT 1 FROM {})").format(self.assets)
        ).fetchone()
        return bool(row and row[0])

    def assets_table_exists(self) -> bool:
        row = self.conn.execute(
            "SELECT to_regclass(%s) IS NOT NULL", (f"{self.schema_name}.assets",)
        ).fetchone()
        return bool(row and row[0])

    # -- read-only inspection (assetsync check) ------------------------------------------------
    def access(self) -> SchemaAccess:
        """What this role may do with the target schema, found without writing anything."""
        row = self.conn.execute(
            """SELECT split_part(current_setting('server_version'), ' ', 1), current_database(),
                      current_user, has_database_privilege(current_database(), 'CREATE'),
                      has_database_privilege(current_database(), 'TEMP'), n.oid IS NOT NULL,
                      coalesce(has_schema_privilege(n.oid, 'USAGE'), false),
                      coalesce(has_schema_privilege(n.oid, 'CREATE'), false)
               FROM (SELECT 1) AS one LEFT JOIN pg_namespace n ON n.nspname = %s""",
            (self.schema_name,),
        ).fetchone()
        assert row is not None
        found = SchemaAccess(*row)
        if not found.schema_usage:
            return found
        # has_table_privilege with a list is true if ANY is held, so ask for each privilege.
        for name, select, insert, update, owner, owned in self.conn.execute(
            """SELECT c.relname, has_table_privilege(c.oid, 'SELECT'), has_table_privilege(c.oid, 'INSERT'),
                      has_table_privilege(c.oid, 'UPDATE'), pg_get_userbyid(c.relowner),
                      pg_has_role(c.relowner, 'USAGE')
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = %s AND c.relname = ANY(%s)""",
            (self.schema_name, list(MANAGED_TABLES)),
        ).fetchall():
            found.tables[name] = [
                p for p, ok in (("SELECT", select), ("INSERT", insert), ("UPDATE", update)) if not ok
            ]
            if name == "assets":
                found.assets_owner, found.owns_assets = owner, owned
        if "sync_runs" in found.tables:
            seq = self.conn.execute(
                "SELECT has_sequence_privilege(pg_get_serial_sequence(%s, 'id'), 'USAGE')",
                (f"{sql.Identifier(self.schema_name).as_string(self.conn)}.sync_runs",),
            ).fetchone()
            if seq and seq[0] is False:
                found.tables["sync_runs"].append("USAGE on its id sequence")
        if "schema_version" in found.tables and not found.tables["schema_version"]:
            found.version = self.schema_version()
        if "assets" in found.tables and not found.tables["assets"]:
            found.live_assets = self.live_count()
        return found
