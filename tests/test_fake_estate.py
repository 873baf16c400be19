"""The fake's entities beyond hardware, over real HTTP: shapes, passes, paging, consistency, rights, edits."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from assetsync.fake_snipeit import (
    ENTITIES,
    EstateSize,
    FakeAsset,
    FakeDepartment,
    FakeLocation,
    FakeSnipeIT,
    FakeUser,
    RequestInfo,
    generate_assets,
)

TOKEN = "estate-token"
JSON_HEADERS = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
DT = {"datetime", "formatted"}


def words(text: str) -> list[str]:
    return text.split()


# Key order of each v8.1.4 transformer (docs: snipeit-entities.md §3-4).
KEYS: dict[str, list[str]] = {
    "users": words(
        "id avatar name first_name last_name username remote locale employee_num manager jobtitle vip "
        "phone website address city state country zip email department location notes permissions "
        "activated autoassign_licenses ldap_import two_factor_enrolled two_factor_optin assets_count "
        "licenses_count accessories_count consumables_count manages_users_count manages_locations_count "
        "company created_by created_at updated_at start_date end_date last_login deleted_at "
        "available_actions groups"
    ),
    "locations": words(
        "id name image address address2 city state country zip phone fax accessories_count "
        "assigned_accessories_count assigned_assets_count assets_count rtd_assets_count users_count "
        "currency ldap_ou notes created_at updated_at parent manager company children available_actions"
    ),
    "companies": words(
        "id name phone fax email image assets_count licenses_count accessories_count consumables_count "
        "components_count users_count created_by notes created_at updated_at available_actions"
    ),
    "departments": words(
        "id name phone fax image company manager location users_count notes created_at updated_at "
        "available_actions"
    ),
    "models": words(
        "id name manufacturer image model_number min_amt remaining depreciation assets_count category "
        "fieldset default_fieldset_values eol requestable notes created_by created_at updated_at "
        "deleted_at available_actions"
    ),
    "categories": words(
        "id name image category_type has_eula use_default_eula eula checkin_email require_acceptance "
        "item_count assets_count accessories_count consumables_count components_count licenses_count "
        "created_by notes created_at updated_at available_actions"
    ),
    "manufacturers": words(
        "id name url image support_url warranty_lookup_url support_phone support_email assets_count "
        "licenses_count consumables_count accessories_count components_count notes created_by created_at "
        "updated_at deleted_at available_actions"
    ),
    "statuslabels": words(
        "id name type color show_in_nav default_label assets_count notes created_by created_at updated_at "
        "available_actions"
    ),
    "suppliers": words(
        "id name image url address address2 city state country zip fax phone email contact assets_count "
        "accessories_count licenses_count consumables_count components_count notes created_at updated_at "
        "available_actions"
    ),
}
# Where each entity's complete set of ids comes from: the list passes a sync reads.
PASSES: dict[str, list[dict[str, str]]] = {
    "users": [{}, {"deleted": "true"}],
    "models": [{}, {"status": "deleted"}],
    "manufacturers": [{}, {"deleted": "true"}],
}
DELETED_0 = {"offset": "0", "deleted": "true"}
ASSET_REFS = {"model": "models", "category": "categories", "manufacturer": "manufacturers",
              "supplier": "suppliers", "company": "companies", "location": "locations",
              "rtd_location": "locations", "status_label": "statuslabels"}  # fmt: skip


@pytest.fixture(scope="module")
def estate() -> Iterator[FakeSnipeIT]:
    """One read-only fake for the shape tests: 300 assets, 150 users, a small page cap."""
    with FakeSnipeIT(
        generate_assets(300, seed=5), token=TOKEN, max_results=40, estate=EstateSize(users=150)
    ) as f:
        yield f


@pytest.fixture
def fresh() -> Iterator[FakeSnipeIT]:
    """A fake for tests that change it."""
    with FakeSnipeIT(generate_assets(120, seed=9), token=TOKEN, max_results=30) as f:
        yield f


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers.update(JSON_HEADERS)
        yield session


def get(http: requests.Session, fake: FakeSnipeIT, path: str, **params: Any) -> Any:
    r = http.get(f"{fake.api_url}/{path}", params=params, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def rows(http: requests.Session, fake: FakeSnipeIT, entity: str, **params: Any) -> list[dict[str, Any]]:
    """Every row of one pass, paged by rows received (sort=id&order=asc; suppliers by name)."""
    order = {"sort": "name", "order": "asc"} if entity == "suppliers" else {"sort": "id", "order": "asc"}
    out: list[dict[str, Any]] = []
    while True:
        body = get(http, fake, entity, offset=len(out), **order, **params)
        out += body["rows"]
        if not body["rows"]:
            assert len(out) == body["total"]
            return out


def ids(http: requests.Session, fake: FakeSnipeIT, entity: str, **params: Any) -> list[int]:
    return [r["id"] for r in rows(http, fake, entity, **params)]


def by_id(http: requests.Session, fake: FakeSnipeIT, entity: str, **params: Any) -> dict[int, dict[str, Any]]:
    return {r["id"]: r for r in rows(http, fake, entity, **params)}


# --- shapes ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("entity", sorted(KEYS))
def test_rows_have_the_v814_keys_in_order_and_show_matches_list(
    http: requests.Session, estate: FakeSnipeIT, entity: str
) -> None:
    listed = rows(http, estate, entity)
    assert listed and all(list(r) == KEYS[entity] for r in listed)
    for r in listed:
        assert set(r["created_at"]) == DT and isinstance(r["available_actions"], dict)
    first = listed[0]
    shown = get(http, estate, f"{entity}/{first['id']}")
    if entity == "suppliers":  # only the show query selects zip
        shown["zip"] = ""
    assert shown == first


def test_user_rows_keep_snipeits_traps(http: requests.Session, estate: FakeSnipeIT) -> None:
    users = by_id(http, estate, "users", all="true")
    jane = users[87]
    assert (jane["name"], jane["last_name"], jane["username"]) == (
        "Jane O&#039;Brien",
        "O&#039;Brien",
        "jobrien",
    )
    assert users[88]["name"] == "R&amp;D Lab &lt;Shared&gt;"
    assert users[89]["last_name"] == "" and users[89]["name"] == "Sales &amp; Marketing"
    assert all(u["permissions"] == {} or u["id"] == 1 for u in users.values())
    assert users[1]["permissions"] == {"superuser": 1}
    assert any(u["groups"] is None for u in users.values())
    assert any(u["groups"] and u["groups"]["total"] == len(u["groups"]["rows"]) for u in users.values())
    assert {u["avatar"][:2] for u in users.values() if u["avatar"]} == {"//"}  # protocol-relative gravatar
    bosses = [u["manager"] for u in users.values() if u["manager"]]
    assert bosses and all(set(b) == {"id", "name"} for b in bosses)
    for b in bosses:
        boss = users[b["id"]]
        # e(first).' '.e(last): with no last name the name keeps its trailing space.
        assert b["name"] == f"{boss['first_name']} {boss['last_name']}"
    dated = next(u for u in users.values() if u["start_date"])
    assert set(dated["start_date"]) == {"date", "formatted"}
    gone = [u for u in users.values() if u["deleted_at"]]
    assert gone and all(u["available_actions"] == {"update": False, "delete": False, "clone": False,
                                                   "restore": True} for u in gone)  # fmt: skip


def test_reference_rows_keep_snipeits_traps(http: requests.Session, estate: FakeSnipeIT) -> None:
    users = by_id(http, estate, "users")
    locations = by_id(http, estate, "locations")
    boston = locations[5]
    lab = next(loc for loc in locations.values() if loc["parent"] and loc["parent"]["id"] == 5
               and "R&amp;D" in loc["name"])  # fmt: skip
    assert {"id": lab["id"], "name": "Boston HQ - R&D Lab"} in boston["children"]  # children: not escaped
    assert locations[14]["parent"] == {"id": 5, "name": "Boston HQ"}
    managed = [loc for loc in locations.values() if loc["manager"]]
    assert managed
    for loc in managed:
        manager = loc["manager"]
        assert list(manager) == KEYS["users"] and manager["assets_count"] == 0  # counts not loaded
        assert {
            k: v for k, v in manager.items() if not k.endswith("_count") and k != "available_actions"
        } == {
            k: v
            for k, v in users[manager["id"]].items()
            if not k.endswith("_count") and k != "available_actions"
        }
    departments = rows(http, estate, "departments")
    assert all(isinstance(d["users_count"], str) for d in departments)
    assert any(d["name"] == "R&amp;D" for d in departments)
    assert all(
        set(d["manager"]) == {"id", "name", "first_name", "last_name"} for d in departments if d["manager"]
    )
    models = by_id(http, estate, "models")
    assert models[14]["eol"] == "48 months" and models[31]["eol"] == "None"
    assert models[12]["name"] == "MacBook Pro 14&quot; (2023)"
    assert models[12]["fieldset"] == {"id": 1, "name": "Laptop fields"}
    assert models[12]["default_fieldset_values"][0] == {
        "name": "MAC Address", "db_column_name": "_snipeit_mac_address_1", "default_value": None,
        "format": "MAC", "required": False}  # fmt: skip
    assert all(m["remaining"] == m["assets_count"] for m in models.values() if m["min_amt"] is None)
    categories = by_id(http, estate, "categories")
    assert categories[3]["category_type"] == "Asset"  # the translated label, not the raw "asset"
    assert {c["category_type"] for c in categories.values()} >= {"Asset", "License", "Accessory"}
    assert categories[10]["name"] == "Peripherals &amp; Accessories"
    makers = by_id(http, estate, "manufacturers")
    assert makers[1]["support_url"] == "" and makers[1]["support_email"] == ""  # "" rather than null
    labels = by_id(http, estate, "statuslabels")
    assert labels[2]["name"] == "Ready to Deploy" and labels[2]["type"] == "deployable"
    assert labels[2]["notes"] == "" and labels[2]["created_by"] is None and labels[2]["default_label"] is True
    assert {lab["type"] for lab in labels.values()} == {"deployable", "pending", "archived", "undeployable"}
    suppliers = rows(http, estate, "suppliers")
    assert all(s["zip"] == "" for s in suppliers)
    real = next(s for s in estate.estate.tables["suppliers"].values() if getattr(s, "zip", None))
    assert get(http, estate, f"suppliers/{real.id}")["zip"] == getattr(real, "zip", None)
    assert next(s for s in suppliers if s["id"] == 6)["name"] == "B&amp;H Photo"
    assert all(s["phone"] is not None and s["email"] is not None for s in suppliers)


def test_counts_follow_the_asset_rows(http: requests.Session, estate: FakeSnipeIT) -> None:
    live = [a for a in estate.assets.values() if a.deleted_at is None]
    models = by_id(http, estate, "models")
    assert sum(m["assets_count"] for m in models.values()) == sum(1 for a in live if a.model)
    users = by_id(http, estate, "users")
    holder = next(a.assigned_to["id"] for a in live if a.assigned_to and a.assigned_to["type"] == "user")
    assert users[holder]["assets_count"] == sum(
        1 for a in live if a.assigned_to and a.assigned_to["type"] == "user" and a.assigned_to["id"] == holder
    )
    labels = by_id(http, estate, "statuslabels")
    assert sum(s["assets_count"] for s in labels.values()) == len(live)
    # Categories and companies leave archived assets out (show_archived_in_list is off).
    shown = [a for a in live if a.status_label and a.status_label[2] != "archived" and a.category]
    assert sum(c["assets_count"] for c in by_id(http, estate, "categories").values()) == len(shown)


# --- paging, sorting, passes -----------------------------------------------------------------------------


def test_limit_is_capped_and_offset_clamped(http: requests.Session, estate: FakeSnipeIT) -> None:
    body = get(http, estate, "users", limit=1000)
    assert len(body["rows"]) == 40 and body["total"] > 40
    assert len(get(http, estate, "users", limit=-7)["rows"]) == 7
    total = body["total"]
    assert get(http, estate, "users", offset=total + 50) == {"total": total, "rows": []}
    first = get(http, estate, "locations", sort="id", order="asc", limit=3)["rows"]
    assert get(http, estate, "locations", sort="id", order="asc", limit=3, offset=-4)["rows"] == first
    # Models take abs(offset): -4 reads from offset 4.
    models = get(http, estate, "models", sort="id", order="asc", limit=3, offset=4)["rows"]
    assert get(http, estate, "models", sort="id", order="asc", limit=3, offset=-4)["rows"] == models


def test_sorts_default_and_explicit(http: requests.Session, estate: FakeSnipeIT) -> None:
    users = get(http, estate, "users", limit=40)["rows"]
    firsts = [u["first_name"].casefold() for u in users]
    assert firsts == sorted(firsts, reverse=True)  # first_name desc by default
    asc = [u["id"] for u in get(http, estate, "users", sort="id", order="asc", limit=5)["rows"]]
    assert asc == sorted(asc) and asc[0] == 1
    upper = [u["id"] for u in get(http, estate, "users", sort="id", order="ASC", limit=5)["rows"]]
    assert upper == sorted(upper, reverse=True)  # only the exact "asc" sorts ascending
    counts = [c["assets_count"] for c in get(http, estate, "categories")["rows"]]
    assert counts == sorted(counts, reverse=True)  # categories: assets_count desc
    newest = [r["created_at"]["datetime"] for r in get(http, estate, "locations", sort="bogus")["rows"]]
    assert newest == sorted(newest, reverse=True)


def test_suppliers_ignore_sort_by_id_but_honour_name(http: requests.Session, estate: FakeSnipeIT) -> None:
    by_id_asked = get(http, estate, "suppliers", sort="id", order="asc")["rows"]
    stamps = [r["created_at"]["datetime"] for r in by_id_asked]
    assert stamps == sorted(stamps)  # the order applies, to created_at: sort=id fell back
    assert [r["id"] for r in by_id_asked] != sorted(r["id"] for r in by_id_asked)
    names = [r["name"].casefold() for r in get(http, estate, "suppliers", sort="name", order="asc")["rows"]]
    assert names == sorted(names)


def test_deleted_passes_per_entity(http: requests.Session, estate: FakeSnipeIT) -> None:
    live, trashed = ids(http, estate, "users"), ids(http, estate, "users", deleted="true")
    assert trashed and not set(live) & set(trashed)
    assert sorted(ids(http, estate, "users", all="true")) == sorted(live + trashed)
    assert ids(http, estate, "users", deleted="TRUE") == live  # the flag must be exactly "true"
    for entity, flag in (("models", {"status": "deleted"}), ("manufacturers", {"deleted": "true"})):
        gone = rows(http, estate, entity, **flag)
        assert gone and all(r["deleted_at"] and r["available_actions"]["restore"] for r in gone)
        assert not {r["id"] for r in gone} & set(ids(http, estate, entity))
        assert get(http, estate, f"{entity}/{gone[0]['id']}")["status"] == "error"  # show skips trashed
    assert ids(http, estate, "locations", deleted="true") == ids(http, estate, "locations")  # no such flag


def test_show_missing_answers_200_errors(http: requests.Session, estate: FakeSnipeIT) -> None:
    trashed = ids(http, estate, "users", deleted="true")[0]
    for path, message in (
        (f"users/{trashed}", "User does not exist or you do not have permission view them."),
        ("users/999999", "User does not exist or you do not have permission view them."),
        ("locations/999999", "Location not found"), ("models/999999", "AssetModel not found"),
        ("statuslabels/abc", "Statuslabel not found"), ("suppliers/999999", "Supplier not found"),
    ):  # fmt: skip
        assert get(http, estate, path) == {"status": "error", "messages": message, "payload": None}


def test_every_id_an_asset_row_refers_to_is_listed(http: requests.Session, estate: FakeSnipeIT) -> None:
    listed = {
        e: {i for flags in PASSES.get(e, [{}]) for i in ids(http, estate, e, **flags)} for e in ENTITIES
    }
    passes: list[dict[str, str]] = [{}, {"status": "Archived"}, {"status": "Deleted"}]
    asset_rows = [r for flags in passes for r in rows(http, estate, "hardware", **flags)]
    assert len(asset_rows) == 300
    for row in asset_rows:
        for field, entity in ASSET_REFS.items():
            assert row[field] is None or row[field]["id"] in listed[entity], (row["id"], field)
        target = row["assigned_to"]
        if target and target["type"] in ("user", "location"):
            assert target["id"] in listed[target["type"] + "s"], row["id"]
    # A leaver: soft-deleted, still holding assets that show them.
    leavers = set(ids(http, estate, "users", deleted="true"))
    assert any(r["assigned_to"] and r["assigned_to"]["type"] == "user" and r["assigned_to"]["id"] in leavers
               for r in asset_rows)  # fmt: skip


def test_hand_built_asset_refs_are_adopted(http: requests.Session) -> None:
    asset = FakeAsset(id=1, asset_tag="X-1", location=(901, "Annex <B>"), model=(902, "Prototype"),
                      assigned_to={"type": "user", "id": 903, "username": "pat", "first_name": "Pat",
                                   "last_name": None, "email": None, "employee_number": None})  # fmt: skip
    with FakeSnipeIT([asset], token=TOKEN) as fake:
        assert get(http, fake, "locations/901")["name"] == "Annex &lt;B&gt;"
        assert get(http, fake, "models/902")["assets_count"] == 1
        assert get(http, fake, "users/903")["assets_count"] == 1
        fake.add(FakeAsset(id=2, asset_tag="X-2", supplier=(904, "Late & Co")))
        assert get(http, fake, "suppliers/904")["assets_count"] == 1


def test_the_same_seed_gives_the_same_estate(http: requests.Session) -> None:
    bodies = []
    for _ in range(2):
        with FakeSnipeIT(generate_assets(50, seed=2), token=TOKEN, estate=EstateSize(users=90)) as fake:
            bodies.append([rows(http, fake, e) for e in ("users", "locations", "departments", "models")])
    assert bodies[0] == bodies[1]


# --- rights ----------------------------------------------------------------------------------------------


def test_deny_answers_403_and_users_me_shows_it(http: requests.Session, fresh: FakeSnipeIT) -> None:
    assert get(http, fresh, "users/me")["permissions"] == {"superuser": "1"}
    fresh.deny("users")
    for path in ("users", "users/100", "users?deleted=true"):
        r = http.get(f"{fresh.api_url}/{path}", timeout=5)
        assert (r.status_code, r.json()) == (403, {"message": "This action is unauthorized."})
    perms = get(http, fresh, "users/me")["permissions"]  # one's own profile needs no users.view
    assert perms["users.view"] == "0" and perms["assets.view"] == "1" and "superuser" not in perms
    assert get(http, fresh, "locations")["total"] > 0 and get(http, fresh, "hardware")["total"] > 0
    fresh.allow("users")
    assert get(http, fresh, "users")["total"] > 0
    with pytest.raises(ValueError, match="unknown endpoint"):
        fresh.deny("printers")


# --- changes ---------------------------------------------------------------------------------------------


def assigned(fake: FakeSnipeIT, user_id: int) -> list[int]:
    targets = [(a.id, a.assigned_to) for a in fake.assets.values() if a.assigned_to]
    return sorted(i for i, tg in targets if tg["type"] == "user" and tg["id"] == user_id)


def a_holder(fake: FakeSnipeIT) -> int:
    live = set(fake.estate.live_ids("users"))
    return next(u for u in range(100, 180) if u in live and assigned(fake, u))


def test_user_edit_shows_in_lists_and_asset_rows(http: requests.Session, fresh: FakeSnipeIT) -> None:
    uid = a_holder(fresh)
    asset_id = assigned(fresh, uid)[0]
    before = get(http, fresh, f"users/{uid}")
    asset_before = get(http, fresh, f"hardware/{asset_id}")
    new_dept = next(
        d for d in fresh.estate.live_ids("departments") if d != (before["department"] or {}).get("id")
    )
    fresh.estate.update("users", uid, department_id=new_dept, last_name="D'Arcy & Co")
    after = get(http, fresh, f"users/{uid}")
    assert after["department"]["id"] == new_dept and after["last_name"] == "D&#039;Arcy &amp; Co"
    assert after["updated_at"]["datetime"] > before["updated_at"]["datetime"]
    asset_after = get(http, fresh, f"hardware/{asset_id}")
    assert asset_after["assigned_to"]["last_name"] == "D&#039;Arcy &amp; Co"
    assert asset_after["updated_at"] == asset_before["updated_at"]  # names are rendered live
    dept_count = int(get(http, fresh, f"departments/{new_dept}")["users_count"])
    members = [fresh.estate.get("users", i) for i in fresh.estate.live_ids("users")]
    assert dept_count == sum(1 for u in members if getattr(u, "department_id", None) == new_dept)
    with pytest.raises(TypeError, match="cannot update"):
        fresh.estate.update("users", uid, shoe_size=44)


def test_user_soft_delete_restore_and_purge(http: requests.Session, fresh: FakeSnipeIT) -> None:
    uid = a_holder(fresh)
    held = assigned(fresh, uid)
    fresh.estate.soft_delete("users", uid)
    assert uid not in ids(http, fresh, "users") and uid in ids(http, fresh, "users", deleted="true")
    assert get(http, fresh, f"users/{uid}")["status"] == "error"
    trashed = by_id(http, fresh, "users", all="true")[uid]
    assert trashed["deleted_at"] is not None and trashed["available_actions"]["restore"] is True
    # The leaver's assets still point at them.
    assert all(get(http, fresh, f"hardware/{a}")["assigned_to"]["id"] == uid for a in held)
    fresh.estate.restore("users", uid)
    assert uid in ids(http, fresh, "users") and get(http, fresh, f"users/{uid}")["deleted_at"] is None
    fresh.estate.soft_delete("users", uid)
    stamps = {a: get(http, fresh, f"hardware/{a}")["updated_at"] for a in held}
    fresh.estate.purge("users", uid)
    assert uid not in ids(http, fresh, "users", all="true")
    assert get(http, fresh, f"users/{uid}")["status"] == "error"
    for a in held:  # the relation finds nobody: assigned_to null, updated_at unchanged
        row = get(http, fresh, f"hardware/{a}")
        assert row["assigned_to"] is None and row["updated_at"] == stamps[a]


def test_location_rename_reaches_assets_users_and_children(
    http: requests.Session, fresh: FakeSnipeIT
) -> None:
    at_boston = sorted(a.id for a in fresh.assets.values() if a.location and a.location[0] == 5)
    assert at_boston
    stamp = get(http, fresh, f"hardware/{at_boston[0]}")["updated_at"]
    people = [u for u in rows(http, fresh, "users") if u["location"] and u["location"]["id"] == 5]
    fresh.estate.rename("locations", 5, "Boston Seaport & Co")
    row = get(http, fresh, f"hardware/{at_boston[0]}")
    assert row["location"] == {"id": 5, "name": "Boston Seaport &amp; Co"} and row["updated_at"] == stamp
    assert all(get(http, fresh, f"users/{u['id']}")["location"]["name"] == "Boston Seaport &amp; Co"
               for u in people)  # fmt: skip
    assert get(http, fresh, "locations/14")["parent"]["name"] == "Boston Seaport &amp; Co"
    north = get(http, fresh, "locations/1")
    assert {"id": 5, "name": "Boston Seaport & Co"} in north["children"]
    assert get(http, fresh, "locations/5")["updated_at"]["datetime"] > "2017-11-02 14:05:31"


def test_added_records_and_live_counts(http: requests.Session, fresh: FakeSnipeIT) -> None:
    dept_id = fresh.estate.next_id("departments")
    fresh.estate.add(FakeDepartment(id=dept_id, name="Night Shift <ops>"))
    uid = fresh.estate.next_id("users")
    fresh.estate.add(FakeUser(id=uid, first_name="Ana", username="ana", department_id=dept_id, manager_id=87))
    user = get(http, fresh, f"users/{uid}")
    assert user["department"] == {"id": dept_id, "name": "Night Shift &lt;ops&gt;"}
    assert user["manager"]["id"] == 87
    assert get(http, fresh, f"departments/{dept_id}")["users_count"] == "1"
    with pytest.raises(ValueError, match="already exists"):
        fresh.estate.add(FakeUser(id=uid, first_name="Dup"))
    loc_id = fresh.estate.next_id("locations")
    fresh.estate.add(FakeLocation(id=loc_id, name="Pop-up", parent_id=5))
    assert {"id": loc_id, "name": "Pop-up"} in get(http, fresh, "locations/5")["children"]
    # Checking an asset out changes counts (which drift; updated_at of the user does not move).
    spare = next(a for a in fresh.assets.values() if a.assigned_to is None and a.deleted_at is None)
    ana = {"type": "user", "id": uid, "username": "ana", "first_name": "Ana", "last_name": None,
           "email": None, "employee_number": None}  # fmt: skip
    fresh.update(spare.id, assigned_to=ana)
    again = get(http, fresh, f"users/{uid}")
    assert again["assets_count"] == 1 and again["updated_at"] == user["updated_at"]
    assert again["available_actions"]["delete"] is False


# --- faults and controls ---------------------------------------------------------------------------------


def test_fail_page_of_one_entity_pass(http: requests.Session, fresh: FakeSnipeIT) -> None:
    seen: list[RequestInfo] = []
    fresh.on_list_request(seen.append, endpoint="users")
    fresh.fail_page(0, 503, endpoint="users", pass_name="deleted")
    assert http.get(f"{fresh.api_url}/users", params={"offset": 0}, timeout=5).status_code == 200
    assert http.get(f"{fresh.api_url}/hardware", params={"offset": 0}, timeout=5).status_code == 200
    failed = http.get(f"{fresh.api_url}/users", params=DELETED_0, timeout=5)
    assert failed.status_code == 503
    assert http.get(f"{fresh.api_url}/users", params=DELETED_0, timeout=5).ok
    assert [(r.endpoint, r.pass_name) for r in seen] == [
        ("users", "live"),
        ("users", "deleted"),
        ("users", "deleted"),
    ]
    get(http, fresh, "users", all="true")
    get(http, fresh, "models", status="deleted")
    get(http, fresh, "users/87")
    get(http, fresh, "users/me")
    tail = [(r.endpoint, r.pass_name) for r in fresh.requests[-4:]]
    assert tail == [("users", "all"), ("models", "deleted"), ("users", ""), ("", "")]
    # Hardware's own pass names are unchanged, and fail_page still means hardware by default.
    fresh.fail_page(0, 500)
    assert http.get(f"{fresh.api_url}/users", params={"offset": 0}, timeout=5).ok
    assert http.get(f"{fresh.api_url}/hardware", params={"offset": 0}, timeout=5).status_code == 500
    assert fresh.requests[-1].pass_name == "default" and fresh.requests[-1].endpoint == "hardware"


def test_ids_and_churn_control_endpoints_cover_users(http: requests.Session, fresh: FakeSnipeIT) -> None:
    live_users = fresh.estate.live_ids("users")
    got = http.get(f"{fresh.base_url}/__fake__/ids", params={"entity": "users"}, timeout=5).json()
    assert got == {"all": fresh.estate.all_ids("users"), "live": live_users}
    assert http.get(f"{fresh.base_url}/__fake__/ids", params={"entity": "nope"}, timeout=5).status_code == 400
    spec = {"changed": 0.02, "users": {"changed": 0.1, "soft_deleted": 0.05, "new": 0.05}, "seed": 3}
    counts = http.post(f"{fresh.base_url}/__fake__/churn", json=spec, timeout=10).json()
    n = len([i for i in live_users if i > 2])
    assert counts["changed"] > 0
    assert counts["users"]["changed"] == round(n * 0.1) and counts["users"]["soft_deleted"] == round(n * 0.05)
    assert counts["users"]["new"] == round(n * 0.05)
    assert counts["users"]["live"] == len(ids(http, fresh, "users"))
    assert counts["users"]["all"] == len(ids(http, fresh, "users", all="true"))


def test_large_estate_renders_fast_once_warm() -> None:
    fake = FakeSnipeIT(generate_assets(2000, seed=1), token=TOKEN, estate=EstateSize.scaled(5000, 800))
    fake.estate.warm()
    started = time.perf_counter()
    for offset in range(0, 5000, 500):
        total, _ = fake.estate.page("users", "live", "id", True, offset, 500)
    assert total > 4500
    assert time.perf_counter() - started < 1.0  # cached rows: joins, not renders


def test_cli_sizes_the_estate() -> None:
    cmd = [sys.executable, "-m", "assetsync.fake_snipeit", "--assets", "40", "--users", "200",
           "--records", "60", "--port", "0", "--token", TOKEN]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent)
    try:
        assert proc.stdout is not None
        api_url = proc.stdout.readline().strip().split(" ", 1)[1]
        all_users = requests.get(f"{api_url}/users", params={"all": "true"}, headers=JSON_HEADERS, timeout=5)
        assert all_users.json()["total"] == 200
        suppliers = requests.get(f"{api_url}/suppliers", headers=JSON_HEADERS, timeout=5).json()["total"]
        assert suppliers == EstateSize.scaled(200, 60).suppliers
    finally:
        proc.terminate()
        assert proc.wait(timeout=5) == 0


def test_hardware_alone_never_generates_the_estate(http: requests.Session) -> None:
    with FakeSnipeIT(generate_assets(50, seed=1), token=TOKEN) as fake:
        assert get(http, fake, "hardware")["total"] > 0 and get(http, fake, "hardware/3")["id"] == 3
        assert not fake.estate.generated
        fake.deny("hardware")
        r = http.get(f"{fake.api_url}/hardware", timeout=5)
        assert (r.status_code, r.json()) == (403, {"message": "This action is unauthorized."})
        assert get(http, fake, "users/me")["permissions"]["assets.view"] == "0"
        assert not fake.estate.generated
        assert get(http, fake, "departments")["total"] > 0 and fake.estate.generated
