"""The removal brake: a fetch that silently returns far fewer assets must not wipe the inventory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assetsync import exitcodes
from assetsync.fake_snipeit import FakeSnipeIT
from tests.conftest import TOKEN, query
from tests.faults.harness import NEW, OLD, Expect, checksum, sync


def scoped(full: FakeSnipeIT, company_id: int) -> FakeSnipeIT:
    """What a user scoped to one company sees (full multiple companies support): its own assets."""
    mine = [a for a in full.assets.values() if a.company is None or a.company[0] == company_id]
    return FakeSnipeIT(mine, token=TOKEN)


@pytest.fixture
def loaded(fake: FakeSnipeIT, fenv: dict[str, str], db_dsn: str) -> Iterator[str | None]:
    """The whole estate loaded once; yields the checksum of that state."""
    assert sync(fenv).exit_code == 0
    yield checksum(db_dsn)


def lists_from(full: FakeSnipeIT, view: FakeSnipeIT) -> None:
    """Serve list pages from `view`, single assets (GET /hardware/{id}) from the full estate."""
    full.add_hook(lambda r: view.respond(r) if r.pass_name else None)


def removed_ids(dsn: str) -> set[int]:
    return {r[0] for r in query(dsn, "SELECT id FROM snipeit.assets WHERE removed_at IS NOT NULL")}


def test_token_scoped_to_one_company_marks_nothing_removed(
    fake: FakeSnipeIT, fenv: dict[str, str], db_dsn: str, loaded: str | None, expect: Expect
) -> None:
    with scoped(fake, 1) as view:
        # The token's user now sees one company, in the lists and by id alike.
        run = sync(dict(fenv, SNIPEIT_API_URL=view.base_url))
    expect(
        run,
        code=exitcodes.BRAKE,
        says=("ASSETSYNC_REMOVAL_BRAKE", "company scoping"),
        state=OLD,
        before=loaded,
        recorded="braked",
    )
    assert removed_ids(db_dsn) == set()


def test_lists_hide_many_assets_that_exist_by_id(
    fake: FakeSnipeIT, fenv: dict[str, str], loaded: str | None, expect: Expect
) -> None:
    # Even with the brake opened wide, a sample of the candidates is asked for by id; they exist.
    lists_from(fake, scoped(fake, 2))
    run = sync(dict(fenv, ASSETSYNC_REMOVAL_BRAKE="0.95"))
    expect(
        run,
        code=exitcodes.BRAKE,
        says="still exist in Snipe-IT",
        state=OLD,
        before=loaded,
        recorded="braked",
    )


def test_a_few_assets_in_no_list_but_reachable_by_id_are_stored(
    fake: FakeSnipeIT, fenv: dict[str, str], db_dsn: str, loaded: str | None, expect: Expect
) -> None:
    live = sorted(fake.live_ids())
    hidden = live[3:6]
    # A deleted status label hides an asset from every list; Snipe-IT still shows it by id.
    for asset_id in hidden:
        fake.update(asset_id, status_label=None, name=f"Hidden {asset_id}")
    run = sync(fenv)
    expect(run, code=0, says="appear in no list", state=NEW, recorded="success")
    names = dict(query(db_dsn, "SELECT id, name FROM snipeit.assets WHERE id = ANY(%s)", (hidden,)))
    assert names == {i: f"Hidden {i}" for i in hidden}


def test_a_few_real_purges_are_marked_removed(
    fake: FakeSnipeIT, fenv: dict[str, str], db_dsn: str, loaded: str | None, expect: Expect
) -> None:
    gone = sorted(fake.all_ids())[10:13]
    for asset_id in gone:
        fake.purge(asset_id)
    run = sync(fenv)
    expect(run, code=0, says="confirming they are gone", state=NEW, recorded="success")
    assert removed_ids(db_dsn) == set(gone)


def test_many_real_purges_need_accept_removals(
    fake: FakeSnipeIT, fenv: dict[str, str], db_dsn: str, loaded: str | None, expect: Expect
) -> None:
    gone = sorted(fake.all_ids())[:40]
    for asset_id in gone:
        fake.purge(asset_id)
    run = sync(fenv)
    expect(
        run,
        code=exitcodes.BRAKE,
        says="--accept-removals",
        state=OLD,
        before=loaded,
        recorded="braked",
    )
    run = sync(fenv, "--accept-removals")
    expect(run, code=0, says="Sync finished", state=NEW, recorded="success")
    assert removed_ids(db_dsn) == set(gone)


def test_an_empty_answer_marks_nothing_removed(
    fenv: dict[str, str], db_dsn: str, loaded: str | None, expect: Expect
) -> None:
    # An API user that sees nothing at all: every list is empty, every asset "does not exist".
    with FakeSnipeIT([], token=TOKEN) as empty:
        run = sync(dict(fenv, SNIPEIT_API_URL=empty.base_url))
    expect(
        run,
        code=exitcodes.BRAKE,
        says="Snipe-IT returned only 0 assets",
        state=OLD,
        before=loaded,
        recorded="braked",
    )
    assert removed_ids(db_dsn) == set()


def test_a_list_cut_short_by_a_failed_page_marks_nothing_removed(
    fake: FakeSnipeIT, fenv: dict[str, str], loaded: str | None, expect: Expect
) -> None:
    # A proxy answers one page with an empty list but the right total: the pass cannot be proven.
    fake.fail_requests(
        200,
        times=-1,
        body={"total": 120, "rows": []},
        when=lambda r: r.pass_name == "default" and r.params.get("offset") == "38",
    )
    run = sync(fenv)
    expect(
        run,
        code=exitcodes.FAILED,
        says="could not be read consistently",
        state=OLD,
        before=loaded,
        recorded="failed",
    )
