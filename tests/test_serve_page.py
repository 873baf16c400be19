"""The status page at `/`, its chart and files, the offline API docs, and ASSETSYNC_SCHEDULER=off.

The app in-process (TestClient) or under a real uvicorn, real runs against the fake Snipe-IT and
a real PostgreSQL, as in test_serve.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import time
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient

from assetsync.config import ConfigError, Settings, load_settings
from assetsync.fake_snipeit import FakeSnipeIT
from assetsync.serve.app import create_app
from assetsync.serve.launcher import SyncLauncher
from assetsync.serve.page import stale_after
from assetsync.serve.scheduler import SyncScheduler
from tests.conftest import make_env, query
from tests.serve_helpers import serve_on_loopback
from tests.test_serve import DAY_TIMES, SERVE_TOKEN, client_for, finished, launcher_of

# What a page may point at: its own app (relative or rooted paths), never another host.
EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:[a-z]+:)?//""", re.IGNORECASE)


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    with client_for(settings) as client:
        yield client


def execute(dsn: str, statement: str, params: tuple[object, ...] = ()) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(statement, params)


def synced(client: TestClient, count: int) -> list[int]:
    ids = []
    for _ in range(count):
        ids.append(client.post("/sync/now").json()["run_id"])
        finished(client)
    return ids


def test_status_page_shows_the_schedule_the_last_success_and_the_runs(api: TestClient) -> None:
    ids = synced(api, 2)
    response = api.get("/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    # The runs as a real table: column headers, one row per run, each linked to its JSON.
    assert '<table id="runs">' in html and '<th scope="col">Fetched</th>' in html
    rows = re.findall(r'<th scope="row"><a href="sync/runs/(\d+)">', html)
    assert [int(r) for r in rows] == sorted(ids, reverse=True)
    assert api.get(f"/sync/runs/{ids[0]}").json()["status"] == "success"
    assert html.count('<span class="badge ok">success</span>') == 2
    # The last success, judged on time, with a colour and the words.
    on_time = '<dd id="last-success" class="ok"><span class="badge ok">On time</span>'
    assert f"{on_time} run {ids[1]}, <time" in html
    # Four next runs as machine-readable times, which the script shows in the viewer's zone.
    next_runs = re.search(r'<ul id="next-runs">(.*?)</ul>', html)
    assert next_runs is not None and next_runs.group(1).count("<time datetime=") == 4
    assert "08:00, 12:00, 16:00, 20:00" in html
    # The chart, drawn by the server, with a text summary.
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and "2 runs, from run" in html
    assert "0 did not succeed." in html
    # Nothing loaded from elsewhere: the script and style sheet come from the app itself.
    assert not EXTERNAL.search(html)
    assert response.headers["content-security-policy"].startswith("default-src 'self';")
    for name, kind in (("status.js", "text/javascript"), ("status.css", "text/css")):
        asset = api.get(f"/static/{name}")
        assert asset.status_code == 200 and asset.headers["content-type"].startswith(kind)
        assert f'"static/{name}"' in html and not EXTERNAL.search(asset.text)
    assert api.get("/static/page.py").status_code == 404
    assert api.get("/static/..%2fpage.py").status_code == 404


def test_a_failed_run_shows_its_first_error_line_and_is_marked_in_the_chart(
    api: TestClient, db_dsn: str
) -> None:
    ids = synced(api, 2)
    execute(
        db_dsn,
        "UPDATE snipeit.sync_runs SET status = 'failed', error = %s WHERE id = %s",
        ("Snipe-IT answered 500 on page 3\nTraceback line that stays in the log", ids[0]),
    )
    html = api.get("/").text
    assert '<span class="badge bad">failed</span>' in html
    assert '<td class="error">Snipe-IT answered 500 on page 3</td>' in html
    assert "Traceback line" not in html
    chart = api.get("/status/chart.svg")
    assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg+xml")
    assert f"1 did not succeed (runs {ids[0]})." in chart.text and "✕" in chart.text
    assert chart.text.count("<rect") == 4  # two runs, two panels


def test_an_old_last_success_is_flagged_overdue(api: TestClient, db_dsn: str) -> None:
    synced(api, 1)
    execute(db_dsn, "UPDATE snipeit.sync_runs SET finished_at = now() - interval '13 hours 10 minutes'")
    html = api.get("/").text
    # The longest gap between 08:00, 12:00, 16:00 and 20:00 is 12 h (overnight), plus one run's limit.
    assert '<body data-stale-after="46200.0"' in html
    assert 'id="last-success" class="bad"><span class="badge bad">Overdue</span>' in html
    assert "13 h 10 min" in html


def test_stale_after_is_the_longest_gap_between_sync_times_plus_a_run() -> None:
    assert stale_after([time(8), time(12), time(16), time(20)], 600) == 12 * 3600 + 600
    assert stale_after([time(23, 30), time(0, 30)], 0) == 23 * 3600
    assert stale_after([time(6)], 60) == 24 * 3600 + 60
    assert stale_after([], 60) is None


def test_the_page_asks_for_the_token_but_never_shows_it_or_a_password(
    fake: FakeSnipeIT, db_dsn: str, tmp_path: Path
) -> None:
    settings = load_settings(make_env(fake, db_dsn, tmp_path / "logs", ASSETSYNC_SERVE_TOKEN=SERVE_TOKEN))
    with client_for(settings) as client:
        html = client.get("/").text
        script = client.get("/static/status.js").text
    assert '<input id="token" type="password" autocomplete="off"' in html
    assert SERVE_TOKEN not in html + script and fake.token not in html

    broken = load_settings(
        make_env(fake, "postgresql://assetsync:Pa55w0rd-secret@127.0.0.1:1/nowhere", tmp_path / "l2")
    )
    with client_for(broken) as client:
        down = client.get("/")
    # The page still answers, with the schedule, and says why the history is missing.
    assert down.status_code == 200 and "cannot connect to PostgreSQL" in down.text
    assert '<dd id="scheduler">running</dd>' in down.text
    assert "Pa55w0rd-secret" not in down.text and '<input id="token"' not in down.text


def test_api_docs_load_their_scripts_from_the_app(api: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = api.get(page).text
        scripts = re.findall(r'<script src="([^"]+)"', html)
        assert scripts and all(src.startswith("/static-offline-docs/") for src in scripts), scripts
        for src in scripts:
            assert api.get(src).status_code == 200
        assert "cdn" not in html.lower()
    links = api.get("/").text
    assert '<a href="/docs">API docs</a>' in links and '<a href="/openapi.json">OpenAPI JSON</a>' in links


def test_scheduler_off_serves_everything_but_schedules_nothing(
    fake: FakeSnipeIT, db_dsn: str, tmp_path: Path
) -> None:
    settings = load_settings(make_env(fake, db_dsn, tmp_path / "logs", ASSETSYNC_SCHEDULER="off"))
    assert settings.scheduler_enabled is False
    with client_for(settings) as client:
        state = client.get("/sync/schedule").json()
        assert state["state"] == "stopped" and state["next_runs"] == []
        assert '<dd id="scheduler">off in this process (ASSETSYNC_SCHEDULER=off)</dd>' in client.get("/").text
        refused = client.post("/sync/scheduler/start")
        assert refused.status_code == 409 and "ASSETSYNC_SCHEDULER=off" in refused.json()["detail"]
        assert client.post("/sync/now").status_code == 202  # a run asked for still happens
        assert finished(client).outcome is not None
        assert launcher_of(client).last is not None
    assert query(db_dsn, "SELECT status FROM snipeit.sync_runs") == [("success",)]
    with pytest.raises(ConfigError, match="ASSETSYNC_SCHEDULER"):
        load_settings(make_env(fake, db_dsn, tmp_path / "logs", ASSETSYNC_SCHEDULER="sometimes"))


def test_status_page_under_a_real_uvicorn(settings: Settings) -> None:
    app = create_app(settings, SyncScheduler(SyncLauncher(settings), DAY_TIMES))
    with serve_on_loopback(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        page = http.get("/")
        assert page.status_code == 200 and "<h1>assetsync status</h1>" in page.text
        assert "No runs yet." in page.text and '<svg xmlns="http://www.w3.org/2000/svg"' in page.text
        assert http.get("/static/status.js").status_code == 200
        assert http.get("/status/chart.svg").text.startswith("<svg")
