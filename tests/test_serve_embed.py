"""assetsync inside a host FastAPI app: `create_router()` under the host's prefix and auth, `lifespan`.

The host below is what a team with its own app writes: its own admin check, its own prefix, the
settings from the environment. Real runs against the fake Snipe-IT and a real PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI, Header, HTTPException
from fastapi.testclient import TestClient

from assetsync.config import PROJECT_DIR
from assetsync.serve import create_router, lifespan
from assetsync.serve.service import SyncService, default_service
from tests.conftest import query

ADMIN = {"X-Admin-Key": "host-admin-key"}


def require_admin(x_admin_key: Annotated[str, Header()] = "") -> None:
    """The host app's own guard, which knows nothing of assetsync's token."""
    if x_admin_key != ADMIN["X-Admin-Key"]:
        raise HTTPException(401, "admins only")


def host_app(*, host_guards_control: bool = False) -> FastAPI:
    app = FastAPI(lifespan=lifespan)
    app.include_router(
        create_router(host_guards_control=host_guards_control),
        prefix="/assetsync",
        dependencies=[Depends(require_admin)],
    )

    @app.get("/")
    def home() -> dict[str, str]:
        return {"app": "the host's own"}

    return app


@pytest.fixture
def environment(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The default service reads the process environment, as a host app's would."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("ASSETSYNC_SERVE_TOKEN", "ASSETSYNC_SCHEDULER", "ASSETSYNC_SYNC_TIMES"):
        monkeypatch.delenv(name, raising=False)
    return env


@pytest.fixture
def host(environment: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(host_app(), base_url="http://127.0.0.1:8000") as client:
        yield client


def wait_for_run(service: SyncService) -> None:
    handle = service.launcher.current or service.launcher.last
    assert handle is not None and handle.wait(30)


def test_the_endpoints_answer_under_the_host_prefix_behind_its_guard(host: TestClient, db_dsn: str) -> None:
    assert host.get("/").json() == {"app": "the host's own"}
    for path in ("/assetsync/health", "/assetsync/sync/schedule", "/assetsync/sync/runs", "/assetsync/"):
        assert host.get(path).status_code == 401, path
        assert host.get(path, headers=ADMIN).status_code == 200, path
    assert host.post("/assetsync/sync/now").status_code == 401
    assert host.get("/health").status_code == 404  # nothing at the host's root
    started = host.post("/assetsync/sync/now", headers=ADMIN)
    assert started.status_code == 202, started.text
    run_id = started.json()["run_id"]
    assert started.json()["run_url"] == f"/assetsync/sync/runs/{run_id}"
    wait_for_run(default_service())
    run = host.get(started.json()["run_url"], headers=ADMIN).json()
    assert run["status"] == "success"
    assert query(db_dsn, "SELECT id, status FROM snipeit.sync_runs") == [(run_id, "success")]
    page = host.get("/assetsync/", headers=ADMIN).text
    assert f'<a href="sync/runs/{run_id}">' in page and '"static/status.js"' in page
    assert host.get("/assetsync/static/status.js", headers=ADMIN).status_code == 200
    paths = host.get("/openapi.json").json()["paths"]
    assert {"/assetsync/sync/now", "/assetsync/sync/runs/{run_id}", "/assetsync/health"} <= set(paths)


def test_the_scheduler_starts_and_stops_with_the_host(environment: dict[str, str]) -> None:
    with TestClient(host_app(), base_url="http://127.0.0.1:8000") as client:
        service = default_service()
        assert service.scheduler.running
        state = client.get("/assetsync/sync/schedule", headers=ADMIN).json()
        assert state["state"] == "running" and len(state["next_runs"]) == 4
    assert not service.scheduler.running
    assert default_service() is not service  # a restarted host gets a fresh launcher


def test_the_host_lifespan_can_enter_it_from_its_own(environment: dict[str, str]) -> None:
    events = []

    @asynccontextmanager
    async def host_lifespan(app: FastAPI) -> AsyncIterator[None]:
        events.append("host up")
        async with lifespan(app):
            events.append("assetsync up")
            yield
        events.append("assetsync down")

    app = FastAPI(lifespan=host_lifespan)
    app.include_router(create_router(), prefix="/sync-admin")
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        service = default_service()
        assert client.get("/sync-admin/health").json()["scheduler"] == "running"
    assert events == ["host up", "assetsync up", "assetsync down"] and not service.scheduler.running


def test_scheduler_off_keeps_a_worker_from_scheduling(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSETSYNC_SCHEDULER", "off")
    with TestClient(host_app(), base_url="http://127.0.0.1:8000") as client:
        assert not default_service().scheduler.running
        state = client.get("/assetsync/sync/schedule", headers=ADMIN).json()
        assert state["state"] == "stopped" and state["next_runs"] == []
        assert client.post("/assetsync/sync/now", headers=ADMIN).status_code == 202
        wait_for_run(default_service())


def test_control_keeps_the_loopback_rule_unless_the_host_guards_it(environment: dict[str, str]) -> None:
    remote = {**ADMIN, "Host": "intranet.example.com"}
    with TestClient(host_app(), base_url="http://127.0.0.1:8000") as client:
        refused = client.post("/assetsync/sync/scheduler/stop", headers=remote)
        assert refused.status_code == 403 and "ASSETSYNC_SERVE_TOKEN" in refused.json()["detail"]
        assert client.get("/assetsync/sync/schedule", headers=remote).status_code == 200  # reading is open
    with TestClient(host_app(host_guards_control=True), base_url="http://127.0.0.1:8000") as client:
        unknown = client.post("/assetsync/sync/scheduler/stop", headers={"Host": "intranet.example.com"})
        assert unknown.status_code == 401
        stopped = client.post("/assetsync/sync/scheduler/stop", headers=remote)
        assert stopped.status_code == 200 and stopped.json()["state"] == "stopped"


def test_importing_and_creating_the_router_starts_nothing_and_reads_no_settings() -> None:
    # A fresh interpreter with no settings at all: a host app imports and mounts before it configures.
    code = (
        "import threading\n"
        "from fastapi import FastAPI\n"
        "from assetsync.serve import create_router, lifespan\n"
        "from assetsync.serve import service\n"
        "app = FastAPI(lifespan=lifespan)\n"
        "app.include_router(create_router(), prefix='/assetsync')\n"
        "assert service._default is None, 'the service was built at import'\n"
        "print(threading.active_count())\n"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SNIPEIT_", "ASSETSYNC_", "DATABASE_"))}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, env=clean, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"  # no scheduler or sync thread
