"""The control API of `assetsync serve`: start a sync, pause the schedule, read runs and health."""

# No `from __future__ import annotations` here: FastAPI reads the endpoints' annotations at run
# time, and those of `authorize` name a local (the bearer scheme), which a string cannot reach.

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, time
from typing import Annotated, Any

import psycopg
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assetsync import __version__
from assetsync.config import Settings
from assetsync.redact import first_line
from assetsync.serve.db import open_store
from assetsync.serve.launcher import LauncherClosedError, SyncBusyError
from assetsync.serve.models import Health, LastSuccess, Problem, RunRecord, ScheduleState, SyncStarted
from assetsync.serve.scheduler import SyncScheduler
from assetsync.serve.security import loopback_request_problem, token_matches
from assetsync.store import StoreError
from assetsync.sync import make_redactor

# How long POST /sync/now waits for the run's sync_runs row (connect, lock, migrate) to return its id.
START_WAIT_SECONDS = 15.0
NEXT_RUNS_SHOWN = 4

DESCRIPTION = """\
Runs the assetsync Snipe-IT to PostgreSQL sync on a schedule inside this process, and lets you
start, pause and watch it. Every sync writes the same `logs/sync_YYYYMMDD.log` lines and
`sync_runs` rows as `python scheduled_sync.py`.

POST endpoints need `Authorization: Bearer <ASSETSYNC_SERVE_TOKEN>` when that setting is set;
without it the server listens on loopback only and accepts control requests from this machine only.
"""


def create_app(
    settings: Settings, scheduler: SyncScheduler, *, start_wait: float = START_WAIT_SECONDS
) -> FastAPI:
    """The FastAPI app; its lifespan starts the scheduler and, on shutdown, stops it and the run."""
    launcher = scheduler.launcher
    redact = make_redactor(settings)
    bearer = HTTPBearer(auto_error=False, description="the value of ASSETSYNC_SERVE_TOKEN")

    def authorize(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
    ) -> None:
        if settings.serve_token:
            if credentials is None or not token_matches(credentials.credentials, settings.serve_token):
                raise HTTPException(
                    401,
                    "this endpoint needs the header 'Authorization: Bearer <ASSETSYNC_SERVE_TOKEN>' "
                    "with the token set on the server",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            return
        problem = loopback_request_problem(request.headers.get("host", ""), request.headers.get("origin"))
        if problem:
            raise HTTPException(403, problem)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        scheduler.start()
        try:
            yield
        finally:
            scheduler.shutdown()
            launcher.close()

    app = FastAPI(title="assetsync", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.scheduler = scheduler
    control: Any = [Depends(authorize)]
    denied: dict[int | str, dict[str, Any]] = {
        401: {"model": Problem, "description": "missing or wrong bearer token"},
        403: {"model": Problem, "description": "not from this machine (no token set)"},
    }

    async def store_unavailable(_: Request, exc: Exception) -> JSONResponse:
        message = first_line(exc)
        if isinstance(exc, psycopg.Error):
            message = f"PostgreSQL error: {message}"
        return JSONResponse({"detail": redact(message)}, status_code=503)

    app.add_exception_handler(StoreError, store_unavailable)
    app.add_exception_handler(psycopg.Error, store_unavailable)

    def schedule_state() -> ScheduleState:
        current = launcher.current
        return ScheduleState(
            state="running" if scheduler.running else "stopped",
            times=[_clock(t) for t in scheduler.times],
            timezone=scheduler.timezone_name,
            next_runs=scheduler.next_runs(NEXT_RUNS_SHOWN),
            sync_running=current is not None,
            current_run_id=current.run_id if current is not None else None,
        )

    @app.post(
        "/sync/now",
        status_code=202,
        dependencies=control,
        tags=["sync"],
        responses={
            **denied,
            409: {"model": Problem, "description": "a sync is running (here or in another process)"},
            503: {"model": Problem, "description": "shutting down, or the run could not start"},
        },
    )
    def sync_now() -> SyncStarted:
        """Start a sync now, in the background; returns its run id at once."""
        try:
            handle = launcher.start("api", check_database_lock=True)
        except SyncBusyError as exc:
            raise HTTPException(409, str(exc)) from None
        except LauncherClosedError as exc:
            raise HTTPException(503, str(exc)) from None
        run_id = handle.wait_for_id(start_wait)
        outcome = handle.outcome if handle.done else None
        if run_id is None and outcome is not None:
            # It ended before it had a run row: the lock was taken meanwhile, or it could not start.
            error = redact(outcome.result.error or "the sync ended before it started; see the log")
            raise HTTPException(409 if outcome.result.status == "locked" else 503, error)
        if run_id is None and handle.done:
            raise HTTPException(503, "the sync ended before it started; see the log")
        return SyncStarted(
            run_id=run_id,
            status=outcome.result.status if outcome is not None else "running",
            run_url=f"/sync/runs/{run_id}" if run_id is not None else None,
        )

    @app.get("/sync/schedule", tags=["schedule"])
    def get_schedule() -> ScheduleState:
        """Whether scheduled syncs will run, at what times, and the next few."""
        return schedule_state()

    @app.post("/sync/scheduler/start", dependencies=control, tags=["schedule"], responses=denied)
    def start_scheduler() -> ScheduleState:
        """Resume the scheduled syncs (from the next sync time on)."""
        if not scheduler.times:
            raise HTTPException(
                409,
                "no sync times are configured; set ASSETSYNC_SYNC_TIMES (for example "
                "08:00,12:00,16:00,20:00) and restart assetsync serve",
            )
        scheduler.resume()
        return schedule_state()

    @app.post("/sync/scheduler/stop", dependencies=control, tags=["schedule"], responses=denied)
    def stop_scheduler() -> ScheduleState:
        """Pause the scheduled syncs until started again (or the server restarts); a running sync finishes."""
        scheduler.pause()
        return schedule_state()

    @app.get("/sync/runs", tags=["runs"], responses={503: {"model": Problem}})
    def list_runs(
        limit: Annotated[int, Query(ge=1, le=1000, description="how many runs, newest first")] = 20,
    ) -> list[RunRecord]:
        """The newest runs from sync_runs (every run, whoever started it)."""
        with open_store(settings) as store:
            return [RunRecord.model_validate(row) for row in store.recent_runs(limit)]

    @app.get(
        "/sync/runs/{run_id}", tags=["runs"], responses={404: {"model": Problem}, 503: {"model": Problem}}
    )
    def get_run(run_id: int) -> RunRecord:
        """One run from sync_runs."""
        with open_store(settings) as store:
            row = store.get_run(run_id)
        if row is None:
            raise HTTPException(404, f"there is no run {run_id} in {settings.schema}.sync_runs")
        return RunRecord.model_validate(row)

    @app.get("/health", tags=["health"])
    def health() -> Health:
        """Liveness (any answer means alive) and the age of the last successful sync."""
        database, last = "ok", None
        try:
            with open_store(settings) as store:
                row = store.last_run(status="success")
        except (StoreError, psycopg.Error) as exc:
            database, row = f"unreachable: {redact(first_line(exc))}", None
        if row is not None and row["finished_at"] is not None:
            age = (datetime.now(UTC) - row["finished_at"]).total_seconds()
            # max(): the database's clock may run slightly ahead of this machine's.
            last = LastSuccess(run_id=row["id"], finished_at=row["finished_at"], age_seconds=max(0.0, age))
        current = launcher.current
        return Health(
            status="ok",
            version=__version__,
            scheduler="running" if scheduler.running else "stopped",
            sync_running=current is not None,
            current_run_id=current.run_id if current is not None else None,
            last_success=last,
            database=database,
        )

    return app


def _clock(t: time) -> str:
    return t.strftime("%H:%M:%S" if t.second else "%H:%M")
