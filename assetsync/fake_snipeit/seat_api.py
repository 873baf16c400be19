"""``GET /api/v1/licenses/{id}/seats`` as Snipe-IT v8.1.4's ``LicenseSeatsController::index`` answers it.

Its traps, kept on purpose (``snipeit-entities.md`` §5.2):

- Ordered by the seat's ``updated_at``, descending unless ``order`` is exactly ``asc``; ``sort`` is
  ignored except ``sort=department``, which also drops seats not assigned to a user. Seats made
  together share one ``updated_at``, so ties are massive; with ``tie_order="shuffled"`` tied rows come
  in a different order for each (offset, limit, order), as MySQL may give them, so paging by offset
  can repeat some seats and miss others.
- ``offset >= total`` is reset to 0: asking past the end answers page 1 again.
- A trashed or unknown license answers 200 with an error body.

``hidden`` seats still count in ``total`` but are never listed: a read that can never be complete.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from itertools import groupby
from typing import Any

from .activity import asset_display
from .data import FakeAsset
from .estate_records import FakeDepartment, FakeLicense, FakeSeat, FakeUser, Record
from .estate_state import EstateStore
from .handler import Reply
from .paging import api_limit, php_intval
from .render import RenderContext, datetime_obj, dumps, e

LICENSE_MISSING = "License does not exist or you do not have permission to view it."
TIE_ORDERS = ("stable", "shuffled")


def _ref(rec: Record | None) -> dict[str, Any] | None:
    return None if rec is None else {"id": rec.id, "name": e(getattr(rec, "name", ""))}


def _live(table: dict[int, Record], record_id: int | None) -> Record | None:
    rec = table.get(record_id) if record_id is not None else None
    return rec if rec is not None and rec.deleted_at is None else None


def seat_row(
    seat: FakeSeat, lic: FakeLicense, t: dict[str, dict[int, Record]], assets: dict[int, FakeAsset],
    ctx: RenderContext,
) -> dict[str, Any]:  # fmt: skip
    """LicenseSeatsTransformer::transformLicenseSeat (v8.1.4, without the ``name`` v8.1.3 had)."""
    made = datetime_obj(seat.created_at)  # the seat's created_at, shown on its user, asset and location
    user = t["users"].get(seat.assigned_user_id) if seat.assigned_user_id is not None else None
    a = assets.get(seat.assigned_asset_id) if seat.assigned_asset_id is not None else None
    if a is not None and a.deleted_at is not None:
        a = None  # the asset relation skips trashed assets; the user relation is withTrashed
    if isinstance(user, FakeUser):
        place = _live(t["locations"], user.location_id)  # the user's location, even when null
    else:
        place = _live(t["locations"], a.location[0]) if a is not None and a.location else None
    dept = _live(t["departments"], user.department_id) if isinstance(user, FakeUser) else None
    su = ctx.superuser
    return {
        "id": seat.id, "license_id": seat.license_id, "updated_at": datetime_obj(seat.updated_at),
        "assigned_user": None if not isinstance(user, FakeUser)
        else {"id": user.id, "name": e(user.name), "email": e(user.email), "department": _ref(dept),
              "created_at": made},
        "assigned_asset": None if a is None
        else {"id": a.id, "name": e(asset_display(a)), "created_at": made},
        "location": None if place is None
        else {"id": place.id, "name": e(getattr(place, "name", "")), "created_at": made},
        "reassignable": lic.reassignable, "notes": e(seat.notes),
        "user_can_checkout": seat.assigned_user_id is None and seat.assigned_asset_id is None,
        "available_actions": {"checkout": su, "checkin": su, "clone": su, "update": su, "delete": su},
    }  # fmt: skip


def _department_name(t: dict[str, dict[int, Record]]) -> Callable[[FakeSeat], str]:
    def key(seat: FakeSeat) -> str:
        user = t["users"].get(seat.assigned_user_id or 0)
        dept = t["departments"].get(user.department_id or 0) if isinstance(user, FakeUser) else None
        return dept.name.casefold() if isinstance(dept, FakeDepartment) else ""  # NULL sorts first

    return key


def ordered_seats(
    seats: list[FakeSeat], key: Callable[[FakeSeat], Any], asc: bool, tie_order: str, salt: str
) -> list[FakeSeat]:
    """Sorted by ``key`` (ties by id, or shuffled per ``salt`` when ``tie_order`` is "shuffled")."""
    out = sorted(seats, key=lambda s: s.id)
    out.sort(key=key, reverse=not asc)  # a stable sort: ties keep id order, in both directions
    if tie_order != "shuffled":
        return out
    shuffled: list[FakeSeat] = []
    for value, group in groupby(out, key=key):
        tied = list(group)
        # String seeds are hashed with SHA-512, so the permutation is the same in every process.
        random.Random(f"{salt}|{value}").shuffle(tied)
        shuffled += tied
    return shuffled


def seat_list(
    estate: EstateStore,
    key: str,
    params: dict[str, str],
    assets: dict[int, FakeAsset],
    *,
    max_results: int,
    ctx: RenderContext,
    tie_order: str = "stable",
    hidden: frozenset[int] = frozenset(),
) -> Reply:
    """The reply to one seats request (the caller holds the fake's lock)."""
    t = estate.tables
    lic = _live(t["licenses"], int(key)) if key.isdigit() else None
    if not isinstance(lic, FakeLicense):
        return Reply(200, {"status": "error", "messages": LICENSE_MISSING, "payload": None})
    seats = [s for s in estate.seat_table.values() if s.license_id == lic.id and s.deleted_at is None]
    by: Callable[[FakeSeat], Any] = lambda s: s.updated_at  # noqa: E731
    if params.get("sort") == "department":  # a join on users: seats without a user drop out
        seats = [s for s in seats if s.assigned_user_id is not None]
        by = _department_name(t)
    total = len(seats)
    offset = max(0, php_intval(params.get("offset")))
    offset = 0 if offset >= total else offset  # LicenseSeatsController: past the end is page 1
    limit = api_limit(params, max_results)
    asc = params.get("order") == "asc"
    ordered = ordered_seats(seats, by, asc, tie_order, f"{offset}|{limit}|{asc}")
    page = [s for s in ordered if s.id not in hidden][offset : offset + limit]
    rows = [seat_row(s, lic, t, assets, ctx) for s in page]
    return Reply(200, dumps({"total": total, "rows": rows}))  # lone surrogates too, as the lists
