"""Generated licenses with their seats, and accessories, consumables and components.

Deterministic from the seed, with a random stream of its own so the rest of the estate is the same
with or without them. Seats are bulk-inserted per license the way ``License::syncSeats`` does: all
of a license's seats share one ``created_at``/``updated_at``, and only the ones touched since (checked
out) have a later ``updated_at``, so the seats list is full of ties.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from .data import ANCHOR, FakeAsset, _FastRandom
from .estate_records import (
    EstateSize,
    FakeAccessory,
    FakeCategory,
    FakeComponent,
    FakeConsumable,
    FakeLicense,
    FakeSeat,
    Item,
    Record,
)

Tables = dict[str, dict[int, Record]]
Seats = dict[int, FakeSeat]
_I = TypeVar("_I", bound=Item)

# fmt: off
_SINCE = datetime(2019, 3, 1, 9, 0, 0)
_PRODUCTS = ["Microsoft 365 E3", "Adobe Creative Cloud", "JetBrains All Products", "Slack Business+",
             "Zoom Pro", "AutoCAD LT", "Windows 11 Enterprise", "Office LTSC 2024", "Security <EDR> Suite",
             "1Password Business", "Atlassian Jira", "Figma Professional", "O'Reilly Learning",
             "Tableau Creator", "Parallels Desktop & Tools", "Visual Studio Pro"]
_ACCESSORIES = ["USB-C Charger 96W", "Keyboard & Mouse Combo", "Headset \"Pro\"", "Laptop Sleeve 14\"",
                "HDMI Cable 2m", "Webcam 4K", "USB-C Hub"]
_CONSUMABLES = ["Toner HP 26A", "A4 Paper (500)", "Label Tape 12mm", "AA Batteries", "Screen Wipes"]
_COMPONENTS = ["RAM 16GB DDR5", "SSD 1TB NVMe", "Wi-Fi Card AX210", "Battery 56Wh", "PSU 500W"]
_KEY_CHARS = string.ascii_uppercase + string.digits
_ASSIGNED = 0.55  # of generated seats, checked out at generation
_TO_ASSET = 0.15  # of checked-out seats, to an asset rather than a user
_TRASHED = 0.05  # of generated licenses, soft-deleted with their seats
# fmt: on


def _spread(rng: _FastRandom, start: datetime, end: datetime) -> datetime:
    return (start + (end - start) * rng.random()).replace(microsecond=0)


def _money(rng: _FastRandom, low: int, high: int) -> Decimal | None:
    # Whole cents, so str() gives the raw DB decimal "12600.00" that purchase_cost_numeric shows.
    return Decimal(rng.randrange(low * 100, high * 100)).scaleb(-2) if rng.random() < 0.85 else None


def seat_counts(licenses: int, seats: int, rng: _FastRandom) -> list[int]:
    """``seats`` spread over ``licenses``: at least one each, the rest by a long-tailed weight, so a few
    licenses are much bigger than the others (40 licenses and 320 seats: the largest about 50)."""
    if licenses <= 0:
        return []
    if seats < licenses:
        return [1 if k < seats else 0 for k in range(licenses)]
    weights = [1.0 / (k + 1) ** 0.9 for k in range(licenses)]
    rng.shuffle(weights)
    extra, total = seats - licenses, sum(weights)
    shares = [extra * w / total for w in weights]
    counts = [1 + int(s) for s in shares]
    # Largest remainders take what rounding down left over, so the counts add up exactly.
    by_remainder = sorted(range(licenses), key=lambda k: (int(shares[k]) - shares[k], k))
    for k in by_remainder[: seats - sum(counts)]:
        counts[k] += 1
    return counts


def grow_items(t: Tables, assets: Iterable[FakeAsset], size: EstateSize, seed: int) -> Seats:
    """Add licenses, accessories, consumables and components to ``t``; returns the seats by id."""
    rng = _FastRandom(seed * 1_000_003 + 29)
    live_assets = [a for a in assets if a.deleted_at is None]
    users = sorted(i for i in t["users"] if i > 2)  # trashed users too: a leaver's seat stays theirs
    seats: Seats = {}
    for n, count in enumerate(seat_counts(size.licenses, size.seats, rng)):
        lic = _license(rng, t, n + 1)
        lic.seats = count
        t["licenses"][lic.id] = lic
        for _ in range(count):
            seat = FakeSeat(id=len(seats) + 1, license_id=lic.id, created_at=lic.created_at,
                            updated_at=lic.created_at, created_by=None)  # fmt: skip
            seats[seat.id] = seat
            if rng.random() < _ASSIGNED:
                _assign(rng, seat, users, live_assets)
    licenses = sorted(t["licenses"])
    for i in rng.sample(licenses, round(len(licenses) * _TRASHED) or min(1, len(licenses) // 5)):
        gone = t["licenses"][i]
        gone.deleted_at = gone.updated_at = max(
            gone.updated_at, ANCHOR - timedelta(days=rng.randrange(1, 200))
        )
        for seat in seats.values():
            if seat.license_id == i:
                seat.deleted_at = gone.deleted_at
    _stock(rng, t, size)
    return seats


def _assign(rng: _FastRandom, seat: FakeSeat, users: list[int], assets: list[FakeAsset]) -> None:
    seat.updated_at = _spread(rng, seat.created_at + timedelta(minutes=5), ANCHOR)
    if assets and rng.random() < _TO_ASSET:
        a = rng.choice(assets)
        seat.assigned_asset_id = a.id
        # checkoutToAsset also sets the asset's user on the seat.
        if a.assigned_to is not None and a.assigned_to.get("type", "user") == "user":
            seat.assigned_user_id = int(a.assigned_to["id"])
    elif users:
        seat.assigned_user_id = rng.choice(users)


def _pick(rng: _FastRandom, t: Tables, entity: str) -> int | None:
    ids = list(t[entity])
    return rng.choice(ids) if ids and rng.random() < 0.9 else None


def _category(rng: _FastRandom, t: Tables, kind: str) -> int | None:
    cats = [c.id for c in t["categories"].values() if isinstance(c, FakeCategory) and c.category_type == kind]
    return rng.choice(cats or list(t["categories"]) or [0]) or None


def _fill(rng: _FastRandom, t: Tables, rec: _I, kind: str) -> _I:
    """The fields every item has: references to existing records, an order, when it was bought."""
    rec.company_id, rec.manufacturer_id = _pick(rng, t, "companies"), _pick(rng, t, "manufacturers")
    rec.supplier_id, rec.category_id = _pick(rng, t, "suppliers"), _category(rng, t, kind)
    rec.order_number = f"PO-{rng.randrange(1000, 9999)}" if rng.random() < 0.7 else None
    rec.created_at = _spread(rng, _SINCE, ANCHOR)
    rec.updated_at = _spread(rng, rec.created_at, ANCHOR)
    rec.purchase_date = rec.created_at.date() if rng.random() < 0.8 else None
    return rec


def _license(rng: _FastRandom, t: Tables, i: int) -> FakeLicense:
    base = _PRODUCTS[(i - 1) % len(_PRODUCTS)]
    key = "-".join("".join(rng.choice(_KEY_CHARS) for _ in range(5)) for _ in range(5))
    lic = FakeLicense(
        id=i, name=base if i <= len(_PRODUCTS) else f"{base} #{i}", product_key=key,
        purchase_cost=_money(rng, 50, 40_000),
        purchase_order=f"REQ-{i:04d}" if rng.random() < 0.3 else None,
        license_name="Acme & Co" if rng.random() < 0.3 else None,
        license_email=f"licensing{i}@example.com" if rng.random() < 0.3 else None,
        reassignable=rng.random() < 0.85, maintained=rng.random() < 0.6,
        notes="Renew via **reseller** before expiry" if rng.random() < 0.2 else None,
    )  # fmt: skip
    _fill(rng, t, lic, "license")
    if lic.purchase_date is not None:
        lic.expiration_date = lic.purchase_date + timedelta(days=365 * rng.randrange(1, 4))
    return lic


def _stock(rng: _FastRandom, t: Tables, size: EstateSize) -> None:
    """Accessories, consumables and components: counted things with a quantity and how many are out."""
    for n in range(1, size.accessories + 1):
        qty = rng.randrange(1, 60)
        t["accessories"][n] = _fill(rng, t, FakeAccessory(
            id=n, name=f"{_ACCESSORIES[(n - 1) % len(_ACCESSORIES)]} ({n})", qty=qty,
            checkouts_count=rng.randrange(0, qty + 1), model_number=f"ACC-{n:03d}",
            location_id=_pick(rng, t, "locations"), min_amt=rng.choice((None, 2, 5)),
            purchase_cost=_money(rng, 5, 300),
        ), "accessory")  # fmt: skip
    for n in range(1, size.consumables + 1):
        qty = rng.randrange(1, 500)
        t["consumables"][n] = _fill(rng, t, FakeConsumable(
            id=n, name=f"{_CONSUMABLES[(n - 1) % len(_CONSUMABLES)]} ({n})", qty=qty,
            used=rng.randrange(0, qty + 1), item_no=f"IT-{n:05d}" if rng.random() < 0.6 else None,
            model_number=f"CON-{n:03d}", location_id=_pick(rng, t, "locations"),
            min_amt=rng.choice((None, 10, 20)), purchase_cost=_money(rng, 1, 80),
        ), "consumable")  # fmt: skip
    for n in range(1, size.components + 1):
        qty = rng.randrange(1, 40)
        t["components"][n] = _fill(rng, t, FakeComponent(
            id=n, name=f"{_COMPONENTS[(n - 1) % len(_COMPONENTS)]} ({n})", qty=qty,
            in_assets=rng.randrange(0, qty + 1), serial=f"CMP{rng.randrange(10**6, 10**7)}",
            location_id=_pick(rng, t, "locations"), min_amt=rng.choice((None, 1, 4)),
            purchase_cost=_money(rng, 20, 900),
        ), "component")  # fmt: skip
