"""The fake's activity log: `/api/v1/reports/activity` as Snipe-IT v8.1.4 serves it.

Entries are held raw (the stored `action_type`, log_meta as database JSON with ids) and rendered
per request the way `ActionlogsTransformer` does: the presented spelling of `action_type`, log_meta
values escaped with the seven foreign keys renamed to labels and moved to the end as
`[id: N] name`, the item's current display name (null once the item is purged), `action_date`
falling back to `created_at`.

A long log for benchmarks is `synthetic` entries 1..N made from their id on demand (audits of
locations and updates of users, no state at all for a million rows); entries written by the
fake's changes come after them.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from .data import ANCHOR, FakeAsset, Ref
from .render import datetime_obj, e

# Stored value -> what the API presents in en-US (trans('general.'.$raw), lowercased).
PRESENTED = {
    "create": "create new",
    "add seats": "added seats",
    "delete seats": "deleted seats",
    "2FA reset": "2fa reset",
    "request_canceled": "request canceled",
}
# changedInfo(): these keys become translated labels, moved to the end in this order.
RENAMED = {
    "rtd_location_id": "Default Location",
    "location_id": "Current Location",
    "model_id": "Model",
    "company_id": "Company",
    "supplier_id": "Supplier",
    "status_id": "Status Label",
    "asset_eol_date": "EOL Date",
}
_UNASSIGNED = {"company_id", "supplier_id", "status_id"}  # empty ones read "Unassigned", others ""
ADMIN = {"id": 1, "name": "Admin User", "first_name": "Admin", "last_name": "User"}
_ICONS = {"checkout": "fa-solid fa-rotate-left", "checkin from": "fa-solid fa-rotate-right"}


@dataclass(slots=True)
class Entry:
    """One row of action_logs, as stored."""

    id: int
    action: str  # the raw stored action_type
    item_type: str  # asset, user, license, ...
    item_id: int
    item_name: str  # the name shown for items that are not assets (their display name is live)
    created_at: datetime
    target: tuple[str, int, str] | None = None  # (type, id, name)
    action_date: datetime | None = None
    note: str | None = None
    # {"column": {"old": x, "new": y}}; RENAMED keys hold Refs (id, name) or None.
    log_meta: dict[str, dict[str, Any]] | None = None
    location: Ref | None = None
    action_source: str = "api"
    remote_ip: str | None = "10.0.4.17"
    # Snipe-IT shows the item's serial: for a license, its product key (whoever may see the log).
    item_serial: str | None = None


class ActivityLog:
    """Entries by id, synthetic ones first; thread-safe."""

    def __init__(self, lock: threading.RLock, asset_name: Callable[[int], str | None]) -> None:
        self._lock = lock
        self._asset_name = asset_name  # current display name of an asset, None once purged
        self.synthetic = 0
        self.entries: list[Entry] = []  # ids ascending, all above `synthetic`
        self._next = 1

    def generate(self, count: int) -> None:
        """A log of `count` old entries (before anything the fake's changes write)."""
        with self._lock:
            if self.entries:
                raise RuntimeError("generate the synthetic log before writing entries")
            self.synthetic, self._next = count, count + 1

    def write(self, **fields: Any) -> Entry:
        with self._lock:
            entry = Entry(id=self._next, **fields)
            self._next += 1
            self.entries.append(entry)
            return entry

    def edit(self, entry_id: int, **changes: Any) -> None:
        """Change a written entry in place (a note added later, meta rewritten)."""
        with self._lock:
            entry = self._find(entry_id)
            for name, value in changes.items():
                setattr(entry, name, value)

    def delete(self, entry_id: int) -> None:
        """Hard-delete an entry (an upload row removed with its file, a migration)."""
        with self._lock:
            self.entries.remove(self._find(entry_id))

    def highest_id(self) -> int:
        with self._lock:
            return self.entries[-1].id if self.entries else self.synthetic

    def total(self) -> int:
        with self._lock:
            return self.synthetic + len(self.entries)

    def _find(self, entry_id: int) -> Entry:
        i = bisect.bisect_left(self.entries, entry_id, key=lambda x: x.id)
        if i == len(self.entries) or self.entries[i].id != entry_id:
            raise KeyError(entry_id)
        return self.entries[i]

    # -- listing -------------------------------------------------------------------------------
    def page(self, params: dict[str, str], offset: int, limit: int) -> bytes:
        """The JSON body of one list request."""
        with self._lock:
            wanted = _filter(params)
            total = self.synthetic + len(self.entries)
            if wanted is None and params.get("sort") == "id":
                # By position, so a page deep into a million entries costs no more than the first.
                asc = params.get("order") == "asc"
                spots = range(offset, min(offset + limit, total))
                chosen = [self._at(i if asc else total - 1 - i) for i in spots]
            elif wanted is None:
                chosen = list(itertools.islice(self._ordered(params), offset, offset + limit))
            else:
                matching = [x for x in self._ordered(params) if wanted(x)]
                total, chosen = len(matching), matching[offset : offset + limit]
            rows = [self.render(x) for x in chosen]
        return orjson.dumps({"total": total, "rows": rows})

    def _at(self, position: int) -> Entry:
        """The entry at a position in id order."""
        if position < self.synthetic:
            return synthetic_entry(position + 1)
        return self.entries[position - self.synthetic]

    def _ordered(self, params: dict[str, str]) -> Iterator[Entry]:
        # Only a few columns are sortable; anything else falls back to created_at. The order is
        # "asc" only when exactly that, else desc.
        asc = params.get("order") == "asc"
        if params.get("sort") == "id":
            if asc:
                return itertools.chain(map(synthetic_entry, range(1, self.synthetic + 1)), self.entries)
            return itertools.chain(reversed(self.entries), map(synthetic_entry, range(self.synthetic, 0, -1)))
        # created_at, then (as MySQL happens to return ties) the id; back-dated imports sort in.
        made = sorted(self.entries, key=lambda x: (x.created_at, x.id), reverse=not asc)
        old = map(synthetic_entry, range(1, self.synthetic + 1) if asc else range(self.synthetic, 0, -1))
        key = (lambda x: (x.created_at, x.id)) if asc else (lambda x: (-x.created_at.timestamp(), -x.id))
        return heapq.merge(old, made, key=key)

    def render(self, x: Entry) -> dict[str, Any]:
        """ActionlogsTransformer::transformActionlog, in its emitted order."""
        item: dict[str, Any] | None
        if x.item_type == "asset":
            name = self._asset_name(x.item_id)
            item = (
                None if name is None else {"id": x.item_id, "name": e(name), "type": "asset", "serial": None}
            )
        else:
            item = {"id": x.item_id, "name": e(x.item_name), "type": x.item_type, "serial": x.item_serial}
        stamp = datetime_obj(x.created_at)
        return {
            "id": x.id,
            "icon": _ICONS.get(x.action, "fa-solid fa-pen"),
            "file": None,
            "item": item,
            "location": {"id": x.location[0], "name": e(x.location[1])} if x.location else None,
            "created_at": stamp,
            "updated_at": stamp,
            "action_type": PRESENTED.get(x.action, x.action.lower()),
            "admin": ADMIN,
            "created_by": ADMIN,
            "target": {"id": x.target[1], "name": e(x.target[2]), "type": x.target[0]} if x.target else None,
            "note": e(x.note) if x.note else None,
            "signature_file": None,
            "log_meta": render_meta(x.log_meta),
            "remote_ip": x.remote_ip,
            "user_agent": "python-requests/2.32.3",
            "action_source": x.action_source,
            "action_date": datetime_obj(x.action_date or x.created_at),
        }


def render_meta(meta: dict[str, dict[str, Any]] | None) -> dict[str, Any] | list[Any] | None:
    """clean_field + changedInfo: values escaped (null -> ""), FK keys renamed, moved last."""
    if meta is None:
        return None
    if not meta:
        return []
    out: dict[str, Any] = {
        k: {s: e(_text(v)) for s, v in d.items()} for k, d in meta.items() if k not in RENAMED
    }
    for key, label in RENAMED.items():
        if key in meta:
            out[label] = {s: _fk(key, v) for s, v in meta[key].items()}
    return out


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value).decode() if isinstance(value, (list, dict)) else str(value)


def _fk(key: str, ref: Ref | None) -> str:
    if ref is None:
        return "Unassigned" if key in _UNASSIGNED else ""
    return f"[id: {ref[0]}] {e(ref[1])}"


def _filter(params: dict[str, str]) -> Callable[[Entry], bool] | None:
    """The filters tests use: action_type (exact, on the stored value) and item_type + item_id."""
    action = params.get("action_type")
    item_type, item_id = params.get("item_type"), params.get("item_id")
    if action is None and not (item_type and item_id):
        return None

    def wanted(x: Entry) -> bool:
        if action is not None and x.action != action:
            return False
        if item_type and item_id:
            mine = (x.item_type, str(x.item_id)) == (item_type, item_id)
            return mine or (x.target is not None and (x.target[0], str(x.target[1])) == (item_type, item_id))
        return True

    return wanted


def synthetic_entry(entry_id: int) -> Entry:
    """An old entry made from its id alone: every 3rd an audit of a location, else a user update."""
    at = ANCHOR - timedelta(minutes=10 * (10_000_000 - entry_id))
    if entry_id % 3 == 0:
        return Entry(entry_id, "audit", "location", 1, "Boston HQ", at, note="Yearly audit",
                     location=(1, "Boston HQ"))  # fmt: skip
    meta = {"jobtitle": {"old": "Engineer", "new": f"Engineer {entry_id % 7}"}}
    return Entry(
        entry_id, "update", "user", 1 + entry_id % 500, f"user {1 + entry_id % 500}", at, log_meta=meta
    )


def asset_display(a: FakeAsset) -> str:
    """The item name of an asset: "<name> (<tag>) - <model>"."""
    return f"{a.name or ''} ({a.asset_tag}) - {a.model[1] if a.model else ''}"
