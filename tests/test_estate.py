"""The whole estate on one pipeline: every entity table and the view, over real HTTP and SQL."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from assetsync import exitcodes
from assetsync.config import load_settings
from assetsync.entities import BY_NAME, ENTITIES, ENTITY_NAMES
from assetsync.entities.people import USERS
from assetsync.fake_snipeit import FakeSnipeIT
from assetsync.fake_snipeit.estate_records import FakeLocation, FakeUser
from assetsync.store import schema as schema_module
from assetsync.sync import run_sync
from tests.conftest import query

TABLES = [e.table for e in ENTITIES]


def estate_state(dsn: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every entity table with its xmin: equal before and after means nothing was written."""
    return {
        table: query(dsn, f"SELECT xmin::text, id, content_hash, removed_at FROM snipeit.{table} ORDER BY id")
        for table in TABLES
    }


def ids(dsn: str, table: str, where: str = "removed_at IS NULL") -> set[int]:
    return {r[0] for r in query(dsn, f"SELECT id FROM snipeit.{table} WHERE {where}")}


def sync(env: dict[str, str]) -> Any:
    return run_sync(load_settings(env))


def listed(fake: FakeSnipeIT, name: str) -> set[int]:
    """The ids Snipe-IT lists for an entity: with the deleted pass where it has one."""
    entity = BY_NAME[name]
    if entity.name == "hardware":
        return set(fake.all_ids())
    if entity.parent is not None:  # seats: those of every live license
        return {s["id"] for lic in fake.estate.live_ids("licenses") for s in fake.license_seats(lic)}
    every = len(entity.passes) > 1
    return set(fake.estate.all_ids(entity.endpoint) if every else fake.estate.live_ids(entity.endpoint))


def user(fake: FakeSnipeIT, record_id: int) -> FakeUser:
    found = fake.estate.get("users", record_id)
    assert isinstance(found, FakeUser)
    return found


def location(fake: FakeSnipeIT, record_id: int) -> FakeLocation:
    found = fake.estate.get("locations", record_id)
    assert isinstance(found, FakeLocation)
    return found


def plain_users(fake: FakeSnipeIT) -> list[int]:
    """Live users nobody else's row names (no reports, no department or location to manage), so a
    change to one of them changes only their own row."""
    managers = {
        getattr(fake.estate.get(entity, i), "manager_id", None)
        for entity in ("users", "departments", "locations")
        for i in fake.estate.all_ids(entity)
    }
    return [i for i in fake.estate.live_ids("users") if i not in managers]


def soft_deleted_users(fake: FakeSnipeIT) -> set[int]:
    return set(fake.estate.all_ids("users")) - set(fake.estate.live_ids("users"))


def test_first_load_fills_every_table_and_the_view(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    result = sync(env)
    assert result.exit_code == 0, result.error
    assert set(result.entities) == set(ENTITY_NAMES)
    for entity in ENTITIES:
        expected = listed(fake, entity.name)
        assert ids(db_dsn, entity.table) == expected, entity.name
        assert result.entities[entity.name].inserted == len(expected) > 0, entity.name
    # Soft-deleted users come from their own pass, with deleted_at set.
    deleted = ids(db_dsn, "users", "deleted_at IS NOT NULL")
    assert deleted and deleted == soft_deleted_users(fake)
    live_assets = query(db_dsn, "SELECT count(*) FROM snipeit.assets WHERE removed_at IS NULL")[0][0]
    assert query(db_dsn, "SELECT count(*) FROM snipeit.asset_overview")[0][0] == live_assets
    # The view joins by id: a user's department and manager come from their own rows.
    joined = query(
        db_dsn,
        "SELECT v.assigned_username, u.username, v.assigned_department_name, d.name, "
        "v.assigned_manager_name, m.name "
        "FROM snipeit.asset_overview v JOIN snipeit.users u ON u.id = v.assigned_to_id "
        "LEFT JOIN snipeit.departments d ON d.id = u.department_id "
        "LEFT JOIN snipeit.users m ON m.id = u.manager_id WHERE v.assigned_to_type = 'user'",
    )
    assert joined and all(r[0] == r[1] and r[2] == r[3] and r[4] == r[5] for r in joined)
    assert any(r[2] is not None for r in joined)
    details = query(db_dsn, "SELECT details->'entities'->'users'->>'inserted' FROM snipeit.sync_runs")
    assert details == [(str(len(listed(fake, "users"))),)]


def test_a_no_change_run_writes_no_row_in_any_table(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    assert sync(env).exit_code == 0
    before = estate_state(db_dsn)
    result = sync(env)
    assert result.exit_code == 0, result.error
    assert estate_state(db_dsn) == before
    assert all(c.inserted == c.updated == c.removed == 0 for c in result.entities.values())


def test_a_user_edited_soft_deleted_purged_and_restored(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    assert sync(env).exit_code == 0
    edited, soft, purged = plain_users(fake)[:3]
    fake.estate.update("users", edited, jobtitle="Head of Data & AI")
    fake.estate.soft_delete("users", soft)
    fake.estate.purge("users", purged)
    result = sync(env)
    assert result.exit_code == 0, result.error
    users = result.entities["users"]
    assert (users.updated, users.soft_deleted, users.removed) == (2, 1, 1)
    row = query(db_dsn, "SELECT jobtitle FROM snipeit.users WHERE id = %s", (edited,))
    assert row == [("Head of Data & AI",)]
    assert query(db_dsn, "SELECT deleted_at IS NOT NULL FROM snipeit.users WHERE id = %s", (soft,)) == [
        (True,)
    ]
    assert query(db_dsn, "SELECT removed_at IS NOT NULL FROM snipeit.users WHERE id = %s", (purged,)) == [
        (True,)
    ]
    fake.estate.restore("users", soft)
    assert sync(env).exit_code == 0
    assert query(db_dsn, "SELECT deleted_at FROM snipeit.users WHERE id = %s", (soft,)) == [(None,)]


def test_a_renamed_location_shows_in_the_view_at_once(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    assert sync(env).exit_code == 0
    used = query(db_dsn, "SELECT location_id FROM snipeit.assets WHERE location_id IS NOT NULL LIMIT 1")[0][0]
    fake.estate.rename("locations", used, "Boston HQ & Annex")
    result = sync(env)
    assert result.exit_code == 0, result.error
    # The renamed location, and its children, whose rows name their parent.
    children = [i for i in fake.estate.all_ids("locations") if location(fake, i).parent_id == used]
    assert result.entities["locations"].updated == 1 + len(children)
    names = query(
        db_dsn, "SELECT DISTINCT location_name FROM snipeit.asset_overview WHERE location_id = %s", (used,)
    )
    assert names == [("Boston HQ & Annex",)]


def test_a_missing_permission_fails_before_anything_is_written(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    assert sync(env).exit_code == 0
    fake.estate.update("users", fake.estate.live_ids("users")[0], jobtitle="changed")
    fake.update(next(iter(fake.assets)), name="changed too")
    before = estate_state(db_dsn)
    fake.deny("departments")
    result = sync(env)
    assert result.exit_code == exitcodes.FAILED
    assert result.error and "departments.view" in result.error and "ASSETSYNC_ENTITIES" in result.error
    assert estate_state(db_dsn) == before
    # Leaving the entity out is the fix the message names.
    assert sync(dict(env, ASSETSYNC_ENTITIES="users,locations")).exit_code == 0


def test_a_first_load_that_fails_in_one_entity_leaves_every_table_empty(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    fake.fail_requests(
        500, times=-1, when=lambda i: i.path.endswith("/manufacturers") and i.pass_name == "deleted"
    )
    result = sync(env)
    assert result.exit_code == exitcodes.FAILED
    assert all(rows == [] for rows in estate_state(db_dsn).values())


def test_one_pass_failing_midway_leaves_every_table_untouched(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    assert sync(dict(env, SNIPEIT_PAGE_SIZE="20")).exit_code == 0
    fake.update(next(iter(fake.assets)), name="renamed meanwhile")
    before = estate_state(db_dsn)
    fake.fail_requests(
        500, times=-1, when=lambda i: i.path.endswith("/users") and i.params.get("offset") == "19"
    )
    result = sync(dict(env, SNIPEIT_PAGE_SIZE="20"))
    assert result.exit_code == exitcodes.FAILED
    assert estate_state(db_dsn) == before


def test_a_new_column_reaches_every_stored_row_on_the_next_run(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    older = dataclasses.replace(USERS, columns=tuple(c for c in USERS.columns if c.name != "jobtitle"))
    with monkeypatch.context() as m:
        # As an earlier release that did not declare the column yet.
        m.setitem(BY_NAME, "users", older)
        m.setattr(schema_module, "ENTITIES", tuple(older if e is USERS else e for e in ENTITIES))
        assert sync(env).exit_code == 0
    assert "jobtitle" not in {
        r[0]
        for r in query(db_dsn, "SELECT attname FROM pg_attribute WHERE attrelid = 'snipeit.users'::regclass")
    }
    result = sync(env)
    assert result.exit_code == 0, result.error
    users = result.entities["users"]
    assert users.mapping_upgraded and users.updated == len(listed(fake, "users"))
    titles = dict(query(db_dsn, "SELECT id, jobtitle FROM snipeit.users"))
    expected = {i: user(fake, i).jobtitle for i in listed(fake, "users")}
    assert titles == expected and any(expected.values())
    # Upgraded once: the run after rewrites nothing.
    again = sync(env)
    assert again.entities["users"].updated == 0 and not again.entities["users"].mapping_upgraded


def test_entities_setting_is_validated_and_hardware_cannot_be_left_out(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from assetsync.cli import cli

    bad = CliRunner().invoke(cli, ["sync"], env=dict(env, ASSETSYNC_ENTITIES="users,printers"))
    assert bad.exit_code == exitcodes.CONFIG
    assert "ASSETSYNC_ENTITIES" in bad.output and "status_labels" in bad.output
    result = sync(dict(env, ASSETSYNC_ENTITIES="users"))
    assert result.exit_code == 0 and set(result.entities) == {"hardware", "users"}
    assert ids(db_dsn, "locations") == set()


def test_check_names_each_entity_and_its_fix(fake: FakeSnipeIT, env: dict[str, str]) -> None:
    from click.testing import CliRunner

    from assetsync.cli import cli

    fake.deny("suppliers")
    out = CliRunner().invoke(cli, ["check"], env=env).output
    assert "Token may list users" in out and "[ OK ]" in out
    failed = [line for line in out.splitlines() if "Token may list suppliers" in line]
    assert failed and "[FAIL]" in failed[0]
    assert "suppliers.view" in out and "leave suppliers out of ASSETSYNC_ENTITIES" in out


def test_the_design_doc_lists_every_declared_column() -> None:
    from assetsync.config import PROJECT_DIR

    doc = (PROJECT_DIR / "docs" / "design.md").read_text("utf-8")
    for entity in ENTITIES[1:]:
        row = next(line for line in doc.splitlines() if line.startswith(f"| `{entity.table}` |"))
        assert [c.strip(" `") for c in row.split("|")[2].split(",")] == [c.name for c in entity.columns]


def test_a_forbidden_removal_check_names_the_entity_s_permission(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    assert sync(env).exit_code == 0
    fake.estate.purge("users", plain_users(fake)[0])
    before = estate_state(db_dsn)
    # The lists still answer; asking for the one missing user by id is refused.
    fake.fail_requests(
        403, times=-1, when=lambda i: i.path.startswith("/api/v1/users/") and i.path[-1].isdigit()
    )
    result = sync(env)
    assert result.exit_code == exitcodes.FAILED
    assert result.error and "users.view" in result.error and "ASSETSYNC_ENTITIES" in result.error
    assert "assets" not in result.error.split(";")[0]
    assert estate_state(db_dsn) == before
