"""Typed records of the Snipe-IT entities around hardware, and what each entity's endpoint is like.

Records hold unescaped, typed values and foreign keys by id; ``estate_render`` turns them into the
rows Snipe-IT v8.1.4's transformers send, looking related names up live (as Snipe-IT's eager loads do).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from .data import ANCHOR, Ref

ADMIN: Ref = (1, "Admin User")


@dataclass(slots=True, kw_only=True)
class Record:
    """What every entity has; ``deleted_at`` is set on soft-deleted rows."""

    id: int
    notes: str | None = None
    created_by: Ref | None = ADMIN
    created_at: datetime = ANCHOR
    updated_at: datetime = ANCHOR
    deleted_at: datetime | None = None


@dataclass(slots=True, kw_only=True)
class Place(Record):
    """The postal fields users, locations and suppliers share (users have no ``address2``)."""

    address: str | None = None
    address2: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    zip: str | None = None
    phone: str | None = None


@dataclass(slots=True, kw_only=True)
class FakeUser(Place):
    first_name: str
    last_name: str | None = None
    username: str = ""
    email: str | None = None
    employee_num: str | None = None
    jobtitle: str | None = None
    website: str | None = None
    locale: str | None = "en-US"
    avatar: str = ""  # "" (e(false)), an upload URL, or a protocol-relative gravatar URL
    remote: bool = False
    vip: bool = False
    activated: bool = True
    ldap_import: bool = False
    autoassign_licenses: bool = True
    two_factor_enrolled: bool = False
    department_id: int | None = None
    manager_id: int | None = None
    location_id: int | None = None
    company_id: int | None = None
    permissions: dict[str, int] = field(default_factory=dict)
    groups: list[Ref] = field(default_factory=list)
    start_date: date | None = None
    end_date: date | None = None
    last_login: datetime | None = None

    @property
    def name(self) -> str:
        """``First Last`` (name_display_format first_last); just the first name without a last name."""
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass(slots=True, kw_only=True)
class FakeLocation(Place):
    name: str
    parent_id: int | None = None
    manager_id: int | None = None
    company_id: int | None = None
    currency: str | None = None
    ldap_ou: str | None = None


@dataclass(slots=True, kw_only=True)
class FakeCompany(Record):
    name: str
    phone: str | None = None
    email: str | None = None


@dataclass(slots=True, kw_only=True)
class FakeDepartment(Record):
    name: str
    phone: str | None = None
    company_id: int | None = None
    manager_id: int | None = None
    location_id: int | None = None


@dataclass(slots=True, kw_only=True)
class FakeModel(Record):
    name: str
    model_number: str | None = None
    manufacturer_id: int | None = None
    category_id: int | None = None
    fieldset: str = ""  # a key of data._FIELDSETS; "" is none
    depreciation: Ref | None = None
    eol: int | None = None  # months; rendered "N months", or "None"
    min_amt: int | None = None
    requestable: bool = False
    image: str | None = None


@dataclass(slots=True, kw_only=True)
class FakeCategory(Record):
    name: str
    category_type: str = "asset"  # raw: asset, accessory, consumable, component, license
    require_acceptance: bool = False
    checkin_email: bool = False
    eula: str | None = None


@dataclass(slots=True, kw_only=True)
class FakeManufacturer(Record):
    name: str
    url: str | None = None
    support_url: str | None = None
    warranty_lookup_url: str | None = None
    support_phone: str | None = None
    support_email: str | None = None


@dataclass(slots=True, kw_only=True)
class FakeStatusLabel(Record):
    name: str
    type: str = "deployable"  # deployable, pending, archived, undeployable
    color: str | None = None
    show_in_nav: bool = False
    default_label: bool = False


@dataclass(slots=True, kw_only=True)
class FakeSupplier(Place):
    name: str
    url: str | None = None
    fax: str | None = None
    email: str | None = None
    contact: str | None = None


@dataclass(slots=True, kw_only=True)
class Item(Record):
    """What licenses, accessories, consumables and components share: a bought thing with a category."""

    name: str
    company_id: int | None = None
    manufacturer_id: int | None = None
    supplier_id: int | None = None
    category_id: int | None = None
    order_number: str | None = None
    purchase_date: date | None = None
    purchase_cost: Decimal | None = None  # the raw DB decimal
    min_amt: int | None = None


@dataclass(slots=True, kw_only=True)
class FakeLicense(Item):
    """A license. ``seats`` is the column; the seats themselves are ``FakeSeat`` rows, and
    ``free_seats_count`` is counted from them."""

    seats: int = 0
    product_key: str | None = None
    purchase_order: str | None = None
    termination_date: date | None = None
    expiration_date: date | None = None
    license_name: str | None = None
    license_email: str | None = None
    reassignable: bool = True
    maintained: bool = False


@dataclass(slots=True, kw_only=True)
class FakeAccessory(Item):
    model_number: str | None = None
    location_id: int | None = None
    qty: int = 1
    checkouts_count: int = 0  # how many are out; remaining_qty is qty minus this


@dataclass(slots=True, kw_only=True)
class FakeConsumable(Item):
    model_number: str | None = None
    item_no: str | None = None
    location_id: int | None = None
    qty: int = 1
    used: int = 0  # checked out for good; remaining is qty minus this


@dataclass(slots=True, kw_only=True)
class FakeComponent(Item):
    serial: str | None = None
    location_id: int | None = None
    qty: int = 1
    in_assets: int = 0  # installed in assets; remaining is qty minus this


@dataclass(slots=True, kw_only=True)
class FakeSeat(Record):
    """One license seat. Not an entity of its own: it is listed only under its license."""

    license_id: int
    assigned_user_id: int | None = None  # license_seats.assigned_to
    assigned_asset_id: int | None = None  # license_seats.asset_id


def name_of(rec: Record) -> str:
    """The name Snipe-IT shows for a record in ``{id, name}`` references."""
    return str(getattr(rec, "name", ""))


@dataclass(frozen=True)
class Entity:
    """One list endpoint: its records, permission, deleted-row flag and sorting (doc table, v8.1.4)."""

    endpoint: str
    record: type[Record]
    permission: str
    missing: str  # the 200 error message of GET /{endpoint}/{id} for a missing (or trashed) row
    trashed_flag: tuple[str, str] | None = None  # the query flag that lists only trashed rows
    lists_all: bool = False  # users: all=true lists live and trashed rows together
    default_sort: str = "created_at"
    sortable: frozenset[str] = frozenset({"id", "name", "created_at", "updated_at"})
    abs_offset: bool = False  # models: abs(offset), so -5 reads from offset 5


def _not_found(cls: str) -> str:
    # findOrFail's ModelNotFoundException becomes 200 "<Class> not found" in the API exception handler.
    return f"{cls} not found"


ENTITIES: dict[str, Entity] = {
    e.endpoint: e
    for e in (
        Entity(
            "users", FakeUser, "users.view", "User does not exist or you do not have permission view them.",
            trashed_flag=("deleted", "true"), lists_all=True, default_sort="first_name",
            sortable=frozenset({"id", "first_name", "last_name", "username", "email", "employee_num",
                                "created_at", "updated_at"}),
        ),
        Entity("locations", FakeLocation, "locations.view", _not_found("Location")),
        Entity("companies", FakeCompany, "companies.view", _not_found("Company")),
        Entity("departments", FakeDepartment, "departments.view", _not_found("Department"),
               sortable=frozenset({"id", "name"})),
        Entity("models", FakeModel, "models.view", _not_found("AssetModel"),
               trashed_flag=("status", "deleted"), abs_offset=True),
        Entity("categories", FakeCategory, "categories.view", _not_found("Category"),
               default_sort="assets_count", sortable=frozenset({"id", "name", "assets_count"})),
        Entity("manufacturers", FakeManufacturer, "manufacturers.view", _not_found("Manufacturer"),
               trashed_flag=("deleted", "true")),
        Entity("statuslabels", FakeStatusLabel, "statuslabels.view", _not_found("Statuslabel"),
               sortable=frozenset({"id", "name", "created_at"})),
        # The allow-list's first entry is "\n            id", so sort=id silently falls back (v6.1.1+).
        Entity("suppliers", FakeSupplier, "suppliers.view", _not_found("Supplier"),
               sortable=frozenset({"name", "created_at", "updated_at"})),
        Entity("licenses", FakeLicense, "licenses.view",
               "License does not exist or you do not have permission to view it.",
               trashed_flag=("deleted", "true")),
        Entity("accessories", FakeAccessory, "accessories.view", _not_found("Accessory")),
        Entity("consumables", FakeConsumable, "consumables.view", _not_found("Consumable")),
        Entity("components", FakeComponent, "components.view", _not_found("Component")),
    )
}  # fmt: skip
ENTITY_OF: dict[type[Record], str] = {e.record: name for name, e in ENTITIES.items()}


@dataclass(frozen=True)
class EstateSize:
    """How many records of each entity the generator makes (at least the fixed ones hardware uses)."""

    users: int = 120
    locations: int = 16
    companies: int = 5
    departments: int = 9
    models: int = 30
    categories: int = 12
    manufacturers: int = 12
    statuslabels: int = 8
    suppliers: int = 8
    licenses: int = 40
    seats: int = 320  # over all licenses, a few much bigger than the rest (at most 60 by default)
    accessories: int = 20
    consumables: int = 20
    components: int = 20

    @classmethod
    def scaled(
        cls, users: int, records: int, *, licenses: int | None = None, seats: int | None = None
    ) -> EstateSize:
        """``users`` users and about ``records`` records over the eight reference entities; ``licenses``
        licenses with ``seats`` seats in all (default: 40, and 8 seats a license)."""
        share = {"locations": 0.25, "companies": 0.04, "departments": 0.12, "models": 0.25,
                 "categories": 0.05, "manufacturers": 0.12, "statuslabels": 0.02,
                 "suppliers": 0.15}  # fmt: skip
        lic = cls.licenses if licenses is None else licenses
        return cls(users=users, **{k: max(1, round(records * v)) for k, v in share.items()}, licenses=lic,
                   seats=lic * 8 if seats is None else seats)  # fmt: skip
