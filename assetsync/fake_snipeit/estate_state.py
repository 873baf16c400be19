"""The fake's entity store: lists, passes, sorting, counts derived from hardware, a render cache.

Built lazily from the assets on first use (a hardware-only benchmark never pays for it). ``*_count``
fields are counted live from the asset rows and the other records, so they drift as Snipe-IT's do.
Mutations live in ``estate_edit.Estate``, the subclass the server uses.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from .estate_data import generate_estate
from .estate_items import grow_items
from .estate_items_render import ITEM_RENDERERS
from .estate_links import adopt
from .estate_records import (
    ENTITIES,
    EstateSize,
    FakeLocation,
    FakeSeat,
    FakeSupplier,
    FakeUser,
    Record,
    name_of,
)
from .estate_render import RENDERERS, Counts, supplier_row
from .render import RenderContext, dumps
from .state import AssetStore, unstable_page

Tables = dict[str, dict[int, Record]]
_NAME = frozenset({"name", "deleted_at"})  # a trashed record shows as null where it is referenced
_PERSON = frozenset({"first_name", "last_name", "deleted_at"})
_ITEMS = ("licenses", "accessories", "consumables", "components")
_ALL_RENDERERS = {**RENDERERS, **ITEM_RENDERERS}
# Rows that show another record, by the field pointing at it, and which of its fields they show
# (None: all of it, as a location's manager is a whole user row).
DEPENDENTS: dict[str, tuple[tuple[str, str, frozenset[str] | None], ...]] = {
    "users": (("users", "manager_id", _PERSON), ("locations", "manager_id", None),
              ("departments", "manager_id", _PERSON)),
    "locations": (("users", "location_id", _NAME), ("departments", "location_id", _NAME),
                  ("locations", "parent_id", _NAME),
                  *((i, "location_id", _NAME) for i in _ITEMS if i != "licenses")),
    "companies": (("users", "company_id", _NAME), ("locations", "company_id", _NAME),
                  ("departments", "company_id", _NAME), *((i, "company_id", _NAME) for i in _ITEMS)),
    "departments": (("users", "department_id", _NAME),),
    "manufacturers": (("models", "manufacturer_id", _NAME),
                      *((i, "manufacturer_id", _NAME) for i in _ITEMS if i != "components")),
    "categories": (("models", "category_id", _NAME), *((i, "category_id", _NAME) for i in _ITEMS)),
    "suppliers": tuple((i, "supplier_id", _NAME) for i in _ITEMS),
}  # fmt: skip


def _text(value: Any) -> str:
    return value.casefold() if isinstance(value, str) else ""  # MySQL's _ci collations ignore case


class EstateStore:
    """Every entity's records by id, trashed ones included, and their rendered rows."""

    def __init__(
        self, store: AssetStore, ctx: RenderContext, lock: threading.RLock, size: EstateSize, seed: int
    ) -> None:
        self._store = store
        self._ctx = ctx
        self._lock = lock
        self.size = size
        self.seed = seed
        self._tables: Tables | None = None
        self._seats: dict[int, FakeSeat] = {}  # license seats by id, trashed ones included
        self.license_keys_visible = True  # see FakeSnipeIT.license_keys_visible
        self._seen = (-1, -1)  # (asset generation, estate generation) the counts were made for
        self.generation = 0
        self._counts: dict[str, dict[str, dict[int, int]]] = {}
        self._kids: dict[int, list[FakeLocation]] = {}
        self._rows: dict[str, dict[int, tuple[tuple[int, ...], bytes]]] = {n: {} for n in ENTITIES}
        self._lists: dict[tuple[str, str, str, bool], tuple[list[int], list[float]]] = {}

    # --- reads ------------------------------------------------------------------------------------

    @property
    def tables(self) -> Tables:
        """The records, adopted and counted up to date with the asset rows."""
        with self._lock:
            t = self._raw()
            self._refresh(t)
            return t

    def _raw(self) -> Tables:
        """The records as they are (generated on first use); what changes go through."""
        if self._tables is None:
            assets = self._store.assets.values()
            tables = generate_estate(assets, self.size, seed=self.seed)
            self._seats = grow_items(tables, assets, self.size, self.seed)
            self._tables = tables
        return self._tables

    @property
    def seat_table(self) -> dict[int, FakeSeat]:
        """Every license seat by id (generated with the estate); change it under the lock, then call
        ``seats_changed``."""
        self._raw()
        return self._seats

    def seats_changed(self) -> None:
        """Seats were checked out, in, added or removed: recount free seats on the next read. The
        license rows re-render because their count changed; their updated_at stays (no $touches)."""
        with self._lock:
            self.generation += 1

    def forget_rows(self, entity: str) -> None:
        """Drop an entity's rendered rows (after a change in how they render, such as key rights)."""
        with self._lock:
            self._rows[entity].clear()

    def get(self, entity: str, record_id: int) -> Record:
        return self.tables[entity][record_id]

    def all_ids(self, entity: str) -> list[int]:
        return sorted(self.tables[entity])

    def live_ids(self, entity: str) -> list[int]:
        return sorted(i for i, r in self.tables[entity].items() if r.deleted_at is None)

    def live(self, entity: str, record_id: int | None) -> Record | None:
        """A record as a belongsTo relation loads it: trashed and missing ones are null."""
        if record_id is None or self._tables is None:
            return None
        rec = self._tables[entity].get(record_id)
        return rec if rec is not None and rec.deleted_at is None else None

    def children(self, location_id: int) -> list[FakeLocation]:
        return self._kids.get(location_id, [])

    @property
    def generated(self) -> bool:
        """Whether the records exist yet (a hardware-only run never generates them)."""
        return self._tables is not None

    def counts(self, entity: str, record_id: int) -> Counts:
        with self._lock:
            self._refresh(self._raw())
            return {k: d.get(record_id, 0) for k, d in self._counts[entity].items()}

    def page(
        self, entity: str, pass_name: str, sort: str, asc: bool, offset: int, limit: int
    ) -> tuple[int, bytes]:
        """``(total, rows joined by commas)``; offset already clamped at 0, clamped at the total here."""
        with self._lock:
            ids, keys = self._ordered(entity, pass_name, sort, asc)
            total = len(ids)
            offset = max(0, min(offset, total))
            # Only id is unique; any other key has ties, which MySQL orders differently per page.
            page = ids[offset : offset + limit] if sort == "id" else unstable_page(ids, keys, offset, limit)
            return total, b",".join([self._row(entity, i) for i in page])

    def show(self, entity: str, record_id: int) -> bytes | None:
        """GET /{entity}/{id}: the row, or None when missing or trashed (findOrFail skips trashed rows)."""
        with self._lock:
            rec = self.tables[entity].get(record_id)
            if rec is None or rec.deleted_at is not None:
                return None
            if isinstance(rec, FakeSupplier):  # only the show query selects zip
                return dumps(supplier_row(rec, self, self.counts(entity, record_id), self._ctx, listed=False))
            return self._row(entity, record_id)

    def warm(self) -> None:
        """Render every row now, so a benchmark's first pass measures the client, not the fake."""
        with self._lock:
            for entity, table in self.tables.items():
                for i in table:
                    self._row(entity, i)

    # --- derived state ----------------------------------------------------------------------------

    def touched(
        self, entity: str, rec: Record, fields: set[str] | None = None, *, extra: tuple[int | None, ...] = ()
    ) -> None:
        """Forget what showed ``rec`` (whose ``fields`` changed; None: added or purged): its row, rows
        that show those fields, its parent's children; the next read recounts."""
        self.generation += 1
        self._lists.clear()
        rows = self._rows
        rows[entity].pop(rec.id, None)
        if entity == "locations":
            for loc_id in (getattr(rec, "parent_id", None), *extra):
                if loc_id is not None:
                    rows["locations"].pop(loc_id, None)
        t = self._raw()
        for other, fk, shown in DEPENDENTS.get(entity, ()):
            if fields is not None and shown is not None and not shown & fields:
                continue
            cache = rows[other]
            for r in t[other].values():
                if getattr(r, fk) == rec.id:
                    cache.pop(r.id, None)

    def _refresh(self, t: Tables) -> None:
        key = (self._store.generation, self.generation)
        if key == self._seen:
            return
        if key[0] != self._seen[0] and adopt(t, self._store.assets.values()):
            self.generation += 1
            self._rows = {n: {} for n in ENTITIES}
        self._count(t)
        self._lists.clear()
        self._seen = (self._store.generation, self.generation)

    def _count(self, t: Tables) -> None:
        """Every *_count, as withCount subqueries give them: trashed assets and users are not counted."""
        c: dict[str, dict[str, dict[int, int]]] = {n: {} for n in ENTITIES}

        def bump(entity: str, field: str, record_id: int) -> None:
            d = c[entity].setdefault(field, {})
            d[record_id] = d.get(record_id, 0) + 1

        show_archived = self._store.show_archived_in_list
        for a in self._store.assets.values():
            if a.deleted_at is not None:
                continue
            shown = show_archived or a.status_label is None or a.status_label[2] != "archived"
            for entity, ref, counted in (
                ("models", a.model, True), ("manufacturers", a.manufacturer, True),
                ("suppliers", a.supplier, True), ("categories", a.category, shown),
                ("companies", a.company, shown), ("locations", a.location, True),
            ):  # fmt: skip
                if ref is not None and counted:
                    bump(entity, "assets_count", ref[0])
            if a.status_label is not None:
                bump("statuslabels", "assets_count", a.status_label[0])
            if a.rtd_location is not None:
                bump("locations", "rtd_assets_count", a.rtd_location[0])
            if a.assigned_to is not None:
                kind = a.assigned_to.get("type", "user")
                if kind == "user":
                    bump("users", "assets_count", a.assigned_to["id"])
                elif kind == "location":
                    bump("locations", "assigned_assets_count", a.assigned_to["id"])
        for u in t["users"].values():
            if isinstance(u, FakeUser) and u.deleted_at is None:
                for entity, fk in (("locations", u.location_id), ("companies", u.company_id),
                                   ("departments", u.department_id), ("users", u.manager_id)):  # fmt: skip
                    if fk is not None:
                        bump(entity, "manages_users_count" if entity == "users" else "users_count", fk)
        kids: dict[int, list[FakeLocation]] = {}
        for loc in t["locations"].values():
            if isinstance(loc, FakeLocation) and loc.deleted_at is None:
                if loc.manager_id is not None:
                    bump("users", "manages_locations_count", loc.manager_id)
                if loc.parent_id is not None:
                    kids.setdefault(loc.parent_id, []).append(loc)
        for seat in self._seats.values():
            if seat.deleted_at is None and seat.assigned_user_id is None and seat.assigned_asset_id is None:
                bump("licenses", "free_seats_count", seat.license_id)
        self._counts, self._kids = c, kids

    def _row(self, entity: str, record_id: int) -> bytes:
        counts = {k: d.get(record_id, 0) for k, d in self._counts[entity].items()}
        if entity == "locations":  # a child's rename re-renders its parent via touched()
            counts["children"] = len(self._kids.get(record_id, ()))
        stamp = tuple(counts.values())
        hit = self._rows[entity].get(record_id)
        if hit is None or hit[0] != stamp:
            assert self._tables is not None
            rec = self._tables[entity][record_id]
            # A right-sized copy of orjson's buffer, as AssetStore keeps them.
            row = memoryview(dumps(_ALL_RENDERERS[entity](rec, self, counts, self._ctx))).tobytes()
            hit = self._rows[entity][record_id] = (stamp, row)
        return hit[1]

    def _ordered(self, entity: str, pass_name: str, sort: str, asc: bool) -> tuple[list[int], list[float]]:
        """Member ids in order, with sort keys ascending; cached until anything changes."""
        t = self.tables
        key = (entity, pass_name, sort, asc)
        hit = self._lists.get(key)
        if hit is not None:
            return hit
        if pass_name == "deleted":
            members = [r for r in t[entity].values() if r.deleted_at is not None]
        elif pass_name == "all":
            members = list(t[entity].values())
        else:
            members = [r for r in t[entity].values() if r.deleted_at is None]
        values = [self._sort_key(entity, sort)(r) for r in members]
        # Ranks turn any sort value (text, dates, counts, tuples) into a number that can be negated.
        rank = {v: float(n) for n, v in enumerate(sorted(set(values)))}
        sign = 1.0 if asc else -1.0
        pairs = sorted((sign * rank[v], r.id) for v, r in zip(values, members, strict=True))
        hit = self._lists[key] = ([i for _, i in pairs], [k for k, _ in pairs])
        return hit

    def _sort_key(self, entity: str, sort: str) -> Callable[[Record], Any]:
        if sort == "id":
            return lambda r: r.id
        if sort in ("created_at", "updated_at"):
            return lambda r: getattr(r, sort)
        if sort == "assets_count":
            counted = self._counts[entity].get("assets_count", {})
            return lambda r: counted.get(r.id, 0)
        if sort == "name":
            return lambda r: _text(name_of(r))
        names = sort.split(",")  # users: "first_name,last_name" sorts by both
        return lambda r: tuple(_text(getattr(r, n)) for n in names)
