"""Snipe-IT misbehaving: throttling, server errors, hangs, broken bodies, revoked tokens, moving data."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from assetsync import exitcodes
from assetsync.fake_snipeit import FakeSnipeIT, Reply, RequestInfo, generate_assets, php_intval
from tests.conftest import TEST_RATE_LIMIT, TOKEN, make_env, query
from tests.faults.harness import EMPTY, NEW, OLD, Expect, check, checksum, sync

# With 20-row pages and a one-row overlap, the default pass asks for offsets 0, 19, 38, 57, ...
MIDDLE = 38


def first_sync(fenv: dict[str, str], fake: FakeSnipeIT) -> str | None:
    """Load everything once, then change Snipe-IT so that a later run has something to write."""
    assert sync(fenv).exit_code == 0
    live = sorted(fake.live_ids())
    fake.update(live[0], name="Renamed after the first sync")
    fake.update(live[-1], location=(12, "Remote / Home Office"))
    return checksum(fenv["DATABASE_URL"])


def kind(fake: FakeSnipeIT, asset_id: int) -> str:
    """The status type of an asset (deployable, archived, ...)."""
    label = fake.assets[asset_id].status_label
    return label[2] if label else ""


def at_page(offset: int, pass_name: str = "default") -> Callable[[RequestInfo], bool]:
    return lambda r: r.pass_name == pass_name and php_intval(r.params.get("offset")) == offset


# --- throttling -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Retry-After": "2"}, {"Retry-After": "367946340"}],
    ids=["no-retry-after", "retry-after", "absurd-retry-after"],
)
def test_429_storm_is_waited_out(
    fake: FakeSnipeIT, fenv: dict[str, str], headers: dict[str, str], expect: Expect
) -> None:
    fake.fail_requests(429, times=3, headers=headers)
    # The wait is capped by SNIPEIT_MAX_RETRY_WAIT (0.05 s here) whatever the server asks for.
    run = sync(fenv)
    expect(run, code=0, says="Retrying after HTTP 429", state=NEW, recorded="success")
    assert fake.count_429 == 3


def test_absurd_retry_after_beyond_the_run_budget_fails_at_once(
    fake: FakeSnipeIT, fenv: dict[str, str], expect: Expect
) -> None:
    before = first_sync(fenv, fake)
    fake.fail_requests(429, times=-1, headers={"Retry-After": "367946340"}, when=at_page(MIDDLE))
    env = dict(fenv, SNIPEIT_MAX_RETRY_WAIT="65", ASSETSYNC_RUN_TIMEOUT="30")
    run = sync(env)
    expect(
        run,
        code=exitcodes.FAILED,
        says="time budget",
        state=OLD,
        before=before,
        recorded="failed",
    )


def test_endless_429_storm_fails_and_changes_nothing(
    fake: FakeSnipeIT, fenv: dict[str, str], expect: Expect
) -> None:
    before = first_sync(fenv, fake)
    fake.fail_requests(429, times=-1, when=at_page(MIDDLE))
    run = sync(fenv)
    expect(
        run,
        code=exitcodes.FAILED,
        says=("HTTP 429", "Sync FAILED"),
        state=OLD,
        before=before,
        recorded="failed",
    )


def test_gzip_compressed_answers_are_read(fake: FakeSnipeIT, fenv: dict[str, str], expect: Expect) -> None:
    fake.gzip_responses = True  # as nginx or Apache in front of Snipe-IT often do
    run = sync(fenv)
    expect(run, code=0, says="Sync finished", state=NEW, recorded="success")
    assert all("gzip" in r.headers.get("Accept-Encoding", "") for r in fake.requests)


# --- server errors --------------------------------------------------------------------------------


def test_transient_5xx_recover(fake: FakeSnipeIT, fenv: dict[str, str], expect: Expect) -> None:
    first_sync(fenv, fake)
    fake.fail_page(0, 502)
    fake.fail_page(MIDDLE, 500)
    fake.fail_page(0, 503, pass_name="Archived")
    fake.fail_page(0, 504, pass_name="Deleted")
    run = sync(fenv)
    expect(run, code=0, says="Retrying after HTTP 503", state=NEW, recorded="success")


@pytest.mark.parametrize("status", [500, 502, 503])
def test_persistent_5xx_on_a_middle_page(
    fake: FakeSnipeIT, fenv: dict[str, str], status: int, expect: Expect
) -> None:
    before = first_sync(fenv, fake)
    fake.fail_page(MIDDLE, status, times=-1)
    run = sync(fenv)
    expect(
        run,
        code=exitcodes.FAILED,
        says=f"HTTP {status}",
        state=OLD,
        before=before,
        recorded="failed",
    )
    assert run.summary is not None and "check that Snipe-IT is up" in run.summary["error"]


@pytest.mark.slow
def test_hanging_server_ends_within_the_run_budget(
    fake: FakeSnipeIT, fenv: dict[str, str], expect: Expect
) -> None:
    before = first_sync(fenv, fake)
    fake.add_hook(lambda r: Reply(hang=True) if at_page(MIDDLE)(r) else None)
    # A 30 s read timeout per request, but only 2 s for the whole run: the budget must win.
    env = dict(fenv, SNIPEIT_READ_TIMEOUT="30", SNIPEIT_CONNECT_TIMEOUT="30", ASSETSYNC_RUN_TIMEOUT="2")
    started = time.monotonic()
    run = sync(env)
    elapsed = time.monotonic() - started
    expect(
        run,
        code=exitcodes.FAILED,
        says="ASSETSYNC_RUN_TIMEOUT",
        state=OLD,
        before=before,
        recorded="failed",
    )
    assert elapsed < 30, f"the run took {elapsed:.1f} s: it waited for the read timeout, not its budget"


@pytest.mark.slow
def test_trickling_server_ends_within_the_run_budget(
    fake: FakeSnipeIT, fenv: dict[str, str], expect: Expect
) -> None:
    before = first_sync(fenv, fake)
    total, rows = fake.page("", None, True, True, MIDDLE, 20)
    body = b'{"total":%d,"rows":[%b]}' % (total, rows)
    # 64 bytes every 0.1 s: each read is well inside the read timeout, the whole page takes minutes.
    fake.add_hook(lambda r: Reply(200, body, trickle=0.1) if at_page(MIDDLE)(r) else None)
    env = dict(fenv, SNIPEIT_READ_TIMEOUT="30", ASSETSYNC_RUN_TIMEOUT="2")
    started = time.monotonic()
    run = sync(env)
    elapsed = time.monotonic() - started
    expect(
        run,
        code=exitcodes.FAILED,
        says="still sending",
        state=OLD,
        before=before,
        recorded="failed",
    )
    assert elapsed < 30, f"the run took {elapsed:.1f} s: the slow body outlived its budget"


@pytest.mark.slow
def test_hanging_server_during_removal_confirmation_ends_within_budget(
    fake: FakeSnipeIT, fenv: dict[str, str], db_dsn: str, expect: Expect
) -> None:
    assert sync(fenv).exit_code == 0
    before = checksum(db_dsn)
    fake.purge(min(fake.live_ids()))
    fake.add_hook(lambda r: Reply(hang=True) if r.path.startswith("/api/v1/hardware/") else None)
    env = dict(fenv, SNIPEIT_READ_TIMEOUT="30", ASSETSYNC_RUN_TIMEOUT="2")
    started = time.monotonic()
    run = sync(env)
    assert time.monotonic() - started < 30
    expect(
        run,
        code=exitcodes.FAILED,
        says="ASSETSYNC_RUN_TIMEOUT",
        state=OLD,
        before=before,
    )


def test_rate_limit_pause_respects_the_run_budget(db_dsn: str, tmp_path: Path) -> None:
    # The server allows 3 requests a minute; pausing out the window would take a minute.
    with FakeSnipeIT(generate_assets(60, seed=5), token=TOKEN, rate_limit_per_window=3) as fake:
        env = make_env(fake, db_dsn, tmp_path / "logs", SNIPEIT_PAGE_SIZE="10", ASSETSYNC_RUN_TIMEOUT="2")
        started = time.monotonic()
        run = sync(env)
        assert time.monotonic() - started < 30
        check(
            run,
            code=exitcodes.FAILED,
            says="API_THROTTLE_PER_MINUTE",
            dsn=db_dsn,
            fake=fake,
            state=OLD,
            before=EMPTY,
            recorded="failed",
        )


# --- broken connections and bodies ----------------------------------------------------------------


def test_connection_resets_are_retried(fake: FakeSnipeIT, fenv: dict[str, str], expect: Expect) -> None:
    first_sync(fenv, fake)
    left = [2]
    lock = threading.Lock()

    def reset(r: RequestInfo) -> Reply | None:
        with lock:
            if r.pass_name and left[0] > 0:
                left[0] -= 1
                return Reply(reset=True)
        return None

    fake.add_hook(reset)
    run = sync(fenv)
    expect(run, code=0, says="ConnectionError", state=NEW, recorded="success")


def test_persistent_connection_resets_fail(fake: FakeSnipeIT, fenv: dict[str, str], expect: Expect) -> None:
    before = first_sync(fenv, fake)
    fake.add_hook(lambda r: Reply(reset=True) if at_page(MIDDLE)(r) else None)
    run = sync(fenv)
    expect(
        run,
        code=exitcodes.FAILED,
        says="Snipe-IT kept failing",
        state=OLD,
        before=before,
        recorded="failed",
    )


def test_body_cut_off_below_its_content_length_is_retried(
    fake: FakeSnipeIT, fenv: dict[str, str], expect: Expect
) -> None:
    first_sync(fenv, fake)
    total, rows = fake.page("", None, True, True, MIDDLE, 20)
    body = b'{"total":%d,"rows":[%b]}' % (total, rows)
    left = [2]

    def cut_off(r: RequestInfo) -> Reply | None:
        # The full Content-Length is announced, 300 bytes arrive, then the connection closes.
        if at_page(MIDDLE)(r) and left[0] > 0:
            left[0] -= 1
            return Reply(200, body, truncate=300)
        return None

    fake.add_hook(cut_off)
    run = sync(fenv)
    expect(run, code=0, says="ChunkedEncodingError", state=NEW, recorded="success")


def test_truncated_json_is_retried_then_fails_loudly(
    fake: FakeSnipeIT, fenv: dict[str, str], db_dsn: str, expect: Expect
) -> None:
    before = first_sync(fenv, fake)
    fake.fail_requests(200, times=1, body=b'{"total":120,"rows":[{"id":1,"name":"La', when=at_page(MIDDLE))
    run = sync(fenv)
    expect(run, code=0, says="broken JSON", state=NEW)
    before = checksum(db_dsn)
    fake.update(min(fake.live_ids()), name="Changed again")
    fake.fail_requests(200, times=-1, body=b'{"total":120,"rows":[{"id":1,"name":"La', when=at_page(MIDDLE))
    run = sync(fenv)
    expect(
        run,
        code=exitcodes.FAILED,
        says="broken JSON",
        state=OLD,
        before=before,
        recorded="failed",
    )


def test_html_page_with_http_200(fake: FakeSnipeIT, fenv: dict[str, str], expect: Expect) -> None:
    before = first_sync(fenv, fake)
    page = "<!DOCTYPE html><html><body><h1>Maintenance</h1></body></html>"
    fake.add_hook(
        lambda r: Reply(200, page, content_type="text/html; charset=UTF-8") if at_page(MIDDLE)(r) else None
    )
    run = sync(fenv)
    expect(
        run,
        code=exitcodes.FAILED,
        says="HTML page",
        state=OLD,
        before=before,
        recorded="failed",
    )


def test_error_body_with_http_200(fake: FakeSnipeIT, fenv: dict[str, str], expect: Expect) -> None:
    before = first_sync(fenv, fake)
    body = {"status": "error", "messages": "Something went wrong", "payload": None}
    fake.fail_requests(200, times=-1, body=body, when=at_page(MIDDLE))
    run = sync(fenv)
    expect(
        run,
        code=exitcodes.FAILED,
        says="Something went wrong",
        state=OLD,
        before=before,
        recorded="failed",
    )


# --- the token stops working mid-run ----------------------------------------------------------------


def test_token_revoked_during_the_sync(fake: FakeSnipeIT, fenv: dict[str, str], expect: Expect) -> None:
    before = first_sync(fenv, fake)

    def revoke(r: RequestInfo) -> None:
        if at_page(MIDDLE)(r):
            fake.token = "a-new-token-nobody-has"

    fake.on_list_request(revoke)
    run = sync(fenv)
    expect(
        run,
        code=exitcodes.FAILED,
        says=("401", "SNIPEIT_TOKEN"),
        state=OLD,
        before=before,
        recorded="failed",
    )


@pytest.mark.parametrize(("status", "says"), [(401, "SNIPEIT_TOKEN"), (403, "permission"), (404, "404")])
def test_auth_and_not_found_errors_mid_run(
    fake: FakeSnipeIT, fenv: dict[str, str], status: int, says: str, expect: Expect
) -> None:
    before = first_sync(fenv, fake)
    seen = len(fake.requests)
    fake.fail_page(MIDDLE, status, times=-1)
    run = sync(fenv)
    expect(
        run,
        code=exitcodes.FAILED,
        says=says,
        state=OLD,
        before=before,
        recorded="failed",
    )
    assert fake.requests[-1].pass_name == "default", "a refused request must not be retried"
    assert sum(map(at_page(MIDDLE), fake.requests[seen:])) == 1, "a refused request must not be retried"


# --- paging while Snipe-IT changes --------------------------------------------------------------------


def test_page_cap_lower_than_requested(db_dsn: str, tmp_path: Path) -> None:
    fake_at_7 = FakeSnipeIT(
        generate_assets(90, seed=11), token=TOKEN, max_results=7, rate_limit_per_window=TEST_RATE_LIMIT
    )
    with fake_at_7 as fake:
        env = make_env(fake, db_dsn, tmp_path / "logs", SNIPEIT_PAGE_SIZE="20")
        run = sync(env)
        check(run, code=0, says="caps pages at 7", dsn=db_dsn, fake=fake, state=NEW, recorded="success")


def test_assets_created_deleted_and_archived_while_paging(
    fake: FakeSnipeIT, fenv: dict[str, str], expect: Expect
) -> None:
    first_sync(fenv, fake)
    default = sorted(i for i in fake.live_ids() if kind(fake, i) != "archived")
    behind, ahead = default[:10], default[-10:]
    fired = threading.Event()

    def churn(r: RequestInfo) -> None:
        if at_page(MIDDLE)(r) and not fired.is_set():
            fired.set()
            fake.archive(behind[1])  # rows before the position move up: one would be skipped
            fake.soft_delete(behind[3])
            fake.purge(behind[5])
            fake.purge(ahead[2])  # total shrinks
            fake.add(
                generate_assets(1, seed=99, start_id=fake.next_id(), archived_share=0, deleted_share=0)[0]
            )

    fake.on_list_request(churn)
    run = sync(fenv)
    assert fired.is_set()
    # The asset purged behind the read position was read before it went; the next run removes it.
    expect(
        run,
        code=0,
        says="rows moved while paging",
        state=NEW,
        recorded="success",
        read_before_purge=frozenset({behind[5]}),
    )
    run = sync(fenv)
    expect(run, code=0, says="Sync finished", state=NEW, recorded="success")


def test_assets_created_deleted_and_archived_ahead_of_the_reader(
    fake: FakeSnipeIT, fenv: dict[str, str], expect: Expect
) -> None:
    first_sync(fenv, fake)
    default = sorted(i for i in fake.live_ids() if kind(fake, i) != "archived")
    fired = threading.Event()

    def churn(r: RequestInfo) -> None:
        if at_page(MIDDLE)(r) and not fired.is_set():
            fired.set()
            fake.archive(default[3])
            fake.soft_delete(default[5])
            fake.archive(default[-3])
            fake.soft_delete(default[-5])
            fake.purge(default[-7])
            for a in generate_assets(3, seed=98, start_id=fake.next_id(), archived_share=0, deleted_share=0):
                fake.add(a)

    fake.on_list_request(churn)
    run = sync(fenv)
    assert fired.is_set()
    expect(run, code=0, says="rows moved while paging", state=NEW, recorded="success")


def test_same_asset_on_two_pages(fake: FakeSnipeIT, fenv: dict[str, str], expect: Expect) -> None:
    first_sync(fenv, fake)
    # The page at offset 19 comes back starting five rows early, as if five assets had been restored.
    total, rows = fake.page("", None, True, True, 14, 20)
    fake.fail_requests(200, times=1, body=b'{"total":%d,"rows":[%b]}' % (total, rows), when=at_page(19))
    run = sync(fenv)
    expect(run, code=0, says="Sync finished", state=NEW, recorded="success")


def test_asset_archived_between_passes(fake: FakeSnipeIT, fenv: dict[str, str], expect: Expect) -> None:
    first_sync(fenv, fake)
    mover = min(i for i in fake.live_ids() if kind(fake, i) != "archived")
    fired = threading.Event()

    def archive(r: RequestInfo) -> None:
        if r.pass_name == "Archived" and not fired.is_set():
            fired.set()
            fake.archive(mover)

    fake.on_list_request(archive)
    run = sync(fenv)
    assert fired.is_set()
    expect(run, code=0, says="Sync finished", state=NEW, recorded="success")


@pytest.mark.parametrize("first_load", [False, True])
def test_asset_unarchived_between_passes_is_read_again(
    fake: FakeSnipeIT, fenv: dict[str, str], db_dsn: str, first_load: bool, expect: Expect
) -> None:
    if not first_load:
        first_sync(fenv, fake)
    mover = min(i for i in fake.live_ids() if kind(fake, i) == "archived")
    fired = threading.Event()

    def unarchive(r: RequestInfo) -> None:
        if r.pass_name == "Archived" and not fired.is_set():
            fired.set()
            fake.unarchive(mover)

    fake.on_list_request(unarchive)
    run = sync(fenv)
    assert fired.is_set()
    expect(run, code=0, says="default list grew", state=NEW, recorded="success")
    assert query(db_dsn, "SELECT status_type FROM snipeit.assets WHERE id = %s", (mover,)) != [("archived",)]
    assert query(db_dsn, "SELECT count(*) FROM snipeit.assets WHERE id = %s", (mover,)) == [(1,)]
