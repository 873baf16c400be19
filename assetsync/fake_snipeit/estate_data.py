"""A deterministic estate around the generated hardware: users, locations, models and the rest.

Every record the hardware generator refers to is here with the same id and name (so asset rows and
entity lists agree), plus generated extras up to an ``EstateSize``. Ids that hand-built test assets
use are adopted (``estate_links.adopt``), here and whenever assets change later.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TypeVar

from .data import (
    _COMPANIES,
    _FIRST,
    _LAST,
    _LOCATIONS,
    _MODELS,
    _SUPPLIERS,
    _USERS,
    ANCHOR,
    STATUS_ARCHIVED,
    STATUS_BROKEN,
    STATUS_LOST,
    STATUS_PENDING,
    STATUS_READY,
    STATUS_REPAIR,
    FakeAsset,
    _FastRandom,
)
from .estate_links import adopt
from .estate_records import (
    ENTITIES,
    EstateSize,
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
)

Tables = dict[str, dict[int, Record]]
_R = TypeVar("_R", bound=Record)

# fmt: off

# Reference data was seeded in one go when the instance was installed: created_at ties are the norm.
_SEEDED = datetime(2017, 11, 2, 14, 5, 31)
_REGIONS = [(1, "North America", "USD"), (2, "Europe", "EUR"), (3, "Asia Pacific", "JPY"),
            (4, "Latin America", "BRL")]
_LOCATION_PARENT = {5: 1, 14: 5, 6: 2, 7: 2, 8: 4, 9: 3, 10: 2, 11: 1, 12: None, 13: 1}
_CATEGORY_EXTRAS = [("Productivity", "license"), ("Keyboards & Mice", "accessory"), ("Toner", "consumable"),
                    ("RAM", "component"), ("Security <EDR>", "license"), ("Cables", "accessory")]
_MAKERS = {1: "https://www.apple.com", 2: "https://www.dell.com", 3: "https://www.hp.com",
           4: "https://www.microsoft.com", 5: "https://www.cisco.com", 6: "https://www.samsung.com",
           7: "https://www.logitech.com", 8: "https://www.lenovo.com", 9: "https://www.lg.com"}
_MAKER_NAMES = {1: "Apple", 2: "Dell", 3: "HP", 4: "Microsoft", 5: "Cisco", 6: "Samsung", 7: "Logitech",
                8: "Lenovo", 9: "LG"}
_LABEL_COLORS = {"deployable": "#00a65a", "pending": "#f39c12", "archived": "#605ca8",
                 "undeployable": "#dd4b39"}
_LABEL_EXTRAS = [("In Transit", "pending"), ("Retired", "archived"), ("Awaiting \"Wipe\"", "pending"),
                 ("Donated", "archived")]
_DEPARTMENTS = ["Engineering", "R&D", "Sales & Marketing", "Finance", "IT Operations", "Human Resources",
                "Legal", "Customer Success", "Facilities"]
_JOBS = ["Data Engineer", "Account Executive", "Designer", "IT Technician", "Controller", None, None,
         "Support Lead", "Recruiter", "Office Manager", "Site Reliability Engineer", "Counsel"]
_CITIES = [("Boston", "MA", "US"), ("London", None, "GB"), ("M\u00fcnchen", "BY", "DE"),
           ("Tokyo", None, "JP"), ("S\u00e3o Paulo", "SP", "BR"), ("Krak\u00f3w", None, "PL"),
           ("Montr\u00e9al", "QC", "CA")]
_GROUPS = [[], [], [], [(2, "Engineering")], [(3, "Help Desk"), (4, "Read & Report")], [(1, "Admins")]]
_DEPRECIATIONS = {24: (2, "Phones 2y"), 36: (1, "Laptops 3y"), 60: (3, "AV & desktops 5y")}
_DELETED_SHARE = 0.05  # of generated users, models and manufacturers: soft-deleted ("leavers")
# fmt: on


def _spread(rng: _FastRandom, start: datetime, end: datetime) -> datetime:
    return (start + (end - start) * rng.random()).replace(microsecond=0)


def _fixed() -> Tables:
    """The records the hardware generator refers to, with its ids and names."""
    t: Tables = {name: {} for name in ENTITIES}

    def put(name: str, rec: Record) -> None:
        t[name][rec.id] = rec

    for rid, region, currency in _REGIONS:
        put("locations", FakeLocation(id=rid, name=region, currency=currency, created_at=_SEEDED,
                                      updated_at=_SEEDED))  # fmt: skip
    for lid, lname in _LOCATIONS:
        parent = _LOCATION_PARENT.get(lid)
        put("locations", FakeLocation(id=lid, name=lname, parent_id=parent, created_at=_SEEDED,
                                      updated_at=_SEEDED,
                                      currency="USD" if parent == 1 else None))  # fmt: skip
    for ref in _COMPANIES:
        if ref is not None:
            put("companies", FakeCompany(id=ref[0], name=ref[1], created_at=_SEEDED, updated_at=_SEEDED))
    for ref in _SUPPLIERS:
        if ref is not None:
            put("suppliers", FakeSupplier(id=ref[0], name=ref[1], created_at=_SEEDED, updated_at=_SEEDED))
    for mid, mname in _MAKER_NAMES.items():
        put("manufacturers", FakeManufacturer(id=mid, name=mname, url=_MAKERS[mid], created_at=_SEEDED,
                                              updated_at=_SEEDED))  # fmt: skip
    for m in _MODELS:
        put("categories", FakeCategory(id=m.category[0], name=m.category[1], created_at=_SEEDED,
                                       updated_at=_SEEDED))  # fmt: skip
        put("models", FakeModel(id=m.ref[0], name=m.ref[1], model_number=m.number, category_id=m.category[0],
                                manufacturer_id=m.maker[0], fieldset=m.fieldset, eol=m.eol, image=m.image,
                                depreciation=_DEPRECIATIONS.get(m.depreciation or 0), created_at=_SEEDED,
                                updated_at=_SEEDED))  # fmt: skip
    for sid, sname, stype in (STATUS_PENDING, STATUS_READY, STATUS_ARCHIVED, STATUS_BROKEN, STATUS_REPAIR,
                              STATUS_LOST):  # fmt: skip
        put("statuslabels", FakeStatusLabel(id=sid, name=sname, type=stype, color=_LABEL_COLORS[stype],
                                            default_label=sid == STATUS_READY[0], created_at=_SEEDED,
                                            updated_at=_SEEDED, created_by=None))  # fmt: skip
    put("users", FakeUser(id=1, first_name="Admin", last_name="User", username="admin", created_by=None,
                          email="admin@example.com", created_at=_SEEDED, updated_at=_SEEDED,
                          permissions={"superuser": 1}))  # fmt: skip
    put("users", FakeUser(id=2, first_name="Import", last_name="Bot", username="importer", created_at=_SEEDED,
                          updated_at=_SEEDED, activated=False))  # fmt: skip
    for u in _USERS:
        put(
            "users",
            FakeUser(
                id=u["id"],
                first_name=u["first_name"],
                last_name=u["last_name"],
                username=u["username"],
                email=u["email"],
                employee_num=u["employee_number"],
            ),
        )
    return t


def _next_id(table: dict[int, Record]) -> int:
    return max(table, default=0) + 1


def generate_estate(assets: Iterable[FakeAsset], size: EstateSize | None = None, *, seed: int = 1) -> Tables:
    """Every entity's records by id: the fixed ones hardware refers to, then generated ones up to ``size``."""
    size = size or EstateSize()
    assets = list(assets)
    rng = _FastRandom(seed * 7_368_787 + 11)
    t = _fixed()
    adopt(t, assets)  # what hand-built assets refer to, before extras take the next ids
    fixed = {name: set(table) for name, table in t.items()}
    _grow_reference(rng, t, size)
    _grow_users(rng, t, size.users)
    _relate(rng, t)
    _leavers(rng, t, fixed, assets)
    return t


def _grow_reference(rng: _FastRandom, t: Tables, size: EstateSize) -> None:
    def stamp(rec: _R) -> _R:
        rec.created_at = _spread(rng, _SEEDED, ANCHOR)
        rec.updated_at = _spread(rng, rec.created_at, ANCHOR)
        return rec

    comps, sups, makers = t["companies"], t["suppliers"], t["manufacturers"]
    while len(comps) < size.companies:
        i = _next_id(comps)
        comps[i] = stamp(FakeCompany(id=i, name=f"Acme Subsidiary {i}", phone=f"+1 617 555 {i:04d}"))
    while len(sups) < size.suppliers:
        i = _next_id(sups)
        city, state, country = rng.choice(_CITIES)
        sups[i] = stamp(FakeSupplier(
            id=i, name=f"Supplier {i} & Sons", city=city, state=state, country=country,
            zip=f"{rng.randrange(10000, 99999)}", contact=f"{rng.choice(_FIRST)} {i}",
            email=f"sales{i}@supplier.example", url=f"https://supplier{i}.example",
        ))  # fmt: skip
    while len(makers) < size.manufacturers:
        i = _next_id(makers)
        makers[i] = stamp(
            FakeManufacturer(
                id=i,
                name=f"Maker {i}",
                url=f"https://maker{i}.example",
                support_email=f"help@maker{i}.example" if i % 2 else None,
            )
        )
    cats = t["categories"]
    extras = iter(_CATEGORY_EXTRAS)
    while len(cats) < size.categories:
        i = _next_id(cats)
        cname, ctype = next(extras, (f"Category {i}", "asset"))
        cats[i] = stamp(FakeCategory(id=i, name=cname, category_type=ctype, require_acceptance=i % 3 == 0))
    labels = t["statuslabels"]
    label_extras = iter(_LABEL_EXTRAS)
    while len(labels) < size.statuslabels:
        i = _next_id(labels)
        lname, ltype = next(label_extras, (f"Status {i}", "pending"))
        labels[i] = stamp(
            FakeStatusLabel(
                id=i,
                name=lname,
                type=ltype,
                color=_LABEL_COLORS[ltype],
                notes="Set by the <receiving> team" if i % 2 else None,
            )
        )
    asset_cats = [c for c in cats.values() if isinstance(c, FakeCategory) and c.category_type == "asset"]
    models = t["models"]
    while len(models) < size.models:
        i = _next_id(models)
        models[i] = stamp(
            FakeModel(
                id=i,
                name=f"Model {i} Gen {rng.randrange(1, 6)}",
                model_number=f"MN-{i}",
                category_id=rng.choice(asset_cats).id,
                manufacturer_id=rng.choice(list(makers)),
                eol=rng.choice((24, 36, 48, None)),
                requestable=rng.random() < 0.1,
            )
        )
    locs = t["locations"]
    parents = [loc_id for loc_id in locs if loc_id <= 14]
    while len(locs) < size.locations:
        i = _next_id(locs)
        city, state, country = rng.choice(_CITIES)
        name = "Boston HQ - R&D Lab" if i == 15 else f"{city} Site {i}"
        locs[i] = stamp(
            FakeLocation(
                id=i,
                name=name,
                parent_id=5 if i == 15 else rng.choice(parents),
                address=f"{rng.randrange(1, 300)} Main St",
                city=city,
                state=state,
                country=country,
                zip=f"{rng.randrange(10000, 99999)}",
                ldap_ou=f"OU={city},DC=example,DC=com" if i % 4 == 0 else None,
            )
        )
    deps = t["departments"]
    names = iter(_DEPARTMENTS)
    while len(deps) < size.departments:
        i = _next_id(deps)
        deps[i] = stamp(FakeDepartment(id=i, name=next(names, f"Team {i}")))


def _grow_users(rng: _FastRandom, t: Tables, count: int) -> None:
    users = t["users"]
    uid = max(_next_id(users), 180)
    span = ANCHOR - _SEEDED
    while len(users) < count:
        created = _SEEDED + span * (len(users) / max(count, 1))
        created = created.replace(microsecond=0) + timedelta(seconds=rng.randrange(3600))
        users[uid] = new_user(rng, uid, created)
        uid += 1


def new_user(rng: _FastRandom, uid: int, created: datetime, t: Tables | None = None) -> FakeUser:
    """One generated user; given the tables, also placed in a department, location, company and team."""
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    ascii_last = "".join(c for c in (last or "x").lower() if c in string.ascii_lowercase)
    username = f"{first[0].lower()}{ascii_last}{uid}"
    city, state, country = rng.choice(_CITIES)
    u = FakeUser(
        id=uid, first_name=first, last_name=last, username=username,
        email=f"{username}@example.com" if rng.random() < 0.95 else None,
        employee_num=f"E-{1000 + uid}" if rng.random() < 0.85 else None, jobtitle=rng.choice(_JOBS),
        phone=f"+1 (617) 555-{rng.randrange(10000):04d}" if rng.random() < 0.4 else None,
        city=city, state=state, country=country, vip=rng.random() < 0.03,
        activated=rng.random() < 0.95, ldap_import=rng.random() < 0.5,
        avatar=rng.choice(("", "", f"//gravatar.com/avatar/{uid:032x}")), groups=rng.choice(_GROUPS),
        start_date=created.date() + timedelta(days=rng.randrange(30)),
        last_login=_spread(rng, created, ANCHOR) if created < ANCHOR and rng.random() < 0.6 else None,
        notes="Contractor; access ends with **PO-7731** & badge return" if rng.random() < 0.05 else None,
        created_at=created, updated_at=_spread(rng, created, ANCHOR) if created < ANCHOR else created,
    )  # fmt: skip
    if t is not None:
        _place(rng, u, t, [i for i in sorted(t["users"]) if i > 2][:25])
    return u


def user_change(rng: _FastRandom, u: FakeUser, t: Tables) -> dict[str, object]:
    """One plausible edit of a user (for churn), as keyword arguments for ``Estate.update``."""
    kind = rng.randrange(4)
    if kind == 0 and t["departments"]:
        return {"department_id": rng.choice(list(t["departments"]))}
    if kind == 1:
        return {"jobtitle": rng.choice([j for j in _JOBS if j != u.jobtitle])}
    if kind == 2:
        return {"location_id": rng.choice(list(t["locations"]))}
    return {"phone": f"+1 (617) 555-{rng.randrange(10000):04d}"}


def _place(rng: _FastRandom, u: FakeUser, t: Tables, managers: list[int]) -> None:
    deps, locs, comps = t["departments"], t["locations"], t["companies"]
    u.department_id = rng.choice(list(deps)) if deps and rng.random() < 0.9 else None
    u.location_id = rng.choice(list(locs)) if locs and rng.random() < 0.85 else None
    u.company_id = rng.choice(list(comps)) if comps and rng.random() < 0.8 else None
    boss = rng.choice(managers)
    u.manager_id = boss if boss != u.id and rng.random() < 0.8 else None


def _relate(rng: _FastRandom, t: Tables) -> None:
    """Departments, locations, companies and managers for users; managers for departments and sites."""
    loc_ids = list(t["locations"])
    comp_ids = list(t["companies"])
    user_ids = sorted(t["users"])
    people = [i for i in user_ids if i > 2]  # not the admin or the importer account
    managers = people[: max(3, len(people) // 25)]
    for u in t["users"].values():
        if isinstance(u, FakeUser) and u.id > 2:
            _place(rng, u, t, managers)
    for d in t["departments"].values():
        assert isinstance(d, FakeDepartment)
        d.manager_id = rng.choice(managers)
        d.location_id = rng.choice(loc_ids) if rng.random() < 0.7 else None
        d.company_id = rng.choice(comp_ids) if comp_ids and rng.random() < 0.5 else None
    for loc in t["locations"].values():
        assert isinstance(loc, FakeLocation)
        if rng.random() < 0.4:
            loc.manager_id = rng.choice(managers)
        if comp_ids and rng.random() < 0.3:
            loc.company_id = rng.choice(comp_ids)


def _leavers(rng: _FastRandom, t: Tables, fixed: dict[str, set[int]], assets: list[FakeAsset]) -> None:
    """Soft-delete some generated users, models and manufacturers no asset uses, and one user who still
    holds assets (a leaver whose laptop was never checked in)."""
    targets = [a.assigned_to for a in assets if a.assigned_to is not None]
    ours = {u["id"] for u in _USERS}  # never a user a hand-built test asset brought along
    holders = sorted({tg["id"] for tg in targets if tg.get("type", "user") == "user" and tg["id"] in ours})
    used = {a.model[0] for a in assets if a.model} | {a.manufacturer[0] for a in assets if a.manufacturer}
    for name in ("users", "models", "manufacturers"):
        table = t[name]
        spare = [i for i in table if i not in fixed[name] and i not in used]
        victims = rng.sample(spare, round(len(spare) * _DELETED_SHARE) or min(1, len(spare)))
        if name == "users" and holders:
            victims.append(holders[len(holders) // 2])
        for i in victims:
            rec = table[i]
            rec.deleted_at = max(rec.updated_at, ANCHOR - timedelta(days=rng.randrange(1, 400)))
            rec.updated_at = rec.deleted_at
            if isinstance(rec, FakeUser):
                rec.end_date = rec.deleted_at.date()
