"""`assetsync check`: is everything set up right? Read-only checks, in the order a run needs them.

Nothing is written anywhere except one summary line in today's log file (which is also how the
log folder is proven writable). Each item is a CheckResult; the CLI prints them.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import psycopg

from assetsync.activity.read import PATH as ACTIVITY_PATH
from assetsync.activity.read import PERMISSION as ACTIVITY_PERMISSION
from assetsync.alerts.channels import configured as configured_channels
from assetsync.alerts.channels import shown as shown_url
from assetsync.config import ENV_FILE, ConfigError, Settings, load_settings
from assetsync.entities import Entity
from assetsync.logs import log, open_run_log
from assetsync.redact import Redactor, first_line
from assetsync.setting_values import is_loopback
from assetsync.snipeit import (
    AuthenticationError,
    PermissionDeniedError,
    SnipeITClient,
    SnipeITError,
    TLSError,
    UnreachableError,
    WrongURLError,
)
from assetsync.store import LATEST_VERSION, MANAGED_TABLES, SchemaAccess, StoreError, open_store
from assetsync.sync import make_client, make_redactor

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"

CONFIG = "Configuration"
REACHABLE = "Snipe-IT reachable"
TLS = "TLS certificate"
API_ADDRESS = "Snipe-IT API address"
TOKEN = "API token accepted"
LIST = "Token may list hardware"
SCOPING = "Company scoping"
VERSION = "Snipe-IT version"
PAGE_CAP = "Server page cap"
SNIPEIT_ITEMS = (REACHABLE, TLS, API_ADDRESS, TOKEN, LIST, SCOPING, VERSION, PAGE_CAP)
PG_REACHABLE = "PostgreSQL reachable"
PG_SCHEMA = "PostgreSQL schema"
PG_TABLES = "PostgreSQL tables"
PG_TEMP = "Temporary tables"
PG_ITEMS = (PG_REACHABLE, PG_SCHEMA, PG_TABLES, PG_TEMP)
LOG_FOLDER = "Log folder"
ALERTS = "Alert channels"
ALL_ITEMS = (CONFIG, *SNIPEIT_ITEMS, *PG_ITEMS, LOG_FOLDER, ALERTS)

# A check should answer within seconds; one retry still rides out a single hiccup.
CHECK_RETRIES = 1
CHECK_BUDGET_S = 120.0


@dataclass(frozen=True)
class CheckResult:
    """One checked item: its state (ok, warn, fail, skip), what was found, and the fix on failure."""

    name: str
    state: str
    detail: str
    fix: str = ""

    @property
    def passed(self) -> bool:
        return self.state in (OK, WARN)


Emit = Callable[[CheckResult], None]


@dataclass
class CheckReport:
    results: list[CheckResult]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def config_failed(self) -> bool:
        return any(r.name == CONFIG and r.state == FAIL for r in self.results)


def run_checks(*, on_result: Emit) -> CheckReport:
    """Check configuration, Snipe-IT, PostgreSQL and the log folder; report each as it is done."""
    results: list[CheckResult] = []

    def emit(result: CheckResult) -> None:
        results.append(result)
        on_result(result)

    try:
        settings = load_settings()
    except ConfigError as exc:
        emit(CheckResult(CONFIG, FAIL, "a setting is missing or not valid", str(exc)))
        for name in ALL_ITEMS[1:]:
            emit(CheckResult(name, SKIP, "skipped until the configuration is valid"))
        return CheckReport(results)
    emit(CheckResult(CONFIG, OK, _config_source()))
    redact = make_redactor(settings)
    safe = _Redacting(emit, redact)
    # Log lines of the checks (retries, the summary) go to today's log, never to the console.
    with open_run_log(settings.log_dir, redact, console=io.StringIO()) as setup:
        check_snipeit(settings, safe)
        check_postgres(settings, safe)
        failed = [r for r in results if not r.passed]  # details already scrubbed by `safe`
        log.info(
            "Check: %d items passed, %d failed%s",
            len(results) - len(failed),
            len(failed),
            "".join(f"; {r.name} FAILED: {r.detail}" for r in failed),
        )
    if setup.file_error:
        safe(
            CheckResult(
                LOG_FOLDER,
                FAIL,
                setup.file_error,
                f"make {settings.log_dir} writable for the account that runs the sync "
                "(Task Scheduler's 'Run as' user), or set ASSETSYNC_LOG_DIR to a folder it may write",
            )
        )
    else:
        safe(CheckResult(LOG_FOLDER, OK, f"writable; this check was logged in {setup.path}"))
    safe(alert_channels(settings))
    return CheckReport(results)


def alert_channels(settings: Settings) -> CheckResult:
    """The configured alert channels, listed without sending (`assetsync alert test` sends)."""
    listed = [f"{c.name} ({c.target})" for c in configured_channels(settings)]
    if settings.heartbeat_url:
        listed.append(f"Heartbeat ({shown_url(settings.heartbeat_url)})")
    if not listed:
        # Optional, so not a warning; the detail still says what the admin is missing.
        return CheckResult(
            ALERTS, OK, "none configured (optional): a failed run is only in the log and sync_runs; "
            "see docs/alerts.md",
        )  # fmt: skip
    return CheckResult(ALERTS, OK, "; ".join(listed) + " (not sent; `assetsync alert test` sends)")


class _Redacting:
    """Scrubs secrets from every result before it is kept or shown."""

    def __init__(self, emit: Emit, redact: Redactor) -> None:
        self._emit = emit
        self._redact = redact

    def __call__(self, result: CheckResult) -> None:
        self._emit(replace(result, detail=self._redact(result.detail), fix=self._redact(result.fix)))


def _config_source() -> str:
    if ENV_FILE.is_file():
        return f"valid; read from {ENV_FILE} and the environment"
    return f"valid; read from the environment (there is no {ENV_FILE})"


# -- Snipe-IT --------------------------------------------------------------------------------------
def check_snipeit(settings: Settings, emit: Emit) -> None:
    """Reachability, TLS, API address, token, list permission, scoping, version and page cap."""
    quick = replace(settings, max_retries=min(settings.max_retries, CHECK_RETRIES))
    client = make_client(quick, deadline=time.monotonic() + CHECK_BUDGET_S)
    try:
        _check_snipeit(settings, client, emit)
    finally:
        client.close()


def _check_snipeit(settings: Settings, client: SnipeITClient, emit: Emit) -> None:
    me: Any = None
    try:
        me = client.get("users/me").data
    except PermissionDeniedError:
        pass  # authenticated, but not allowed to read itself: the scoping hint says so
    except AuthenticationError as exc:
        _passed_until(TOKEN, settings, emit)
        emit(
            CheckResult(TOKEN, FAIL, str(exc), "create a new API key in Snipe-IT and put it in SNIPEIT_TOKEN")
        )
        _skip_after(TOKEN, emit)
        return
    except SnipeITError as exc:
        _fail_connection(settings, client, exc, emit)
        return
    _passed_until(LIST, settings, emit, me)
    try:
        listing = client.get("hardware", {"limit": 500, "offset": 0, "sort": "id", "order": "asc"}).data
        total, rows = int(listing["total"]), len(listing["rows"])
    except SnipeITError as exc:
        emit(CheckResult(LIST, FAIL, str(exc), _LIST_FIX))
        _skip_after(LIST, emit)
        return
    except (TypeError, KeyError, ValueError):
        emit(
            CheckResult(LIST, FAIL, "the hardware list did not have the usual {total, rows} shape", _LIST_FIX)
        )
        _skip_after(LIST, emit)
        return
    emit(
        CheckResult(
            LIST, OK, f"{total} assets in the default list (archived and deleted ones come in extra passes)"
        )
    )
    emit(_scoping(me))
    emit(_version(client))
    emit(_page_cap(settings, total, rows))
    for entity in settings.entities:
        if entity.name != "hardware":
            emit(_entity_list(client, entity))
    if settings.activity:
        emit(_activity_report(client))


ACTIVITY = "Token may read activity log"


def _activity_report(client: SnipeITClient) -> CheckResult:
    """With ASSETSYNC_ACTIVITY on: may the token read /reports/activity?"""
    turn_off = "or set ASSETSYNC_ACTIVITY=false"
    try:
        listing = client.get(ACTIVITY_PATH, {"limit": 1, "offset": 0, "sort": "id", "order": "desc"}).data
        total = int(listing["total"])
    except PermissionDeniedError:
        return CheckResult(
            ACTIVITY,
            FAIL,
            f"Snipe-IT answered 403 for /{ACTIVITY_PATH}: the token's user may not view the activity report",
            f"give the token's user the '{ACTIVITY_PERMISSION}' permission in Snipe-IT, {turn_off}",
        )
    except SnipeITError as exc:
        return CheckResult(
            ACTIVITY, FAIL, str(exc), f"check Snipe-IT's logs for /{ACTIVITY_PATH}, {turn_off}"
        )
    except (TypeError, KeyError, ValueError):
        return CheckResult(
            ACTIVITY, FAIL, "the activity report did not have the usual {total, rows} shape", turn_off
        )
    return CheckResult(ACTIVITY, OK, f"{total} entries in the activity log")


def entity_item(entity: Entity) -> str:
    return f"Token may list {entity.plural}"


def _entity_list(client: SnipeITClient, entity: Entity) -> CheckResult:
    """One line per configured entity besides hardware: may the token list it?"""
    name = entity_item(entity)
    leave_out = f"or leave {entity.name} out of ASSETSYNC_ENTITIES"
    try:
        listing = client.get(entity.endpoint, {"limit": 1, "offset": 0}).data
        total = int(listing["total"])
    except PermissionDeniedError:
        return CheckResult(
            name,
            FAIL,
            f"Snipe-IT answered 403 for /{entity.endpoint}: the token's user may not list {entity.plural}",
            f"give the token's user the '{entity.permission}' permission in Snipe-IT, {leave_out}",
        )
    except SnipeITError as exc:
        return CheckResult(name, FAIL, str(exc), f"check Snipe-IT's logs for /{entity.endpoint}, {leave_out}")
    except (TypeError, KeyError, ValueError):
        return CheckResult(
            name, FAIL, f"the {entity.endpoint} list did not have the usual {{total, rows}} shape", leave_out
        )
    return CheckResult(name, OK, f"{total} {entity.plural} in the default list")


_LIST_FIX = (
    "give the token's user the 'View' permission on assets (Snipe-IT: Users > the API user > "
    "Permissions), or use an API key of a user that has it"
)


def _passed_until(stop: str, settings: Settings, emit: Emit, me: Any = None) -> None:
    """Emit the items before `stop`: they passed, since a later stage was reached."""
    for name in SNIPEIT_ITEMS[: SNIPEIT_ITEMS.index(stop)]:
        if name == REACHABLE:
            emit(CheckResult(REACHABLE, OK, f"{settings.api_url} answered"))
        elif name == TLS:
            emit(_tls_state(settings))
        elif name == API_ADDRESS:
            emit(CheckResult(API_ADDRESS, OK, "the address answers as the Snipe-IT API (JSON)"))
        elif name == TOKEN:
            user = me.get("username") if isinstance(me, dict) else None
            emit(CheckResult(TOKEN, OK, f"accepted; it belongs to user '{user}'" if user else "accepted"))


def _skip_after(failed: str, emit: Emit, items: tuple[str, ...] = SNIPEIT_ITEMS) -> None:
    """Mark the items after `failed` in its group as skipped: each needs the one before."""
    for name in items[items.index(failed) + 1 :]:
        emit(CheckResult(name, SKIP, f"skipped until '{failed}' passes"))


def _fail_connection(settings: Settings, client: SnipeITClient, exc: SnipeITError, emit: Emit) -> None:
    if isinstance(exc, UnreachableError):
        where, fix = (
            REACHABLE,
            (
                "check the host name and port in SNIPEIT_API_URL, that this machine can reach it "
                "(firewall, proxy, VPN), and that Snipe-IT is up"
            ),
        )
    elif isinstance(exc, TLSError):
        where, fix = (
            TLS,
            (
                "if Snipe-IT's certificate comes from a private CA, set SNIPEIT_CA_BUNDLE to that CA's PEM "
                "file; if it has expired or names another host, renew it"
            ),
        )
    elif isinstance(exc, WrongURLError):
        where, fix = (
            API_ADDRESS,
            (
                "set SNIPEIT_API_URL to the address you open Snipe-IT with in the browser "
                "(https://assets.example.com); a login page means a wrong path or a proxy in between"
            ),
        )
    elif client.requests_sent == 0:
        where, fix = REACHABLE, "check that Snipe-IT is up and SNIPEIT_API_URL is right"
    else:
        where, fix = REACHABLE, "Snipe-IT answers but keeps failing; check its web server and PHP logs"
    _passed_until(where, settings, emit)
    emit(CheckResult(where, FAIL, str(exc), fix))
    _skip_after(where, emit)


def _tls_state(settings: Settings) -> CheckResult:
    url = settings.api_url
    if url.startswith("http://"):
        if is_loopback(url):
            return CheckResult(TLS, OK, "plain http to this machine (loopback): no certificate involved")
        return CheckResult(
            TLS,
            WARN,
            "plain http: the API token crosses the network unencrypted",
            "use the https:// address of Snipe-IT in SNIPEIT_API_URL",
        )
    if not settings.verify_tls:
        return CheckResult(
            TLS,
            WARN,
            "certificate verification is OFF (SNIPEIT_VERIFY_TLS=false)",
            "set SNIPEIT_CA_BUNDLE to your CA's PEM file and remove SNIPEIT_VERIFY_TLS",
        )
    via = f" against {settings.ca_bundle}" if settings.ca_bundle else ""
    return CheckResult(TLS, OK, f"certificate verified{via}")


def _scoping(me: Any) -> CheckResult:
    if not isinstance(me, dict):
        return CheckResult(SCOPING, WARN, "could not read the token's user", _SCOPING_FIX)
    user = me.get("username") or me.get("name") or "?"
    perms = me.get("permissions")
    if not isinstance(perms, dict):
        perms = {}
    if str(perms.get("superuser", "")) == "1":
        return CheckResult(SCOPING, OK, f"user '{user}' is a superuser: company scoping hides nothing")
    return CheckResult(
        SCOPING,
        WARN,
        f"user '{user}' is not a superuser: with Full Multiple Companies Support on, Snipe-IT "
        "hides other companies' assets from it",
        _SCOPING_FIX,
    )


_SCOPING_FIX = (
    "use the API key of a superuser, or make sure Full Multiple Companies Support is off "
    "(Admin > Settings > General)"
)


def _version(client: SnipeITClient) -> CheckResult:
    try:
        data = client.get("version").data
        return CheckResult(VERSION, OK, f"Snipe-IT {data['version']}")
    except (SnipeITError, TypeError, KeyError):
        return CheckResult(
            VERSION,
            WARN,
            "Snipe-IT did not report its version (GET /api/v1/version exists from v6.1 on)",
            "upgrade Snipe-IT to a supported version",
        )


def _page_cap(settings: Settings, total: int, rows: int) -> CheckResult:
    if total == 0:
        return CheckResult(PAGE_CAP, OK, "unknown: the default list is empty")
    if total <= rows:
        return CheckResult(PAGE_CAP, OK, f"at least {rows} rows per page (every asset fits in one page)")
    pages = -(-total // min(rows, settings.page_size))
    note = ""
    if rows < settings.page_size:
        note = f" (SNIPEIT_PAGE_SIZE={settings.page_size} is above it; the sync adapts)"
    return CheckResult(PAGE_CAP, OK, f"{rows} rows per page{note}; the default list is about {pages} pages")


# -- PostgreSQL ------------------------------------------------------------------------------------
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
        _skip_after(PG_REACHABLE, emit, PG_ITEMS)
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
        _skip_after(PG_REACHABLE, emit, PG_ITEMS)
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
