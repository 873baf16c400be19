"""asset_assignments: intervals from the activity log, reconciled with the asset rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from assetsync.config import load_settings
from assetsync.fake_snipeit import FakeSnipeIT
from assetsync.sync import run_sync
from tests.conftest import query

T1, T2, T3, T4, T5 = (datetime(2025, 3, d, 9, 0, 0) for d in (3, 10, 17, 24, 31))


def sync(env: dict[str, str]) -> None:
    result = run_sync(load_settings(env))
    assert result.exit_code == 0, result.error


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def intervals(dsn: str, asset_id: int) -> list[tuple[Any, ...]]:
    return query(
        dsn,
        "SELECT assigned_to_type, assigned_to_id, checked_out_at, checked_in_at, checkout_activity_id, "
        "checkin_activity_id, source FROM snipeit.asset_assignments WHERE asset_id = %s "
        "ORDER BY checked_out_at NULLS FIRST, checkout_activity_id",
        (asset_id,),
    )


def free_asset(fake: FakeSnipeIT) -> int:
    return next(i for i in sorted(fake.live_ids()) if fake.assets[i].assigned_to is None)


def test_checkout_checkin_location_and_recheckout(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    asset = free_asset(fake)
    first, second = fake.estate.live_ids("users")[:2]
    place = fake.estate.live_ids("locations")[0]
    out1 = fake.checkout(asset, first, at=T1)
    in1 = fake.checkin(asset, at=T2)
    out2 = fake.checkout_to_location(asset, place, at=T3)
    out3 = fake.checkout(asset, second, at=T4)  # while out: ends the location's interval
    sync(env)
    assert intervals(db_dsn, asset) == [
        ("user", first, utc(T1), utc(T2), out1.id, in1.id, "activity"),
        ("location", place, utc(T3), utc(T4), out2.id, None, "activity"),
        ("user", second, utc(T4), None, out3.id, None, "activity"),
    ]
    before = intervals(db_dsn, asset)
    sync(env)  # nothing changed: the same intervals
    assert intervals(db_dsn, asset) == before
    in3 = fake.checkin(asset, at=T5)
    sync(env)
    assert intervals(db_dsn, asset)[-1] == ("user", second, utc(T4), utc(T5), out3.id, in3.id, "activity")


def test_every_asset_out_now_has_exactly_one_open_interval_to_its_target(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    fake.checkout(free_asset(fake), fake.estate.live_ids("users")[0], at=T1)
    sync(env)
    rows = query(
        db_dsn,
        "SELECT a.id, a.assigned_to_type, a.assigned_to_id, "
        "array_agg(ARRAY[i.assigned_to_type, i.assigned_to_id::text]) "
        "FILTER (WHERE i.asset_id IS NOT NULL AND i.checked_in_at IS NULL) "
        "FROM snipeit.assets a LEFT JOIN snipeit.asset_assignments i ON i.asset_id = a.id "
        "WHERE a.removed_at IS NULL GROUP BY a.id",
    )
    out = [r for r in rows if r[2] is not None]
    assert len(out) > 10
    assert all(r[3] == [[r[1], str(r[2])]] for r in out)
    assert [r for r in rows if r[2] is None and r[3] is not None] == []


def test_without_the_opening_checkout_in_the_log(fake: FakeSnipeIT, env: dict[str, str], db_dsn: str) -> None:
    # Generated assets were checked out before the log began: only their rows know.
    asset = next(
        i for i in sorted(fake.live_ids()) if (fake.assets[i].assigned_to or {}).get("type") == "user"
    )
    holder, since = fake.assets[asset].assigned_to, fake.assets[asset].last_checkout
    assert holder is not None and since is not None
    sync(env)
    assert intervals(db_dsn, asset) == [("user", holder["id"], utc(since), None, None, None, "asset_row")]
    back = fake.checkin(asset, at=T2)  # a check-in with nothing open in the log: its start is unknown
    out = fake.checkout(asset, holder["id"], at=T3)
    sync(env)
    assert intervals(db_dsn, asset) == [
        ("user", holder["id"], None, utc(T2), None, back.id, "activity"),
        ("user", holder["id"], utc(T3), None, out.id, None, "activity"),
    ]


def test_a_reassignment_the_log_never_saw(fake: FakeSnipeIT, env: dict[str, str], db_dsn: str) -> None:
    asset = free_asset(fake)
    first, second = fake.estate.live_ids("users")[:2]
    out = fake.checkout(asset, first, at=T1)
    sync(env)
    # A user merge (or a database edit) moves the asset without a log entry.
    moved = dict(fake.assets[asset].assigned_to or {}, id=second)
    fake.update(asset, assigned_to=moved, last_checkout=T3)
    sync(env)
    assert intervals(db_dsn, asset) == [
        ("user", first, utc(T1), utc(T3), out.id, None, "activity"),
        ("user", second, utc(T3), None, None, None, "asset_row"),
    ]
