"""Several pages in flight: real HTTP to the fake (which answers each request on its own thread).

No timing assertions: the fake records how many requests it was answering at once, and the speed
targets live in bench/.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assetsync.config import ConfigError, load_settings
from assetsync.fake_snipeit import FakeSnipeIT, RequestInfo, generate_assets, php_intval
from assetsync.fetch import FetchReport, Page, iter_all
from assetsync.snipeit import RetryPolicy, SnipeITClient
from tests.conftest import TEST_RATE_LIMIT, TOKEN, make_env, query
from tests.faults.harness import sync

PAGE = 10  # offsets 0, 9, 18, 27, ... with the one-row overlap


@pytest.fixture
def slow() -> Iterator[FakeSnipeIT]:
    """95 assets whose every list page takes a moment, so that pages overlap in time."""
    assets = generate_assets(95, seed=11, archived_share=0.05, deleted_share=0.05)
    with FakeSnipeIT(assets, token=TOKEN, page_delay=0.05, rate_limit_per_window=TEST_RATE_LIMIT) as fake:
        yield fake


def client_for(fake: FakeSnipeIT, concurrency: int = 4) -> SnipeITClient:
    return SnipeITClient(
        fake.api_url,
        TOKEN,
        retry=RetryPolicy(max_retries=2, max_wait=0.01),
        sleep=lambda s: None,
        concurrency=concurrency,
    )


def read(
    fake: FakeSnipeIT, concurrency: int = 4, **kwargs: object
) -> tuple[list[Page], FetchReport, SnipeITClient]:
    report = FetchReport()
    with client_for(fake, concurrency) as client:
        pages = list(iter_all(client, PAGE, report, **kwargs))  # type: ignore[arg-type]
    return pages, report, client


def row_ids(pages: list[Page]) -> list[int]:
    return [r["id"] for p in pages for r in p.rows]


def default_list(fake: FakeSnipeIT) -> list[int]:
    return sorted(
        i
        for i, a in fake.assets.items()
        if a.deleted_at is None and not (a.status_label and a.status_label[2] == "archived")
    )


def once_at(fake: FakeSnipeIT, offset: int, action: Callable[[], None]) -> threading.Event:
    """Run `action` once, when the list request for `offset` arrives (before it is answered)."""
    fired = threading.Event()

    def hook(info: RequestInfo) -> None:
        if php_intval(info.params.get("offset")) == offset and not fired.is_set():
            fired.set()
            action()

    fake.on_list_request(hook)
    return fired


def test_pages_of_one_list_are_in_flight_together(slow: FakeSnipeIT) -> None:
    pages, report, client = read(slow)
    assert set(row_ids(pages)) == slow.all_ids()
    assert slow.max_in_flight > 1
    assert 1 < client.limiter.stats.max_in_flight <= 4
    assert [p.name for p in report.passes] == ["default", "Archived", "Deleted"]


def test_lists_read_from_two_threads_share_the_clients_limit(slow: FakeSnipeIT) -> None:
    """Two iter_all over one client (as an estate of several lists is read) stay within its limit."""
    found: dict[str, set[int]] = {}
    with client_for(slow, concurrency=2) as client:

        def read_list(name: str, params: dict[str, str]) -> None:
            pages = iter_all(client, PAGE, FetchReport(), passes=((name, params),))
            found[name] = set(row_ids(list(pages)))

        threads = [
            threading.Thread(target=read_list, args=("default", {})),
            threading.Thread(target=read_list, args=("Deleted", {"status": "Deleted"})),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert found["default"] == set(default_list(slow))
    assert found["Deleted"] == {i for i, a in slow.assets.items() if a.deleted_at is not None}
    assert slow.max_in_flight == 2


def test_concurrency_one_sends_one_request_at_a_time(slow: FakeSnipeIT) -> None:
    pages, _, _ = read(slow, concurrency=1)
    assert set(row_ids(pages)) == slow.all_ids()
    assert slow.max_in_flight == 1


def test_rows_come_in_list_order_whatever_order_the_pages_arrive_in(slow: FakeSnipeIT) -> None:
    def hold_back_early_pages(info: RequestInfo) -> None:
        # The second and third pages answer last, after the pages read ahead of them.
        if info.pass_name == "default" and php_intval(info.params.get("offset")) in (9, 18):
            time.sleep(0.3)

    expected = row_ids(read(slow, concurrency=1)[0])
    slow.on_list_request(hold_back_early_pages)
    pages, _, _ = read(slow)
    assert row_ids(pages) == expected
    assert [p.offset for p in pages if p.pass_name == "default"] == sorted(
        p.offset for p in pages if p.pass_name == "default"
    )


def test_a_shift_between_pages_read_at_once_is_detected_and_re_read(slow: FakeSnipeIT) -> None:
    """A delete behind the reader while the pages at 18, 27 and 36 are out together."""
    victim = default_list(slow)[2]
    fired = once_at(slow, 27, lambda: slow.soft_delete(victim))
    pages, report, _ = read(slow)
    assert fired.is_set()
    assert slow.max_in_flight > 1
    assert report.passes[0].resyncs >= 1
    assert set(row_ids(pages)) == slow.all_ids()
    default = [r["id"] for p in pages if p.pass_name == "default" for r in p.rows]
    assert len(default) == len(set(default))  # each row once per pass (the victim again under Deleted)


def test_an_asset_joining_behind_pages_read_at_once_makes_the_pass_read_again(slow: FakeSnipeIT) -> None:
    mover = min(a.id for a in slow.assets.values() if a.status_label and a.status_label[2] == "archived")
    fired = once_at(slow, 36, lambda: slow.unarchive(mover))
    pages, report, _ = read(slow)
    assert fired.is_set() and mover < default_list(slow)[36]
    assert mover in row_ids(pages)
    assert report.passes[0].attempts == 2


def test_a_429_halves_the_requests_in_flight_and_good_answers_win_them_back(
    slow: FakeSnipeIT, caplog: pytest.LogCaptureFixture
) -> None:
    slow.fail_requests(429, times=1)
    caplog.set_level("INFO", logger="assetsync")
    with client_for(slow) as client:
        client.get("hardware", {"limit": 1})
        assert client.limiter.limit == 2
        assert "now at most 2 request(s) in flight" in caplog.text
        for _ in range(8):
            client.get("hardware", {"limit": 1})
        assert client.limiter.limit == 4


def test_a_slowing_server_gets_fewer_requests_at_once(
    slow: FakeSnipeIT, caplog: pytest.LogCaptureFixture
) -> None:
    def slow_down(info: RequestInfo) -> None:
        # From the fifth page on, every page takes seconds instead of a moment (a loaded server).
        if info.pass_name == "default" and php_intval(info.params.get("offset")) >= 36:
            time.sleep(1.3)

    slow.on_list_request(slow_down)
    caplog.set_level("INFO", logger="assetsync")
    pages, _, _ = read(slow)
    assert set(row_ids(pages)) == slow.all_ids()
    assert "Snipe-IT slowed down" in caplog.text
    assert "now at most 2 request(s) in flight" in caplog.text


def test_name_sorted_list_is_paged_by_overlap_not_by_id(slow: FakeSnipeIT) -> None:
    """Suppliers ignore sort=id and are read by name: ids come in no order, shifts still show."""
    by_name = [
        i for _, i in sorted((a.name or "", i) for i, a in slow.assets.items() if a.deleted_at is None)
    ]
    by_name = [i for i in by_name if i in default_list(slow)]
    assert by_name != sorted(by_name)
    victim = by_name[3]
    fired = once_at(slow, 36, lambda: slow.soft_delete(victim))
    pages, report, _ = read(slow, passes=(("all", {}),), sort=("name", "asc"))
    assert fired.is_set()
    assert row_ids(pages) == by_name
    assert report.passes[0].resyncs >= 1
    lists = [r for r in slow.requests if r.pass_name]
    assert all(r.params["sort"] == "name" and r.params["order"] == "asc" for r in lists)


def test_first_load_writes_rows_in_list_order(slow: FakeSnipeIT, db_dsn: str, tmp_path: Path) -> None:
    """Pages answered out of order still reach PostgreSQL in page order (COPY order = ctid order)."""

    def hold_back(info: RequestInfo) -> None:
        if info.pass_name == "default" and php_intval(info.params.get("offset")) == 9:
            time.sleep(0.3)

    slow.on_list_request(hold_back)
    env = make_env(slow, db_dsn, tmp_path / "logs", SNIPEIT_PAGE_SIZE=str(PAGE), SNIPEIT_CONCURRENCY="4")
    run = sync(env)
    assert run.exit_code == 0, run.describe()
    assert slow.max_in_flight > 1
    assert "request(s) in flight on average" in run.log and "waiting for its throttle" in run.log
    stored = [r[0] for r in query(db_dsn, "SELECT id FROM snipeit.assets ORDER BY ctid")]
    archived = sorted(
        i for i, a in slow.assets.items() if a.deleted_at is None and i not in default_list(slow)
    )
    deleted = sorted(i for i, a in slow.assets.items() if a.deleted_at is not None)
    assert stored == default_list(slow) + archived + deleted


@pytest.mark.parametrize(("raw", "value"), [("", 4), ("1", 1), ("16", 16)])
def test_concurrency_setting(raw: str, value: int) -> None:
    base = {
        "DATABASE_URL": "postgresql://u:p@h/db",
        "SNIPEIT_API_URL": "https://x.example",
        "SNIPEIT_TOKEN": "t",
    }
    assert load_settings({**base, "SNIPEIT_CONCURRENCY": raw}).concurrency == value


@pytest.mark.parametrize("bad", ["0", "17", "many"])
def test_concurrency_setting_must_be_1_to_16(bad: str) -> None:
    base = {
        "DATABASE_URL": "postgresql://u:p@h/db",
        "SNIPEIT_API_URL": "https://x.example",
        "SNIPEIT_TOKEN": "t",
    }
    with pytest.raises(ConfigError, match="SNIPEIT_CONCURRENCY"):
        load_settings({**base, "SNIPEIT_CONCURRENCY": bad})
