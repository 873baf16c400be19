"""Hardware changes as Snipe-IT's API makes them, each writing the activity entry Snipe-IT writes.

`update`, `soft_delete` and `purge` (AssetStore) stay silent: they are changes behind Snipe-IT's
back (a direct database edit, a purge), which the log never sees. These methods are the logged ones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .activity import ActivityLog, Entry, asset_display
from .data import FakeAsset, Ref
from .estate_edit import Estate
from .estate_records import FakeLocation, FakeUser
from .state import AssetStore, now_utc

# Edits logged with the column name Snipe-IT stores (FK columns hold a Ref, see activity.RENAMED).
_LOGGED = {"name": "name", "serial": "serial", "notes": "notes", "asset_tag": "asset_tag",
           "status_label": "status_id", "location": "location_id", "model": "model_id",
           "company": "company_id", "supplier": "supplier_id", "rtd_location": "rtd_location_id"}  # fmt: skip


class HardwareEvents(AssetStore):
    """Checkouts, check-ins, edits and deletes that leave their trace in ``activity``."""

    activity: ActivityLog
    estate: Estate

    def checkout(
        self, asset_id: int, user_id: int, *, at: datetime | None = None, note: str | None = None
    ) -> Entry:
        """Check an asset out to a user (`at` back-dates it: action_date, not created_at)."""
        user = self.estate.get("users", user_id)
        assert isinstance(user, FakeUser)
        full = f"{user.first_name} {user.last_name}" if user.last_name else user.first_name
        assigned = {"type": "user", "id": user.id, "username": user.username,
                    "first_name": user.first_name, "last_name": user.last_name, "email": user.email,
                    "employee_number": user.employee_num}  # fmt: skip
        return self._checkout(asset_id, assigned, ("user", user.id, full), None, at, note)

    def checkout_to_location(self, asset_id: int, location_id: int, *, at: datetime | None = None) -> Entry:
        place = self.estate.get("locations", location_id)
        assert isinstance(place, FakeLocation)
        assigned = {"type": "location", "id": place.id, "name": place.name}
        return self._checkout(
            asset_id, assigned, ("location", place.id, place.name), (place.id, place.name), at, None
        )

    def checkout_to_asset(self, asset_id: int, parent_id: int, *, at: datetime | None = None) -> Entry:
        name = asset_display(self.assets[parent_id])
        assigned = {"type": "asset", "id": parent_id, "name": name}
        return self._checkout(asset_id, assigned, ("asset", parent_id, name), None, at, None)

    def checkin(self, asset_id: int, *, at: datetime | None = None, note: str | None = None) -> Entry:
        """Check an asset in: back to its default location; the entry names who had it."""
        with self._lock:
            a = self.assets[asset_id]
            if a.assigned_to is None:
                raise ValueError(f"asset {asset_id} is not checked out")
            target = _target(a.assigned_to)
            now = now_utc()
            meta = _moved(a.location, a.rtd_location)
            self.update(asset_id, assigned_to=None, last_checkin=at or now, location=a.rtd_location,
                        expected_checkin=None, checkin_counter=a.checkin_counter + 1)  # fmt: skip
            return self.activity.write(action="checkin from", item_type="asset", item_id=asset_id,
                                       item_name="", created_at=now, target=target, action_date=at or now,
                                       note=note, log_meta=_back_dated(meta, now, at))  # fmt: skip

    def edit(self, asset_id: int, **changes: Any) -> Entry:
        """An edit through the API: the row changes and an `update` entry lists what changed."""
        with self._lock:
            a = self.assets[asset_id]
            meta = {_LOGGED[k]: {"old": _plain(getattr(a, k)), "new": _plain(v)}
                    for k, v in changes.items() if k in _LOGGED and getattr(a, k) != v}  # fmt: skip
            self.update(asset_id, **changes)
            return self.activity.write(action="update", item_type="asset", item_id=asset_id, item_name="",
                                       created_at=now_utc(), log_meta=meta)  # fmt: skip

    def create(self, asset: FakeAsset) -> Entry:
        with self._lock:
            self.add(asset)
            return self.activity.write(action="create", item_type="asset", item_id=asset.id, item_name="",
                                       created_at=now_utc(), log_meta=None)  # fmt: skip

    def delete(self, asset_id: int) -> Entry:
        """DELETE /hardware/{id}: an assigned asset is first checked in ("Checkin on delete")."""
        with self._lock:
            if self.assets[asset_id].assigned_to is not None:
                self.checkin(asset_id, note="Checkin on delete")
            self.soft_delete(asset_id)
            return self.activity.write(action="delete", item_type="asset", item_id=asset_id, item_name="",
                                       created_at=now_utc(), log_meta=None)  # fmt: skip

    def _checkout(
        self,
        asset_id: int,
        assigned: dict[str, Any],
        target: tuple[str, int, str],
        place: Ref | None,
        at: datetime | None,
        note: str | None,
    ) -> Entry:
        # Snipe-IT's checkout form refuses an asset that is out; bulk checkouts and the importer do
        # not, so a checkout while out is allowed here as there.
        with self._lock:
            a = self.assets[asset_id]
            now = now_utc()
            new_place = place or a.location
            meta = _moved(a.location, new_place)
            self.update(asset_id, assigned_to=assigned, last_checkout=at or now, location=new_place,
                        checkout_counter=a.checkout_counter + 1)  # fmt: skip
            return self.activity.write(action="checkout", item_type="asset", item_id=asset_id, item_name="",
                                       created_at=now, target=target, action_date=at or now, note=note,
                                       location=new_place, log_meta=_back_dated(meta, now, at))  # fmt: skip


def _target(assigned: dict[str, Any]) -> tuple[str, int, str]:
    kind = assigned.get("type", "user")
    if kind != "user":
        return kind, int(assigned["id"]), str(assigned.get("name") or "")
    first, last = assigned.get("first_name") or "", assigned.get("last_name")
    return "user", int(assigned["id"]), f"{first} {last}" if last else first


def _moved(old: Ref | None, new: Ref | None) -> dict[str, dict[str, Any]]:
    return {"location_id": {"old": old, "new": new}} if old != new else {}


def _back_dated(
    meta: dict[str, dict[str, Any]], now: datetime, at: datetime | None
) -> dict[str, dict[str, Any]]:
    """A back-dated event also logs action_date: {old: now, new: given}."""
    if at is None or at == now:
        return meta
    return {"action_date": {"old": now.isoformat(" "), "new": at.isoformat(" ")}, **meta}


def _plain(value: Any) -> Any:
    """A FakeAsset field as the database column holds it: FKs as Refs, status labels as (id, name)."""
    if isinstance(value, tuple) and len(value) == 3:  # a StatusLabel
        return (value[0], value[1])
    return value
