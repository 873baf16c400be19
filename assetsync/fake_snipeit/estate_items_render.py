"""Render licenses, accessories, consumables and components as Snipe-IT's transformers do.

Licenses follow v8.1.4's ``LicensesTransformer`` key for key (``snipeit-entities.md`` §5.1): the key is
``"------------"`` for a token without key rights, ``purchase_cost`` is formatted with the admin's
digit separator while ``purchase_cost_numeric`` is the raw decimal, and the seat counts are counted
live from the seats. The other three follow their v8 transformers closely enough for a sync.
"""

from __future__ import annotations

from .estate_records import FakeAccessory, FakeComponent, FakeConsumable, FakeLicense, Item
from .estate_render import Counts, Lookup, Renderer, Row, _created_by, _opt, _refs
from .render import APP_URL, RenderContext, date_obj, datetime_obj, e, money, notes_html

MASKED_KEY = "------------"


def _actions(ctx: RenderContext, *, checkin: bool = True) -> dict[str, bool]:
    su = ctx.superuser
    return {"checkout": su, "checkin": su and checkin, "clone": su, "update": su, "delete": su}


def _cost(rec: Item, ctx: RenderContext) -> str | None:
    return money(rec.purchase_cost, ctx.money_style)


def _image(rec: Item) -> str | None:
    return None if rec.id % 5 else f"{APP_URL}/uploads/{type(rec).__name__.lower()}-{rec.id}.png"


def license_row(lic: FakeLicense, look: Lookup, c: Counts, ctx: RenderContext) -> Row:
    """LicensesTransformer::transformLicense (v8.1.4)."""
    free = c.get("free_seats_count", 0)
    return {
        "id": lic.id, "name": e(lic.name), "company": _refs(look, "companies", lic.company_id),
        "manufacturer": _refs(look, "manufacturers", lic.manufacturer_id),
        "product_key": e(lic.product_key) if look.license_keys_visible else MASKED_KEY,
        "order_number": _opt(lic.order_number), "purchase_order": _opt(lic.purchase_order),
        "purchase_date": date_obj(lic.purchase_date), "termination_date": date_obj(lic.termination_date),
        "depreciation": None, "purchase_cost": _cost(lic, ctx),
        "purchase_cost_numeric": None if lic.purchase_cost is None else str(lic.purchase_cost),
        "notes": notes_html(lic.notes), "expiration_date": date_obj(lic.expiration_date),
        "seats": lic.seats, "free_seats_count": free, "remaining": free, "min_amt": lic.min_amt,
        "license_name": _opt(lic.license_name), "license_email": _opt(lic.license_email),
        "reassignable": lic.reassignable, "maintained": lic.maintained,
        "supplier": _refs(look, "suppliers", lic.supplier_id),
        "category": _refs(look, "categories", lic.category_id),
        "created_by": _created_by(lic),
        "created_at": datetime_obj(lic.created_at), "updated_at": datetime_obj(lic.updated_at),
        "deleted_at": datetime_obj(lic.deleted_at), "user_can_checkout": free > 0,
        "available_actions": _actions(ctx),
    }  # fmt: skip


def accessory_row(a: FakeAccessory, look: Lookup, c: Counts, ctx: RenderContext) -> Row:
    """AccessoriesTransformer::transformAccessory (v8)."""
    left = a.qty - a.checkouts_count
    return {
        "id": a.id, "name": e(a.name), "image": _image(a), "company": _refs(look, "companies", a.company_id),
        "manufacturer": _refs(look, "manufacturers", a.manufacturer_id),
        "supplier": _refs(look, "suppliers", a.supplier_id), "model_number": _opt(a.model_number),
        "category": _refs(look, "categories", a.category_id),
        "location": _refs(look, "locations", a.location_id), "notes": notes_html(a.notes), "qty": a.qty,
        "purchase_date": date_obj(a.purchase_date), "purchase_cost": _cost(a, ctx),
        "order_number": _opt(a.order_number), "min_qty": a.min_amt, "remaining_qty": left,
        "checkouts_count": a.checkouts_count, "created_at": datetime_obj(a.created_at),
        "updated_at": datetime_obj(a.updated_at), "available_actions": _actions(ctx),
        "user_can_checkout": left > 0,
    }  # fmt: skip


def consumable_row(x: FakeConsumable, look: Lookup, c: Counts, ctx: RenderContext) -> Row:
    """ConsumablesTransformer::transformConsumable (v8); consumables are never checked back in."""
    left = x.qty - x.used
    return {
        "id": x.id, "name": e(x.name), "image": _image(x),
        "category": _refs(look, "categories", x.category_id),
        "company": _refs(look, "companies", x.company_id),
        "item_no": _opt(x.item_no), "location": _refs(look, "locations", x.location_id),
        "manufacturer": _refs(look, "manufacturers", x.manufacturer_id),
        "supplier": _refs(look, "suppliers", x.supplier_id), "min_amt": x.min_amt,
        "model_number": _opt(x.model_number), "remaining": left, "order_number": _opt(x.order_number),
        "purchase_cost": _cost(x, ctx), "purchase_date": date_obj(x.purchase_date), "qty": x.qty,
        "notes": notes_html(x.notes), "created_at": datetime_obj(x.created_at),
        "updated_at": datetime_obj(x.updated_at), "user_can_checkout": left > 0,
        "available_actions": _actions(ctx, checkin=False),
    }  # fmt: skip


def component_row(x: FakeComponent, look: Lookup, c: Counts, ctx: RenderContext) -> Row:
    """ComponentsTransformer::transformComponent (v8)."""
    left = x.qty - x.in_assets
    return {
        "id": x.id, "name": e(x.name), "image": _image(x), "serial": _opt(x.serial),
        "location": _refs(look, "locations", x.location_id), "qty": x.qty, "min_amt": x.min_amt,
        "category": _refs(look, "categories", x.category_id),
        "supplier": _refs(look, "suppliers", x.supplier_id),
        "order_number": _opt(x.order_number), "purchase_date": date_obj(x.purchase_date),
        "purchase_cost": _cost(x, ctx), "remaining": left, "company": _refs(look, "companies", x.company_id),
        "notes": notes_html(x.notes), "created_at": datetime_obj(x.created_at),
        "updated_at": datetime_obj(x.updated_at), "user_can_checkout": left > 0,
        "available_actions": _actions(ctx),
    }  # fmt: skip


ITEM_RENDERERS: dict[str, Renderer] = {
    "licenses": license_row, "accessories": accessory_row, "consumables": consumable_row,
    "components": component_row,
}  # fmt: skip
