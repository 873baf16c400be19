"""Kept versions: assets_history and assets_as_of(), users the same way, over real HTTP and SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from assetsync.config import load_settings
from assetsync.fake_snipeit import FakeSnipeIT
from assetsync.sync import run_sync
from tests.conftest import query

STATE = "SELECT id, name, deleted_at, content_hash FROM snipeit.{} ORDER BY id"


def sync(env: dict[str, str]) -> None:
    result = run_sync(load_settings(env))
    assert result.exit_code == 0, result.error


def moment(dsn: str) -> datetime:
    """A time after the last commit and before the next run starts."""
    found = query(dsn, "SELECT clock_timestamp()")[0][0]
    assert isinstance(found, datetime)
    return found


def live(dsn: str, table: str = "assets") -> list[tuple[Any, ...]]:
    """What the table holds now, removed rows left out: what as_of must give back later."""
    return query(
        dsn,
        f"SELECT id, name, deleted_at, content_hash FROM snipeit.{table} "
        "WHERE removed_at IS NULL ORDER BY id",
    )


def as_of(dsn: str, at: datetime, table: str = "assets") -> list[tuple[Any, ...]]:
    return query(dsn, STATE.format(f"{table}_as_of(%s)"), (at,))


def test_assets_as_of_gives_back_each_runs_state(fake: FakeSnipeIT, env: dict[str, str], db_dsn: str) -> None:
    before_any = moment(db_dsn)
    sync(env)
    first, t1 = live(db_dsn), moment(db_dsn)
    ids = sorted(fake.live_ids())
    edited, soft, purged, back = ids[0], ids[1], ids[2], ids[3]
    fake.update(edited, name="Renamed once")
    fake.soft_delete(soft)
    sync(env)
    second, t2 = live(db_dsn), moment(db_dsn)
    fake.update(edited, name="Renamed twice")
    gone = fake.assets[back]
    fake.purge(purged)
    fake.purge(back)
    sync(env)
    third, t3 = live(db_dsn), moment(db_dsn)
    fake.add(gone)  # the purged asset comes back: restored
    sync(env)
    fourth, t4 = live(db_dsn), moment(db_dsn)

    assert as_of(db_dsn, before_any) == []
    assert as_of(db_dsn, t1) == first
    assert as_of(db_dsn, t2) == second
    assert as_of(db_dsn, t3) == third
    assert as_of(db_dsn, t4) == fourth
    # The states really differ where the test changed them.
    names = {t: {r[0]: r[1] for r in as_of(db_dsn, t)} for t in (t1, t2, t3, t4)}
    assert names[t2][edited] == "Renamed once" != names[t1][edited]
    assert names[t3][edited] == "Renamed twice"
    assert purged in names[t2] and purged not in names[t3] and purged not in names[t4]
    assert back not in names[t3] and back in names[t4]
    deleted = {t: {r[0]: r[2] for r in as_of(db_dsn, t)} for t in (t1, t2)}
    assert deleted[t1][soft] is None and deleted[t2][soft] is not None

    # Each kept version runs from when it was stored to when the next run replaced it.
    versions = query(
        db_dsn,
        "SELECT name, valid_from, valid_to FROM snipeit.assets_history WHERE id = %s ORDER BY valid_from",
        (edited,),
    )
    assert [v[0] for v in versions] == [first_name(first, edited), "Renamed once"]
    assert versions[0][2] == versions[1][1]  # contiguous: no gap, no overlap
    current = query(db_dsn, "SELECT changed_at FROM snipeit.assets WHERE id = %s", (edited,))[0][0]
    assert versions[1][2] == current
    # The purge and the return each closed a version of the asset that came back.
    assert query(
        db_dsn,
        "SELECT removed_at IS NOT NULL FROM snipeit.assets_history WHERE id = %s ORDER BY valid_from",
        (back,),
    ) == [(False,), (True,)]


def first_name(rows: list[tuple[Any, ...]], asset_id: int) -> Any:
    return next(r[1] for r in rows if r[0] == asset_id)


def test_users_keep_history_by_declaration(fake: FakeSnipeIT, env: dict[str, str], db_dsn: str) -> None:
    sync(env)
    first, t1 = live(db_dsn, "users"), moment(db_dsn)
    target = fake.estate.live_ids("users")[0]
    fake.estate.update("users", target, jobtitle="Head of History")
    sync(env)
    assert as_of(db_dsn, t1, "users") == first
    assert as_of(db_dsn, moment(db_dsn), "users") == live(db_dsn, "users")
    assert query(db_dsn, "SELECT count(*) FROM snipeit.users_history")[0][0] == 1


def test_a_no_change_run_keeps_no_version(fake: FakeSnipeIT, env: dict[str, str], db_dsn: str) -> None:
    sync(env)
    fake.update(min(fake.live_ids()), name="Changed")
    sync(env)
    before = query(db_dsn, "SELECT xmin::text, id, valid_from FROM snipeit.assets_history ORDER BY id")
    assert len(before) == 1
    sync(env)
    assert (
        query(db_dsn, "SELECT xmin::text, id, valid_from FROM snipeit.assets_history ORDER BY id") == before
    )


def test_retention_prunes_old_versions(fake: FakeSnipeIT, env: dict[str, str], db_dsn: str) -> None:
    sync(env)
    old, recent = sorted(fake.live_ids())[:2]
    fake.update(old, name="Old change")
    sync(env)
    # As if that run had been 40 days ago.
    query(db_dsn, "UPDATE snipeit.assets_history SET valid_to = valid_to - interval '40 days' RETURNING id")
    fake.update(recent, name="Recent change")
    sync({**env, "ASSETSYNC_HISTORY_RETENTION_DAYS": "0"})
    assert sorted(r[0] for r in query(db_dsn, "SELECT id FROM snipeit.assets_history")) == sorted(
        [old, recent]
    )
    fake.update(recent, name="Recent change again")
    sync({**env, "ASSETSYNC_HISTORY_RETENTION_DAYS": "30"})
    kept = query(db_dsn, "SELECT id, name FROM snipeit.assets_history ORDER BY valid_from")
    assert [r[0] for r in kept] == [recent, recent]
    assert kept[1][1] == "Recent change"
