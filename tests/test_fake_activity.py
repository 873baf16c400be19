"""The fake's activity log over real HTTP: its quirks, and entries consistent with the hardware rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import requests

from assetsync.fake_snipeit import FakeSnipeIT, generate_assets
from assetsync.fake_snipeit.data import STATUS_BROKEN

TOKEN = "activity-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}


@pytest.fixture
def fake() -> Iterator[FakeSnipeIT]:
    with FakeSnipeIT(generate_assets(30, seed=3), token=TOKEN, max_results=50) as server:
        yield server


def activity(fake: FakeSnipeIT, **params: Any) -> dict[str, Any]:
    reply = requests.get(f"{fake.api_url}/reports/activity", params=params, headers=HEADERS, timeout=5)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def hardware(fake: FakeSnipeIT, asset_id: int) -> dict[str, Any]:
    reply = requests.get(f"{fake.api_url}/hardware/{asset_id}", headers=HEADERS, timeout=5)
    body: dict[str, Any] = reply.json()
    return body


def free_asset(fake: FakeSnipeIT) -> int:
    return next(i for i in sorted(fake.live_ids()) if fake.assets[i].assigned_to is None)


def test_checkout_and_checkin_agree_with_the_hardware_row(fake: FakeSnipeIT) -> None:
    asset, user = free_asset(fake), fake.estate.live_ids("users")[0]
    back_dated = datetime(2025, 1, 6, 9, 0, 0)
    out = fake.checkout(asset, user, at=back_dated, note="New starter & kit")
    row = hardware(fake, asset)
    assert row["assigned_to"]["id"] == user and row["assigned_to"]["type"] == "user"
    assert row["last_checkout"]["datetime"] == "2025-01-06 09:00:00"
    entry = activity(fake, sort="id", order="desc", limit=1)["rows"][0]
    assert entry["id"] == out.id and entry["action_type"] == "checkout"
    assert entry["item"]["id"] == asset and entry["item"]["type"] == "asset"
    assert entry["target"]["id"] == user and entry["target"]["type"] == "user"
    assert entry["target"]["name"] == row["assigned_to"]["name"]
    assert entry["action_date"]["datetime"] == "2025-01-06 09:00:00" != entry["created_at"]["datetime"]
    assert entry["note"] == "New starter &amp; kit"  # escaped once, like every e() value
    assert entry["log_meta"]["action_date"]["new"] == "2025-01-06 09:00:00"

    fake.checkin(asset)
    assert hardware(fake, asset)["assigned_to"] is None
    entry = activity(fake, sort="id", order="desc", limit=1)["rows"][0]
    assert entry["action_type"] == "checkin from" and entry["target"]["id"] == user
    assert entry["location"] is None


def test_action_type_is_presented_differently_from_how_it_is_filtered(fake: FakeSnipeIT) -> None:
    asset = fake.assets[free_asset(fake)]
    fake.purge(asset.id)
    asset.id = fake.next_id()
    fake.create(asset)
    assert [r["action_type"] for r in activity(fake)["rows"]] == ["create new"]
    assert activity(fake, action_type="create")["total"] == 1
    assert activity(fake, action_type="create new")["total"] == 0


def test_log_meta_is_escaped_with_foreign_keys_renamed_and_last(fake: FakeSnipeIT) -> None:
    asset = free_asset(fake)
    fake.edit(asset, status_label=STATUS_BROKEN, name="R&D <bench>")
    meta = activity(fake)["rows"][0]["log_meta"]
    assert list(meta) == ["name", "Status Label"]
    assert meta["name"]["new"] == "R&amp;D &lt;bench&gt;"
    assert meta["Status Label"]["new"] == "[id: 4] Broken - Not Fixable"
    assert meta["Status Label"]["old"].startswith("[id: ")


def test_orders_cap_and_purged_items(fake: FakeSnipeIT) -> None:
    fake.activity.generate(120)
    asset, user = free_asset(fake), fake.estate.live_ids("users")[0]
    fake.checkout(asset, user)
    # Back-dated event: newest-first by created_at is still by created_at, not by action_date.
    fake.checkin(asset, at=datetime(2020, 1, 1))
    default = activity(fake)
    assert default["total"] == 122 and len(default["rows"]) == 50  # the cap: max_results
    assert [r["id"] for r in default["rows"][:2]] == [122, 121]
    ascending = activity(fake, sort="id", order="asc", offset=100, limit=500)
    assert [r["id"] for r in ascending["rows"]] == list(range(101, 123))
    assert activity(fake, sort="id", order="ASC", limit=1)["rows"][0]["id"] == 122  # only "asc" is asc
    fake.purge(asset)
    assert activity(fake, sort="id", order="desc", limit=1)["rows"][0]["item"] is None


def test_a_million_entries_are_listed_without_being_made(fake: FakeSnipeIT) -> None:
    fake.activity.generate(1_000_000)
    newest = activity(fake, sort="id", order="desc", limit=2)
    assert newest["total"] == 1_000_000 and [r["id"] for r in newest["rows"]] == [1_000_000, 999_999]
    oldest = activity(fake, sort="id", order="asc", offset=999_998, limit=5)["rows"]
    assert [r["id"] for r in oldest] == [999_999, 1_000_000]


def test_without_reports_view_the_log_is_forbidden(fake: FakeSnipeIT) -> None:
    fake.deny("reports")
    reply = requests.get(f"{fake.api_url}/reports/activity", headers=HEADERS, timeout=5)
    assert reply.status_code == 403
    me = requests.get(f"{fake.api_url}/users/me", headers=HEADERS, timeout=5).json()
    assert me["permissions"]["reports.view"] == "0"
