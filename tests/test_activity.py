"""The activity log, read incrementally over real HTTP into real PostgreSQL."""

from __future__ import annotations

from typing import Any

from assetsync.config import load_settings
from assetsync.fake_snipeit import FakeSnipeIT
from assetsync.fake_snipeit.handler import Reply, RequestInfo
from assetsync.sync import run_sync
from tests.conftest import query

ACTIVITY = "/api/v1/reports/activity"


def sync(env: dict[str, str], **extra: str) -> Any:
    return run_sync(load_settings({**env, "SNIPEIT_PAGE_SIZE": "50", **extra}))


def activity_requests(fake: FakeSnipeIT, since: int = 0) -> list[RequestInfo]:
    return [r for r in fake.requests[since:] if r.path == ACTIVITY]


def stored_ids(dsn: str) -> list[int]:
    return [r[0] for r in query(dsn, "SELECT id FROM snipeit.activity ORDER BY id")]


def free_assets(fake: FakeSnipeIT) -> list[int]:
    return [i for i in sorted(fake.live_ids()) if fake.assets[i].assigned_to is None]


def test_first_run_reads_the_whole_log(fake: FakeSnipeIT, env: dict[str, str], db_dsn: str) -> None:
    fake.activity.generate(730)
    asset, user = free_assets(fake)[0], fake.estate.live_ids("users")[0]
    out = fake.checkout(asset, user, note="Kit & cable")
    fake.edit(asset, name="R&D <bench>")
    result = sync(env)
    assert result.exit_code == 0, result.error
    assert stored_ids(db_dsn) == list(range(1, 733))
    assert result.activity.inserted == 732
    assert all(r.params["sort"] == "id" and r.params["order"] == "asc" for r in activity_requests(fake))
    row = query(
        db_dsn,
        "SELECT action_type, action, item_type, item_id, target_type, target_id, note, action_date, "
        "created_at, created_by_id FROM snipeit.activity WHERE id = %s",
        (out.id,),
    )[0]
    assert row[:7] == ("checkout", "checkout", "asset", asset, "user", user, "Kit & cable")
    assert row[7] is not None and row[9] == 1
    meta = query(db_dsn, "SELECT log_meta FROM snipeit.activity WHERE id = %s", (out.id + 1,))[0][0]
    assert meta["name"]["new"] == "R&D <bench>"  # unescaped once
    assert query(db_dsn, "SELECT backfill_done FROM snipeit.activity_state") == [(True,)]


def test_later_runs_fetch_only_what_is_new(fake: FakeSnipeIT, env: dict[str, str], db_dsn: str) -> None:
    fake.activity.generate(1000)
    assert sync(env).exit_code == 0
    before = query(db_dsn, "SELECT xmin::text, id FROM snipeit.activity ORDER BY id")
    mark = len(fake.requests)
    assert sync(env).exit_code == 0
    assert len(activity_requests(fake, mark)) == 1  # nothing new: one page, from the newest end
    assert query(db_dsn, "SELECT xmin::text, id FROM snipeit.activity ORDER BY id") == before

    asset, user = free_assets(fake)[0], fake.estate.live_ids("users")[0]
    fake.checkout(asset, user)
    fake.checkin(asset)
    fake.edit(asset, name="Renamed")
    mark = len(fake.requests)
    result = sync(env)
    assert result.exit_code == 0, result.error
    asked = activity_requests(fake, mark)
    assert [(r.params["order"], r.params["offset"]) for r in asked] == [("desc", "0")]
    assert stored_ids(db_dsn) == list(range(1, 1004))
    assert result.activity.inserted == 3 and result.activity.updated == 0
    actions = query(db_dsn, "SELECT action FROM snipeit.activity WHERE id > 1000 ORDER BY id")
    assert actions == [("checkout",), ("checkin",), ("update",)]


def test_an_edited_entry_is_updated_in_place(fake: FakeSnipeIT, env: dict[str, str], db_dsn: str) -> None:
    asset, user = free_assets(fake)[0], fake.estate.live_ids("users")[0]
    entry = fake.checkout(asset, user)
    assert sync(env).exit_code == 0
    first_seen = query(db_dsn, "SELECT first_seen_at FROM snipeit.activity WHERE id = %s", (entry.id,))
    fake.activity.edit(entry.id, note="Signed for")
    result = sync(env)
    assert result.exit_code == 0 and result.activity.updated == 1
    assert query(db_dsn, "SELECT note FROM snipeit.activity WHERE id = %s", (entry.id,)) == [("Signed for",)]
    assert (
        query(db_dsn, "SELECT first_seen_at FROM snipeit.activity WHERE id = %s", (entry.id,)) == first_seen
    )


def test_entries_added_and_deleted_while_paging(fake: FakeSnipeIT, env: dict[str, str], db_dsn: str) -> None:
    fake.activity.generate(400)
    free, user = free_assets(fake), fake.estate.live_ids("users")[0]
    assets = iter(free)

    def add_while_reading(info: RequestInfo) -> Reply | None:
        if info.path == ACTIVITY and len(activity_requests(fake)) in (2, 4, 6):
            fake.checkout(next(assets), user)  # appended while the backfill pages
        return None

    fake.add_hook(add_while_reading)
    assert sync(env).exit_code == 0
    fake.remove_hook(add_while_reading)
    assert stored_ids(db_dsn) == list(range(1, 404))

    # Later: during a descending read an entry already read vanishes (the unread ones move up
    # past the read position) and a new one arrives on top (everything moves down).
    asset = free[10]
    for _ in range(30):
        fake.checkout(asset, user)
        fake.checkin(asset)  # 60 new entries, 404..463: two pages down to the overlap
    seen = [0]

    def change_while_reading(info: RequestInfo) -> Reply | None:
        if info.path == ACTIVITY:
            seen[0] += 1
            if seen[0] == 2:
                fake.activity.delete(440)
            if seen[0] == 3:
                fake.checkout(asset, user)
        return None

    fake.add_hook(change_while_reading)
    assert sync(env).exit_code == 0
    assert seen[0] >= 4  # the pager stepped back after the deletion
    assert stored_ids(db_dsn) == list(range(1, 465))  # 440 kept: entries are never removed


def test_a_backfill_killed_halfway_resumes_where_it_stopped(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    fake.activity.generate(3000)
    fake.fail_requests(500, -1, when=lambda i: i.path == ACTIVITY and int(i.params.get("offset", 0)) >= 1500)
    result = sync(env)
    assert result.exit_code != 0
    # The chunks committed before the failure stay, with their position; every other table is
    # as it was (empty).
    [(position, done)] = query(db_dsn, "SELECT backfill_offset, backfill_done FROM snipeit.activity_state")
    assert 0 < position < 1500 and not done
    assert stored_ids(db_dsn) == list(range(1, position + 1))
    assert query(db_dsn, "SELECT count(*) FROM snipeit.assets")[0][0] == 0
    fake.hooks.clear()
    mark = len(fake.requests)
    result = sync(env)
    assert result.exit_code == 0, result.error
    offsets = [int(r.params["offset"]) for r in activity_requests(fake, mark)]
    assert min(offsets) == position - 1  # the last committed entry, read again to check the position
    assert stored_ids(db_dsn) == list(range(1, 3001))


def test_without_the_report_permission_the_run_fails_before_writing(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    fake.deny("reports")
    result = sync(env)
    assert result.exit_code != 0
    assert "reports.view" in (result.error or "") and "ASSETSYNC_ACTIVITY" in (result.error or "")
    assert query(db_dsn, "SELECT count(*) FROM snipeit.assets")[0][0] == 0
    assert query(db_dsn, "SELECT count(*) FROM snipeit.activity")[0][0] == 0
    result = sync(env, ASSETSYNC_ACTIVITY="false")
    assert result.exit_code == 0, result.error
    assert result.activity is None


def test_check_shows_the_report_permission_on_its_own_line(fake: FakeSnipeIT, env: dict[str, str]) -> None:
    from click.testing import CliRunner

    from assetsync.cli import cli

    line = "Token may read activity log"
    fake.activity.generate(7)
    out = CliRunner().invoke(cli, ["check"], env=env).output
    assert [x for x in out.splitlines() if line in x and "[ OK ]" in x and "7 entries" in x]
    fake.deny("reports")
    out = CliRunner().invoke(cli, ["check"], env=env).output
    assert [x for x in out.splitlines() if line in x and "[FAIL]" in x]
    assert "reports.view" in out and "ASSETSYNC_ACTIVITY=false" in out
    out = CliRunner().invoke(cli, ["check"], env={**env, "ASSETSYNC_ACTIVITY": "false"}).output
    assert line not in out
