"""The fake's asset store: thread-safe mutations, a render cache and cached list orders."""

from __future__ import annotations

import dataclasses
import random
import threading
from bisect import bisect_left, bisect_right
from datetime import UTC, datetime
from typing import Any

from .data import STATUS_ARCHIVED, STATUS_READY, FakeAsset, generate_assets, random_change
from .render import RenderContext, render_bytes

# Changing any of these can move an asset into or out of a list, or within its order.
_LIST_SHAPE_FIELDS = {
    "status_label",
    "deleted_at",
    "created_at",
    "assigned_to",
    "requestable",
    "byod",
    "name",
}
LIST_STATUSES = ("Deleted", "Pending", "RTD", "Undeployable", "Archived", "Requestable", "Deployed", "byod")


def now_utc() -> datetime:
    # APP_TIMEZONE defaults to UTC and Snipe-IT sends naive local times.
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


class AssetStore:
    """Assets by id (soft-deleted included) with everything derived from them cached until they change."""

    def __init__(self, ctx: RenderContext, *, show_archived_in_list: bool = False) -> None:
        self.show_archived_in_list = show_archived_in_list
        self.assets: dict[int, FakeAsset] = {}
        self._ctx = ctx
        self._lock = threading.RLock()
        self._cache: dict[int, bytes] = {}  # id -> rendered JSON row
        self._lists: dict[tuple[str, int | None, bool, bool, bool], tuple[list[int], list[float]]] = {}
        self._max_id = 0
        # Bumped on every change, so what is derived from all assets (entity counts) knows to recount.
        self.generation = 0

    def add(self, asset: FakeAsset) -> None:
        with self._lock:
            if asset.id in self.assets:
                raise ValueError(f"asset id {asset.id} already exists")
            self.assets[asset.id] = asset
            self._max_id = max(self._max_id, asset.id)
            self._changed(asset.id, True)

    def next_id(self) -> int:
        """The id Snipe-IT would give the next new asset (auto-increment never reuses purged ids)."""
        with self._lock:
            return self._max_id + 1

    def update(self, asset_id: int, **changes: Any) -> None:
        """Change FakeAsset fields; bumps updated_at unless it is one of the changes."""
        names = {f.name for f in dataclasses.fields(FakeAsset)}
        unknown = set(changes) - names - {"id"}
        if unknown or "id" in changes:
            raise TypeError(f"cannot update FakeAsset fields {sorted(unknown | ({'id'} & set(changes)))}")
        with self._lock:
            a = self.assets[asset_id]
            for name, value in changes.items():
                setattr(a, name, value)
            if "updated_at" not in changes:
                a.updated_at = max(now_utc(), a.updated_at)
            self._changed(asset_id, bool(_LIST_SHAPE_FIELDS & set(changes)))

    def archive(self, asset_id: int) -> None:
        self.update(asset_id, status_label=STATUS_ARCHIVED, assigned_to=None)

    def unarchive(self, asset_id: int) -> None:
        self.update(asset_id, status_label=STATUS_READY)

    def soft_delete(self, asset_id: int) -> None:
        # DELETE /hardware/{id} checks the asset in first; the soft delete bumps updated_at.
        now = now_utc()
        self.update(asset_id, deleted_at=now, assigned_to=None, updated_at=now)

    def restore(self, asset_id: int) -> None:
        self.update(asset_id, deleted_at=None)

    def purge(self, asset_id: int) -> None:
        with self._lock:
            del self.assets[asset_id]
            self._changed(asset_id, True)

    def live_ids(self) -> set[int]:
        with self._lock:
            return {i for i, a in self.assets.items() if a.deleted_at is None}

    def all_ids(self) -> set[int]:
        with self._lock:
            return set(self.assets)

    def invalidate(self, asset_id: int | None = None) -> None:
        """Drop cached renders after editing ``fake.assets`` directly (all of them when no id is given)."""
        with self._lock:
            if asset_id is None:
                self._cache.clear()
                self._lists.clear()
                self.generation += 1
            else:
                self._changed(asset_id, True)

    def warm(self) -> None:
        """Render every asset now, so a benchmark's first pass measures the client, not the fake."""
        with self._lock:
            for i, a in self.assets.items():
                if i not in self._cache:
                    self._cache[i] = render_bytes(a, self._ctx)

    def rendered(self, asset_id: int) -> bytes:
        """The JSON bytes of one asset as the list and show endpoints send it."""
        with self._lock:
            return self._row(asset_id)

    def churn(
        self,
        *,
        changed: float = 0.0,
        soft_deleted: float = 0.0,
        purged: float = 0.0,
        new: float = 0.0,
        seed: int = 2,
    ) -> dict[str, int]:
        """Apply a between-syncs churn, each share a fraction of the live assets; returns the counts."""
        rng = random.Random(seed)
        with self._lock:
            live = sorted(self.live_ids())
            trashed = sorted(set(self.assets) - set(live))
            n = len(live)
            k_changed, k_deleted = min(n, round(n * changed)), round(n * soft_deleted)
            k_deleted = min(n - k_changed, k_deleted)
            picked = rng.sample(live, k_changed + k_deleted)
            for i in picked[:k_changed]:
                self.update(i, **random_change(rng, self.assets[i]))
            for i in picked[k_changed:]:
                self.soft_delete(i)
            # Purge takes already-deleted assets first, as "Purge deleted records" does.
            k_purged = round(n * purged)
            victims = rng.sample(trashed, min(len(trashed), k_purged))
            spare = sorted(set(live) - set(picked))
            victims += rng.sample(spare, min(len(spare), k_purged - len(victims)))
            for i in victims:
                self.purge(i)
            k_new = round(n * new)
            now = now_utc()
            for a in generate_assets(
                k_new, seed=seed, start_id=self.next_id(), archived_share=0, deleted_share=0
            ):
                a.created_at = a.updated_at = now
                self.add(a)
            live_after = len(self.live_ids())
            return {
                "changed": k_changed,
                "soft_deleted": k_deleted,
                "purged": len(victims),
                "new": k_new,
                "live": live_after,
                "all": len(self.assets),
            }

    def _changed(self, asset_id: int, reshapes_lists: bool) -> None:
        self.generation += 1
        self._cache.pop(asset_id, None)
        if reshapes_lists:
            self._lists.clear()

    def _row(self, asset_id: int) -> bytes:
        hit = self._cache.get(asset_id)
        if hit is None:
            hit = self._cache[asset_id] = render_bytes(self.assets[asset_id], self._ctx)
        return hit

    def _members(self, status: str, status_id: int | None) -> list[FakeAsset]:
        if status == "Deleted":  # onlyTrashed(), whatever the status label
            return [a for a in self.assets.values() if a.deleted_at is not None]
        live = [a for a in self.assets.values() if a.deleted_at is None]
        if status_id is not None:  # an explicit status_id also switches off the archived filter
            live = [a for a in live if a.status_label is not None and a.status_label[0] == status_id]
        elif not self.show_archived_in_list and status != "Archived":
            live = [a for a in live if a.status_label is not None and a.status_label[2] != "archived"]
        kind = {"Archived": "archived", "Pending": "pending", "Undeployable": "undeployable"}.get(status)
        if kind is not None:
            return [a for a in live if a.status_label is not None and a.status_label[2] == kind]
        if status == "RTD":
            return [
                a
                for a in live
                if a.assigned_to is None and a.status_label and a.status_label[2] == "deployable"
            ]
        if status == "Deployed":
            return [a for a in live if a.assigned_to is not None]
        if status == "Requestable":
            return [a for a in live if a.requestable]
        if status == "byod":
            return [a for a in live if a.byod]
        return live

    def _ordered(
        self, status: str, status_id: int | None, by_id: bool, asc: bool, by_name: bool = False
    ) -> tuple[list[int], list[float]]:
        """Member ids in sort order, with sort keys ascending; cached until membership changes."""
        key = (status, status_id, by_id, asc, by_name)
        hit = self._lists.get(key)
        if hit is None:
            members = self._members(status, status_id)
            sign = 1.0 if asc else -1.0
            if by_name:  # ties in id order, so that paging by name is stable (keys unused)
                named = sorted(((a.name or "", a.id) for a in members), reverse=not asc)
                hit = self._lists[key] = ([i for _, i in named], [])
                return hit
            if by_id:
                pairs = sorted((sign * a.id, a.id) for a in members)
            else:
                pairs = sorted((sign * a.created_at.timestamp(), a.id) for a in members)
            hit = self._lists[key] = ([i for _, i in pairs], [k for k, _ in pairs])
        return hit

    def page(
        self,
        status: str,
        status_id: int | None,
        by_id: bool,
        asc: bool,
        offset: int,
        limit: int,
        *,
        by_name: bool = False,
    ) -> tuple[int, bytes]:
        """``(total, rows joined by commas)`` for one list request; offset is clamped like the controller."""
        with self._lock:
            ids, keys = self._ordered(status, status_id, by_id, asc, by_name)
            total = len(ids)
            offset = max(0, min(offset, total))
            stable = by_id or by_name
            page = ids[offset : offset + limit] if stable else unstable_page(ids, keys, offset, limit)
            return total, b",".join([self._row(i) for i in page])


def unstable_page(ids: list[int], keys: list[float], offset: int, limit: int) -> list[int]:
    """A created_at page whose tied rows are ordered differently per offset, like MySQL with LIMIT.

    Only tie groups that touch the page are reshuffled, so a page costs O(limit + tie size).
    """
    end = min(offset + limit, len(ids))
    if offset >= end:
        return []
    lo, hi = bisect_left(keys, keys[offset]), bisect_right(keys, keys[end - 1])
    salt = offset * 7919 + limit
    window = sorted(zip(keys[lo:hi], ids[lo:hi], strict=True), key=lambda ki: (ki[0], hash((ki[1], salt))))
    return [i for _, i in window[offset - lo : end - lo]]
