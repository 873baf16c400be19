"""Typed fake assets and a deterministic generator of realistic ones.

Assets are held unescaped and typed; ``render.py`` turns them into what Snipe-IT v8.1.4 would send.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

Ref = tuple[int, str]
"""A related record as Snipe-IT shows it: ``(id, name)``."""
StatusLabel = tuple[int, str, str]
"""``(id, name, status_type)``; status_type is deployable, pending, archived or undeployable."""
CustomField = tuple[str, str, str | None, str, str]
"""``(label, db_column, value, field_format, element)``."""
_T = TypeVar("_T")

STATUS_PENDING: StatusLabel = (1, "Pending", "pending")
STATUS_READY: StatusLabel = (2, "Ready to Deploy", "deployable")
STATUS_ARCHIVED: StatusLabel = (3, "Archived", "archived")
STATUS_BROKEN: StatusLabel = (4, "Broken - Not Fixable", "undeployable")
STATUS_REPAIR: StatusLabel = (5, "Out for Repair", "undeployable")
STATUS_LOST: StatusLabel = (6, "Lost/Stolen", "archived")

# Generated history ends here, so the same seed gives the same assets on any day.
ANCHOR = datetime(2025, 5, 20, 12, 0, 0)
_EPOCH = datetime(2018, 1, 8, 9, 0, 0)


@dataclass(slots=True)  # slots: 100k assets without a __dict__ each
class FakeAsset:
    """One hardware asset in unescaped, typed form; rendered the way Snipe-IT would send it."""

    id: int
    name: str | None = None
    asset_tag: str = ""
    serial: str | None = None
    model: Ref | None = None
    model_number: str | None = None
    category: Ref | None = None
    manufacturer: Ref | None = None
    supplier: Ref | None = None
    company: Ref | None = None
    location: Ref | None = None
    rtd_location: Ref | None = None
    status_label: StatusLabel | None = STATUS_READY
    # {"type": "user", "id", "username", "first_name", "last_name", "email", "employee_number"}
    # or {"type": "location" | "asset", "id", "name"}; an asset's name is its full display name.
    assigned_to: dict[str, Any] | None = None
    notes: str | None = None
    order_number: str | None = None
    purchase_date: date | None = None
    purchase_cost: Decimal | None = None
    warranty_months: int | None = None
    eol: int | None = None  # whole months, rendered as "N months"
    byod: bool = False
    requestable: bool = False
    created_at: datetime = ANCHOR
    updated_at: datetime = ANCHOR
    last_checkout: datetime | None = None
    last_checkin: datetime | None = None
    expected_checkin: date | None = None
    last_audit_date: datetime | None = None
    next_audit_date: date | None = None
    asset_eol_date: date | None = None
    deleted_at: datetime | None = None
    custom_fields: list[CustomField] = field(default_factory=list)
    image: str | None = None  # path below APP_URL/uploads/, e.g. "models/x.png"
    created_by: Ref | None = None
    depreciation_months: int | None = None  # book_value is null without it
    checkin_counter: int = 0
    checkout_counter: int = 0
    requests_counter: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    omit: set[str] = field(default_factory=set)
    raw_override: dict[str, Any] = field(default_factory=dict)


# --- reference data -------------------------------------------------------------------------------

_LAPTOPS: Ref = (3, "Laptops")
_MONITORS: Ref = (4, "Monitors")
_PHONES: Ref = (5, "Phones")
_DESKTOPS: Ref = (6, "Desktops")
_TABLETS: Ref = (7, "Tablets")
_DISPLAYS: Ref = (9, "Displays")
_PERIPHERALS: Ref = (10, "Peripherals & Accessories")
_DOCKS: Ref = (12, "Docks")

_APPLE, _DELL, _HP, _MS = (1, "Apple"), (2, "Dell"), (3, "HP"), (4, "Microsoft")
_CISCO, _SAMSUNG, _LOGI, _LENOVO, _LG = (
    (5, "Cisco"),
    (6, "Samsung"),
    (7, "Logitech"),
    (8, "Lenovo"),
    (9, "LG"),
)

_MAC = ("MAC Address", "_snipeit_mac_address_1", "MAC", "text")
_IP = ("IP Address", "_snipeit_ip_address_2", "IP", "text")
_RAM = ("RAM (GB)", "_snipeit_ram_gb_3", "NUMERIC", "text")
_STORAGE = ("Storage", "_snipeit_storage_4", "ANY", "listbox")
_INSTALL = ("Install Date", "_snipeit_install_date_5", "DATE", "text")
_OS = ("Operating System", "_snipeit_operating_system_6", "ANY", "listbox")
_IMEI = ("IMEI", "_snipeit_imei_7", "NUMERIC", "text")
_PORTS = ("Ports", "_snipeit_ports_8", "ANY", "checkbox")
_TICKET = ("Vendor Ticket #", "_snipeit_vendor_ticket_9", "ANY", "text")
_PHONE_NO = ("Phone Number", "_snipeit_phone_number_10", "ANY", "text")
_BIOS = ("BIOS Password", "_snipeit_bios_password_11", "ANY", "text")  # encrypted; superuser sees it

_FIELDSETS: dict[str, list[tuple[str, str, str, str]]] = {
    "laptop": [_MAC, _RAM, _STORAGE, _OS, _INSTALL, _BIOS],
    "desktop": [_MAC, _IP, _RAM, _OS],
    "display": [_MAC, _IP, _INSTALL, _PORTS, _TICKET],
    "phone": [_IMEI, _PHONE_NO, _MAC, _OS],
    "": [],
}


@dataclass(frozen=True)
class _Model:
    ref: Ref
    number: str | None
    category: Ref
    maker: Ref
    fieldset: str
    cost: tuple[int, int]  # whole-currency range
    tag: str  # asset tag prefix
    weight: int
    depreciation: int | None
    eol: int | None
    image: str | None


# A readable table beats one argument per line here.
# fmt: off
_MODELS: list[_Model] = [
    # ref, model_number, category, manufacturer, fieldset,
    #     cost range, tag prefix, weight, depreciation months, eol months, image
    _Model((12, 'MacBook Pro 14" (2023)'), "MPHE3LL/A", _LAPTOPS, _APPLE, "laptop",
           (1999, 3499), "LT", 9, 36, 36, "models/mbp14-2023-6a1f0c.png"),
    _Model((13, 'MacBook Air 13" M2'), "MLY33LL/A", _LAPTOPS, _APPLE, "laptop",
           (1099, 1599), "LT", 6, 36, 36, "models/mba13-m2-19be22.png"),
    _Model((14, "Latitude 7440"), "7440-i7-16", _LAPTOPS, _DELL, "laptop",
           (1349, 2199), "LT", 9, 36, 48, None),
    _Model((15, "XPS 15 9530"), "XPS9530-7", _LAPTOPS, _DELL, "laptop",
           (1899, 2899), "LT", 3, 36, 36, "models/xps15-9530-0c77aa.png"),
    _Model((16, "ThinkPad X1 Carbon Gen 11"), "21HM004GUS", _LAPTOPS, _LENOVO, "laptop",
           (1499, 2399), "LT", 7, 36, 48, "models/x1c-g11-3f9d01.png"),
    _Model((17, "ThinkPad T14s Gen 4"), "21F6", _LAPTOPS, _LENOVO, "laptop",
           (1099, 1799), "LT", 6, 36, 48, None),
    _Model((18, "EliteBook 840 G10"), "81A19UT#ABA", _LAPTOPS, _HP, "laptop",
           (1199, 1899), "LT", 4, 36, 36, None),
    _Model((19, "Surface Laptop 5"), "RBG-00026", _LAPTOPS, _MS, "laptop",
           (999, 1699), "LT", 2, 36, 36, "models/surface-l5-88e4b2.png"),
    _Model((21, "UltraSharp U2723QE"), "U2723QE", _MONITORS, _DELL, "",
           (519, 789), "MN", 8, None, 60, "models/u2723qe-2b1c9e.png"),
    _Model((22, "P24h G5"), "64W34AA", _MONITORS, _HP, "",
           (189, 259), "MN", 5, None, 60, None),
    _Model((23, "27UK850-W"), "27UK850-W", _MONITORS, _LG, "",
           (349, 499), "MN", 3, None, 60, None),
    _Model((24, "ThinkVision T27h-30"), "63A3GAR1US", _MONITORS, _LENOVO, "",
           (299, 429), "MN", 3, None, 60, None),
    _Model((31, "Samsung QM55B"), "LH55QMBEBGCXZA", _DISPLAYS, _SAMSUNG, "display",
           (1089, 1389), "AV", 1, None, None, None),
    _Model((32, "Webex Board 55"), "CS-BOARD55-K9", _DISPLAYS, _CISCO, "display",
           (4990, 7490), "AV", 1, 60, None, "models/webex-board-55-7d0e41.png"),
    _Model((44, "ThinkPad Universal USB-C Dock"), None, _DOCKS, _LENOVO, "",
           (149, 249), "DK", 5, None, None, None),
    _Model((45, "WD19TBS Thunderbolt Dock"), "WD19TBS", _DOCKS, _DELL, "",
           (229, 349), "DK", 4, None, None, None),
    _Model((46, "Logi Dock"), "986-000020", _DOCKS, _LOGI, "",
           (299, 399), "DK", 2, None, None, None),
    _Model((51, "iPhone 15"), "MTLX3LL/A", _PHONES, _APPLE, "phone",
           (799, 1199), "PH", 6, 24, 36, "models/iphone15-5c3a90.png"),
    _Model((52, "Galaxy S23"), "SM-S911U", _PHONES, _SAMSUNG, "phone",
           (699, 1099), "PH", 3, 24, 36, None),
    _Model((53, "IP Phone 8851"), "CP-8851-K9", _PHONES, _CISCO, "display",
           (299, 449), "PH", 2, None, None, None),
    _Model((61, "OptiPlex 7010 Micro"), "7010-MFF", _DESKTOPS, _DELL, "desktop",
           (749, 1249), "DT", 3, 60, 60, None),
    _Model((71, 'iPad Air 11" (M2)'), "MUWD3LL/A", _TABLETS, _APPLE, "phone",
           (599, 899), "TB", 2, 24, 36, "models/ipad-air-m2-a1b2c3.png"),
    _Model((81, "MX Keys & MX Master 3S Combo"), "920-011613", _PERIPHERALS, _LOGI, "",
           (159, 199), "PR", 3, None, None, None),
]

_LOCATIONS: list[Ref] = [
    (5, "Boston HQ"), (14, "Floor 3 \u2013 Room 301"), (6, "London \u2013 Shoreditch"),
    (7, "M\u00fcnchen B\u00fcro"), (8, "S\u00e3o Paulo Escrit\u00f3rio"),
    (9, "\u6771\u4eac\u30aa\u30d5\u30a3\u30b9"),  # Tokyo office
    (10, "Krak\u00f3w Dev Center"), (11, "Warehouse & Receiving"), (12, "Remote / Home Office"),
    (13, 'Montr\u00e9al \u2013 Salle "\u00c9rable"'),
]
_COMPANIES: list[Ref | None] = [(1, "Acme Corp"), (2, "Acme Europe GmbH"), (3, "Smith & Jones LLP"), None]
_SUPPLIERS: list[Ref | None] = [(4, "CDW"), (5, "Insight"), (6, "B&H Photo"), (7, "SHI International"), None]
_ADMIN: Ref = (1, "Admin User")
_IMPORTER: Ref = (2, "Import Bot")

_FIRST = ["Jane", "Liam", "Aoife", "Jos\u00e9", "Zo\u00eb", "Mohammed", "Priya", "Chen", "Olga", "Sean",
          "Nnamdi", "Marie-Claire", "Bj\u00f6rn", "Siobh\u00e1n", "Kenji", "Fatima", "Tom\u00e1s", "Ava"]
_LAST = ["O'Brien", "Smith", "D'Angelo", "M\u00fcller", "Garc\u00eda", "Nguyen", "Kowalski", "O'Neill",
         "Okafor", "Johansson", "Tanaka", "Haddad", "Dubois", "Patel", None]
# Users whose names need escaping: ' and & and < are what break naive clients.
_SPECIAL_USERS: list[dict[str, Any]] = [
    {"type": "user", "id": 87, "username": "jobrien", "first_name": "Jane", "last_name": "O'Brien",
     "email": "jane.obrien@example.com", "employee_number": "E-1187"},
    {"type": "user", "id": 88, "username": "rnd-shared", "first_name": "R&D", "last_name": "Lab <Shared>",
     "email": None, "employee_number": None},
    {"type": "user", "id": 89, "username": "sales", "first_name": "Sales & Marketing", "last_name": None,
     "email": "sales+loaners@example.com", "employee_number": None},
]
_NAMES = ["Design & Marketing MacBook", "Loaner #{n}", "{first}'s laptop", "Front desk \u2013 reception",
          "Build agent {n}", "AT&amp;T hotspot backup", 'Kiosk "lobby" unit', "Spare <unlabeled>"]
_NOTES = [
    "Issued with USB-C dock & 65W charger. **Do not reimage**",
    "Screen has a *hairline* crack, see [ticket #{n}](https://help.example.com/t/{n}?src=api&view=full)",
    "Battery replaced by vendor <Apple Store Boylston>. Keep receipt in the **finance** folder.",
    "Reassigned after O'Brien left; data wiped & re-enrolled in MDM. Asset tag re-printed.",
    "Imported from legacy CMDB (AT&amp;T asset id {n}). Original purchase record lost.",
    'Keep in **locked cabinet** \u2014 "loaner" pool only. Check charger & case on return.',
    "Line one of a multi-line note\nsecond line: 50% off via refurb programme",
    "Encrypted with FileVault; recovery key escrowed in MDM. Owner: Finance & Ops.",
]
_OSES = ["macOS 14 Sonoma", "macOS 15 Sequoia", "Windows 11 Pro 23H2", "Windows 10 Enterprise LTSC",
         "Ubuntu 22.04 LTS", "iOS 17.5", "Android 14"]
_STORAGES = ["256 GB SSD", "512 GB SSD", "1 TB SSD", "2 TB NVMe"]
_PORTS_CHOICES = ["HDMI,USB-C", "HDMI", "HDMI,DisplayPort,USB-C", "USB-C", ""]
_STATUS_POOL = [STATUS_READY] * 80 + [STATUS_PENDING] * 8 + [STATUS_BROKEN] * 6 + [STATUS_REPAIR] * 6
_SERIAL_CHARS = string.ascii_uppercase + string.digits
_SECRET_CHARS = string.ascii_letters + "&<>'\"#"
# fmt: on


class _FastRandom(random.Random):
    """random.Random with choice/randrange built on random(): 3x faster, which matters at 100k assets."""

    def choice(self, seq: SupportsLenAndGetItem[_T]) -> _T:
        return seq[int(self.random() * len(seq))]

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            start, stop = 0, start
        return start + int(self.random() * (stop - start))


def _users() -> list[dict[str, Any]]:
    rng = _FastRandom(7)
    users = list(_SPECIAL_USERS)
    for uid in range(100, 180):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        ascii_last = "".join(c for c in (last or "x").lower() if c in string.ascii_lowercase)
        username = f"{first[0].lower()}{ascii_last}{uid}"
        email = f"{username}@example.com" if rng.random() < 0.9 else None
        employee = f"E-{1000 + uid}" if rng.random() < 0.8 else None
        users.append({"type": "user", "id": uid, "username": username, "first_name": first,
                      "last_name": last, "email": email, "employee_number": employee})  # fmt: skip
    return users


_USERS = _users()


def _fmt_date(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def add_months(d: date, months: int) -> date:
    """Carbon's addMonths with overflow (Jan 31 + 1 month = Mar 3), which Snipe-IT uses."""
    total = d.year * 12 + (d.month - 1) + months
    first = date(total // 12, total % 12 + 1, 1)
    return first + timedelta(days=d.day - 1)


def _field_value(rng: random.Random, col: str, purchased: date | None) -> str | None:
    if rng.random() < 0.06:
        return None
    if col.startswith("_snipeit_mac"):
        return rng.getrandbits(48).to_bytes(6, "big").hex(":").upper()
    if col.startswith("_snipeit_ip"):
        return f"10.{rng.randrange(1, 40)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    if col.startswith("_snipeit_ram"):
        return rng.choice(["8", "16", "16", "32", "64"])
    if col.startswith("_snipeit_storage"):
        return rng.choice(_STORAGES)
    if col.startswith("_snipeit_install"):
        return _fmt_date(purchased + timedelta(days=rng.randrange(3, 40))) if purchased else None
    if col.startswith("_snipeit_operating"):
        return rng.choice(_OSES)
    if col.startswith("_snipeit_imei"):
        return f"35{rng.getrandbits(43) % 10**13:013d}"
    if col.startswith("_snipeit_ports"):
        return rng.choice(_PORTS_CHOICES)
    if col.startswith("_snipeit_vendor"):
        return f"INC{rng.randrange(10**6, 10**7)}" if rng.random() < 0.3 else None
    if col.startswith("_snipeit_phone"):
        return f"+1 (617) 555-{rng.randrange(10000):04d}"
    return "".join(rng.choices(_SECRET_CHARS, k=12))


def _sec(dt: datetime) -> datetime:
    return dt.replace(microsecond=0)


def _serial(rng: random.Random) -> str:
    return "".join(rng.choices(_SERIAL_CHARS, k=12 if rng.random() < 0.5 else 10))


def generate_assets(
    n: int, *, seed: int = 1, archived_share: float = 0.03, deleted_share: float = 0.02, start_id: int = 1
) -> list[FakeAsset]:
    """Return ``n`` realistic assets with ids ``start_id..``; the same arguments give the same assets."""
    rng = _FastRandom(seed * 1_000_003 + start_id)
    weights = [m.weight for m in _MODELS]
    models = rng.choices(_MODELS, weights=weights, k=n)
    span = (ANCHOR - _EPOCH).total_seconds()
    step = span / max(n, 1)
    created = _EPOCH
    batch_left = 0
    assets: list[FakeAsset] = []
    laptops: list[FakeAsset] = []
    for i, m in enumerate(models):
        aid = start_id + i
        # CSV imports write many rows in the same second: that is what makes created_at sorts unstable.
        if batch_left > 0:
            batch_left -= 1
        else:
            created = min(ANCHOR, created + timedelta(seconds=int(step * rng.uniform(0.2, 1.8))))
            if rng.random() < 0.004:
                batch_left = rng.randrange(20, 200)
        imported = batch_left > 0
        updated = created + timedelta(seconds=rng.randrange(int((ANCHOR - created).total_seconds()) + 1))
        purchased = (created - timedelta(days=rng.randrange(0, 60))).date() if rng.random() < 0.92 else None
        cost = None
        if rng.random() < 0.93:
            cost = Decimal(rng.randrange(m.cost[0] * 100, m.cost[1] * 100 + 1)) / 100
        first = rng.choice(_FIRST)
        name: str | None = None
        if rng.random() < 0.7:
            name = rng.choice(_NAMES).format(n=rng.randrange(1, 99), first=first)
        tag = f"{aid:06d}" if rng.random() < 0.05 else f"{m.tag}-{aid:05d}"
        warranty = rng.choice((12, 24, 36, 36, 48, None))
        eol_date = add_months(purchased, m.eol) if purchased and m.eol else None
        loc = rng.choice(_LOCATIONS)
        a = FakeAsset(
            id=aid,
            name=name,
            asset_tag=tag,
            serial=None
            if (m.category == _DOCKS and rng.random() < 0.4) or rng.random() < 0.03
            else _serial(rng),
            model=m.ref,
            model_number=m.number,
            category=m.category,
            manufacturer=m.maker,
            supplier=rng.choice(_SUPPLIERS),
            company=rng.choice(_COMPANIES),
            location=loc,
            rtd_location=loc if rng.random() < 0.8 else rng.choice(_LOCATIONS),
            status_label=rng.choice(_STATUS_POOL),
            notes=rng.choice(_NOTES).format(n=rng.randrange(1000, 99999)) if rng.random() < 0.45 else None,
            order_number=f"PO-{created.year}-{rng.randrange(10000):04d}" if rng.random() < 0.7 else None,
            purchase_date=purchased,
            purchase_cost=cost,
            warranty_months=warranty,
            eol=m.eol if eol_date else None,
            byod=m.category == _PHONES and rng.random() < 0.15,
            requestable=rng.random() < 0.05,
            created_at=created,
            updated_at=updated,
            asset_eol_date=eol_date,
            custom_fields=[
                (lbl, col, _field_value(rng, col, purchased), fmt, el)
                for lbl, col, fmt, el in _FIELDSETS[m.fieldset]
            ],
            image=m.image,
            created_by=_IMPORTER if imported else (_ADMIN if rng.random() < 0.9 else None),
            depreciation_months=m.depreciation,
        )
        if rng.random() < 0.3:
            audited = _sec(created + (updated - created) * rng.random())
            a.last_audit_date = audited.replace(hour=0, minute=0, second=0)
            a.next_audit_date = add_months(audited.date(), 12)
        if a.status_label == STATUS_READY and rng.random() < 0.7:
            _assign(rng, a, laptops)
        if m.category == _LAPTOPS:
            laptops.append(a)
        assets.append(a)
    _mark(rng, assets, archived_share, deleted_share)
    return assets


def _assign(rng: random.Random, a: FakeAsset, laptops: list[FakeAsset]) -> None:
    roll = rng.random()
    if roll < 0.05 and laptops:
        target = rng.choice(laptops)
        model_name = target.model[1] if target.model else ""
        a.assigned_to = {
            "type": "asset",
            "id": target.id,
            "name": f"{target.name or ''} ({target.asset_tag}) - {model_name}",
        }
    elif roll < 0.15:
        loc = a.location or _LOCATIONS[0]
        a.assigned_to = {"type": "location", "id": loc[0], "name": loc[1]}
    else:
        a.assigned_to = rng.choice(_USERS)
    a.last_checkout = _sec(a.created_at + (a.updated_at - a.created_at) * rng.random())
    a.checkout_counter = rng.randrange(1, 5)
    a.checkin_counter = a.checkout_counter - 1
    if a.checkin_counter:
        a.last_checkin = _sec(a.created_at + (a.last_checkout - a.created_at) * rng.random())
    if rng.random() < 0.05:
        a.expected_checkin = (a.last_checkout + timedelta(days=rng.randrange(7, 400))).date()


def _mark(rng: random.Random, assets: list[FakeAsset], archived_share: float, deleted_share: float) -> None:
    n = len(assets)
    deleted = set(rng.sample(range(n), min(n, round(n * deleted_share))))
    live = [i for i in range(n) if i not in deleted]
    for i in rng.sample(live, min(len(live), round(len(live) * archived_share))):
        a = assets[i]
        a.status_label = STATUS_ARCHIVED if rng.random() < 0.7 else STATUS_LOST
        a.assigned_to = None
    for i in sorted(deleted):
        a = assets[i]
        # Deleting checks the asset in first, and a soft delete bumps updated_at.
        a.deleted_at = min(ANCHOR, a.updated_at + timedelta(days=rng.randrange(0, 90)))
        a.updated_at = a.deleted_at
        a.assigned_to = None


def random_change(rng: random.Random, a: FakeAsset) -> dict[str, Any]:
    """Pick one plausible edit of ``a`` (for churn), as keyword arguments for ``FakeSnipeIT.update``."""
    kind = rng.randrange(6)
    if kind == 0:
        return {"name": f"{rng.choice(_FIRST)}'s {a.model[1] if a.model else 'device'}"}
    if kind == 1:
        return {"location": rng.choice(_LOCATIONS)}
    if kind == 2:
        return {"notes": (a.notes or "") + f" Audited & OK (**{rng.randrange(100)}**)."}
    if kind == 3 and a.custom_fields:
        fields = list(a.custom_fields)
        j = rng.randrange(len(fields))
        lbl, col, _, fmt, el = fields[j]
        fields[j] = (lbl, col, _field_value(rng, col, a.purchase_date), fmt, el)
        return {"custom_fields": fields}
    if kind == 4:
        return {"purchase_cost": Decimal(rng.randrange(10000, 400000)) / 100}
    if a.assigned_to is None and a.status_label == STATUS_READY:
        return {"assigned_to": rng.choice(_USERS), "checkout_counter": a.checkout_counter + 1}
    if a.assigned_to is not None:
        return {"assigned_to": None, "checkin_counter": a.checkin_counter + 1}
    return {"order_number": f"PO-CHG-{rng.randrange(10000):04d}"}
