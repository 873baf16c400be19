"""The links between hardware rows and entity records, both ways.

``adopt`` adds a record for every id an asset row refers to that the estate lacks (hand-built test
assets), so every referenced id is in its entity's list. ``asset_changes`` says how an asset row must
change after a record it refers to was renamed or purged: Snipe-IT renders related names live, so
the row changes while the asset's ``updated_at`` does not.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .data import FakeAsset, Ref
from .estate_records import (
    FakeCategory,
    FakeCompany,
    FakeLocation,
    FakeManufacturer,
    FakeModel,
    FakeStatusLabel,
    FakeSupplier,
    FakeUser,
    Record,
    name_of,
)

Tables = dict[str, dict[int, Record]]

# Which asset fields show which entity as a plain {id, name} reference.
REF_FIELDS: dict[str, tuple[str, ...]] = {
    "locations": ("location", "rtd_location"),
    "companies": ("company",),
    "suppliers": ("supplier",),
    "categories": ("category",),
    "manufacturers": ("manufacturer",),
    "models": ("model",),
}
# Record fields an asset row shows; changing anything else leaves every asset row as it was.
SHOWN_ON_ASSETS: dict[str, frozenset[str]] = {
    "users": frozenset({"first_name", "last_name", "username", "email", "employee_num"}),
    "statuslabels": frozenset({"name", "type"}),
    "models": frozenset({"name", "model_number", "category_id", "manufacturer_id"}),
    **{entity: frozenset({"name"}) for entity in ("locations", "companies", "suppliers", "categories",
                                                  "manufacturers")},
}  # fmt: skip


def user_target(u: FakeUser) -> dict[str, Any]:
    """An asset's ``assigned_to`` for a user, in the form FakeAsset keeps it."""
    return {"type": "user", "id": u.id, "username": u.username, "first_name": u.first_name,
            "last_name": u.last_name, "email": u.email, "employee_number": u.employee_num}  # fmt: skip


def adopt(t: Tables, assets: Iterable[FakeAsset]) -> int:
    """Add the records asset rows refer to but ``t`` lacks; returns how many were added."""
    added = 0

    def need(entity: str, ref: Ref | None) -> bool:
        nonlocal added
        if ref is None or ref[0] in t[entity]:
            return False
        added += 1
        return True

    for a in assets:
        for entity, cls in (("companies", FakeCompany), ("suppliers", FakeSupplier),
                            ("categories", FakeCategory), ("manufacturers", FakeManufacturer)):  # fmt: skip
            ref = getattr(a, REF_FIELDS[entity][0])
            if need(entity, ref):
                t[entity][ref[0]] = cls(id=ref[0], name=ref[1])
        for place in (a.location, a.rtd_location):
            if place is not None and need("locations", place):
                t["locations"][place[0]] = FakeLocation(id=place[0], name=place[1])
        if need("models", a.model):
            assert a.model is not None
            t["models"][a.model[0]] = FakeModel(
                id=a.model[0], name=a.model[1], model_number=a.model_number,
                category_id=a.category[0] if a.category else None,
                manufacturer_id=a.manufacturer[0] if a.manufacturer else None,
            )  # fmt: skip
        label = a.status_label
        if label is not None and need("statuslabels", (label[0], label[1])):
            t["statuslabels"][label[0]] = FakeStatusLabel(id=label[0], name=label[1], type=label[2])
        target = a.assigned_to
        if target is None:
            continue
        kind = target.get("type", "user")
        if kind == "location" and need("locations", (target["id"], "")):
            t["locations"][target["id"]] = FakeLocation(id=target["id"], name=target.get("name") or "")
        elif kind == "user" and need("users", (target["id"], "")):
            t["users"][target["id"]] = FakeUser(
                id=target["id"], first_name=target.get("first_name") or "", last_name=target.get("last_name"),
                username=target.get("username") or "", email=target.get("email"),
                employee_num=target.get("employee_number"),
            )  # fmt: skip
    return added


def asset_changes(entity: str, record_id: int, rec: Record | None, t: Tables, a: FakeAsset) -> dict[str, Any]:
    """The FakeAsset fields to set so ``a`` shows ``rec`` as it is now (``rec`` None: purged)."""
    changes: dict[str, Any] = {}
    new_ref = None if rec is None else (rec.id, name_of(rec))
    for field in REF_FIELDS.get(entity, ()):
        ref = getattr(a, field)
        if ref is not None and ref[0] == record_id and ref != new_ref:
            changes[field] = new_ref
    if entity == "models" and "model" in changes and isinstance(rec, FakeModel):
        changes["model_number"] = rec.model_number
        for field, other, fk in (("category", "categories", rec.category_id),
                                 ("manufacturer", "manufacturers", rec.manufacturer_id)):  # fmt: skip
            linked = t[other].get(fk) if fk is not None else None
            changes[field] = None if linked is None else (linked.id, name_of(linked))
    label = a.status_label
    if entity == "statuslabels" and label is not None and label[0] == record_id:
        new_label = None if not isinstance(rec, FakeStatusLabel) else (rec.id, rec.name, rec.type)
        if new_label != label:
            changes["status_label"] = new_label
    target = a.assigned_to
    if target is not None and target["id"] == record_id:
        kind = target.get("type", "user")
        if kind == "user" and entity == "users":
            new_target = user_target(rec) if isinstance(rec, FakeUser) else None
            if new_target != target:
                changes["assigned_to"] = new_target
        elif kind == "location" and entity == "locations":
            new_loc = None if rec is None else {"type": "location", "id": rec.id, "name": name_of(rec)}
            if new_loc != target:
                changes["assigned_to"] = new_loc
    return changes
