"""The Snipe-IT side of `assetsync check`: reachability, TLS, address, token, each list's permission,
company scoping, version and the server's page cap."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from assetsync.activity.read import PATH as ACTIVITY_PATH
from assetsync.activity.read import PERMISSION as ACTIVITY_PERMISSION
from assetsync.check.items import (
    API_ADDRESS,
    FAIL,
    LIST,
    OK,
    PAGE_CAP,
    REACHABLE,
    SCOPING,
    SNIPEIT_ITEMS,
    TLS,
    TOKEN,
    VERSION,
    WARN,
    CheckResult,
    Emit,
    skip_after,
)
from assetsync.config import Settings
from assetsync.entities import BY_NAME, Entity
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
from assetsync.sync import make_client

# A check should answer within seconds; one retry still rides out a single hiccup.
CHECK_RETRIES = 1
CHECK_BUDGET_S = 120.0


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
        skip_after(TOKEN, emit)
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
        skip_after(LIST, emit)
        return
    except (TypeError, KeyError, ValueError):
        emit(
            CheckResult(LIST, FAIL, "the hardware list did not have the usual {total, rows} shape", _LIST_FIX)
        )
        skip_after(LIST, emit)
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
    if settings.store_license_keys and any(e.name == "licenses" for e in settings.entities):
        emit(_license_keys(client))
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
        path = entity.endpoint if entity.parent is None else _first_child_path(client, entity)
        if path is None:
            return CheckResult(name, OK, f"no {entity.parent} yet to read {entity.plural} of")
        listing = client.get(path, {"limit": 1, "offset": 0}).data
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
    if entity.parent is not None:
        return CheckResult(name, OK, f"/{path} answered: {total} {entity.plural} there")
    return CheckResult(name, OK, f"{total} {entity.plural} in the default list")


def _first_child_path(client: SnipeITClient, entity: Entity) -> str | None:
    """The list of a child entity (seats) under the first record of its parent; None without one."""
    parent = BY_NAME[entity.parent or ""]
    rows = client.get(parent.endpoint, {"limit": 1, "offset": 0}).data["rows"]
    return entity.endpoint.replace("{id}", str(int(rows[0]["id"]))) if rows else None


LICENSE_KEYS = "Token may see license keys"


def _license_keys(client: SnipeITClient) -> CheckResult:
    """With ASSETSYNC_STORE_LICENSE_KEYS on: does Snipe-IT show the token's user the keys?"""
    try:
        rows = client.get("licenses", {"limit": 50, "offset": 0}).data["rows"]
    except (SnipeITError, TypeError, KeyError) as exc:
        return CheckResult(LICENSE_KEYS, FAIL, f"could not read the licenses: {exc}", "see the line above")
    keys = [r.get("product_key") for r in rows if isinstance(r, dict) and r.get("product_key")]
    if keys and all(str(k).strip("-") == "" for k in keys):
        return CheckResult(
            LICENSE_KEYS,
            WARN,
            "Snipe-IT masks every product key for the token's user, so licenses.product_key stays empty",
            "give the token's user the 'licenses.keys' permission (Licenses: View License Keys), or set "
            "ASSETSYNC_STORE_LICENSE_KEYS=false",
        )
    return CheckResult(LICENSE_KEYS, OK, "product keys are shown to the token's user and will be stored")


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
    skip_after(where, emit)


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
