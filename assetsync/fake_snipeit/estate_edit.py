"""Changing the estate as Snipe-IT users would: edit, add, soft-delete, restore, purge, churn.

Every change is thread-safe, bumps the record's ``updated_at`` (unless given) and updates the asset
rows that show the record, without touching those assets' ``updated_at`` (Snipe-IT renders related
names live). Purging a user leaves their assets pointing at nobody, so those rows show
``assigned_to: null``; a soft-deleted user keeps their assets (withTrashed).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from .data import _FastRandom
from .estate_data import new_user, user_change
from .estate_links import SHOWN_ON_ASSETS, asset_changes
from .estate_records import ENTITIES, ENTITY_OF, FakeUser, Record
from .estate_state import EstateStore
from .state import now_utc

# A trashed model still shows on its assets (the relation is withTrashed); other trashed records don't.
_SHOWN_WHILE_TRASHED = {"users", "models"}


class Estate(EstateStore):
    """The entity store with mutations; reach it as ``FakeSnipeIT.estate``."""

    def next_id(self, entity: str) -> int:
        """The id Snipe-IT would give the next new record (auto-increment never reuses ids)."""
        with self._lock:
            return max(self._raw()[entity], default=0) + 1

    def add(self, rec: Record) -> None:
        """Add a record (its entity follows from its type)."""
        entity = ENTITY_OF[type(rec)]
        with self._lock:
            table = self._raw()[entity]
            if rec.id in table:
                raise ValueError(f"{entity} id {rec.id} already exists")
            table[rec.id] = rec
            self.touched(entity, rec)

    def update(self, entity: str, record_id: int, **changes: Any) -> None:
        """Change record fields, e.g. ``update("users", 105, department_id=4)``; bumps updated_at."""
        with self._lock:
            rec = self._raw()[entity][record_id]
            names = {f.name for f in dataclasses.fields(rec)} - {"id"}
            unknown = set(changes) - names
            if unknown:
                raise TypeError(f"cannot update {type(rec).__name__} fields {sorted(unknown)}")
            old_parent = getattr(rec, "parent_id", None)
            for name, value in changes.items():
                setattr(rec, name, value)
            if "updated_at" not in changes:
                rec.updated_at = max(now_utc(), rec.updated_at)
            self.touched(entity, rec, set(changes), extra=(old_parent,))
            if SHOWN_ON_ASSETS.get(entity, frozenset()) & set(changes):
                self._show_on_assets(entity, record_id, gone=False)

    def rename(self, entity: str, record_id: int, name: str) -> None:
        """Rename a location, company, model... (users: update first_name / last_name instead)."""
        self.update(entity, record_id, name=name)

    def soft_delete(self, entity: str, record_id: int) -> None:
        """Trash a record; a license takes its seats with it (its seats route then answers an error)."""
        with self._lock:
            now = now_utc()
            self.update(entity, record_id, deleted_at=now, updated_at=now)
            if entity == "licenses":
                self._trash_seats(record_id, None, now)
            if entity not in _SHOWN_WHILE_TRASHED:
                self._show_on_assets(entity, record_id, gone=True)

    def restore(self, entity: str, record_id: int) -> None:
        """Bring a record back; a license gets back the seats trashed with it (not ones removed before)."""
        with self._lock:
            was = self._raw()[entity][record_id].deleted_at
            self.update(entity, record_id, deleted_at=None)
            if entity == "licenses" and was is not None:
                self._trash_seats(record_id, was, None)
            if entity not in _SHOWN_WHILE_TRASHED:
                self._show_on_assets(entity, record_id, gone=False)

    def purge(self, entity: str, record_id: int) -> None:
        """Remove a record for good ("Purge deleted records"); GET /{entity}/{id} then says not found.
        A license goes with all its seats."""
        with self._lock:
            rec = self._raw()[entity].pop(record_id)
            if entity == "licenses":
                seats = self.seat_table
                for seat_id in [s.id for s in seats.values() if s.license_id == record_id]:
                    del seats[seat_id]
                self.seats_changed()
            self.touched(entity, rec)
            self._show_on_assets(entity, record_id, gone=True)

    def _trash_seats(self, license_id: int, was: datetime | None, now: datetime | None) -> None:
        """Set ``deleted_at`` to ``now`` on the license's seats whose ``deleted_at`` is ``was``."""
        for seat in self.seat_table.values():
            if seat.license_id == license_id and seat.deleted_at == was:
                seat.deleted_at = now
        self.seats_changed()

    def churn_users(
        self, *, changed: float = 0.0, soft_deleted: float = 0.0, new: float = 0.0, seed: int = 2
    ) -> dict[str, int]:
        """Edit, soft-delete and add users, each a fraction of the live users; returns the counts."""
        rng = _FastRandom(seed)
        with self._lock:
            t = self._raw()
            live = [i for i, u in t["users"].items() if i > 2 and u.deleted_at is None]
            n = len(live)
            k_changed = min(n, round(n * changed))
            k_deleted = min(n - k_changed, round(n * soft_deleted))
            picked = rng.sample(live, k_changed + k_deleted)
            for i in picked[:k_changed]:
                user = t["users"][i]
                assert isinstance(user, FakeUser)
                self.update("users", i, **user_change(rng, user, t))
            for i in picked[k_changed:]:
                self.soft_delete("users", i)
            k_new = round(n * new)
            now = now_utc()
            for _ in range(k_new):
                self.add(new_user(rng, self.next_id("users"), now, t))
            alive = sum(1 for u in t["users"].values() if u.deleted_at is None)
            return {"changed": k_changed, "soft_deleted": k_deleted, "new": k_new, "live": alive,
                    "all": len(t["users"])}  # fmt: skip

    def _show_on_assets(self, entity: str, record_id: int, *, gone: bool) -> None:
        """Make asset rows show the record as it is now (or nothing, when ``gone``)."""
        if entity not in ENTITIES or entity == "departments":
            return
        t = self._raw()
        rec = None if gone else t[entity].get(record_id)
        store = self._store
        for a in list(store.assets.values()):
            changes = asset_changes(entity, record_id, rec, t, a)
            if changes:
                store.update(a.id, updated_at=a.updated_at, **changes)
