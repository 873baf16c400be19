"""`sync --dry-run`: everything fetched and compared, nothing written, not even a sync_runs row."""

from __future__ import annotations

from typing import Any

import orjson
import psycopg
from click.testing import CliRunner, Result

from assetsync import exitcodes
from assetsync.cli import cli
from assetsync.fake_snipeit import FakeSnipeIT, generate_assets
from tests.conftest import query

# Temporary schemas are PostgreSQL's own per-session scratch space, reused across sessions.
NOT_TEMP = "n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'"


def sync(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, ["sync", *args], env=env, catch_exceptions=False)


def database_state(dsn: str) -> dict[str, Any]:
    """Every schema and relation, and every row of ours with its xmin (a rewrite changes it)."""
    state: dict[str, Any] = {
        "schemas": query(dsn, f"SELECT nspname FROM pg_namespace n WHERE {NOT_TEMP} ORDER BY 1"),
        "relations": query(
            dsn,
            "SELECT n.nspname, c.relname, c.relkind FROM pg_class c "
            f"JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {NOT_TEMP} ORDER BY 1, 2",
        ),
    }
    tables = query(dsn, "SELECT tablename FROM pg_tables WHERE schemaname = 'snipeit' ORDER BY 1")
    for (table,) in tables:
        state[table] = query(dsn, f"SELECT xmin::text, t::text FROM snipeit.{table} t ORDER BY 2")
    return state


def test_dry_run_on_a_database_without_the_schema_creates_nothing(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    before = database_state(db_dsn)
    result = sync(env, "--dry-run", "--json", "-v")
    assert result.exit_code == 0, result.output
    summary = orjson.loads(result.stdout)
    assert summary["dry_run"] is True and summary["status"] == "dry-run"
    assert summary["inserted"] == summary["fetched"] == len(fake.all_ids())
    assert summary["run_id"] is None
    assert f"would insert all {len(fake.all_ids())} assets" in result.stderr
    assert database_state(db_dsn) == before
    assert query(db_dsn, "SELECT count(*) FROM pg_namespace WHERE nspname = 'snipeit'") == [(0,)]


def test_dry_run_reports_what_a_real_run_then_does_and_writes_nothing(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    assert sync(env, "-q").exit_code == 0
    live = sorted(fake.live_ids())
    changed, soft, purged = live[:2], live[2], live[3]
    for asset_id in changed:
        fake.update(asset_id, name=f"Renamed {asset_id}")
    fake.soft_delete(soft)
    fake.purge(purged)
    (new,) = generate_assets(1, seed=99, start_id=fake.next_id(), archived_share=0, deleted_share=0)
    new.asset_tag = "NEW-0001"
    fake.add(new)
    tag = {i: fake.assets[i].asset_tag for i in (*changed, soft)}
    before = database_state(db_dsn)
    purged_tag = query(db_dsn, "SELECT asset_tag FROM snipeit.assets WHERE id = %s", (purged,))[0][0]

    result = sync(env, "--dry-run", "-v")
    assert result.exit_code == 0, result.output
    assert database_state(db_dsn) == before  # same rows, same xmins, no new tables, no run row
    lines = result.stderr.splitlines()
    assert "would insert 1: NEW-0001" in lines
    assert f"would update 3: {', '.join(tag[i] for i in sorted((*changed, soft)))}" in lines
    assert f"would soft-delete 1: {tag[soft]}" in lines
    assert f"would remove 1: {purged_tag}" in lines
    planned = orjson.loads(sync(env, "--dry-run", "--json", "-q").stdout)
    assert database_state(db_dsn) == before

    real = orjson.loads(sync(env, "--json", "-q").stdout)
    assert real["status"] == "success"
    for key in ("fetched", "inserted", "updated", "unchanged", "soft_deleted", "removed"):
        assert planned[key] == real[key], key
    assert (real["inserted"], real["updated"], real["soft_deleted"], real["removed"]) == (1, 3, 1, 1)


def test_dry_run_right_after_a_sync_plans_nothing(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    assert sync(env, "-q").exit_code == 0
    before = database_state(db_dsn)
    planned = orjson.loads(sync(env, "--dry-run", "--json", "-q").stdout)
    assert (planned["inserted"], planned["updated"], planned["removed"]) == (0, 0, 0)
    assert planned["unchanged"] == len(fake.all_ids())
    assert database_state(db_dsn) == before


def test_dry_run_while_a_sync_holds_the_lock_exits_3(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    assert sync(env, "-q").exit_code == 0
    before = database_state(db_dsn)
    with psycopg.connect(db_dsn, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(hashtextextended('assetsync:snipeit', 0))")
        result = sync(env, "--dry-run", "--json", "-q")
    assert result.exit_code == exitcodes.LOCKED
    assert orjson.loads(result.stdout)["status"] == "locked"
    assert database_state(db_dsn) == before
