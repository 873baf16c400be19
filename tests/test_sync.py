"""End-to-end sync runs: real HTTP to the fake Snipe-IT, real SQL to PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from assetsync import exitcodes
from assetsync.cli import cli
from assetsync.config import PROJECT_DIR, load_settings
from assetsync.fake_snipeit import FakeSnipeIT, RequestInfo
from assetsync.store import TOAST_TUPLE_TARGET
from assetsync.sync import run_sync
from tests.conftest import TEST_RATE_LIMIT, TOKEN, make_env, query


def assets_state(dsn: str) -> list[tuple[Any, ...]]:
    """Every row with its xmin: equal before and after means nothing was written."""
    return query(
        dsn, "SELECT xmin::text, id, content_hash, removed_at, deleted_at FROM snipeit.assets ORDER BY id"
    )


def run_cli(env: dict[str, str], *args: str) -> Any:
    return CliRunner().invoke(cli, ["sync", *args], env=env, catch_exceptions=False)


def test_first_load_stores_every_asset_including_archived_and_deleted(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    result = run_cli(env)
    assert result.exit_code == 0, result.output
    ids = {r[0] for r in query(db_dsn, "SELECT id FROM snipeit.assets")}
    assert ids == fake.all_ids()
    archived = query(db_dsn, "SELECT count(*) FROM snipeit.assets WHERE status_type = 'archived'")[0][0]
    deleted = query(db_dsn, "SELECT count(*) FROM snipeit.assets WHERE deleted_at IS NOT NULL")[0][0]
    assert archived == sum(
        1
        for a in fake.assets.values()
        if a.status_label and a.status_label[2] == "archived" and a.deleted_at is None
    )
    assert deleted == sum(1 for a in fake.assets.values() if a.deleted_at is not None)
    assert archived > 0 and deleted > 0
    run = query(db_dsn, "SELECT status, fetched, inserted, updated, unchanged FROM snipeit.sync_runs")
    assert run == [("success", len(ids), len(ids), 0, 0)]


def test_values_are_typed_and_unescaped(fake: FakeSnipeIT, env: dict[str, str], db_dsn: str) -> None:
    asset = next(iter(fake.assets.values()))
    fake.update(
        asset.id,
        name='R&D <lab> "loaner" O\'Brien',
        purchase_cost=Decimal("1234.56"),
        purchase_date=date(2022, 3, 4),
    )
    assert run_cli(env).exit_code == 0
    row = query(
        db_dsn, "SELECT name, purchase_cost, purchase_date FROM snipeit.assets WHERE id = %s", (asset.id,)
    )[0]
    assert row == ('R&D <lab> "loaner" O\'Brien', Decimal("1234.56"), date(2022, 3, 4))


def test_no_change_rerun_writes_no_row(env: dict[str, str], db_dsn: str) -> None:
    assert run_cli(env).exit_code == 0
    before = assets_state(db_dsn)
    result = run_cli(env, "--json")
    assert result.exit_code == 0
    assert assets_state(db_dsn) == before
    last = query(
        db_dsn, "SELECT inserted, updated, unchanged, removed FROM snipeit.sync_runs ORDER BY id DESC LIMIT 1"
    )
    assert last == [(0, 0, len(before), 0)]


def test_change_soft_delete_purge_and_restore(fake: FakeSnipeIT, env: dict[str, str], db_dsn: str) -> None:
    assert run_cli(env).exit_code == 0
    live = sorted(fake.live_ids())
    changed, soft, purged = live[0], live[1], live[2]
    fake.update(changed, name="Renamed laptop")
    fake.soft_delete(soft)
    fake.purge(purged)
    assert run_cli(env).exit_code == 0
    rows = {
        r[0]: r[1:]
        for r in query(
            db_dsn,
            "SELECT id, name, deleted_at IS NOT NULL, removed_at IS NOT NULL "
            "FROM snipeit.assets WHERE id = ANY(%s)",
            ([changed, soft, purged],),
        )
    }
    assert rows[changed] == ("Renamed laptop", False, False)
    assert rows[soft][1:] == (True, False)
    assert rows[purged][1:] == (False, True)
    run = query(
        db_dsn, "SELECT updated, soft_deleted, removed FROM snipeit.sync_runs ORDER BY id DESC LIMIT 1"
    )[0]
    assert run == (2, 1, 1)
    fake.restore(soft)
    assert run_cli(env).exit_code == 0
    assert query(db_dsn, "SELECT deleted_at FROM snipeit.assets WHERE id = %s", (soft,)) == [(None,)]


def test_a_purged_asset_that_comes_back_is_restored(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    assert run_cli(env).exit_code == 0
    victim = min(fake.live_ids())
    saved = fake.assets[victim]
    fake.purge(victim)
    assert run_cli(env).exit_code == 0
    fake.add(saved)
    assert run_cli(env).exit_code == 0
    assert query(db_dsn, "SELECT removed_at FROM snipeit.assets WHERE id = %s", (victim,)) == [(None,)]


@pytest.mark.parametrize("cap", [7, 50])
def test_server_page_cap_below_requested_size(tmp_path: Path, db_dsn: str, cap: int) -> None:
    from assetsync.fake_snipeit import generate_assets

    capped = FakeSnipeIT(
        generate_assets(130, seed=3), token=TOKEN, max_results=cap, rate_limit_per_window=TEST_RATE_LIMIT
    )
    with capped as server:
        env = make_env(server, db_dsn, tmp_path / "logs", SNIPEIT_PAGE_SIZE="500")
        result = run_sync(load_settings(env))
        assert result.exit_code == 0, result.error
        assert result.page_cap == cap
        ids = {r[0] for r in query(db_dsn, "SELECT id FROM snipeit.assets")}
        assert ids == server.all_ids()


def test_failing_page_leaves_the_database_untouched(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    small = dict(env, SNIPEIT_PAGE_SIZE="20", SNIPEIT_MAX_RETRIES="2")
    assert run_cli(small).exit_code == 0
    before = assets_state(db_dsn)
    fake.update(min(fake.live_ids()), name="changed but never stored")
    fake.purge(max(fake.live_ids()))
    fake.fail_requests(
        500, times=10, when=lambda r: r.pass_name == "default" and int(r.params["offset"]) > 30
    )
    result = run_cli(small)
    assert result.exit_code == exitcodes.FAILED
    assert assets_state(db_dsn) == before
    last = query(db_dsn, "SELECT status, error FROM snipeit.sync_runs ORDER BY id DESC LIMIT 1")[0]
    assert last[0] == "failed" and "HTTP 500" in last[1]


def test_bad_token_fails_with_a_message_naming_the_token(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    bad = dict(env, SNIPEIT_TOKEN="wrong-token-123456")
    result = run_cli(bad)
    assert result.exit_code == exitcodes.FAILED
    assert "401" in result.output and "SNIPEIT_TOKEN" in result.output
    assert "wrong-token-123456" not in result.output


def test_second_concurrent_run_exits_locked_and_changes_nothing(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    assert run_cli(env).exit_code == 0
    before = assets_state(db_dsn)
    with psycopg.connect(db_dsn, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(hashtextextended('assetsync:snipeit', 0))")
        result = run_cli(env)
    assert result.exit_code == exitcodes.LOCKED
    assert "another sync" in result.output
    assert assets_state(db_dsn) == before


def test_run_blocked_on_a_slow_page_holds_the_lock(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    gate = threading.Event()

    def slow(req: RequestInfo) -> None:
        if req.pass_name == "Deleted":
            gate.wait(10)

    fake.on_list_request(slow)
    first: dict[str, int] = {}
    worker = threading.Thread(target=lambda: first.update(code=run_sync(load_settings(env)).exit_code))
    worker.start()
    try:
        for _ in range(100):
            if any(r.pass_name == "Deleted" for r in fake.requests):
                break
            threading.Event().wait(0.05)
        second = run_sync(load_settings(env))
        assert second.exit_code == exitcodes.LOCKED
    finally:
        gate.set()
        worker.join(20)
    assert first["code"] == 0


def test_log_file_named_by_day_has_the_run_and_never_the_token(
    fake: FakeSnipeIT, env: dict[str, str], tmp_path: Path
) -> None:
    assert run_cli(env).exit_code == 0
    assert run_cli(dict(env, SNIPEIT_TOKEN="not-the-token-abcdef")).exit_code == 1
    logs = list((tmp_path / "logs").glob("sync_*.log"))
    assert [p.name for p in logs] == [f"sync_{date.today():%Y%m%d}.log"]
    text = logs[0].read_text("utf-8")
    assert "Sync finished" in text and "default pass" in text and "Sync FAILED" in text
    assert TOKEN not in text and "not-the-token-abcdef" not in text


def test_database_password_never_logged(fake: FakeSnipeIT, tmp_path: Path) -> None:
    env = make_env(fake, "postgresql://assetsync:Pa55w0rd-secret@127.0.0.1:1/nowhere", tmp_path / "logs")
    result = run_cli(env, "--json")
    assert result.exit_code == exitcodes.FAILED
    text = (tmp_path / "logs" / f"sync_{date.today():%Y%m%d}.log").read_text("utf-8")
    assert "Pa55w0rd-secret" not in text + result.output
    assert "cannot connect to PostgreSQL" in text


def test_missing_setting_is_a_configuration_error(env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["sync"], env={**env, "SNIPEIT_TOKEN": ""})
    assert result.exit_code == exitcodes.CONFIG
    assert "SNIPEIT_TOKEN is not set" in result.output


def test_api_url_with_and_without_api_v1(fake: FakeSnipeIT, env: dict[str, str], db_dsn: str) -> None:
    for url in (fake.base_url + "/", fake.api_url, fake.api_url + "/"):
        assert load_settings(dict(env, SNIPEIT_API_URL=url)).api_url == fake.api_url
    assert run_cli(dict(env, SNIPEIT_API_URL=fake.api_url)).exit_code == 0


def test_scheduled_sync_py_runs_from_any_folder(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str, tmp_path: Path
) -> None:
    proc = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "scheduled_sync.py"), "--quiet"],
        cwd="/",
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert query(db_dsn, "SELECT count(*) FROM snipeit.assets")[0][0] == len(fake.all_ids())


def test_raw_documents_stay_in_their_row(env: dict[str, str], db_dsn: str) -> None:
    """A typical asset keeps `raw` in its own row (compressed where the row is large), not in the
    TOAST table: moving each document out cost about a tenth of PostgreSQL's work on a first load."""
    assert run_cli(env).exit_code == 0
    toast = "SELECT pg_relation_size(reltoastrelid) FROM pg_class WHERE oid = 'snipeit.assets'::regclass"
    assert query(db_dsn, toast) == [(0,)]
    options = "SELECT reloptions FROM pg_class WHERE oid = 'snipeit.assets'::regclass"
    assert query(db_dsn, options) == [([f"toast_tuple_target={TOAST_TUPLE_TARGET}"],)]
