"""Licenses and their seats over real HTTP and PostgreSQL: seats read only where they can have changed."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import psycopg
import pytest

from assetsync import exitcodes
from assetsync.config import load_settings
from assetsync.fake_snipeit import FakeSnipeIT
from assetsync.fake_snipeit.estate_records import FakeLicense
from assetsync.sync import run_sync
from tests.conftest import query

SEATS_PATH = "/seats"


def sync(env: dict[str, str], **extra: str) -> Any:
    return run_sync(load_settings({**env, **extra}))


def seat_requests(fake: FakeSnipeIT, since: int) -> list[Any]:
    return [r for r in fake.requests[since:] if r.path.endswith(SEATS_PATH)]


def licenses_asked(fake: FakeSnipeIT, since: int) -> set[int]:
    """The licenses whose seats were requested since request number `since`."""
    return {int(r.path.split("/")[-2]) for r in seat_requests(fake, since)}


def stored_seats(dsn: str, license_id: int | None = None) -> dict[int, tuple[Any, ...]]:
    """Live seats as (license_id, assigned_user_id, assigned_asset_id) by seat id."""
    where = "removed_at IS NULL" + (f" AND license_id = {int(license_id)}" if license_id else "")
    columns = "id, license_id, assigned_user_id, assigned_asset_id"
    rows = query(dsn, f"SELECT {columns} FROM snipeit.license_seats WHERE {where}")
    return {r[0]: tuple(r[1:]) for r in rows}


def fake_seats(fake: FakeSnipeIT, license_ids: list[int] | None = None) -> dict[int, tuple[Any, ...]]:
    chosen = fake.estate.live_ids("licenses") if license_ids is None else license_ids
    return {
        s["id"]: (s["license_id"], s["assigned_user_id"], s["assigned_asset_id"])
        for lic in chosen
        for s in fake.license_seats(lic)
    }


def seats_state(dsn: str) -> list[tuple[Any, ...]]:
    return query(
        dsn, "SELECT xmin::text, id, content_hash, removed_at FROM snipeit.license_seats ORDER BY id"
    )


def free_license(fake: FakeSnipeIT, *, exclude: Collection[int] = ()) -> int:
    """A live license with a free seat and at least one taken."""
    for lic in fake.estate.live_ids("licenses"):
        seats = fake.license_seats(lic)
        taken = [s for s in seats if s["assigned_user_id"] or s["assigned_asset_id"]]
        if lic not in exclude and taken and len(taken) < len(seats):
            return lic
    raise AssertionError("the fake has no license with both free and taken seats")


def taken_seat(fake: FakeSnipeIT, license_id: int) -> dict[str, Any]:
    return next(s for s in fake.license_seats(license_id) if s["assigned_user_id"])


def other_user(fake: FakeSnipeIT, *not_these: int | None) -> int:
    return next(u for u in fake.estate.live_ids("users") if u not in not_these)


def test_first_load_reads_every_license_and_fills_the_views(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    result = sync(env)
    assert result.exit_code == 0, result.error
    live = fake.estate.live_ids("licenses")
    listed = set(fake.estate.all_ids("licenses"))
    assert {r[0] for r in query(db_dsn, "SELECT id FROM snipeit.licenses")} == listed
    assert listed - set(live), "the fake should have a soft-deleted license"
    assert stored_seats(db_dsn) == fake_seats(fake)
    assert result.seats["reasons"] == {"first load": len(live)}
    assert result.seats["swept"] is True
    assert result.seats["requests"] >= len(live)
    for table in ("accessories", "consumables", "components"):
        stored = {r[0] for r in query(db_dsn, f"SELECT id FROM snipeit.{table}")}
        assert stored == set(fake.estate.live_ids(table)) and stored, table
    # license_usage counts the seat rows; Snipe-IT's own free count agrees.
    usage = query(
        db_dsn, "SELECT id, seats, used_seats, free_seats, snipeit_free_seats FROM snipeit.license_usage"
    )
    assert {r[0] for r in usage} == listed
    for lic, seats, used, free, snipeit_free in usage:
        if lic in live:
            taken = [s for s in fake.license_seats(lic) if s["assigned_user_id"] or s["assigned_asset_id"]]
            assert (seats, used, free) == (len(fake.license_seats(lic)), len(taken), seats - len(taken))
            assert free == snipeit_free
    # user_holdings: every seat held by a user, next to the assets checked out to them.
    held = query(
        db_dsn,
        "SELECT user_id, item_id, license_id FROM snipeit.user_holdings WHERE holding = 'license seat'",
    )
    expected = {(u, seat, lic) for seat, (lic, u, _) in fake_seats(fake).items() if u is not None}
    assert set(held) == expected and expected
    assets_held = query(db_dsn, "SELECT count(*) FROM snipeit.user_holdings WHERE holding = 'asset'")[0][0]
    assert assets_held == sum(
        1 for i in fake.live_ids() if (fake.assets[i].assigned_to or {}).get("type") == "user"
    )
    details = query(db_dsn, "SELECT details->'seats'->>'licenses_read' FROM snipeit.sync_runs")
    assert details == [(str(len(live)),)]


def test_a_no_change_run_reads_no_seat_page(fake: FakeSnipeIT, env: dict[str, str], db_dsn: str) -> None:
    assert sync(env).exit_code == 0
    before = seats_state(db_dsn)
    mark = len(fake.requests)
    result = sync(env)
    assert result.exit_code == 0, result.error
    assert seat_requests(fake, mark) == []
    assert result.seats["licenses_read"] == 0 and result.seats["requests"] == 0
    assert seats_state(db_dsn) == before


def test_a_checkout_and_a_checkin_reread_exactly_those_licenses(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    assert sync(env).exit_code == 0
    out_license = free_license(fake)
    in_license = free_license(fake, exclude={out_license})
    seat_in = taken_seat(fake, in_license)
    fake.seat_checkout(out_license, user_id=other_user(fake))
    fake.seat_checkin(seat_in["id"])
    mark = len(fake.requests)
    result = sync(env)
    assert result.exit_code == 0, result.error
    assert licenses_asked(fake, mark) == {out_license, in_license}
    assert result.seats["reasons"] == {"new activity": 2}
    assert stored_seats(db_dsn) == fake_seats(fake)
    assert stored_seats(db_dsn)[seat_in["id"]][1] is None


def test_a_reassignment_with_equal_counts_is_caught_through_the_activity_log(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    assert sync(env).exit_code == 0
    lic = free_license(fake)
    seat = taken_seat(fake, lic)
    before = query(db_dsn, "SELECT free_seats_count FROM snipeit.licenses WHERE id = %s", (lic,))
    new_user = other_user(fake, seat["assigned_user_id"])
    fake.seat_reassign(seat["id"], new_user)
    mark = len(fake.requests)
    result = sync(env)
    assert result.exit_code == 0, result.error
    assert licenses_asked(fake, mark) == {lic}
    assert result.seats["reasons"] == {"new activity": 1}
    assert query(db_dsn, "SELECT free_seats_count FROM snipeit.licenses WHERE id = %s", (lic,)) == before
    assert stored_seats(db_dsn)[seat["id"]][1] == new_user
    # The seat's history keeps who held it before.
    old = query(
        db_dsn, "SELECT assigned_user_id FROM snipeit.license_seats_history WHERE id = %s", (seat["id"],)
    )
    assert old == [(seat["assigned_user_id"],)]


def test_changed_counts_alone_reread_the_license(fake: FakeSnipeIT, env: dict[str, str], db_dsn: str) -> None:
    """A checkout whose entry the log reader never sees (say it committed late, far below the
    position): the license's free count moved, and that is enough."""
    assert sync(env).exit_code == 0
    lic = free_license(fake)
    seat = fake.seat_checkout(lic, user_id=other_user(fake))
    fake.activity.delete(fake.activity.highest_id())
    mark = len(fake.requests)
    result = sync(env)
    assert result.exit_code == 0, result.error
    assert licenses_asked(fake, mark) == {lic}
    assert result.seats["reasons"] == {"changed counts": 1}
    assert stored_seats(db_dsn)[seat][1] is not None
    assert stored_seats(db_dsn) == fake_seats(fake)


def test_the_sweep_after_its_interval_catches_what_is_never_logged(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    assert sync(env).exit_code == 0
    lic = free_license(fake)
    seat = taken_seat(fake, lic)
    moved_to = other_user(fake, seat["assigned_user_id"])
    fake.seat_unlogged_reassign(seat["id"], moved_to)  # a user merge: no entry, same counts
    result = sync(env)
    assert result.exit_code == 0 and result.seats["licenses_read"] == 0
    assert stored_seats(db_dsn)[seat["id"]][1] == seat["assigned_user_id"]  # not seen yet
    # A day passes: the last sweep (the first load) is now 25 hours old.
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("UPDATE snipeit.sync_runs SET started_at = started_at - interval '25 hours'")
    mark = len(fake.requests)
    result = sync(env)
    assert result.exit_code == 0, result.error
    assert result.seats["swept"] is True and "ASSETSYNC_SEAT_SWEEP_HOURS=24" in result.seats["why_sweep"]
    assert licenses_asked(fake, mark) == set(fake.estate.live_ids("licenses"))
    assert stored_seats(db_dsn)[seat["id"]][1] == moved_to
    # The sweep is on record: the next run reads nothing again.
    mark = len(fake.requests)
    assert sync(env).seats["licenses_read"] == 0
    assert seat_requests(fake, mark) == []


def test_without_the_activity_log_every_run_sweeps(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    assert sync(env, ASSETSYNC_ACTIVITY="false").exit_code == 0
    mark = len(fake.requests)
    result = sync(env, ASSETSYNC_ACTIVITY="false")
    assert result.exit_code == 0, result.error
    assert result.seats["swept"] is True and "ASSETSYNC_ACTIVITY" in result.seats["why_sweep"]
    assert licenses_asked(fake, mark) == set(fake.estate.live_ids("licenses"))


@pytest.mark.parametrize("order", ["stable", "shuffled"])
def test_seat_paging_traps(fake: FakeSnipeIT, env: dict[str, str], db_dsn: str, order: str) -> None:
    """A license with more seats than a page, all created together (tied updated_at): with ties
    shuffled per page, paging by offset repeats and skips seats, so reads go on (in the other
    order) until every seat is seen; no request goes past the total (which would wrap to page 1)."""
    lic = fake.estate.live_ids("licenses")[0]
    fake.set_license_seats(lic, 260)
    fake.seat_tie_order = order
    mark = len(fake.requests)
    result = sync(env, SNIPEIT_PAGE_SIZE="50")
    assert result.exit_code == 0, result.error
    assert stored_seats(db_dsn, lic) == fake_seats(fake, [lic])
    asked = [r for r in seat_requests(fake, mark) if r.path.endswith(f"/licenses/{lic}/seats")]
    assert all(int(r.params["offset"]) < 260 for r in asked)
    if order == "shuffled":
        assert {r.params["order"] for r in asked} == {"desc", "asc"}
    else:
        assert [int(r.params["offset"]) for r in asked] == list(range(0, 260, 50))


def test_a_license_whose_seats_cannot_all_be_read_fails_with_nothing_written(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    assert sync(env).exit_code == 0
    lic = free_license(fake)
    fake.seat_checkout(lic, user_id=other_user(fake))
    hidden = taken_seat(fake, lic)["id"]
    fake.hide_seat(hidden)
    before = seats_state(db_dsn), query(db_dsn, "SELECT xmin::text, id FROM snipeit.licenses ORDER BY id")
    result = sync(env)
    assert result.exit_code == exitcodes.FAILED
    assert f"license {lic}" in (result.error or "") and "nothing was changed" in (result.error or "")
    after = seats_state(db_dsn), query(db_dsn, "SELECT xmin::text, id FROM snipeit.licenses ORDER BY id")
    assert after == before
    fake.unhide_seat(hidden)
    result = sync(env)  # the failed run consumed nothing: the next one reads that license again
    assert result.exit_code == 0 and lic in licenses_asked(fake, 0)
    assert stored_seats(db_dsn) == fake_seats(fake)


def test_a_deleted_and_a_purged_license_take_their_seats_with_them(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    assert sync(env).exit_code == 0
    deleted, purged = fake.estate.live_ids("licenses")[:2]
    deleted_seats, purged_seats = set(stored_seats(db_dsn, deleted)), set(stored_seats(db_dsn, purged))
    assert deleted_seats and purged_seats
    fake.estate.soft_delete("licenses", deleted)
    fake.estate.purge("licenses", purged)
    result = sync(env)
    assert result.exit_code == 0, result.error
    state = "SELECT deleted_at IS NOT NULL, removed_at IS NOT NULL FROM snipeit.licenses WHERE id = %s"
    assert query(db_dsn, state, (deleted,)) == [(True, False)]
    assert query(db_dsn, state, (purged,))[0][1] is True
    assert not stored_seats(db_dsn, deleted) and not stored_seats(db_dsn, purged)
    assert result.entities["license_seats"].removed == len(deleted_seats | purged_seats)
    # Restored, the license's seats come back with it (its deleted_at changed).
    fake.estate.restore("licenses", deleted)
    assert sync(env).exit_code == 0
    assert set(stored_seats(db_dsn, deleted)) == deleted_seats


def all_text(dsn: str) -> str:
    """Every stored row of every table that could hold a key, as one text."""
    tables = ("licenses", "license_seats", "activity", "sync_runs")
    return "\n".join(str(query(dsn, f"SELECT t::text FROM snipeit.{t} t")) for t in tables)


def test_product_keys_stay_out_of_the_database_unless_asked(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    lic = fake.estate.live_ids("licenses")[0]
    record = fake.estate.get("licenses", lic)
    assert isinstance(record, FakeLicense)
    key = record.product_key
    assert key and len(key) > 8
    fake.seat_checkout(lic, user_id=other_user(fake))  # an entry about the license (item.serial)
    assert sync(env).exit_code == 0
    assert query(db_dsn, "SELECT count(*) FROM snipeit.licenses WHERE product_key IS NOT NULL") == [(0,)]
    assert key not in all_text(db_dsn)
    # Asked for, keys are stored once (a mapping upgrade rewrites every license row).
    result = sync(env, ASSETSYNC_STORE_LICENSE_KEYS="true")
    assert result.exit_code == 0, result.error
    assert result.entities["licenses"].mapping_upgraded
    assert query(db_dsn, "SELECT product_key FROM snipeit.licenses WHERE id = %s", (lic,)) == [(key,)]
    # A token that may not see keys gets dashes: stored as NULL, never as dashes.
    fake.license_keys_visible = False
    assert sync(env, ASSETSYNC_STORE_LICENSE_KEYS="true").exit_code == 0
    assert query(db_dsn, "SELECT count(*) FROM snipeit.licenses WHERE product_key IS NOT NULL") == [(0,)]
    assert "------------" not in str(query(db_dsn, "SELECT product_key FROM snipeit.licenses"))


def test_a_token_that_may_not_view_licenses_fails_before_writing(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    assert sync(env).exit_code == 0
    before = seats_state(db_dsn)
    fake.deny("licenses")
    result = sync(env)
    assert result.exit_code != 0
    assert "licenses.view" in (result.error or "") and "ASSETSYNC_ENTITIES" in (result.error or "")
    assert seats_state(db_dsn) == before
    # Leaving licenses (and so their seats) out makes the run succeed without them.
    others = "users,locations,companies,departments,models,categories,manufacturers,status_labels,suppliers"
    result = sync(env, ASSETSYNC_ENTITIES=others)
    assert result.exit_code == 0, result.error
    assert "licenses" not in result.entities and result.seats is None


def test_naming_license_seats_brings_their_licenses_and_keys_pick_their_declaration() -> None:
    from assetsync.entities import select
    from assetsync.entities.licenses import LICENSES, LICENSES_WITH_KEYS

    assert [e.name for e in select(["license_seats"])] == ["hardware", "licenses", "license_seats"]
    assert [e.name for e in select(["licenses"])] == ["hardware", "licenses"]
    assert LICENSES in select(["licenses"]) and LICENSES_WITH_KEYS in select(["licenses"], license_keys=True)
    # The two declarations differ in how the key is read, so switching rewrites every license once.
    assert LICENSES.mapping_seed != LICENSES_WITH_KEYS.mapping_seed
    row = {"id": 1, "name": "Office", "product_key": "AAAA-BBBB-CCCC"}
    assert b"AAAA" not in LICENSES.hash_and_raw(row)[1] and b"AAAA" in LICENSES_WITH_KEYS.hash_and_raw(row)[1]


def test_check_probes_seats_and_warns_when_keys_are_masked(fake: FakeSnipeIT, env: dict[str, str]) -> None:
    from click.testing import CliRunner

    from assetsync.cli import cli

    out = CliRunner().invoke(cli, ["check"], env=env).output
    seats_line = next(line for line in out.splitlines() if "Token may list license seats" in line)
    assert "[ OK ]" in seats_line
    assert "Token may see license keys" not in out  # only asked when keys are to be stored
    fake.license_keys_visible = False
    out = CliRunner().invoke(cli, ["check"], env={**env, "ASSETSYNC_STORE_LICENSE_KEYS": "true"}).output
    keys_line = next(line for line in out.splitlines() if "Token may see license keys" in line)
    assert "[WARN]" in keys_line and "licenses.keys" in out
    fake.deny("licenses")
    out = CliRunner().invoke(cli, ["check"], env=env).output
    failed = [line for line in out.splitlines() if "Token may list license" in line]
    assert len(failed) == 2 and all("[FAIL]" in line for line in failed)
    assert "licenses.view" in out


def test_a_license_deleted_while_its_seats_are_read_fails_the_run_and_is_seen_next_time(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    assert sync(env).exit_code == 0
    lic = free_license(fake)
    fake.seat_checkout(lic, user_id=other_user(fake))
    before = seats_state(db_dsn)
    fake.on_list_request(
        lambda info: fake.estate.soft_delete("licenses", lic), endpoint=f"licenses/{lic}/seats"
    )
    result = sync(env)
    assert result.exit_code == exitcodes.FAILED
    assert f"license {lic}" in (result.error or "") and "deleted during the run" in (result.error or "")
    assert seats_state(db_dsn) == before
    result = sync(env)  # the next run lists it as deleted: its seats go with it, none is read
    assert result.exit_code == 0, result.error
    assert not stored_seats(db_dsn, lic)


def test_a_run_without_licenses_in_between_does_not_force_a_sweep(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    """The seat state comes from the last run that read seats, not from one that left them out."""
    assert sync(env).exit_code == 0
    others = "users,locations,companies,departments,models,categories,manufacturers,status_labels,suppliers"
    assert sync(env, ASSETSYNC_ENTITIES=others).exit_code == 0
    lic = free_license(fake)
    fake.seat_checkout(lic, user_id=other_user(fake))
    mark = len(fake.requests)
    result = sync(env)
    assert result.exit_code == 0, result.error
    assert result.seats["swept"] is False and result.seats["reasons"] == {"new activity": 1}
    assert licenses_asked(fake, mark) == {lic}
