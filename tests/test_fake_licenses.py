"""The fake's licenses, seats, accessories, consumables and components, over real HTTP."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from assetsync.fake_snipeit import EstateSize, FakeLicense, FakeSnipeIT, e, generate_assets
from tests.conftest import TOKEN

HEADERS = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
MISSING = {
    "status": "error",
    "messages": "License does not exist or you do not have permission to view it.",
    "payload": None,
}


def words(text: str) -> list[str]:
    return text.split()


LICENSE_KEYS = words(
    "id name company manufacturer product_key order_number purchase_order purchase_date termination_date "
    "depreciation purchase_cost purchase_cost_numeric notes expiration_date seats free_seats_count remaining "
    "min_amt license_name license_email reassignable maintained supplier category created_by created_at "
    "updated_at deleted_at user_can_checkout available_actions"
)
SEAT_KEYS = words(
    "id license_id updated_at assigned_user assigned_asset location reassignable notes user_can_checkout "
    "available_actions"
)
ITEM_KEYS = {
    "accessories": "id name image company manufacturer supplier model_number category location notes qty "
    "purchase_date purchase_cost order_number min_qty remaining_qty checkouts_count created_at updated_at "
    "available_actions user_can_checkout",
    "consumables": "id name image category company item_no location manufacturer supplier min_amt "
    "model_number remaining order_number purchase_cost purchase_date qty notes created_at updated_at "
    "user_can_checkout available_actions",
    "components": "id name image serial location qty min_amt category supplier order_number purchase_date "
    "purchase_cost remaining company notes created_at updated_at user_can_checkout available_actions",
}


def get(fake: FakeSnipeIT, path: str, **params: Any) -> Any:
    r = requests.get(f"{fake.api_url}/{path}", params=params, headers=HEADERS, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def all_rows(fake: FakeSnipeIT, path: str, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        body = get(fake, path, offset=len(out), sort="id", order="asc", **params)
        out += body["rows"]
        if len(out) >= body["total"]:
            return out


def seat_ids(fake: FakeSnipeIT, license_id: int, **params: Any) -> list[int]:
    return [r["id"] for r in get(fake, f"licenses/{license_id}/seats", **params)["rows"]]


def activity(fake: FakeSnipeIT, license_id: int) -> list[dict[str, Any]]:
    """The license's entries, oldest first."""
    body = get(fake, "reports/activity", item_type="license", item_id=license_id, sort="id", order="asc")
    return list(body["rows"])


def roomy(fake: FakeSnipeIT, free: int = 3) -> int:
    """A live license with at least ``free`` free seats."""
    rows = all_rows(fake, "licenses")
    return next(int(r["id"]) for r in rows if r["free_seats_count"] >= free)


def a_user(fake: FakeSnipeIT) -> int:
    return next(i for i in fake.estate.live_ids("users") if i > 100)


def user_held_asset(fake: FakeSnipeIT) -> tuple[int, int]:
    """(asset id, user id) of a live asset checked out to a user."""
    live_users = set(fake.estate.live_ids("users"))
    for a in sorted(fake.assets.values(), key=lambda a: a.id):
        tg = a.assigned_to
        if a.deleted_at is None and tg and tg.get("type", "user") == "user" and tg["id"] in live_users:
            return a.id, tg["id"]
    raise AssertionError("no asset checked out to a live user")


# --- license, accessory, consumable and component rows ---------------------------------------------------


def test_license_rows_have_the_v814_keys_and_show_matches_list(fake: FakeSnipeIT) -> None:
    rows = all_rows(fake, "licenses")
    assert len(rows) == len(fake.estate.live_ids("licenses")) > 30
    assert all(list(r) == LICENSE_KEYS for r in rows)
    costed = next(r for r in rows if float(r["purchase_cost_numeric"] or 0) >= 1000)
    number = costed["purchase_cost_numeric"]
    assert "," in costed["purchase_cost"] and costed["purchase_cost"].replace(",", "") == number
    assert set(costed["created_at"]) == {"datetime", "formatted"}
    dated = next(r for r in rows if r["purchase_date"])
    assert set(dated["purchase_date"]) == {"date", "formatted"}
    lic = fake.estate.get("licenses", rows[0]["id"])
    assert isinstance(lic, FakeLicense) and rows[0]["product_key"] == lic.product_key != "------------"
    assert get(fake, f"licenses/{rows[0]['id']}") == rows[0]
    for r in rows:
        assert r["remaining"] == r["free_seats_count"] <= r["seats"]
        assert r["seats"] == len(fake.license_seats(r["id"]))
    assert get(fake, "licenses/999999") == MISSING


def test_default_sort_is_newest_first_and_sort_id_works(fake: FakeSnipeIT) -> None:
    default = get(fake, "licenses", limit=500)["rows"]
    stamps = [r["created_at"]["datetime"] for r in default]
    assert stamps == sorted(stamps, reverse=True) and stamps != sorted(stamps)
    ids = [r["id"] for r in get(fake, "licenses", sort="id", order="asc", limit=500)["rows"]]
    assert ids == sorted(ids) and ids != [r["id"] for r in default]


def test_masked_key_without_key_rights(fake: FakeSnipeIT) -> None:
    first = get(fake, "licenses", sort="id", order="asc")["rows"][0]
    assert first["product_key"] != "------------"
    fake.license_keys_visible = False
    assert get(fake, "licenses", sort="id", order="asc")["rows"][0]["product_key"] == "------------"
    assert get(fake, f"licenses/{first['id']}")["product_key"] == "------------"
    fake.license_keys_visible = True
    assert get(fake, f"licenses/{first['id']}")["product_key"] == first["product_key"]


def test_deleted_pass_lists_only_trashed_licenses(fake: FakeSnipeIT) -> None:
    live = {r["id"] for r in all_rows(fake, "licenses")}
    trashed = all_rows(fake, "licenses", deleted="true")
    assert trashed and all(r["deleted_at"] for r in trashed)
    assert not live & {r["id"] for r in trashed}
    assert len(live) + len(trashed) == len(fake.estate.all_ids("licenses"))
    gone = trashed[0]["id"]
    assert get(fake, f"licenses/{gone}") == MISSING
    assert get(fake, f"licenses/{gone}/seats") == MISSING
    assert get(fake, "licenses/999999/seats") == MISSING and get(fake, "licenses/abc/seats") == MISSING


def test_soft_delete_restore_and_purge_take_the_seats_along(fake: FakeSnipeIT) -> None:
    lic = roomy(fake, 1)
    seats = get(fake, f"licenses/{lic}/seats")["total"]
    fake.estate.soft_delete("licenses", lic)
    assert get(fake, f"licenses/{lic}/seats") == MISSING and fake.license_seats(lic) == []
    assert lic in {r["id"] for r in all_rows(fake, "licenses", deleted="true")}
    fake.estate.restore("licenses", lic)
    assert get(fake, f"licenses/{lic}/seats")["total"] == seats == len(fake.license_seats(lic))
    fake.estate.soft_delete("licenses", lic)
    fake.estate.purge("licenses", lic)
    assert lic not in fake.estate.all_ids("licenses") and fake.license_seats(lic) == []
    assert get(fake, f"licenses/{lic}/seats") == MISSING


@pytest.mark.parametrize("entity", sorted(ITEM_KEYS))
def test_accessory_consumable_component_rows(fake: FakeSnipeIT, entity: str) -> None:
    rows = all_rows(fake, entity)
    assert len(rows) == 20 and [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert all(list(r) == ITEM_KEYS[entity].split() for r in rows)
    assert get(fake, f"{entity}/{rows[0]['id']}") == rows[0]
    assert get(fake, f"{entity}/99999")["status"] == "error"
    assert all(
        r["category"] is None or r["category"]["id"] in fake.estate.all_ids("categories") for r in rows
    )
    assert get(fake, entity, deleted="true")["total"] == 20  # one pass only: the flag is ignored


def test_estate_sizes_and_determinism() -> None:
    licenses = FakeSnipeIT(generate_assets(50, seed=1)).estate.tables["licenses"].values()
    sizes = [lic.seats for lic in licenses if isinstance(lic, FakeLicense)]
    assert len(sizes) == 40 and sum(sizes) == 320 and max(sizes) <= 60 and max(sizes) >= 4 * min(sizes)
    one = FakeSnipeIT(generate_assets(50, seed=1), estate=EstateSize(licenses=7, seats=100))
    two = FakeSnipeIT(generate_assets(50, seed=1), estate=EstateSize(licenses=7, seats=100))
    assert one.estate.page("licenses", "all", "id", True, 0, 50) == two.estate.page(
        "licenses", "all", "id", True, 0, 50
    )
    assert [one.license_seats(i) for i in range(1, 8)] == [two.license_seats(i) for i in range(1, 8)]
    scaled = EstateSize.scaled(300, 100, licenses=600, seats=20000)
    assert (scaled.licenses, scaled.seats, scaled.users) == (600, 20000, 300)


# --- seats -------------------------------------------------------------------------------------------------


def test_seat_rows_and_a_seat_on_an_asset_with_a_user(fake: FakeSnipeIT) -> None:
    lic = roomy(fake)
    asset_id, holder = user_held_asset(fake)
    seat = fake.seat_checkout(lic, asset_id=asset_id)
    rows = get(fake, f"licenses/{lic}/seats")["rows"]
    assert all(list(r) == SEAT_KEYS for r in rows)
    row = next(r for r in rows if r["id"] == seat)
    a = fake.assets[asset_id]
    assert row["license_id"] == lic and row["user_can_checkout"] is False
    assert row["assigned_user"]["id"] == holder
    assert list(row["assigned_user"]) == ["id", "name", "email", "department", "created_at"]
    model = a.model[1] if a.model else ""
    assert row["assigned_asset"]["id"] == asset_id
    assert row["assigned_asset"]["name"] == e(f"{a.name or ''} ({a.asset_tag}) - {model}")
    # The created_at shown on the user and asset is the seat's, not theirs.
    made = next(s for s in fake.estate.seat_table.values() if s.id == seat).created_at
    assert row["assigned_asset"]["created_at"]["datetime"] == made.isoformat(" ")
    assert row["assigned_user"]["created_at"] == row["assigned_asset"]["created_at"]
    free = next(r for r in rows if r["user_can_checkout"])
    assert free["assigned_user"] is None and free["assigned_asset"] is None and free["location"] is None


def test_checkout_moves_free_seats_but_not_the_license_updated_at(fake: FakeSnipeIT) -> None:
    lic = roomy(fake)
    before = get(fake, f"licenses/{lic}")
    seat = fake.seat_checkout(lic, user_id=a_user(fake))
    after = get(fake, f"licenses/{lic}")
    assert after["free_seats_count"] == before["free_seats_count"] - 1 == after["remaining"]
    assert after["updated_at"] == before["updated_at"] and after["seats"] == before["seats"]
    listed = next(r for r in all_rows(fake, "licenses") if r["id"] == lic)
    assert listed["free_seats_count"] == after["free_seats_count"]
    fake.seat_checkin(seat)
    assert get(fake, f"licenses/{lic}")["free_seats_count"] == before["free_seats_count"]


def test_seats_come_newest_first_and_sort_is_ignored(fake: FakeSnipeIT) -> None:
    lic = roomy(fake)
    seat = fake.seat_checkout(lic, user_id=a_user(fake))  # now the newest seat
    rows = get(fake, f"licenses/{lic}/seats")["rows"]
    stamps = [r["updated_at"]["datetime"] for r in rows]
    assert rows[0]["id"] == seat and stamps == sorted(stamps, reverse=True)
    asc = get(fake, f"licenses/{lic}/seats", order="asc")["rows"]
    assert asc[-1]["id"] == seat and [r["updated_at"]["datetime"] for r in asc] == sorted(stamps)
    assert seat_ids(fake, lic, order="ASC") == [r["id"] for r in rows]  # only exactly "asc" ascends
    assert seat_ids(fake, lic, sort="id", order="asc") == [r["id"] for r in asc]  # no id sort


def test_offset_past_the_end_gives_page_one(fake: FakeSnipeIT) -> None:
    lic = roomy(fake, 2)
    total = get(fake, f"licenses/{lic}/seats")["total"]
    first = seat_ids(fake, lic, limit=2)
    assert seat_ids(fake, lic, limit=2, offset=total) == first
    assert seat_ids(fake, lic, limit=2, offset=total + 50) == first
    assert seat_ids(fake, lic, limit=2, offset=1)[0] == first[1]


def test_shuffled_ties_repeat_and_miss_seats_when_paging(fake: FakeSnipeIT) -> None:
    lic = roomy(fake, 1)
    fake.set_license_seats(lic, len(fake.license_seats(lic)) + 40)  # 40 seats sharing one updated_at
    total = get(fake, f"licenses/{lic}/seats")["total"]

    def read() -> list[int]:
        return [i for offset in range(0, total, 5) for i in seat_ids(fake, lic, limit=5, offset=offset)]

    stable = read()
    assert len(stable) == total == len(set(stable))
    fake.seat_tie_order = "shuffled"
    shuffled = read()
    assert len(shuffled) == total and len(set(shuffled)) < total  # repeats, hence misses
    assert shuffled == read()  # the same requests give the same pages
    assert sorted(seat_ids(fake, lic, limit=500)) == sorted(stable)  # one page holds them all


def test_sort_department_lists_only_seats_with_a_user(fake: FakeSnipeIT) -> None:
    lic = next(r["id"] for r in all_rows(fake, "licenses") if 0 < r["free_seats_count"] < r["seats"])
    everything = get(fake, f"licenses/{lic}/seats")
    by_dept = get(fake, f"licenses/{lic}/seats", sort="department", order="asc")
    users = [s for s in fake.license_seats(lic) if s["assigned_user_id"] is not None]
    assert by_dept["total"] == len(users) < everything["total"]
    assert all(r["assigned_user"] is not None for r in by_dept["rows"])
    names = [(r["assigned_user"]["department"] or {}).get("name", "").lower() for r in by_dept["rows"]]
    assert names == sorted(names)


def test_hidden_seat_counts_but_never_shows(fake: FakeSnipeIT) -> None:
    lic = roomy(fake, 2)
    seats = [s["id"] for s in fake.license_seats(lic)]
    fake.hide_seat(seats[0])
    body = get(fake, f"licenses/{lic}/seats", limit=500)
    seen = {i for offset in range(0, len(seats)) for i in seat_ids(fake, lic, limit=1, offset=offset)}
    assert body["total"] == len(seats) and seats[0] not in seen and len(body["rows"]) == len(seats) - 1
    fake.unhide_seat(seats[0])
    assert seats[0] in seat_ids(fake, lic, limit=500)


def test_deny_fail_page_and_request_records(fake: FakeSnipeIT) -> None:
    lic = roomy(fake, 1)
    fake.fail_page(0, 503, endpoint=f"licenses/{lic}/seats")
    r = requests.get(f"{fake.api_url}/licenses/{lic}/seats", headers=HEADERS, timeout=5)
    assert r.status_code == 503
    assert fake.requests[-1].endpoint == f"licenses/{lic}/seats" and fake.requests[-1].pass_name == "live"
    assert get(fake, f"licenses/{lic}/seats")["total"] > 0  # failed once only
    fake.deny("licenses")
    for path in ("licenses", f"licenses/{lic}", f"licenses/{lic}/seats"):
        r = requests.get(f"{fake.api_url}/{path}", headers=HEADERS, timeout=5)
        assert (r.status_code, r.json()) == (403, {"message": "This action is unauthorized."})
    assert get(fake, "users/me")["permissions"]["licenses.view"] == "0"
    fake.allow("licenses")
    assert get(fake, f"licenses/{lic}/seats")["total"] > 0


# --- seat events -------------------------------------------------------------------------------------------


def test_checkout_and_checkin_log_against_the_license_without_a_seat_id(fake: FakeSnipeIT) -> None:
    lic = roomy(fake)
    user = a_user(fake)
    seats = fake.license_seats(lic)
    free = [s["id"] for s in seats if s["assigned_user_id"] is None and s["assigned_asset_id"] is None]
    seat = fake.seat_checkout(lic, user_id=user)
    assert seat == min(free)
    fake.seat_checkin(seat)
    out, back = activity(fake, lic)[-2:]
    record = fake.estate.get("licenses", lic)
    assert isinstance(record, FakeLicense)
    name = e(record.name)
    for row, action in ((out, "checkout"), (back, "checkin from")):
        assert row["action_type"] == action
        assert row["item"] == {"id": lic, "name": name, "type": "license", "serial": record.product_key}
        assert row["target"]["id"] == user and row["target"]["type"] == "user"
        assert str(seat) not in str(row["log_meta"]) and row["note"] is None
    assert {s["id"]: s["assigned_user_id"] for s in fake.license_seats(lic)}[seat] is None


def test_checkout_fails_without_a_free_seat(fake: FakeSnipeIT) -> None:
    lic = roomy(fake, 1)
    user = a_user(fake)
    for _ in range(get(fake, f"licenses/{lic}")["free_seats_count"]):
        fake.seat_checkout(lic, user_id=user)
    assert get(fake, f"licenses/{lic}")["free_seats_count"] == 0
    with pytest.raises(ValueError, match="no free seat"):
        fake.seat_checkout(lic, user_id=user)


def test_reassign_logs_two_entries_and_keeps_the_counts(fake: FakeSnipeIT) -> None:
    lic = roomy(fake)
    first, second = fake.estate.live_ids("users")[-2:]
    seat = fake.seat_checkout(lic, user_id=first)
    before, logged = get(fake, f"licenses/{lic}"), len(activity(fake, lic))
    fake.seat_reassign(seat, second)
    rows = activity(fake, lic)
    assert len(rows) == logged + 2
    assert [(r["action_type"], r["target"]["id"]) for r in rows[-2:]] == [
        ("checkin from", first),
        ("checkout", second),
    ]
    assert get(fake, f"licenses/{lic}")["free_seats_count"] == before["free_seats_count"]
    row = next(r for r in get(fake, f"licenses/{lic}/seats", limit=500)["rows"] if r["id"] == seat)
    assert row["assigned_user"]["id"] == second


def test_unlogged_changes_write_no_entry(fake: FakeSnipeIT) -> None:
    lic = roomy(fake)
    first, second = fake.estate.live_ids("users")[-2:]
    seat = fake.seat_checkout(lic, user_id=first)
    asset_id, _ = user_held_asset(fake)
    on_asset = fake.seat_checkout(lic, asset_id=asset_id)
    logged, free = len(activity(fake, lic)), get(fake, f"licenses/{lic}")["free_seats_count"]
    stamp = next(r for r in get(fake, f"licenses/{lic}/seats")["rows"] if r["id"] == seat)["updated_at"]
    fake.seat_unlogged_reassign(seat, second)
    assert fake.checkin_asset_seats(asset_id) == [on_asset]
    assert len(activity(fake, lic)) == logged
    assert get(fake, f"licenses/{lic}")["free_seats_count"] == free
    seats = {s["id"]: s for s in fake.license_seats(lic)}
    assert seats[seat]["assigned_user_id"] == second
    assert (seats[on_asset]["assigned_user_id"], seats[on_asset]["assigned_asset_id"]) == (None, asset_id)
    row = next(r for r in get(fake, f"licenses/{lic}/seats")["rows"] if r["id"] == seat)
    assert row["assigned_user"]["id"] == second and row["updated_at"]["datetime"] > stamp["datetime"]


def test_set_license_seats_adds_and_deletes_with_entries(fake: FakeSnipeIT) -> None:
    lic = roomy(fake, 2)
    before = get(fake, f"licenses/{lic}")
    n = before["seats"]
    fake.set_license_seats(lic, n + 5)
    added = fake.license_seats(lic)[-5:]
    grown = get(fake, f"licenses/{lic}")
    assert grown["seats"] == n + 5 and grown["free_seats_count"] == before["free_seats_count"] + 5
    stamps = {r["updated_at"]["datetime"] for r in get(fake, f"licenses/{lic}/seats", limit=500)["rows"]
              if r["id"] in {s["id"] for s in added}}  # fmt: skip
    assert len(stamps) == 1  # bulk-inserted together
    fake.set_license_seats(lic, n - 1)
    left = fake.license_seats(lic)
    assert len(left) == n - 1 and not {s["id"] for s in added} & {s["id"] for s in left}
    assert get(fake, f"licenses/{lic}/seats")["total"] == n - 1
    rows = activity(fake, lic)[-2:]
    assert [r["action_type"] for r in rows] == ["added seats", "deleted seats"]
    assert all(r["item"]["type"] == "license" and r["item"]["id"] == lic for r in rows)
    raw = get(fake, "reports/activity", action_type="add seats")["rows"]
    assert [r["item"]["id"] for r in raw] == [lic]
    user = a_user(fake)
    while get(fake, f"licenses/{lic}")["free_seats_count"]:
        fake.seat_checkout(lic, user_id=user)
    with pytest.raises(ValueError, match="free seats"):  # a seat in use is never removed
        fake.set_license_seats(lic, n - 2)
    assert len(fake.license_seats(lic)) == n - 1


def test_control_seats_checks_out_and_in_with_entries(fake: FakeSnipeIT) -> None:
    def seats() -> dict[int, dict[str, Any]]:
        ids = fake.estate.live_ids("licenses")
        return {s["id"]: s for lic in ids for s in fake.license_seats(lic)}

    def post(body: dict[str, Any]) -> requests.Response:
        return requests.post(f"{fake.base_url}/__fake__/seats", json=body, headers=HEADERS, timeout=10)

    before, logged = seats(), get(fake, "reports/activity")["total"]
    r = post({"checkouts": 3, "checkins": 2, "seed": 5})
    assert r.status_code == 200, r.text
    body = r.json()
    after = seats()
    assert len(body["checkouts"]) == 3 and len(body["checkins"]) == 2
    users = set(fake.estate.live_ids("users"))
    for seat in body["checkins"]:
        assert before[seat]["assigned_user_id"] or before[seat]["assigned_asset_id"]
        assert after[seat]["assigned_user_id"] is None and after[seat]["assigned_asset_id"] is None
    for seat in body["checkouts"]:
        assert after[seat]["assigned_user_id"] in users
    changed = {i for i in before if before[i] != after[i]}
    moved = set(body["checkouts"]) | set(body["checkins"])
    assert set(body["checkouts"]) ^ set(body["checkins"]) <= changed <= moved
    assert body["licenses"] == sorted({after[i]["license_id"] for i in moved})
    entries = get(fake, "reports/activity", sort="id", order="desc", limit=5)
    assert entries["total"] == logged + 5
    assert sorted(row["action_type"] for row in entries["rows"]) == ["checkin from"] * 2 + ["checkout"] * 3
    assert {row["item"]["id"] for row in entries["rows"]} == set(body["licenses"])
    outs = [row["target"]["id"] for row in entries["rows"] if row["action_type"] == "checkout"]
    assert sorted(outs) == sorted(after[i]["assigned_user_id"] for i in body["checkouts"])
    listed = requests.get(f"{fake.base_url}/__fake__/seats", headers=HEADERS, timeout=10).json()["seats"]
    assert {
        i: [i, s["license_id"], s["assigned_user_id"], s["assigned_asset_id"]] for i, s in after.items()
    } == {row[0]: row for row in listed}
    again = FakeSnipeIT(generate_assets(120, seed=7), token=TOKEN)
    assert again.random_seat_changes(3, 2, 5) == body  # the seed decides
    assert post({"checkouts": "x"}).status_code == 400
    assert post({"checkins": 10**6}).status_code == 400


# --- the command line --------------------------------------------------------------------------------------


def test_cli_sizes_licenses_and_seats() -> None:
    cmd = [sys.executable, "-m", "assetsync.fake_snipeit", "--assets", "40", "--licenses", "600", "--seats",
           "20000", "--port", "0", "--token", TOKEN]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent)
    try:
        assert proc.stdout is not None
        api_url = proc.stdout.readline().strip().split(" ", 1)[1]
        with requests.Session() as http:
            http.headers.update(HEADERS)
            rows = []
            for flag in ({}, {"deleted": "true"}):
                for offset in (0, 500):
                    page = http.get(
                        f"{api_url}/licenses", params={"offset": offset, "sort": "id", **flag}, timeout=10
                    )
                    rows += page.json()["rows"]
            assert len(rows) == len({r["id"] for r in rows}) == 600
            assert sum(r["seats"] for r in rows) == 20000
            big = max((r for r in rows if not r["deleted_at"]), key=lambda r: r["seats"])
            assert big["seats"] > 500
            seats = http.get(
                f"{api_url}/licenses/{big['id']}/seats", params={"limit": 5000}, timeout=10
            ).json()
            assert seats["total"] == big["seats"] and len(seats["rows"]) == 500
    finally:
        proc.terminate()
        assert proc.wait(timeout=5) == 0
