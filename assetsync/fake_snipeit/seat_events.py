"""License seat changes as Snipe-IT makes them, logged or not as Snipe-IT logs them.

Logged ones are written against the license (``item_type`` license, ``item_id`` the license id) with
no seat id, as ``Loggable`` does; ``seat_unlogged_reassign`` (a user merge) and ``checkin_asset_seats``
(an asset check-in) leave no license entry. Every change bumps the seat's ``updated_at`` but never
the license's (``LicenseSeat`` has no ``$touches``); the license's free seat count follows live.
"""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta
from typing import Any

from .activity import ActivityLog, Entry, asset_display
from .data import FakeAsset
from .estate_edit import Estate
from .estate_records import FakeLicense, FakeSeat, FakeUser
from .state import now_utc

Target = tuple[str, int, str]


class SeatEvents:
    """Seat checkouts, check-ins, reassignments and seat count changes; mixed into FakeSnipeIT."""

    _lock: threading.RLock
    activity: ActivityLog
    estate: Estate
    assets: dict[int, FakeAsset]
    seat_tie_order: str
    hidden_seats: set[int]

    # --- reads and faults ---------------------------------------------------------------------------

    def license_seats(self, license_id: int) -> list[dict[str, Any]]:
        """The license's seats that are not deleted, by id, as plain dicts for assertions."""
        with self._lock:
            return [{"id": s.id, "license_id": s.license_id, "assigned_user_id": s.assigned_user_id,
                     "assigned_asset_id": s.assigned_asset_id}
                    for s in sorted(self.estate.seat_table.values(), key=lambda s: s.id)
                    if s.license_id == license_id and s.deleted_at is None]  # fmt: skip

    def all_seats(self) -> list[list[int | None]]:
        """Every seat of a live license as ``[id, license_id, assigned_user_id, assigned_asset_id]``."""
        with self._lock:
            live = set(self.estate.live_ids("licenses"))
            return [[s.id, s.license_id, s.assigned_user_id, s.assigned_asset_id]
                    for s in sorted(self.estate.seat_table.values(), key=lambda s: s.id)
                    if s.deleted_at is None and s.license_id in live]  # fmt: skip

    def hide_seat(self, seat_id: int) -> None:
        """Keep a seat in ``total`` but out of every page, so no read of its license is ever complete."""
        with self._lock:
            self.hidden_seats.add(seat_id)

    def unhide_seat(self, seat_id: int) -> None:
        with self._lock:
            self.hidden_seats.discard(seat_id)

    # --- logged changes -----------------------------------------------------------------------------

    def seat_checkout(
        self, license_id: int, *, user_id: int | None = None, asset_id: int | None = None,
        at: datetime | None = None,
    ) -> int:  # fmt: skip
        """Check the lowest-id free seat out to a user or an asset; returns the seat id. An asset that
        is checked out to a user brings that user onto the seat too (checkoutToAsset)."""
        if (user_id is None) == (asset_id is None):
            raise ValueError("give exactly one of user_id and asset_id")
        with self._lock:
            lic = self._license(license_id)
            free = [s for s in self._seats_of(license_id) if s.assigned_user_id is None
                    and s.assigned_asset_id is None]  # fmt: skip
            if not free:
                raise ValueError(f"license {license_id} has no free seat")
            seat = free[0]
            if asset_id is not None:
                a = self.assets[asset_id]
                holder = a.assigned_to
                seat.assigned_asset_id = asset_id
                if holder is not None and holder.get("type", "user") == "user":
                    seat.assigned_user_id = int(holder["id"])
                target = ("asset", asset_id, asset_display(a))
            else:
                assert user_id is not None
                seat.assigned_user_id = user_id
                target = self._user_target(user_id)
            self._log("checkout", lic, target, at)
            self._touch(seat)
            return seat.id

    def seat_checkin(self, seat_id: int, *, at: datetime | None = None) -> None:
        """Free a seat; the entry names who had it (its user first, else its asset)."""
        with self._lock:
            seat = self._seat(seat_id)
            if seat.assigned_user_id is not None:
                target = self._user_target(seat.assigned_user_id)
            elif seat.assigned_asset_id is not None:
                a = self.assets.get(seat.assigned_asset_id)
                name = asset_display(a) if a is not None else ""
                target = ("asset", seat.assigned_asset_id, name)
            else:
                raise ValueError(f"seat {seat_id} is not checked out")
            seat.assigned_user_id = seat.assigned_asset_id = None
            self._log("checkin from", self._license(seat.license_id), target, at)
            self._touch(seat)

    def seat_reassign(self, seat_id: int, user_id: int) -> None:
        """Check a seat in and straight out again to another user: two entries, the counts unchanged."""
        with self._lock:
            seat = self._seat(seat_id)
            self.seat_checkin(seat_id)
            seat.assigned_user_id = user_id
            self._log("checkout", self._license(seat.license_id), self._user_target(user_id), None)
            self._touch(seat)

    def set_license_seats(self, license_id: int, count: int) -> None:
        """Change a license's seat count: new seats share one fresh ``updated_at`` (syncSeats); fewer
        seats soft-delete the highest-id free ones. Logs ``add seats`` / ``delete seats``."""
        with self._lock:
            lic = self._license(license_id)
            seats = self._seats_of(license_id)
            now = now_utc()
            if count > len(seats):
                table = self.estate.seat_table
                first = max(table, default=0) + 1
                for n in range(count - len(seats)):
                    table[first + n] = FakeSeat(id=first + n, license_id=license_id, created_at=now,
                                                updated_at=now, created_by=None)  # fmt: skip
                action, change = "add seats", count - len(seats)
            elif count < len(seats):
                free = [s for s in seats if s.assigned_user_id is None and s.assigned_asset_id is None]
                drop = len(seats) - count
                if drop > len(free):
                    raise ValueError(f"license {license_id} has only {len(free)} free seats to remove")
                for s in free[-drop:]:
                    s.deleted_at = now
                action, change = "delete seats", drop
            else:
                return
            # The license itself is saved with its new seats column, so its updated_at moves.
            self.estate.update("licenses", license_id, seats=count)
            self.activity.write(action=action, item_type="license", item_id=license_id, item_name=lic.name,
                                item_serial=lic.product_key, created_at=now, note=f"{change} seats",
                                log_meta=None)  # fmt: skip
            self.estate.seats_changed()

    def random_seat_changes(self, checkouts: int, checkins: int, seed: int) -> dict[str, list[int]]:
        """``checkins`` taken seats freed, then ``checkouts`` free seats (on live licenses) given to live
        users, picked from ``seed``; each logged as above. Returns the licenses and seats touched."""
        rng = random.Random(seed)
        with self._lock:
            live = set(self.estate.live_ids("licenses"))
            seats = [
                s for s in self.estate.seat_table.values() if s.deleted_at is None and s.license_id in live
            ]
            taken = sorted(
                s.id for s in seats if s.assigned_user_id is not None or s.assigned_asset_id is not None
            )
            if checkins > len(taken):
                raise ValueError(f"only {len(taken)} seats are taken")
            freed = sorted(rng.sample(taken, checkins))
            touched = {self._seat(i).license_id for i in freed}
            for seat_id in freed:
                self.seat_checkin(seat_id)
            users = self.estate.live_ids("users")
            given: list[int] = []
            for _ in range(checkouts):
                free = sorted({s.license_id for s in self.estate.seat_table.values() if s.deleted_at is None
                               and s.license_id in live and s.assigned_user_id is None
                               and s.assigned_asset_id is None})  # fmt: skip
                if not free or not users:
                    raise ValueError("no free seat on a live license, or no live user")
                license_id = rng.choice(free)
                given.append(self.seat_checkout(license_id, user_id=rng.choice(users)))
                touched.add(license_id)
            return {"licenses": sorted(touched), "checkouts": given, "checkins": freed}

    # --- unlogged changes ---------------------------------------------------------------------------

    def seat_unlogged_reassign(self, seat_id: int, user_id: int) -> None:
        """Give a seat to another user without a log entry, as a user merge does (updateExistingPivot)."""
        with self._lock:
            seat = self._seat(seat_id)
            seat.assigned_user_id = user_id
            self._touch(seat)

    def checkin_asset_seats(self, asset_id: int) -> list[int]:
        """What an asset check-in does to the asset's seats (Api/AssetsController): it clears their
        ``assigned_to`` (the user), leaving them on the asset, and logs nothing against the license.
        Returns the seats changed."""
        with self._lock:
            changed = [s for s in self.estate.seat_table.values() if s.deleted_at is None
                       and s.assigned_asset_id == asset_id and s.assigned_user_id is not None]  # fmt: skip
            for seat in changed:
                seat.assigned_user_id = None
                self._touch(seat)
            return sorted(s.id for s in changed)

    # --- helpers ------------------------------------------------------------------------------------

    def _license(self, license_id: int) -> FakeLicense:
        lic = self.estate.tables["licenses"].get(license_id)
        if not isinstance(lic, FakeLicense) or lic.deleted_at is not None:
            raise ValueError(f"no live license {license_id}")
        return lic

    def _seat(self, seat_id: int) -> FakeSeat:
        seat = self.estate.seat_table.get(seat_id)
        if seat is None or seat.deleted_at is not None:
            raise ValueError(f"no seat {seat_id}")
        return seat

    def _seats_of(self, license_id: int) -> list[FakeSeat]:
        mine = [s for s in self.estate.seat_table.values() if s.license_id == license_id]
        return sorted((s for s in mine if s.deleted_at is None), key=lambda s: s.id)

    def _user_target(self, user_id: int) -> Target:
        user = self.estate.get("users", user_id)
        assert isinstance(user, FakeUser)
        return ("user", user.id, user.name)

    def _touch(self, seat: FakeSeat) -> None:
        # A second later at least, so a seat touched right after being made leaves its shared stamp.
        seat.updated_at = max(now_utc(), seat.updated_at + timedelta(seconds=1))
        self.estate.seats_changed()

    def _log(self, action: str, lic: FakeLicense, target: Target, at: datetime | None) -> Entry:
        now = now_utc()
        return self.activity.write(action=action, item_type="license", item_id=lic.id, item_name=lic.name,
                                   item_serial=lic.product_key, created_at=now, target=target,
                                   action_date=at or now,
                                   log_meta=None)  # fmt: skip
