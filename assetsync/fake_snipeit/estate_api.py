"""The entity endpoints of the fake: ``GET /api/v1/{entity}`` and ``/{entity}/{id}`` for the nine
entities besides hardware, with their list passes, sorts, paging rules and not-found bodies.

Passes (``RequestInfo.pass_name``): ``live`` (the default list), ``deleted`` (only trashed rows:
users and manufacturers ``deleted=true``, models ``status=deleted``) and ``all`` (users ``all=true``).
Entities without a deleted-row flag ignore it and list live rows, as Snipe-IT does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .estate_records import ENTITIES
from .estate_state import EstateStore
from .handler import Reply
from .paging import api_limit, php_intval
from .render import datetime_obj

ENDPOINTS = frozenset(ENTITIES)
FORBIDDEN = {"message": "This action is unauthorized."}  # the policy's 403, unwrapped
# What /users/me lists as a non-superuser's permissions: the view right behind every list.
PERMISSIONS = {
    "hardware": "assets.view",
    **{name: e.permission for name, e in ENTITIES.items()},
    "reports": "reports.view",
}


def list_pass(entity: str, params: dict[str, str]) -> str:
    """Which rows a list request asks for: "live", "deleted" (only trashed) or "all"."""
    spec = ENTITIES[entity]
    if spec.trashed_flag is not None and params.get(spec.trashed_flag[0]) == spec.trashed_flag[1]:
        return "deleted"
    if spec.lists_all and params.get("all") == "true":
        return "all"
    return "live"


def _sort(entity: str, params: dict[str, str]) -> str:
    spec = ENTITIES[entity]
    sort = params.get("sort", "")
    if sort not in spec.sortable:
        return spec.default_sort  # an unknown column silently falls back
    if entity == "users" and sort in ("first_name", "last_name"):
        # An explicit name sort adds the other name as a second key; the default sort does not.
        return "first_name,last_name" if sort == "first_name" else "last_name,first_name"
    return sort


def entity_list(
    estate: EstateStore, entity: str, pass_name: str, params: dict[str, str], max_results: int
) -> Reply:
    offset = php_intval(params.get("offset"))
    # Models take abs(offset); everywhere else Laravel's offset() turns a negative one into 0.
    offset = abs(offset) if ENTITIES[entity].abs_offset else max(0, offset)
    limit = api_limit(params, max_results)
    asc = params.get("order") == "asc"  # exactly "asc"; "ASC" sorts descending
    total, rows = estate.page(entity, pass_name, _sort(entity, params), asc, offset, limit)
    return Reply(200, b'{"total":%d,"rows":[%b]}' % (total, rows))


def entity_show(estate: EstateStore, entity: str, key: str) -> Reply:
    row = estate.show(entity, int(key)) if key.isdigit() else None
    if row is None:
        return Reply(200, {"status": "error", "messages": ENTITIES[entity].missing, "payload": None})
    return Reply(200, row)


def token_permissions(superuser: bool, denied: set[str]) -> dict[str, Any]:
    """/users/me ``permissions``: a superuser passes every policy, so denying anything drops it."""
    if superuser and not denied:
        return {"superuser": "1"}
    return {perm: "0" if endpoint in denied else "1" for endpoint, perm in PERMISSIONS.items()}


def me_profile(superuser: bool, denied: set[str]) -> dict[str, Any]:
    """GET /users/me: the token's own user, with the rights it has."""
    stamp = datetime_obj(datetime(2023, 1, 9, 8, 30, 0))
    perms = token_permissions(superuser, denied)
    return {
        "id": 1, "avatar": "https://assets.example.com/img/default-sm.png", "name": "API User",
        "first_name": "API", "last_name": "User", "username": "api", "remote": False, "locale": "en-US",
        "employee_num": "", "manager": None, "jobtitle": "Integration", "vip": False, "phone": None,
        "website": None, "address": None, "city": None, "state": None, "country": None, "zip": None,
        "email": "api@example.com", "department": None, "location": None, "notes": "",
        "permissions": perms, "activated": True, "autoassign_licenses": True, "ldap_import": False,
        "two_factor_enrolled": False, "two_factor_optin": False, "assets_count": 0, "licenses_count": 0,
        "accessories_count": 0, "consumables_count": 0, "manages_users_count": 0,
        "manages_locations_count": 0, "company": None, "created_by": None, "created_at": stamp,
        "updated_at": stamp, "start_date": None, "end_date": None, "last_login": None, "deleted_at": None,
        "available_actions": {"update": superuser, "delete": False, "clone": superuser,
                              "restore": False},
        "groups": None,
    }  # fmt: skip
