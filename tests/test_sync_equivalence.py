"""The fast paths (first load straight into the table, unchanged rows staged as id + hash only)
must store exactly what a plain full load stores."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from assetsync.cli import cli
from assetsync.entities import HARDWARE
from assetsync.fake_snipeit import FakeSnipeIT
from tests.conftest import fresh_database, make_env, query

COMPARED = ", ".join(HARDWARE.column_names)


@pytest.fixture
def second_dsn(pg_admin_dsn: str) -> Iterator[str]:
    with fresh_database(pg_admin_dsn) as dsn:
        yield dsn


def sync(env: dict[str, str], *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["sync", "-q", "--json", *args], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def live_rows(dsn: str) -> list[tuple[Any, ...]]:
    return query(dsn, f"SELECT {COMPARED} FROM snipeit.assets WHERE removed_at IS NULL ORDER BY id")


def last_run(dsn: str) -> tuple[Any, ...]:
    return query(
        dsn,
        "SELECT inserted, updated, unchanged, soft_deleted, removed FROM snipeit.sync_runs "
        "ORDER BY id DESC LIMIT 1",
    )[0]


def test_incremental_syncs_store_what_a_fresh_full_load_stores(
    fake: FakeSnipeIT, db_dsn: str, second_dsn: str, tmp_path: Path
) -> None:
    incremental = make_env(fake, db_dsn, tmp_path / "a")
    sync(incremental)
    counts = fake.churn(changed=0.1, soft_deleted=0.05, purged=0.03, new=0.05, seed=5)
    planned = sync(incremental, "--dry-run")
    done = sync(incremental)
    sync(make_env(fake, second_dsn, tmp_path / "b"))

    assert live_rows(db_dsn) == live_rows(second_dsn)
    assert {r[0] for r in live_rows(db_dsn)} == fake.all_ids()
    inserted, updated, unchanged, soft_deleted, removed = last_run(db_dsn)
    keys = ("inserted", "updated", "unchanged", "soft_deleted", "removed")
    assert [planned[k] for k in keys] == [done[k] for k in keys] == list(last_run(db_dsn))
    assert inserted == counts["new"]
    assert updated == counts["changed"] + counts["soft_deleted"]
    assert soft_deleted == counts["soft_deleted"]
    assert removed == counts["purged"]
    assert inserted + updated + unchanged == len(fake.all_ids())
    # The re-run changes nothing, and says so.
    sync(incremental)
    assert last_run(db_dsn) == (0, 0, len(fake.all_ids()), 0, 0)


def test_a_failing_first_load_leaves_the_table_empty(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    small = dict(env, SNIPEIT_PAGE_SIZE="20", SNIPEIT_MAX_RETRIES="1")
    # Several pages are already in the table when the Archived pass fails for good.
    fake.fail_requests(500, times=-1, when=lambda r: r.pass_name == "Archived")
    result = CliRunner().invoke(cli, ["sync", "-q"], env=small, catch_exceptions=False)
    assert result.exit_code == 1
    assert query(db_dsn, "SELECT count(*) FROM snipeit.assets") == [(0,)]
    assert query(db_dsn, "SELECT status FROM snipeit.sync_runs") == [("failed",)]


def test_an_asset_archived_during_a_first_load_is_stored_as_archived(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str, second_dsn: str, tmp_path: Path
) -> None:
    small = dict(env, SNIPEIT_PAGE_SIZE="20")
    first_page = sorted(fake.live_ids())[:5]
    moved = first_page[2]

    def archive_once(info: Any) -> None:
        if info.pass_name == "default" and info.params.get("offset") == "19" and moved not in archived:
            archived.append(moved)
            fake.archive(moved)  # already read in the first page; the Archived pass reads it again

    archived: list[int] = []
    fake.on_list_request(archive_once)
    done = sync(small)
    assert archived == [moved]
    assert done["fetched"] == done["inserted"] == len(fake.all_ids())
    stored = query(db_dsn, "SELECT status_type FROM snipeit.assets WHERE id = %s", (moved,))
    assert stored == [("archived",)]
    # The same as a first load of the settled server would store.
    sync(make_env(fake, second_dsn, tmp_path / "b"))
    assert live_rows(db_dsn) == live_rows(second_dsn)
