"""The fake Snipe-IT itself, over real HTTP: if it is not faithful, every other test proves nothing."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from assetsync.fake_snipeit import (
    STATUS_ARCHIVED,
    STATUS_PENDING,
    STATUS_READY,
    FakeAsset,
    FakeSnipeIT,
    Reply,
    RequestInfo,
    generate_assets,
)

TOKEN = "test-token"
JSON_HEADERS = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
SAMPLE_ROWS = Path(__file__).parent / "data" / "snipeit-rows.json"
# The sample rows were rendered on this day; age and book_value depend on it.
SAMPLE_NOW = datetime(2025, 5, 20, 12, 0, 0)
T0 = datetime(2024, 1, 1, 9, 0, 0)


def plain(asset_id: int, **fields: Any) -> FakeAsset:
    fields.setdefault("created_at", T0 + timedelta(minutes=asset_id))
    return FakeAsset(id=asset_id, asset_tag=f"T-{asset_id:05d}", **fields)


def status_type(asset: FakeAsset) -> str:
    return asset.status_label[2] if asset.status_label else ""


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers.update(JSON_HEADERS)
        yield session


@pytest.fixture
def mixed() -> Iterator[FakeSnipeIT]:
    """60 generated assets, 10% archived and 10% soft-deleted, with a small page cap."""
    assets = generate_assets(60, seed=3, archived_share=0.1, deleted_share=0.1)
    with FakeSnipeIT(assets, token=TOKEN, max_results=25) as fake:
        yield fake


def listing(http: requests.Session, fake: FakeSnipeIT, **params: Any) -> dict[str, Any]:
    r = http.get(fake.api_url + "/hardware", params=params, timeout=5)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def every_id(http: requests.Session, fake: FakeSnipeIT, limit: int = 7, **params: Any) -> list[int]:
    ids: list[int] = []
    while True:
        rows = listing(http, fake, limit=limit, offset=len(ids), sort="id", order="asc", **params)["rows"]
        ids += [row["id"] for row in rows]
        if len(rows) < limit:
            return ids


# --- rendering ---------------------------------------------------------------------------------------


def sample_assets() -> list[FakeAsset]:
    """The three rows of tests/data/snipeit-rows.json, as typed, unescaped input."""
    jane = {"type": "user", "id": 87, "username": "jobrien", "first_name": "Jane", "last_name": "O'Brien",
            "email": "jane.obrien@example.com", "employee_number": "E-1187"}  # fmt: skip
    room = (14, "Floor 3 \u2013 Room 301")
    laptop = FakeAsset(
        id=1042, name="Design & Marketing MacBook", asset_tag="LT-01042", serial="C02XK1ABJGH5",
        model=(12, 'MacBook Pro 14" (2023)'), model_number="MPHE3LL/A", eol=36,
        asset_eol_date=date(2026, 6, 1), status_label=STATUS_READY, category=(3, "Laptops"),
        manufacturer=(1, "Apple"), supplier=(4, "CDW"),
        notes="Issued with USB-C dock & 65W charger. **Do not reimage**", order_number="PO-2023-0611",
        company=(1, "Acme Corp"), location=(5, "Boston HQ"), rtd_location=(5, "Boston HQ"),
        image="models/mbp14-2023-6a1f0c.png", assigned_to=jane, warranty_months=36,
        created_by=(1, "Admin User"), created_at=datetime(2023, 6, 1, 14, 3, 12),
        updated_at=datetime(2025, 4, 28, 9, 41, 57), last_audit_date=datetime(2025, 1, 15),
        next_audit_date=date(2026, 1, 15), purchase_date=date(2023, 6, 1),
        last_checkout=datetime(2023, 6, 5, 9, 15), purchase_cost=Decimal("2499.00"), checkout_counter=1,
        depreciation_months=36,
    )  # fmt: skip
    display = FakeAsset(
        id=2210, name="Conference Room Display", asset_tag="AV-00310", serial="4K55QMB-99812",
        model=(31, "Samsung QM55B"), model_number="LH55QMBEBGCXZA", status_label=STATUS_READY,
        category=(9, "Displays"), manufacturer=(6, "Samsung"), company=(1, "Acme Corp"), location=room,
        rtd_location=(5, "Boston HQ"), assigned_to={"type": "location", "id": room[0], "name": room[1]},
        warranty_months=24, created_by=(1, "Admin User"), created_at=datetime(2024, 2, 21, 10, 12, 40),
        updated_at=datetime(2025, 3, 3, 16, 20, 5), purchase_date=date(2024, 2, 20),
        last_checkout=datetime(2024, 3, 1, 11, 0), purchase_cost=Decimal("1189"), checkout_counter=1,
        custom_fields=[
            ("MAC Address", "_snipeit_mac_address_1", "A4:30:7A:1B:22:9F", "MAC", "text"),
            ("IP Address", "_snipeit_ip_address_2", "10.3.1.45", "IP", "text"),
            ("Install Date", "_snipeit_install_date_5", "2024-03-01", "DATE", "text"),
            ("Ports", "_snipeit_ports_8", "HDMI,USB-C", "ANY", "checkbox"),
            ("Vendor Ticket #", "_snipeit_vendor_ticket_9", None, "ANY", "text"),
        ],
    )  # fmt: skip
    dock = FakeAsset(
        id=3307, name='R&D spare dock "loaner" <unlabeled>', asset_tag="000417",
        model=(44, "ThinkPad Universal USB-C Dock"), requestable=True, status_label=STATUS_PENDING,
        category=(12, "Docks"), manufacturer=(8, "Lenovo"),
        created_at=datetime(2025, 5, 19, 8, 0, 3), updated_at=datetime(2025, 5, 19, 8, 0, 3),
    )  # fmt: skip
    return [laptop, display, dock]


def test_sample_rows_render_exactly_like_v814_key_order_included(http: requests.Session) -> None:
    expected = json.loads(SAMPLE_ROWS.read_text(encoding="utf-8"))
    with FakeSnipeIT(sample_assets(), token=TOKEN, now=SAMPLE_NOW) as fake:
        body = listing(http, fake, sort="id", order="asc")
        assert body["total"] == expected["total"]
        for got, want in zip(body["rows"], expected["rows"], strict=True):
            assert list(got) == list(want)
            assert got == want
            single = http.get(f"{fake.api_url}/hardware/{want['id']}", timeout=5).json()
            assert single == want


def test_strings_are_escaped_once_more_including_existing_entities(http: requests.Session) -> None:
    asset = plain(
        1,
        name='R&D <lab> "loaner" O\'Brien AT&amp;T',
        serial=None,
        notes="Dock & charger <USB-C>. **Do not reimage** and *handle* with care",
        custom_fields=[("R&D Code", "_snipeit_rd_code_1", "a&b<c>", "ANY", "text")],
    )
    with FakeSnipeIT([asset], token=TOKEN) as fake:
        row = http.get(fake.api_url + "/hardware/1", timeout=5).json()
    assert row["name"] == "R&amp;D &lt;lab&gt; &quot;loaner&quot; O&#039;Brien AT&amp;amp;T"
    assert row["serial"] == ""
    assert row["notes"] == (
        "Dock &amp; charger &lt;USB-C&gt;. <strong>Do not reimage</strong> and <em>handle</em> with care"
    )
    # Custom field keys are the raw label; only the value is escaped.
    assert row["custom_fields"] == {
        "R&D Code": {"field": "_snipeit_rd_code_1", "value": "a&amp;b&lt;c&gt;", "field_format": "ANY",
                     "element": "text"}
    }  # fmt: skip


def test_dates_and_datetimes_are_objects_with_formatted_twins(http: requests.Session) -> None:
    asset = plain(
        1,
        created_at=datetime(2024, 7, 9, 0, 5, 7),
        updated_at=datetime(2024, 7, 9, 23, 59, 0),
        purchase_date=date(2024, 7, 1),
        expected_checkin=date(2025, 1, 31),
        warranty_months=1,
    )
    with FakeSnipeIT([asset], token=TOKEN, now=datetime(2024, 7, 29, 8)) as fake:
        row = http.get(fake.api_url + "/hardware/1", timeout=5).json()
    assert row["created_at"] == {"datetime": "2024-07-09 00:05:07", "formatted": "2024-07-09 12:05 AM"}
    assert row["updated_at"] == {"datetime": "2024-07-09 23:59:00", "formatted": "2024-07-09 11:59 PM"}
    assert row["purchase_date"] == {"date": "2024-07-01", "formatted": "2024-07-01"}
    assert row["expected_checkin"] == {"date": "2025-01-31", "formatted": "2025-01-31"}
    assert row["warranty_expires"] == {"date": "2024-08-01", "formatted": "2024-08-01"}
    assert row["warranty_months"] == "1 months"
    assert row["age"] == "4 weeks ago"
    assert row["deleted_at"] is None and row["last_checkin"] is None


@pytest.mark.parametrize(
    ("style", "cost", "expected"),
    [
        ("1,234.56", Decimal("1234567.5"), "1,234,567.50"),
        ("1.234,56", Decimal("1234567.5"), "1.234.567,50"),
        ("plain", Decimal("1234567.5"), "1234567.50"),
        ("1,234.56", Decimal("7"), "7.00"),
    ],
)
def test_money_follows_the_digit_separator(
    http: requests.Session, style: str, cost: Decimal, expected: str
) -> None:
    asset = plain(1, purchase_cost=cost, purchase_date=date(2024, 1, 1), depreciation_months=1000)
    with FakeSnipeIT([asset], token=TOKEN, digit_separator=style, now=datetime(2024, 1, 15)) as fake:
        row = http.get(fake.api_url + "/hardware/1", timeout=5).json()
    assert row["purchase_cost"] == expected
    assert row["book_value"] == expected  # no month has passed, so nothing has depreciated


def test_custom_fields_are_an_empty_object_without_a_fieldset(http: requests.Session) -> None:
    with FakeSnipeIT([plain(1)], token=TOKEN) as fake:
        raw = http.get(fake.api_url + "/hardware/1", timeout=5).text
    assert '"custom_fields":{}' in raw


def test_extra_omit_and_raw_override_shape_the_row(http: requests.Session) -> None:
    asset = plain(
        1,
        extra={"child_asset_count": 0},
        omit={"byod", "age"},
        raw_override={"purchase_date": "2024-13-45 (Invalid date value.)", "custom_fields": []},
    )
    with FakeSnipeIT([asset], token=TOKEN) as fake:
        row = http.get(fake.api_url + "/hardware/1", timeout=5).json()
    assert "byod" not in row and "age" not in row
    assert row["purchase_date"] == "2024-13-45 (Invalid date value.)"
    assert row["custom_fields"] == []
    assert list(row)[-1] == "child_asset_count"


def test_generated_assets_are_deterministic_varied_and_about_2kb(http: requests.Session) -> None:
    assets = generate_assets(1500, seed=5, start_id=1000)
    assert [a.id for a in assets] == list(range(1000, 2500))
    assert [a.name for a in assets] == [a.name for a in generate_assets(1500, seed=5, start_id=1000)]
    with FakeSnipeIT(assets, token=TOKEN) as fake:
        sizes = [len(fake.rendered(a.id)) for a in assets]
        rows = [json.loads(fake.rendered(a.id)) for a in assets]
    assert 1500 <= sum(sizes) / len(sizes) <= 3000
    assert any(r["custom_fields"] == {} for r in rows) and any(r["custom_fields"] for r in rows)
    assert {r["assigned_to"]["type"] for r in rows if r["assigned_to"]} == {"user", "location", "asset"}
    assert any("&#039;" in (r["assigned_to"] or {}).get("name", "") for r in rows)
    assert any("&amp;amp;" in r["name"] for r in rows)
    assert any("<strong>" in (r["notes"] or "") for r in rows)
    assert any(not (r["location"] or {"name": "x"})["name"].isascii() for r in rows)
    assert any(r["purchase_date"] is None for r in rows)
    assert any("," in (r["purchase_cost"] or "") for r in rows)
    archived = sum(1 for a in assets if status_type(a) == "archived")
    deleted = sum(1 for a in assets if a.deleted_at is not None)
    assert deleted == 30 and archived == round(1470 * 0.03)


# --- paging --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("limit", "rows"), [(1000, 25), (0, 25), ("abc", 25), (10, 10), (-10, 10), (25, 25)])
def test_limit_is_capped_at_max_results(
    http: requests.Session, mixed: FakeSnipeIT, limit: int | str, rows: int
) -> None:
    body = listing(http, mixed, limit=limit)
    assert len(body["rows"]) == rows
    assert body["total"] > 25


@pytest.mark.parametrize("offset", ["total", 10**6])
def test_offset_past_the_end_is_an_empty_200_with_the_total(
    http: requests.Session, mixed: FakeSnipeIT, offset: str | int
) -> None:
    total = listing(http, mixed)["total"]
    body = listing(http, mixed, offset=total if offset == "total" else offset)
    assert body == {"total": total, "rows": []}


def test_negative_or_garbage_offset_starts_at_zero(http: requests.Session, mixed: FakeSnipeIT) -> None:
    first = listing(http, mixed, sort="id", order="asc", limit=3)["rows"]
    assert listing(http, mixed, sort="id", order="asc", limit=3, offset=-5)["rows"] == first
    assert listing(http, mixed, sort="id", order="asc", limit=3, offset="x")["rows"] == first


def test_three_passes_partition_all_assets(http: requests.Session, mixed: FakeSnipeIT) -> None:
    default = every_id(http, mixed)
    archived = every_id(http, mixed, status="Archived")
    deleted = every_id(http, mixed, status="Deleted")
    by_id = mixed.assets
    assert default == sorted(default)
    assert all(by_id[i].deleted_at is None and status_type(by_id[i]) != "archived" for i in default)
    assert archived and all(status_type(by_id[i]) == "archived" for i in archived)
    assert deleted and all(by_id[i].deleted_at is not None for i in deleted)
    assert sorted(default + archived + deleted) == sorted(mixed.all_ids())
    assert every_id(http, mixed, status="archived") == default  # status is case-sensitive


def test_show_archived_setting_and_status_id_include_archived(http: requests.Session) -> None:
    assets = [plain(1), plain(2, status_label=STATUS_ARCHIVED), plain(3, deleted_at=T0)]
    with FakeSnipeIT(assets, token=TOKEN, show_archived_in_list=True) as fake:
        assert every_id(http, fake) == [1, 2]
    with FakeSnipeIT(assets, token=TOKEN) as fake:
        assert every_id(http, fake) == [1]
        assert every_id(http, fake, status_id=STATUS_ARCHIVED[0]) == [2]


def test_default_sort_is_created_at_desc_with_unstable_ties(http: requests.Session) -> None:
    newest = plain(1, created_at=T0 + timedelta(days=1))
    batch = [plain(i, created_at=T0) for i in range(2, 102)]  # one CSV import: 100 rows, one second
    with FakeSnipeIT([newest, *batch], token=TOKEN) as fake:
        seen: list[int] = []
        for offset in range(0, 101, 10):
            seen += [r["id"] for r in listing(http, fake, limit=10, offset=offset)["rows"]]
        assert seen[0] == 1
        assert len(seen) == 101
        # MySQL orders ties differently per LIMIT/OFFSET: naive paging repeats some rows and misses others.
        assert len(set(seen)) < 101
        assert every_id(http, fake, limit=10) == list(range(1, 102))
        desc = listing(http, fake, sort="id", order="desc", limit=3)["rows"]
        assert [r["id"] for r in desc] == [101, 100, 99]
        upper = listing(http, fake, sort="id", order="ASC", limit=3)["rows"]  # only lowercase asc counts
        assert [r["id"] for r in upper] == [101, 100, 99]


def test_deleting_mid_paging_skips_a_row(http: requests.Session) -> None:
    with FakeSnipeIT([plain(i) for i in range(1, 21)], token=TOKEN) as fake:

        def delete_after_first_page(info: RequestInfo) -> None:
            if info.params.get("offset") == "5" and 3 in fake.live_ids():
                fake.soft_delete(3)

        fake.on_list_request(delete_after_first_page)
        ids = every_id(http, fake, limit=5)
        assert 3 in ids and 6 not in ids  # every later row moved up one place
        assert len(ids) == 19
        assert [r.pass_name for r in fake.requests] == ["default"] * 4
        assert [r.seq for r in fake.requests] == [0, 1, 2, 3]


# --- single asset, other endpoints, errors ------------------------------------------------------------


def test_show_live_soft_deleted_and_purged(http: requests.Session) -> None:
    with FakeSnipeIT([plain(1), plain(2), plain(3)], token=TOKEN) as fake:
        fake.soft_delete(2)
        fake.purge(3)
        live = http.get(fake.api_url + "/hardware/1", timeout=5).json()
        trashed = http.get(fake.api_url + "/hardware/2", timeout=5).json()
        assert live["id"] == 1 and live["deleted_at"] is None
        assert trashed["deleted_at"]["datetime"] and trashed["available_actions"]["restore"] is True
        missing = {"status": "error", "messages": "Asset does not exist.", "payload": None}
        for key in ("3", "999", "abc"):
            r = http.get(f"{fake.api_url}/hardware/{key}", timeout=5)
            assert (r.status_code, r.json()) == (200, missing)
        assert fake.live_ids() == {1} and fake.all_ids() == {1, 2}
        fake.restore(2)
        assert http.get(fake.api_url + "/hardware/2", timeout=5).json()["deleted_at"] is None


def test_mutations_invalidate_the_cache_and_bump_updated_at(http: requests.Session) -> None:
    with FakeSnipeIT([plain(1, updated_at=T0)], token=TOKEN) as fake:
        assert http.get(fake.api_url + "/hardware/1", timeout=5).json()["name"] == ""
        fake.update(1, name="New name")
        row = http.get(fake.api_url + "/hardware/1", timeout=5).json()
        assert row["name"] == "New name"
        assert row["updated_at"]["datetime"] > "2024-01-01 09:00:00"
        fake.archive(1)
        assert every_id(http, fake) == [] and every_id(http, fake, status="Archived") == [1]
        fake.unarchive(1)
        assert every_id(http, fake) == [1]
        with pytest.raises(TypeError):
            fake.update(1, colour="red")


def test_users_me_and_version(http: requests.Session) -> None:
    with FakeSnipeIT(token=TOKEN, version="v7.1.17", superuser=False) as fake:
        me = http.get(fake.api_url + "/users/me", timeout=5).json()
        # Not a superuser, but allowed to view every list the sync reads.
        assert me["username"] == "api" and me["permissions"]["assets.view"] == "1"
        assert set(me["permissions"].values()) == {"1"} and "users.view" in me["permissions"]
        assert http.get(fake.api_url + "/version", timeout=5).json() == {"version": "v7.1.17"}
    with FakeSnipeIT(token=TOKEN) as fake:
        assert http.get(fake.api_url + "/users/me", timeout=5).json()["permissions"] == {"superuser": "1"}


def test_bad_token_is_401_json_or_302_to_login(mixed: FakeSnipeIT) -> None:
    url = mixed.api_url + "/hardware"
    r = requests.get(url, headers={"Authorization": "Bearer nope", "Accept": "application/json"}, timeout=5)
    assert (r.status_code, r.json()) == (401, {"error": "Unauthorized or unauthenticated."})
    r = requests.get(url, headers={"Authorization": "Bearer nope"}, allow_redirects=False, timeout=5)
    assert r.status_code == 302 and r.headers["Location"] == mixed.base_url + "/login"
    followed = requests.get(url, timeout=5)  # what a client that follows redirects ends up with
    assert followed.status_code == 200 and followed.headers["Content-Type"].startswith("text/html")
    assert "<form" in followed.text


def test_not_found_shapes(http: requests.Session, mixed: FakeSnipeIT) -> None:
    r = http.get(mixed.api_url + "/hardwares", timeout=5)
    assert r.status_code == 404
    assert r.json()["message"].startswith("404 endpoint not found. Please check the API reference")
    assert r.json()["status"] == "error" and r.json()["payload"] is None
    page = requests.get(mixed.base_url + "/elsewhere", timeout=5)
    assert page.status_code == 404 and page.headers["Content-Type"].startswith("text/html")


# --- throttle --------------------------------------------------------------------------------------------


def test_throttle_v814_answers_429_without_retry_after(http: requests.Session) -> None:
    with FakeSnipeIT([plain(1)], token=TOKEN, rate_limit_per_window=3, rate_window_seconds=30) as fake:
        remaining = [http.get(fake.api_url + "/hardware", timeout=5).headers["X-RateLimit-Remaining"]
                     for _ in range(3)]  # fmt: skip
        assert remaining == ["2", "1", "0"]
        bad = requests.get(fake.api_url + "/hardware", headers={"Authorization": "Bearer x",
                           "Accept": "application/json"}, timeout=5)  # fmt: skip
        assert bad.status_code == 401  # authentication runs first and costs no budget
        r = http.get(fake.api_url + "/hardware", timeout=5)
        assert r.status_code == 429
        assert r.json() == {"status": "error", "messages": "Too many requests", "payload": None}
        assert "Retry-After" not in r.headers and "X-RateLimit-Remaining" not in r.headers
        assert fake.count_429 == 1
        fake.rate_window_seconds = 0.01  # let the window run out without waiting 30 s
        time.sleep(0.02)
        ok = http.get(fake.api_url + "/hardware", timeout=5)
        assert ok.status_code == 200 and ok.headers["X-RateLimit-Limit"] == "3"


def test_stats_endpoint_reports_requests_and_throttle_windows(http: requests.Session) -> None:
    with FakeSnipeIT([plain(1)], token=TOKEN, rate_limit_per_window=2, rate_window_seconds=30) as fake:
        codes = [http.get(fake.api_url + "/hardware", timeout=5).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        stats = http.get(fake.base_url + "/__fake__/stats", timeout=5).json()
        assert stats["requests"] == 3  # the stats request itself is not counted
        assert stats["count_429"] == 1
        assert (stats["rate_limit"], stats["rate_window"]) == (2, 30)
        assert stats["windows"] == [[0.0, 2, 1]]  # [seconds since the first window, counted, refused]


def test_throttle_newer_style_sends_retry_after(http: requests.Session) -> None:
    with FakeSnipeIT(
        token=TOKEN, rate_limit_per_window=1, rate_window_seconds=30, rate_limit_style="newer"
    ) as fake:
        assert http.get(fake.api_url + "/version", timeout=5).status_code == 200
        r = http.get(fake.api_url + "/version", timeout=5)
        assert r.status_code == 429
        body = r.json()
        assert body["retryAfter"] == int(r.headers["Retry-After"]) and 1 <= body["retryAfter"] <= 30
        assert body["messages"] == f"Too many requests. Try again in {body['retryAfter']} seconds."
        assert body["status_code"] == 429
        assert r.headers["X-RateLimit-Remaining"] == "0" and r.headers["X-RateLimit-Limit"] == "1"
        assert int(r.headers["X-RateLimit-Reset"]) >= int(time.time())


def test_unthrottled_fake_still_sends_plausible_headers(http: requests.Session, mixed: FakeSnipeIT) -> None:
    first = http.get(mixed.api_url + "/hardware", timeout=5).headers
    second = http.get(mixed.api_url + "/hardware", timeout=5).headers
    assert first["X-RateLimit-Limit"] == "120"
    assert int(second["X-RateLimit-Remaining"]) == int(first["X-RateLimit-Remaining"]) - 1


# --- scripted faults ----------------------------------------------------------------------------------


def test_fail_page_fails_only_that_page_and_then_recovers(http: requests.Session, mixed: FakeSnipeIT) -> None:
    mixed.fail_page(14, 500, times=2)
    assert http.get(mixed.api_url + "/hardware", params={"offset": 7}, timeout=5).status_code == 200
    for _ in range(2):
        r = http.get(mixed.api_url + "/hardware", params={"offset": 14}, timeout=5)
        assert (r.status_code, r.json()) == (500, {"message": "Server Error"})
    other_pass: dict[str, str | int] = {"offset": 14, "status": "Deleted"}
    deleted = http.get(mixed.api_url + "/hardware", params=other_pass, timeout=5)
    assert deleted.status_code == 200  # another pass's page is untouched
    assert http.get(mixed.api_url + "/hardware", params={"offset": 14}, timeout=5).status_code == 200


def test_fail_requests_with_body_headers_and_predicate(http: requests.Session, mixed: FakeSnipeIT) -> None:
    mixed.fail_requests(
        503, times=-1, headers={"Retry-After": "1"}, when=lambda r: r.path.endswith("/version")
    )
    r = http.get(mixed.api_url + "/version", timeout=5)
    assert (r.status_code, r.json(), r.headers["Retry-After"]) == (
        503, {"status": "error", "messages": 503, "payload": None}, "1"
    )  # fmt: skip
    assert http.get(mixed.api_url + "/version", timeout=5).status_code == 503
    assert http.get(mixed.api_url + "/users/me", timeout=5).status_code == 200


def test_hang_times_the_client_out_and_stop_is_still_fast(http: requests.Session) -> None:
    fake = FakeSnipeIT([plain(1)], token=TOKEN)
    fake.start()
    fake.add_hook(lambda info: Reply(hang=True))
    with pytest.raises(requests.exceptions.ReadTimeout):
        http.get(fake.api_url + "/hardware", timeout=0.3)
    # A second client stays parked on a hung request while we stop; it must be cut off, not left waiting.
    outcome: list[BaseException] = []

    def parked_client() -> None:
        try:
            requests.get(fake.api_url + "/version", headers=JSON_HEADERS, timeout=10)
        except requests.RequestException as exc:
            outcome.append(exc)

    parked = threading.Thread(target=parked_client, daemon=True)
    parked.start()
    time.sleep(0.1)
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 2
    parked.join(timeout=2)
    assert not parked.is_alive() and isinstance(outcome[0], requests.ConnectionError)


def test_reset_closes_the_connection_without_an_answer(http: requests.Session, mixed: FakeSnipeIT) -> None:
    mixed.add_hook(lambda info: Reply(reset=True) if info.params.get("offset") == "7" else None)
    with pytest.raises(requests.exceptions.ConnectionError):
        http.get(mixed.api_url + "/hardware", params={"offset": 7}, timeout=5)
    assert http.get(mixed.api_url + "/hardware", timeout=5).status_code == 200  # the session recovers


def test_truncate_sends_part_of_the_body_under_the_full_length(
    http: requests.Session, mixed: FakeSnipeIT
) -> None:
    sent: list[int] = []

    def truncate_once(info: RequestInfo) -> Reply | None:
        if info.pass_name != "default" or sent:
            return None
        sent.append(info.seq)
        return Reply(body=b'{"total": 3, "rows": [{"id": 1}]}', truncate=10)

    mixed.add_hook(truncate_once)
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        http.get(mixed.api_url + "/hardware", timeout=5)
    assert http.get(mixed.api_url + "/hardware", timeout=5).status_code == 200


def test_delay_and_page_delay_slow_answers(http: requests.Session) -> None:
    with FakeSnipeIT([plain(1)], token=TOKEN, page_delay=0.2) as fake:
        started = time.monotonic()
        http.get(fake.api_url + "/hardware", timeout=5)
        list_seconds = time.monotonic() - started
        started = time.monotonic()
        http.get(fake.api_url + "/hardware/1", timeout=5)
        assert list_seconds >= 0.2 > time.monotonic() - started  # only list responses are delayed
        fake.add_hook(lambda info: Reply(body={"ok": True}, delay=0.15))
        started = time.monotonic()
        assert http.get(fake.api_url + "/version", timeout=5).json() == {"ok": True}
        assert time.monotonic() - started >= 0.15


# --- control endpoints and CLI ------------------------------------------------------------------------


def test_churn_and_ids_control_endpoints(http: requests.Session) -> None:
    with FakeSnipeIT(generate_assets(200, seed=4), token=TOKEN) as fake:
        live_before = len(fake.live_ids())
        spec = {"changed": 0.05, "soft_deleted": 0.02, "purged": 0.01, "new": 0.05, "seed": 2}
        assert requests.post(fake.base_url + "/__fake__/churn", json=spec, timeout=5).status_code == 401
        counts = http.post(fake.base_url + "/__fake__/churn", json=spec, timeout=5).json()
        n = live_before
        assert counts["changed"] == round(n * 0.05) and counts["soft_deleted"] == round(n * 0.02)
        assert counts["purged"] == round(n * 0.01) and counts["new"] == round(n * 0.05)
        ids = http.get(fake.base_url + "/__fake__/ids", timeout=5).json()
        assert ids["all"] == sorted(fake.all_ids()) and ids["live"] == sorted(fake.live_ids())
        assert max(ids["all"]) == 200 + counts["new"]  # new assets get fresh ids
        assert counts["live"] == len(fake.live_ids())


def test_cli_prints_ready_and_serves() -> None:
    cmd = [sys.executable, "-m", "assetsync.fake_snipeit", "--assets", "40", "--port", "0", "--token", "T",
           "--max-results", "15"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("READY http://127.0.0.1:") and line.endswith("/api/v1")
        api_url = line.split(" ", 1)[1]
        r = requests.get(api_url + "/hardware", headers={"Authorization": "Bearer T",
                         "Accept": "application/json"}, timeout=5)  # fmt: skip
        assert r.status_code == 200 and len(r.json()["rows"]) == 15
    finally:
        proc.terminate()
        assert proc.wait(timeout=5) == 0
