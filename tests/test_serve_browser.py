"""The status page in a real headless Chromium (Debian's, driven by Playwright) against a real server.

.ci/run installs Chromium; on a developer machine without it the test is skipped, but never in CI.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from assetsync.config import Settings, load_settings
from assetsync.fake_snipeit import FakeSnipeIT
from assetsync.serve.app import create_app
from assetsync.serve.launcher import SyncLauncher
from assetsync.serve.scheduler import SyncScheduler
from assetsync.sync import run_sync
from tests.conftest import make_env, query
from tests.serve_helpers import serve_on_loopback
from tests.test_serve import DAY_TIMES, SERVE_TOKEN

# Quiet, offline Chromium: no sandbox (CI runs as root), nothing fetched in the background, and any
# host name other than loopback fails to resolve, so a stray request could not leave the machine.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("needs Debian's chromium package (apt-get install chromium)")
    return found


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS, timeout=60_000
        )
        try:
            yield launched
        finally:
            launched.close()


def rows(page: Page) -> list[str]:
    return page.locator("#runs tbody tr th a").all_inner_texts()


def test_the_page_shows_the_runs_and_starts_one_without_leaving_loopback(
    browser: Browser, settings: Settings, db_dsn: str, tmp_path: Path
) -> None:
    for _ in range(2):  # a history before the page is opened, as Task Scheduler would leave it
        assert run_sync(settings).status == "success"
    launcher = SyncLauncher(settings)
    requests: list[str] = []
    refused: list[str] = []

    def only_loopback(route: Route) -> None:
        url = route.request.url
        requests.append(url)
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    with serve_on_loopback(create_app(settings, SyncScheduler(launcher, DAY_TIMES))) as base:
        context = browser.new_context(timezone_id="Europe/Berlin", locale="en-GB")
        context.route("**/*", only_loopback)
        page = context.new_page()
        # Script errors and Content-Security-Policy refusals both land on the console.
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"{base}/", wait_until="networkidle")
        expect(page.locator("#zone-note")).to_contain_text("Europe/Berlin")
        assert rows(page) == ["2", "1"]
        assert query(db_dsn, "SELECT id FROM snipeit.sync_runs ORDER BY id DESC") == [(2,), (1,)]
        # Times in the viewer's zone, not the server's UTC fallback.
        started = page.locator("#runs tbody tr").first.locator("time")
        expect(started).not_to_contain_text("UTC")
        expect(page.locator("#last-success .badge")).to_have_text("On time")
        expect(page.locator("#chart-title")).to_have_text("Duration and changed rows of the last runs")
        expect(page.locator("#chart rect")).to_have_count(4)  # two runs, two panels

        page.get_by_role("button", name="Sync now").click()
        expect(page.locator("#progress")).to_contain_text("Run 3 ended: success", timeout=30_000)
        expect(page.locator("#runs tbody tr").first.locator("th")).to_have_text("3")
        assert rows(page) == ["3", "2", "1"]
        expect(page.locator("#chart rect")).to_have_count(6)  # the chart was redrawn
        expect(page.locator("#runs tbody tr").first.locator(".badge")).to_have_text("success")
        page.screenshot(path=str(tmp_path / "status-page.png"), full_page=True)

        # On a phone the page fits the screen's width (the table scrolls in its own box).
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(tmp_path / "status-page-phone.png"), full_page=True)
        context.close()
    assert problems == []
    assert query(db_dsn, "SELECT id, status FROM snipeit.sync_runs ORDER BY id") == [
        (1, "success"),
        (2, "success"),
        (3, "success"),
    ]
    assert refused == [] and requests, requests
    assert {urlsplit(url).path for url in requests} >= {"/", "/static/status.js", "/sync/now"}
    assert (tmp_path / "status-page.png").stat().st_size > 10_000


def test_with_a_token_set_the_button_needs_it(
    browser: Browser, fake: FakeSnipeIT, db_dsn: str, tmp_path: Path
) -> None:
    settings = load_settings(make_env(fake, db_dsn, tmp_path / "logs", ASSETSYNC_SERVE_TOKEN=SERVE_TOKEN))
    app = create_app(settings, SyncScheduler(SyncLauncher(settings), DAY_TIMES))
    with serve_on_loopback(app) as base:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{base}/")
        page.get_by_role("button", name="Sync now").click()
        expect(page.locator("#progress")).to_contain_text("Not started: this endpoint needs the header")
        page.get_by_label("Control token (ASSETSYNC_SERVE_TOKEN)").fill("wrong-token-0123456789")
        page.get_by_role("button", name="Sync now").click()
        expect(page.locator("#progress")).to_contain_text("Not started: this endpoint needs the header")
        page.get_by_label("Control token (ASSETSYNC_SERVE_TOKEN)").fill(SERVE_TOKEN)
        page.get_by_role("button", name="Sync now").click()
        expect(page.locator("#progress")).to_contain_text("Run 1 ended: success", timeout=30_000)
        expect(page.locator("#runs tbody tr th")).to_have_text(["1"])
        # The token lives in the field only: not in the page's text, its address or its storage.
        assert SERVE_TOKEN not in page.inner_text("body") and SERVE_TOKEN not in page.url
        assert page.evaluate("localStorage.length + sessionStorage.length") == 0
        context.close()
