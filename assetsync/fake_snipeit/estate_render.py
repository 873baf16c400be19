"""Render estate records the way Snipe-IT v8.1.4's transformers do, key order and traps included.

Traps kept on purpose: department ``users_count`` is a string; supplier and manufacturer strings are
``""`` rather than null (a supplier's ``zip`` is always ``""`` in the list); location ``children`` names
are not escaped; a location's ``manager`` is a whole user row with zero counts; a manager's ``name`` is
``First Last`` with a trailing space when there is no last name; model ``eol`` is ``"N months"`` or
``"None"``; ``groups`` is null without groups and ``permissions`` ``{}`` without permissions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from .data import _FIELDSETS
from .estate_records import (
    FakeCategory,
    FakeCompany,
    FakeDepartment,
    FakeLocation,
    FakeManufacturer,
    FakeModel,
    FakeStatusLabel,
    FakeSupplier,
    FakeUser,
    Record,
    name_of,
)
from .render import APP_URL, RenderContext, date_obj, datetime_obj, e, notes_html

Counts = dict[str, int]
Row = dict[str, Any]
_FIELDSET_IDS = {"laptop": (1, "Laptop fields"), "desktop": (2, "Desktop fields"),
                 "display": (3, "AV & display fields"), "phone": (4, "Mobile fields")}  # fmt: skip
_CATEGORY_LABELS = {"asset": "Asset", "accessory": "Accessory", "consumable": "Consumable",
                    "component": "Component", "license": "License"}  # fmt: skip


class Lookup(Protocol):
    """What rendering needs from the store: related records (trashed ones hidden, as belongsTo does)."""

    license_keys_visible: bool  # whether the token may see product keys (licenses.keys)

    def live(self, entity: str, record_id: int | None) -> Record | None: ...

    def children(self, location_id: int) -> list[FakeLocation]: ...


def _opt(value: str | None) -> str | None:
    return e(value) if value is not None else None


def _ref(rec: Record | None) -> Row | None:
    if rec is None:
        return None
    return {"id": rec.id, "name": e(name_of(rec))}


def _refs(look: Lookup, entity: str, record_id: int | None) -> Row | None:
    return _ref(look.live(entity, record_id))


def _created_by(rec: Record) -> Row | None:
    return None if rec.created_by is None else {"id": rec.created_by[0], "name": e(rec.created_by[1])}


def user_row(u: FakeUser, look: Lookup, c: Counts, ctx: RenderContext) -> Row:
    """UsersTransformer::transformUser."""
    boss = look.live("users", u.manager_id)
    deleted = u.deleted_at is not None
    su = ctx.superuser
    return {
        "id": u.id, "avatar": e(u.avatar), "name": e(u.name), "first_name": e(u.first_name),
        "last_name": e(u.last_name), "username": e(u.username), "remote": u.remote, "locale": _opt(u.locale),
        "employee_num": _opt(u.employee_num),
        # e(first).' '.e(last): a trailing space when there is no last name.
        "manager": None if not isinstance(boss, FakeUser)
        else {"id": boss.id, "name": f"{e(boss.first_name)} {e(boss.last_name)}"},
        "jobtitle": _opt(u.jobtitle), "vip": u.vip, "phone": _opt(u.phone), "website": _opt(u.website),
        "address": _opt(u.address), "city": _opt(u.city), "state": _opt(u.state), "country": _opt(u.country),
        "zip": _opt(u.zip), "email": _opt(u.email),
        "department": _refs(look, "departments", u.department_id),
        "location": _refs(look, "locations", u.location_id), "notes": notes_html(u.notes),
        "permissions": dict(u.permissions), "activated": u.activated,
        "autoassign_licenses": u.autoassign_licenses, "ldap_import": u.ldap_import,
        "two_factor_enrolled": u.two_factor_enrolled, "two_factor_optin": False,
        "assets_count": c.get("assets_count", 0), "licenses_count": 0, "accessories_count": 0,
        "consumables_count": 0, "manages_users_count": c.get("manages_users_count", 0),
        "manages_locations_count": c.get("manages_locations_count", 0),
        "company": _refs(look, "companies", u.company_id), "created_by": _created_by(u),
        "created_at": datetime_obj(u.created_at), "updated_at": datetime_obj(u.updated_at),
        "start_date": date_obj(u.start_date), "end_date": date_obj(u.end_date),
        "last_login": datetime_obj(u.last_login), "deleted_at": datetime_obj(u.deleted_at),
        "available_actions": {"update": su and not deleted,
                              "delete": su and not deleted and u.id != 1 and not any(c.values()),
                              "clone": su and not deleted, "restore": su and deleted},
        "groups": {"total": len(u.groups), "rows": [{"id": g[0], "name": e(g[1])} for g in u.groups]}
        if u.groups else None,
    }  # fmt: skip


def location_row(loc: FakeLocation, look: Lookup, c: Counts, ctx: RenderContext) -> Row:
    """LocationsTransformer::transformLocation."""
    boss = look.live("users", loc.manager_id)
    busy = any(
        c.get(k, 0) for k in ("assets_count", "rtd_assets_count", "users_count", "assigned_assets_count")
    )
    kids = look.children(loc.id)
    deletable = ctx.superuser and not busy and not kids
    return {
        "id": loc.id, "name": e(loc.name), "image": None, "address": _opt(loc.address),
        "address2": _opt(loc.address2), "city": _opt(loc.city), "state": _opt(loc.state),
        "country": _opt(loc.country), "zip": _opt(loc.zip), "phone": _opt(loc.phone), "fax": None,
        "accessories_count": 0, "assigned_accessories_count": 0,
        "assigned_assets_count": c.get("assigned_assets_count", 0), "assets_count": c.get("assets_count", 0),
        "rtd_assets_count": c.get("rtd_assets_count", 0), "users_count": c.get("users_count", 0),
        "currency": _opt(loc.currency), "ldap_ou": _opt(loc.ldap_ou), "notes": notes_html(loc.notes),
        "created_at": datetime_obj(loc.created_at), "updated_at": datetime_obj(loc.updated_at),
        "parent": _refs(look, "locations", loc.parent_id),
        # A whole user row; its counts are not loaded here, so they are all 0.
        "manager": user_row(boss, look, {}, ctx) if isinstance(boss, FakeUser) else None,
        "company": _refs(look, "companies", loc.company_id),
        "children": [{"id": k.id, "name": k.name} for k in kids],  # not escaped
        "available_actions": {"update": ctx.superuser, "delete": deletable,
                              "bulk_selectable": {"delete": deletable}, "clone": ctx.superuser},
    }  # fmt: skip


def company_row(co: FakeCompany, look: Lookup, c: Counts, ctx: RenderContext) -> Row:
    """CompaniesTransformer::transformCompany."""
    return {
        "id": co.id, "name": e(co.name), "phone": _opt(co.phone), "fax": None, "email": _opt(co.email),
        "image": None, "assets_count": c.get("assets_count", 0), "licenses_count": 0, "accessories_count": 0,
        "consumables_count": 0, "components_count": 0, "users_count": c.get("users_count", 0),
        "created_by": _created_by(co), "notes": notes_html(co.notes),
        "created_at": datetime_obj(co.created_at), "updated_at": datetime_obj(co.updated_at),
        "available_actions": {"update": ctx.superuser, "delete": ctx.superuser and not any(c.values())},
    }  # fmt: skip


def department_row(d: FakeDepartment, look: Lookup, c: Counts, ctx: RenderContext) -> Row:
    """DepartmentsTransformer::transformDepartment."""
    boss = look.live("users", d.manager_id)
    users = c.get("users_count", 0)
    return {
        "id": d.id, "name": e(d.name), "phone": _opt(d.phone), "fax": None, "image": None,
        "company": _refs(look, "companies", d.company_id),
        "manager": {"id": boss.id, "name": e(boss.name), "first_name": e(boss.first_name),
                    "last_name": e(boss.last_name)} if isinstance(boss, FakeUser) else None,
        "location": _refs(look, "locations", d.location_id),
        "users_count": e(str(users)),  # e($department->users_count): a string
        "notes": notes_html(d.notes), "created_at": datetime_obj(d.created_at),
        "updated_at": datetime_obj(d.updated_at),
        "available_actions": {"update": ctx.superuser, "delete": ctx.superuser and users == 0},
    }  # fmt: skip


def model_row(m: FakeModel, look: Lookup, c: Counts, ctx: RenderContext) -> Row:
    """AssetModelsTransformer::transformAssetModel."""
    deleted = m.deleted_at is not None
    assets = c.get("assets_count", 0)
    fs = _FIELDSET_IDS.get(m.fieldset)
    su = ctx.superuser
    return {
        "id": m.id, "name": e(m.name), "manufacturer": _refs(look, "manufacturers", m.manufacturer_id),
        "image": f"{APP_URL}/uploads/{e(m.image)}" if m.image else None, "model_number": _opt(m.model_number),
        "min_amt": m.min_amt, "remaining": assets - (m.min_amt or 0),
        "depreciation": None if m.depreciation is None
        else {"id": m.depreciation[0], "name": e(m.depreciation[1])},
        "assets_count": assets, "category": _refs(look, "categories", m.category_id),
        "fieldset": None if fs is None else {"id": fs[0], "name": e(fs[1])},
        "default_fieldset_values": [
            {"name": e(label), "db_column_name": col, "default_value": None, "format": fmt, "required": False}
            for label, col, fmt, _ in _FIELDSETS.get(m.fieldset, [])
        ],
        "eol": f"{m.eol} months" if m.eol else "None",  # not translated
        "requestable": m.requestable, "notes": notes_html(m.notes), "created_by": _created_by(m),
        "created_at": datetime_obj(m.created_at), "updated_at": datetime_obj(m.updated_at),
        "deleted_at": datetime_obj(m.deleted_at),
        "available_actions": {"update": su and not deleted, "delete": su and not deleted and assets == 0,
                              "clone": su, "restore": su and deleted},
    }  # fmt: skip


def category_row(cat: FakeCategory, look: Lookup, c: Counts, ctx: RenderContext) -> Row:
    """CategoriesTransformer::transformCategory; category_type is the en-US label, not the raw value."""
    assets = c.get("assets_count", 0)
    return {
        "id": cat.id, "name": e(cat.name), "image": None,
        "category_type": _CATEGORY_LABELS.get(cat.category_type, cat.category_type),
        "has_eula": cat.eula is not None, "use_default_eula": False, "eula": notes_html(cat.eula),
        "checkin_email": cat.checkin_email, "require_acceptance": cat.require_acceptance,
        "item_count": assets if cat.category_type == "asset" else 0, "assets_count": assets,
        "accessories_count": 0, "consumables_count": 0, "components_count": 0, "licenses_count": 0,
        "created_by": _created_by(cat), "notes": notes_html(cat.notes),
        "created_at": datetime_obj(cat.created_at), "updated_at": datetime_obj(cat.updated_at),
        "available_actions": {"update": ctx.superuser, "delete": ctx.superuser and assets == 0},
    }  # fmt: skip


def manufacturer_row(m: FakeManufacturer, look: Lookup, c: Counts, ctx: RenderContext) -> Row:
    """ManufacturersTransformer::transformManufacturer: e() everywhere, so "" rather than null."""
    deleted = m.deleted_at is not None
    assets = c.get("assets_count", 0)
    return {
        "id": m.id, "name": e(m.name), "url": e(m.url), "image": None, "support_url": e(m.support_url),
        "warranty_lookup_url": e(m.warranty_lookup_url), "support_phone": e(m.support_phone),
        "support_email": e(m.support_email), "assets_count": assets, "licenses_count": 0,
        "consumables_count": 0, "accessories_count": 0, "components_count": 0, "notes": notes_html(m.notes),
        "created_by": _created_by(m), "created_at": datetime_obj(m.created_at),
        "updated_at": datetime_obj(m.updated_at), "deleted_at": datetime_obj(m.deleted_at),
        "available_actions": {"update": ctx.superuser and not deleted, "restore": ctx.superuser and deleted,
                              "delete": ctx.superuser and not deleted and assets == 0},
    }  # fmt: skip


def statuslabel_row(s: FakeStatusLabel, look: Lookup, c: Counts, ctx: RenderContext) -> Row:
    """StatuslabelsTransformer::transformStatuslabel: notes are plain e(), "" when empty."""
    assets = c.get("assets_count", 0)
    return {
        "id": s.id, "name": e(s.name), "type": s.type, "color": _opt(s.color), "show_in_nav": s.show_in_nav,
        "default_label": s.default_label, "assets_count": assets, "notes": e(s.notes),
        "created_by": _created_by(s), "created_at": datetime_obj(s.created_at),
        "updated_at": datetime_obj(s.updated_at),
        "available_actions": {"update": ctx.superuser, "delete": ctx.superuser and assets == 0},
    }  # fmt: skip


def supplier_row(s: FakeSupplier, look: Lookup, c: Counts, ctx: RenderContext, *, listed: bool = True) -> Row:
    """SuppliersTransformer::transformSupplier; the list query does not select zip, so it is "" there."""
    assets = c.get("assets_count", 0)
    return {
        "id": s.id, "name": e(s.name), "image": None, "url": e(s.url), "address": e(s.address),
        "address2": e(s.address2), "city": e(s.city), "state": e(s.state), "country": e(s.country),
        "zip": "" if listed else e(s.zip), "fax": e(s.fax), "phone": e(s.phone), "email": e(s.email),
        "contact": e(s.contact), "assets_count": assets, "accessories_count": 0, "licenses_count": 0,
        "consumables_count": 0, "components_count": 0, "notes": notes_html(s.notes),
        "created_at": datetime_obj(s.created_at), "updated_at": datetime_obj(s.updated_at),
        "available_actions": {"update": ctx.superuser, "delete": ctx.superuser and assets == 0},
    }  # fmt: skip


Renderer = Callable[[Any, Lookup, Counts, RenderContext], Row]
RENDERERS: dict[str, Renderer] = {
    "users": user_row, "locations": location_row, "companies": company_row, "departments": department_row,
    "models": model_row, "categories": category_row, "manufacturers": manufacturer_row,
    "statuslabels": statuslabel_row, "suppliers": supplier_row,
}  # fmt: skip
