"""Render a FakeAsset exactly the way Snipe-IT v8.1.4's AssetsTransformer does (key order included)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import orjson

from .data import FakeAsset, Ref, add_months

APP_URL = "https://assets.example.com"
MONEY_STYLES = ("1,234.56", "1.234,56", "plain")

_NEEDS_ESCAPE = re.compile("[&<>\"']")
_SWAP_SEPARATORS = str.maketrans(",.", ".,")
_CENT = Decimal("0.01")
_CLOCK12 = [f"{h % 12 or 12:02d}" for h in range(24)]
_MERIDIEM = [" AM" if h < 12 else " PM" for h in range(24)]
_SLUG_DROP = re.compile(r"[^a-z0-9]+")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_EM = re.compile(r"\*(?=\S)(.+?)(?<=\S)\*|\b_(?=\S)(.+?)(?<=\S)_\b")
_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")


@dataclass(frozen=True)
class RenderContext:
    """Server-wide settings that change how every row looks."""

    money_style: str = "1,234.56"
    superuser: bool = True
    now: datetime = datetime(2025, 5, 20, 12, 0, 0)


def e(value: str | None) -> str:
    """Laravel's e(): htmlspecialchars with ENT_QUOTES and double encoding; null becomes ""."""
    if value is None:
        return ""
    if _NEEDS_ESCAPE.search(value) is None:
        return value  # the common case; skips five str.replace calls
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#039;")
    )


def _opt(value: str | None) -> str | None:
    return e(value) if value is not None else None


def notes_html(text: str | None) -> str | None:
    """Parsedown line() in safe mode, reduced to what notes use: escape, then strong/em/code/links."""
    if not text:
        return None
    html = e(text)
    html = _CODE.sub(r"<code>\1</code>", html)
    html = _LINK.sub(r'<a href="\2">\1</a>', html)
    html = _STRONG.sub(lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", html)
    return _EM.sub(lambda m: f"<em>{m.group(1) or m.group(2)}</em>", html)


def slug(text: str) -> str:
    """Laravel Str::slug for ASCII tags: lowercase, runs of other characters become one dash."""
    return _SLUG_DROP.sub("-", text.lower()).strip("-")


def date_obj(value: date | None) -> dict[str, str] | None:
    """Helper::getFormattedDateObject for a date, with the default Y-m-d display format."""
    if value is None:
        return None
    text = (value.date() if isinstance(value, datetime) else value).isoformat()
    return {"date": text, "formatted": text}


def datetime_obj(value: date | None) -> dict[str, str] | None:
    """The datetime variant: "Y-m-d H:i:s" plus the default "Y-m-d h:i A" display format."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    # isoformat is C code; slicing it is several times faster than formatting six fields in Python.
    text = value.isoformat(" ", "seconds")[:19]
    return {
        "datetime": text,
        "formatted": text[:11] + _CLOCK12[value.hour] + text[13:16] + _MERIDIEM[value.hour],
    }


def money(value: Decimal | None, style: str) -> str | None:
    """Helper::formatCurrencyOutput: number_format with the admin's digit separator (none before v5.2)."""
    if value is None:
        return None
    q = Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP)
    if style == "plain":
        return f"{q:.2f}"
    text = f"{q:,.2f}"
    return text.translate(_SWAP_SEPARATORS) if style == "1.234,56" else text


def _months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


def age(purchased: date | None, now: datetime) -> str:
    """Carbon diffForHumans() in English: the largest whole unit, "ago" or "from now"."""
    if purchased is None:
        return ""
    start = datetime(purchased.year, purchased.month, purchased.day)
    future = start > now
    a, b = (now, start) if future else (start, now)
    months = _months_between(a.date(), b.date())
    seconds = int((b - a).total_seconds())
    if months >= 12:
        count, unit = months // 12, "year"
    elif months >= 1:
        count, unit = months, "month"
    elif seconds >= 7 * 86400:
        count, unit = seconds // (7 * 86400), "week"
    elif seconds >= 86400:
        count, unit = seconds // 86400, "day"
    elif seconds >= 3600:
        count, unit = seconds // 3600, "hour"
    else:
        count, unit = max(seconds // 60, 1), "minute"
    return f"{count} {unit}{'' if count == 1 else 's'} {'from now' if future else 'ago'}"


def book_value(a: FakeAsset, now: datetime) -> Decimal | None:
    """Asset::getLinearDepreciatedValue with a zero minimum; null without depreciation or purchase date."""
    if a.depreciation_months is None or a.purchase_date is None or a.purchase_cost is None:
        return None
    passed = max(0, _months_between(a.purchase_date, now.date()))
    if passed >= a.depreciation_months:
        return Decimal("0.00")
    return a.purchase_cost - a.purchase_cost * Decimal(passed) / Decimal(a.depreciation_months)


# Related records repeat across thousands of rows: sharing one dict each saves building it per row.
_REF_CACHE: dict[Ref, dict[str, Any]] = {}


def _ref(ref: Ref | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    hit = _REF_CACHE.get(ref)
    if hit is None:
        if len(_REF_CACHE) > 10_000:
            _REF_CACHE.clear()
        hit = _REF_CACHE[ref] = {"id": ref[0], "name": e(ref[1])}
    return hit


def _assigned(target: dict[str, Any] | None) -> dict[str, Any] | None:
    if target is None:
        return None
    kind = target.get("type", "user")
    if kind != "user":
        return {"id": target["id"], "name": e(target.get("name")), "type": kind}
    first, last = target.get("first_name") or "", target.get("last_name")
    full = target.get("name") or (f"{first} {last}" if last else first)
    return {
        "id": target["id"],
        "username": e(target.get("username")),
        "name": e(full),
        "first_name": e(first),
        "last_name": e(last) if last else None,
        "email": e(target["email"]) if target.get("email") else None,
        "employee_number": e(target["employee_number"]) if target.get("employee_number") else None,
        "type": "user",
    }


def render_row(a: FakeAsset, ctx: RenderContext) -> dict[str, Any]:
    """The row dict in the v8.1.4 transformer's key order, after omit, raw_override and extra."""
    status = a.status_label
    assigned = _assigned(a.assigned_to)
    deleted = a.deleted_at is not None
    su = ctx.superuser
    warranty_expires = (
        add_months(a.purchase_date, a.warranty_months) if a.purchase_date and a.warranty_months else None
    )
    row: dict[str, Any] = {
        "id": a.id,
        "name": e(a.name),
        "asset_tag": e(a.asset_tag),
        "serial": e(a.serial),
        "model": _ref(a.model),
        "byod": a.byod,
        "requestable": a.requestable,
        "model_number": _opt(a.model_number),
        "eol": f"{a.eol} months" if a.eol is not None else None,
        "asset_eol_date": date_obj(a.asset_eol_date),
        "status_label": None
        if status is None
        else {
            "id": status[0],
            "name": e(status[1]),
            "status_type": status[2],
            "status_meta": "deployed" if assigned is not None else status[2],
        },
        "category": _ref(a.category),
        "manufacturer": _ref(a.manufacturer),
        "supplier": _ref(a.supplier),
        "notes": notes_html(a.notes),
        "order_number": _opt(a.order_number),
        "company": _ref(a.company),
        "location": _ref(a.location),
        "rtd_location": _ref(a.rtd_location),
        "image": f"{APP_URL}/uploads/{e(a.image)}" if a.image else None,
        "qr": None,  # the qr_code setting defaults to off
        "alt_barcode": f"{APP_URL}/uploads/barcodes/c128-{slug(a.asset_tag)}.png",
        "assigned_to": assigned,
        "warranty_months": e(f"{a.warranty_months} months") if a.warranty_months is not None else None,
        "warranty_expires": date_obj(warranty_expires),
        "created_by": _ref(a.created_by),
        "created_at": datetime_obj(a.created_at),
        "updated_at": datetime_obj(a.updated_at),
        "last_audit_date": datetime_obj(a.last_audit_date),
        "next_audit_date": date_obj(a.next_audit_date),
        "deleted_at": datetime_obj(a.deleted_at),
        "purchase_date": date_obj(a.purchase_date),
        "age": age(a.purchase_date, ctx.now),
        "last_checkout": datetime_obj(a.last_checkout),
        "last_checkin": datetime_obj(a.last_checkin),
        "expected_checkin": date_obj(a.expected_checkin),
        "purchase_cost": money(a.purchase_cost, ctx.money_style),
        "checkin_counter": a.checkin_counter,
        "checkout_counter": a.checkout_counter,
        "requests_counter": a.requests_counter,
        "user_can_checkout": assigned is None
        and not deleted
        and status is not None
        and status[2] == "deployable",
        "book_value": money(book_value(a, ctx.now), ctx.money_style),
        # Keyed by display label, values always escaped strings; {} (never []) without a fieldset.
        "custom_fields": {
            label: {"field": col, "value": e(value), "field_format": fmt, "element": element}
            for label, col, value, fmt, element in a.custom_fields
        },
        # These reflect the API user's permissions, not the asset (plus deleted/assigned state).
        "available_actions": {
            "checkout": su,
            "checkin": su,
            "clone": su,
            "restore": su and deleted,
            "update": su and not deleted,
            "audit": su,
            "delete": su and not deleted and a.assigned_to is None,
        },
    }
    for key in a.omit:
        row.pop(key, None)
    if a.raw_override:
        row.update(a.raw_override)
    if a.extra:
        row.update(a.extra)
    return row


def dumps(obj: Any) -> bytes:
    """orjson for speed; stdlib json for what orjson refuses (lone surrogates, Decimal, int keys)."""
    try:
        return orjson.dumps(obj)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(obj, default=str, separators=(",", ":")).encode("utf-8", "surrogatepass")


def render_bytes(a: FakeAsset, ctx: RenderContext) -> bytes:
    # orjson hands back its ~16 KiB working buffer; a right-sized copy makes a 100k cache 220 MB, not 1.6 GB.
    return memoryview(dumps(render_row(a, ctx))).tobytes()
