"""`assetsync serve`: the control API, the cron schedule and clean shutdown.

Real parts throughout: FastAPI's TestClient (the app in-process) or a real uvicorn on a loopback
port, real HTTP to the fake Snipe-IT, real SQL to PostgreSQL.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from assetsync import exitcodes
from assetsync.cli import cli
from assetsync.config import PROJECT_DIR, Settings, load_settings
from assetsync.fake_snipeit import FakeSnipeIT, RequestInfo
from assetsync.serve.app import create_app
from assetsync.serve.launcher import RunHandle, SyncLauncher
from assetsync.serve.scheduler import SyncScheduler, local_zone
from assetsync.store import Store
from assetsync.sync import run_sync
from tests.conftest import TOKEN, make_env, query
from tests.serve_helpers import pause, serve_on_loopback

SERVE_TOKEN = "serve-token-" + "k" * 32
DAY_TIMES = (time(8), time(12), time(16), time(20))


class Gate:
    """Holds the fake's list requests until opened, so a run stays in progress while we look."""

    def __init__(self, fake: FakeSnipeIT) -> None:
        self.open_ = threading.Event()
        self.reached = threading.Event()
        fake.on_list_request(self._hold)

    def _hold(self, _: RequestInfo) -> None:
        self.reached.set()
        self.open_.wait(20)

    def open(self) -> None:
        self.open_.set()


def client_for(settings: Settings, times: tuple[time, ...] = DAY_TIMES) -> TestClient:
    """A TestClient addressed to 127.0.0.1 (as curl on the server's machine would be)."""
    scheduler = SyncScheduler(SyncLauncher(settings), times)
    return TestClient(create_app(settings, scheduler), base_url="http://127.0.0.1:8000")


def launcher_of(client: TestClient) -> SyncLauncher:
    launcher: SyncLauncher = client.app.state.scheduler.launcher  # type: ignore[attr-defined]
    return launcher


def finished(client: TestClient, timeout: float = 30) -> RunHandle:
    """Wait for the server's current (or last) run to end; return it."""
    launcher = launcher_of(client)
    handle = launcher.current or launcher.last
    assert handle is not None, "no run was started"
    assert handle.wait(timeout), "the run did not end in time"
    return handle


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    with client_for(settings) as client:
        yield client
        current = launcher_of(client).current
    if current is not None:  # the lifespan interrupted it; let it record that before the DB goes
        current.wait(30)


def today_log(settings: Settings) -> str:
    return (settings.log_dir / f"sync_{date.today():%Y%m%d}.log").read_text("utf-8")


# --- POST /sync/now and the run history ----------------------------------------------------------


def test_sync_now_runs_the_scheduled_sync_path_and_returns_the_run_id(
    api: TestClient, fake: FakeSnipeIT, settings: Settings, db_dsn: str
) -> None:
    response = api.post("/sync/now")
    assert response.status_code == 202, response.text
    body = response.json()
    run_id = body["run_id"]
    assert isinstance(run_id, int) and body["run_url"] == f"/sync/runs/{run_id}"
    assert finished(api).outcome is not None
    run = api.get(f"/sync/runs/{run_id}").json()
    assert run["status"] == "success" and run["fetched"] == len(fake.all_ids())
    assert run["inserted"] == len(fake.all_ids()) and run["details"]["passes"]["default"]["assets"] > 0
    assert query(db_dsn, "SELECT count(*) FROM snipeit.assets")[0][0] == len(fake.all_ids())
    # The same daily log a Task Scheduler run writes, with the same run row.
    text = today_log(settings)
    assert "Sync started" in text and "Sync finished" in text
    assert [r["id"] for r in api.get("/sync/runs").json()] == [run_id]


def test_second_sync_now_while_one_runs_gets_409(api: TestClient, fake: FakeSnipeIT, db_dsn: str) -> None:
    gate = Gate(fake)
    first = api.post("/sync/now")
    assert first.status_code == 202
    run_id = first.json()["run_id"]
    assert gate.reached.wait(10)
    second = api.post("/sync/now")
    assert second.status_code == 409
    assert f"run {run_id}" in second.json()["detail"]
    state = api.get("/sync/schedule").json()
    assert state["sync_running"] is True and state["current_run_id"] == run_id
    gate.open()
    assert finished(api).outcome is not None
    assert query(db_dsn, "SELECT id, status FROM snipeit.sync_runs") == [(run_id, "success")]
    # Free again once the run is over.
    assert api.post("/sync/now").status_code == 202
    finished(api)


def test_sync_now_is_409_while_another_process_holds_the_database_lock(
    api: TestClient, settings: Settings, db_dsn: str
) -> None:
    with psycopg.connect(db_dsn, autocommit=True) as other:
        Store(other, settings.schema).try_lock()  # what a Task Scheduler run holds
        response = api.post("/sync/now")
        assert response.status_code == 409
        assert "another process" in response.json()["detail"]
        assert launcher_of(api).current is None
    # No run was started: no row, no log file.
    assert api.get("/sync/runs").json() == []
    assert not settings.log_dir.exists() or not any(settings.log_dir.iterdir())
    assert api.post("/sync/now").status_code == 202
    finished(api)


def test_sync_now_right_after_a_run_ends_is_accepted(api: TestClient) -> None:
    # (The fixture's fake allows five back-to-back runs in one throttle window: tests/conftest.py.)
    # The finished run frees its database lock before it closes its connection; PostgreSQL
    # alone frees a closed session's locks a moment later, which answered 409 here.
    for _ in range(5):
        response = api.post("/sync/now")
        assert response.status_code == 202, response.text
        finished(api)


def test_runs_endpoints(api: TestClient) -> None:
    assert api.get("/sync/runs").json() == []  # before the schema exists
    assert api.get("/sync/runs/1").status_code == 404
    ids = []
    for _ in range(2):
        ids.append(api.post("/sync/now").json()["run_id"])
        finished(api)
    runs = api.get("/sync/runs").json()
    assert [r["id"] for r in runs] == sorted(ids, reverse=True)
    assert [r["id"] for r in api.get("/sync/runs", params={"limit": 1}).json()] == [max(ids)]
    assert runs[0]["unchanged"] == runs[1]["inserted"] and runs[0]["inserted"] == 0
    assert api.get("/sync/runs", params={"limit": 0}).status_code == 422
    missing = api.get("/sync/runs/999999")
    assert missing.status_code == 404 and "999999" in missing.json()["detail"]
    assert api.get("/sync/runs/abc").status_code == 422


def test_health_reports_the_age_of_the_last_successful_sync(api: TestClient) -> None:
    before = api.get("/health")
    assert before.status_code == 200
    assert before.json()["last_success"] is None and before.json()["database"] == "ok"
    run_id = api.post("/sync/now").json()["run_id"]
    finished(api)
    health = api.get("/health").json()
    assert health["status"] == "ok" and health["scheduler"] == "running"
    assert health["sync_running"] is False
    assert health["last_success"]["run_id"] == run_id
    assert 0 <= health["last_success"]["age_seconds"] < 300


def test_unreachable_database_is_503_or_reported_and_never_shows_the_password(
    fake: FakeSnipeIT, tmp_path: Path
) -> None:
    env = make_env(fake, "postgresql://assetsync:Pa55w0rd-secret@127.0.0.1:1/nowhere", tmp_path / "logs")
    settings = load_settings(env)
    with client_for(settings) as client:
        health = client.get("/health")
        runs = client.get("/sync/runs")
        now = client.post("/sync/now")
    assert health.status_code == 200 and health.json()["database"].startswith("unreachable: ")
    assert runs.status_code == 503 and "cannot connect to PostgreSQL" in runs.json()["detail"]
    # The run itself was attempted (and logged, like any failed run), then reported.
    assert now.status_code == 503 and "cannot connect to PostgreSQL" in now.json()["detail"]
    assert "cannot connect to PostgreSQL" in today_log(settings)
    for text in (health.text, runs.text, now.text, today_log(settings)):
        assert "Pa55w0rd-secret" not in text


# --- the token and who may control the server ----------------------------------------------------


def test_control_endpoints_need_the_bearer_token_when_one_is_set(
    fake: FakeSnipeIT, db_dsn: str, tmp_path: Path
) -> None:
    settings = load_settings(make_env(fake, db_dsn, tmp_path / "logs", ASSETSYNC_SERVE_TOKEN=SERVE_TOKEN))
    good = {"Authorization": f"Bearer {SERVE_TOKEN}"}
    with client_for(settings) as client:
        for path in ("/sync/now", "/sync/scheduler/stop", "/sync/scheduler/start"):
            for headers in (
                {},
                {"Authorization": "Bearer wrong-token-0123456789"},
                {"Authorization": SERVE_TOKEN},
            ):
                denied = client.post(path, headers=headers)
                assert denied.status_code == 401, (path, headers)
                assert denied.headers["www-authenticate"] == "Bearer"
                assert SERVE_TOKEN not in denied.text
        assert client.get("/sync/schedule").json()["state"] == "running"  # nothing was paused
        assert launcher_of(client).last is None  # nothing was started
        # Reading needs no token; with it, control works, from any Host (the token is the guard).
        assert client.get("/sync/runs").status_code == 200 and client.get("/health").status_code == 200
        assert (
            client.post("/sync/now", headers={**good, "Host": "assets-sync.example.com"}).status_code == 202
        )
        finished(client)
        assert client.post("/sync/scheduler/stop", headers=good).json()["state"] == "stopped"
    assert SERVE_TOKEN not in today_log(settings)


def test_without_a_token_control_is_for_this_machine_only(api: TestClient) -> None:
    cross_site = api.post("/sync/scheduler/stop", headers={"Origin": "https://evil.example"})
    assert cross_site.status_code == 403 and "cross-site" in cross_site.json()["detail"]
    rebound = api.post("/sync/scheduler/stop", headers={"Host": "evil.example:8000"})
    assert rebound.status_code == 403 and "ASSETSYNC_SERVE_TOKEN" in rebound.json()["detail"]
    assert api.get("/sync/schedule").json()["state"] == "running"
    same_page = api.post("/sync/scheduler/stop", headers={"Origin": "http://127.0.0.1:8000"})
    assert same_page.status_code == 200 and same_page.json()["state"] == "stopped"


# --- the schedule --------------------------------------------------------------------------------


def test_scheduler_stop_and_start_show_in_get_schedule(api: TestClient) -> None:
    state = api.get("/sync/schedule").json()
    assert state["state"] == "running" and state["times"] == ["08:00", "12:00", "16:00", "20:00"]
    nexts = [datetime.fromisoformat(t) for t in state["next_runs"]]
    assert len(nexts) == 4 and nexts == sorted(nexts) and len(set(nexts)) == 4
    assert {(t.hour, t.minute) for t in nexts} == {(8, 0), (12, 0), (16, 0), (20, 0)}
    assert nexts[0] > datetime.now(nexts[0].tzinfo) and nexts[-1] - nexts[0] < timedelta(days=1)
    stopped = api.post("/sync/scheduler/stop")
    assert stopped.status_code == 200
    assert stopped.json()["state"] == "stopped" and stopped.json()["next_runs"] == []
    assert api.get("/sync/schedule").json()["state"] == "stopped"
    assert api.get("/health").json()["scheduler"] == "stopped"
    assert api.post("/sync/scheduler/stop").json()["state"] == "stopped"  # idempotent
    started = api.post("/sync/scheduler/start")
    assert started.status_code == 200 and started.json()["state"] == "running"
    assert api.get("/sync/schedule").json()["next_runs"] == state["next_runs"]


def test_no_sync_times_means_no_scheduled_runs(settings: Settings) -> None:
    with client_for(settings, times=()) as client:
        state = client.get("/sync/schedule").json()
        assert state["state"] == "stopped" and state["times"] == [] and state["next_runs"] == []
        refused = client.post("/sync/scheduler/start")
        assert refused.status_code == 409 and "ASSETSYNC_SYNC_TIMES" in refused.json()["detail"]


def seconds_ahead(seconds: int) -> time:
    """A sync time a few seconds from now, in the scheduler's zone (the machine's local one)."""
    return (datetime.now(local_zone()) + timedelta(seconds=seconds)).time().replace(microsecond=0)


def wait_for_last_run(launcher: SyncLauncher, timeout: float = 30) -> RunHandle:
    for _ in range(int(timeout / 0.05)):
        if launcher.last is not None or launcher.current is not None:
            break
        pause(0.05)
    handle = launcher.current or launcher.last
    assert handle is not None, "the cron trigger did not start a run"
    assert handle.wait(timeout)
    return handle


def test_cron_trigger_fires_a_scheduled_run(settings: Settings, fake: FakeSnipeIT, db_dsn: str) -> None:
    at = seconds_ahead(3)
    with client_for(settings, times=(at,)) as client:
        state = client.get("/sync/schedule").json()
        assert state["times"] == [at.strftime("%H:%M:%S")]
        first = datetime.fromisoformat(state["next_runs"][0])
        assert first.time() == at
        handle = wait_for_last_run(launcher_of(client))
        assert handle.trigger == "schedule"
        assert handle.outcome is not None and handle.outcome.exit_code == exitcodes.OK
        # It moves on to tomorrow's same time.
        again = datetime.fromisoformat(client.get("/sync/schedule").json()["next_runs"][0])
        assert again.time() == at and again.date() == first.date() + timedelta(days=1)
    rows = query(db_dsn, "SELECT id, status, fetched FROM snipeit.sync_runs")
    assert rows == [(handle.run_id, "success", len(fake.all_ids()))]
    assert "Sync finished" in today_log(settings)


def test_scheduled_run_is_skipped_while_an_api_run_is_in_progress(
    settings: Settings, fake: FakeSnipeIT, db_dsn: str, caplog: pytest.LogCaptureFixture
) -> None:
    serve_log = logging.getLogger("assetsync.serve")
    serve_log.addHandler(caplog.handler)
    gate = Gate(fake)
    try:
        with client_for(settings, times=(seconds_ahead(3),)) as client:
            run_id = client.post("/sync/now").json()["run_id"]
            assert gate.reached.wait(10)
            for _ in range(200):  # until the cron time has come and gone
                if "Scheduled sync skipped" in caplog.text:
                    break
                pause(0.05)
            gate.open()
            handle = finished(client)
    finally:
        gate.open()
        serve_log.removeHandler(caplog.handler)
    assert "Scheduled sync skipped" in caplog.text and f"run {run_id}" in caplog.text
    assert handle.trigger == "api"
    assert query(db_dsn, "SELECT id, status FROM snipeit.sync_runs") == [(run_id, "success")]


# --- shutdown ------------------------------------------------------------------------------------


def test_shutdown_mid_fetch_rolls_the_run_back_and_records_it(
    settings: Settings, fake: FakeSnipeIT, db_dsn: str
) -> None:
    gate = Gate(fake)
    with client_for(settings) as client:
        assert client.post("/sync/now").status_code == 202
        assert gate.reached.wait(10)
        handle = launcher_of(client).current
        assert handle is not None
    # The lifespan ended (as on Ctrl-C); the run stops at its next page and rolls back.
    gate.open()
    assert handle.wait(30)
    assert handle.outcome is not None and handle.outcome.exit_code == exitcodes.INTERRUPTED
    assert query(db_dsn, "SELECT count(*) FROM snipeit.assets") == [(0,)]
    assert query(db_dsn, "SELECT status FROM snipeit.sync_runs") == [("interrupted",)]
    assert launcher_of(client).current is None


# --- a real uvicorn ------------------------------------------------------------------------------


@pytest.fixture
def live(settings: Settings) -> Iterator[tuple[str, SyncLauncher]]:
    """The app under a real uvicorn on a free loopback port, in a thread."""
    launcher = SyncLauncher(settings)
    try:
        with serve_on_loopback(create_app(settings, SyncScheduler(launcher, DAY_TIMES))) as base:
            yield base, launcher
    finally:
        current = launcher.current
        if current is not None:
            current.wait(30)


def test_real_uvicorn_serves_the_api_and_its_docs(
    live: tuple[str, SyncLauncher], fake: FakeSnipeIT, db_dsn: str
) -> None:
    base, launcher = live
    gate = Gate(fake)
    with httpx.Client(base_url=base, timeout=30) as http:
        assert http.get("/health").json()["status"] == "ok"
        assert http.get("/docs").status_code == 200 and "swagger" in http.get("/docs").text.lower()
        paths = http.get("/openapi.json").json()["paths"]
        assert {"/sync/now", "/sync/schedule", "/sync/runs", "/sync/runs/{run_id}", "/health"} <= set(paths)
        first = http.post("/sync/now")
        assert first.status_code == 202
        assert gate.reached.wait(10)
        assert http.post("/sync/now").status_code == 409
        gate.open()
        handle = launcher.current or launcher.last
        assert handle is not None and handle.wait(30)
        run = http.get(first.json()["run_url"]).json()
        assert run["status"] == "success" and run["fetched"] == len(fake.all_ids())
        assert http.get("/health").json()["last_success"]["run_id"] == run["id"]


# --- the command ---------------------------------------------------------------------------------


def test_serve_help_has_examples() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "curl -X POST http://localhost:8000/sync/now" in result.output


def test_serve_refuses_a_public_address_without_a_token(env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"], env=env)
    assert result.exit_code == exitcodes.CONFIG
    assert "ASSETSYNC_SERVE_TOKEN" in result.output and "127.0.0.1" in result.output


def test_serve_refuses_a_weak_token_without_echoing_it(env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["serve"], env={**env, "ASSETSYNC_SERVE_TOKEN": "abc123xyz"})
    assert result.exit_code == exitcodes.CONFIG
    assert "too short" in result.output and "abc123xyz" not in result.output


def test_serve_without_the_extra_says_how_to_install_it(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if the serve extra were not installed
    result = CliRunner().invoke(cli, ["serve"], env=env)
    assert result.exit_code == exitcodes.CONFIG
    assert '.[serve]"' in result.output and "uvicorn" in result.output


def test_the_cli_imports_without_the_serve_extra() -> None:
    # A fresh interpreter where the extra's packages cannot be imported, as in a core install.
    code = (
        "import sys\n"
        "for name in ('fastapi', 'uvicorn', 'apscheduler', 'starlette', 'pydantic'):\n"
        "    sys.modules[name] = None\n"
        "from assetsync.cli import cli\n"
        "cli(['--help'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "serve" in done.stdout and "sync" in done.stdout


def test_serve_says_when_the_port_is_taken(env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--port", str(port)], env=env)
    assert result.exit_code == exitcodes.FAILED
    assert f"cannot listen on 127.0.0.1:{port}" in result.output


class ServeProcess:
    """`python -m assetsync serve --port 0` as a service manager runs it; stderr read on a thread."""

    def __init__(self, env: dict[str, str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "assetsync", "serve", "--port", "0"],
            cwd=PROJECT_DIR,
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.output.append(line)
            self.lines.put(line)

    def wait_for(self, pattern: str, timeout: float = 20) -> re.Match[str]:
        deadline = datetime.now() + timedelta(seconds=timeout)
        while datetime.now() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None and self.lines.empty():
                    break
                continue
            found = re.search(pattern, line)
            if found:
                return found
        raise AssertionError(f"never saw {pattern!r}; output:\n{''.join(self.output)}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGTERM, which Windows does not have")
def test_sigterm_stops_the_server_and_rolls_back_the_running_sync(
    env: dict[str, str], fake: FakeSnipeIT, db_dsn: str, tmp_path: Path
) -> None:
    gate = Gate(fake)
    server = ServeProcess(env)
    try:
        port = int(server.wait_for(r"listening on http://127\.0\.0\.1:(\d+)").group(1))
        started = httpx.post(f"http://127.0.0.1:{port}/sync/now", timeout=30)
        assert started.status_code == 202, started.text
        run_id = started.json()["run_id"]
        assert gate.reached.wait(10)
        server.proc.send_signal(signal.SIGTERM)
        server.wait_for(rf"waiting for run {run_id}\b")
        gate.open()
        assert server.proc.wait(30) == exitcodes.OK
    finally:
        gate.open()
        server.stop()
    assert query(db_dsn, "SELECT count(*) FROM snipeit.assets") == [(0,)]
    assert query(db_dsn, "SELECT id, status FROM snipeit.sync_runs") == [(run_id, "interrupted")]
    text = (tmp_path / "logs" / f"sync_{date.today():%Y%m%d}.log").read_text("utf-8")
    assert "INTERRUPTED" in text
    assert TOKEN not in "".join(server.output) + text


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGTERM, which Windows does not have")
def test_a_second_sigterm_leaves_at_once_and_nothing_is_half_written(
    env: dict[str, str], fake: FakeSnipeIT, db_dsn: str
) -> None:
    gate = Gate(fake)
    server = ServeProcess(env)
    try:
        port = int(server.wait_for(r"listening on http://127\.0\.0\.1:(\d+)").group(1))
        run_id = httpx.post(f"http://127.0.0.1:{port}/sync/now", timeout=30).json()["run_id"]
        assert gate.reached.wait(10)
        server.proc.send_signal(signal.SIGTERM)
        server.wait_for(rf"waiting for run {run_id}\b")
        server.proc.send_signal(signal.SIGTERM)  # the run is still held at its first page
        assert server.proc.wait(20) == exitcodes.INTERRUPTED
    finally:
        gate.open()
        server.stop()
    assert "Stopped without waiting" in "".join(server.output)
    assert query(db_dsn, "SELECT count(*) FROM snipeit.assets") == [(0,)]
    # The next run finds the row of the run that died and marks it abandoned.
    assert run_sync(load_settings(env)).status == "success"
    assert query(db_dsn, "SELECT id, status FROM snipeit.sync_runs ORDER BY id")[0] == (run_id, "abandoned")


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGTERM, which Windows does not have")
def test_idle_server_stops_on_sigterm_with_exit_code_0(env: dict[str, str]) -> None:
    server = ServeProcess(env)
    try:
        port = int(server.wait_for(r"listening on http://127\.0\.0\.1:(\d+)").group(1))
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).status_code == 200
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(20) == exitcodes.OK
    finally:
        server.stop()
    assert "assetsync serve stopped" in "".join(server.output)
