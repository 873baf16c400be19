"""The control API as an APIRouter: what `assetsync serve` serves, and what a host FastAPI app mounts.

app = FastAPI(lifespan=lifespan)
app.include_router(create_router(), prefix="/assetsync", dependencies=[Depends(require_admin)])
"""

# No `from __future__ import annotations` here: FastAPI reads the endpoints' annotations at run
# time, and they name locals (the service dependency, the bearer scheme), which a string cannot reach.

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, time
from importlib.resources import files
from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, Security
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assetsync import __version__
from assetsync.redact import first_line
from assetsync.serve import chart, page
from assetsync.serve.db import open_store
from assetsync.serve.launcher import LauncherClosedError, SyncBusyError
from assetsync.serve.models import Health, LastSuccess, Problem, RunRecord, ScheduleState, SyncStarted
from assetsync.serve.security import loopback_request_problem, token_matches
from assetsync.serve.service import SyncService, default_service
from assetsync.store import StoreError
from assetsync.sync import make_redactor

NEXT_RUNS_SHOWN = 4
# The page's own files, served by the app itself so it works on a server without internet access.
STATIC_TYPES = {"status.js": "text/javascript", "status.css": "text/css"}
# The browser itself holds the page to its own origin: nothing loaded or sent elsewhere, no framing.
PAGE_POLICY = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
DENIED: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "missing or wrong bearer token"},
    403: {"model": Problem, "description": "not from this machine (no token set)"},
}


def create_router(service: SyncService | None = None, *, host_guards_control: bool = False) -> APIRouter:
    """The endpoints of `assetsync serve`, the status page at `/` included.

    Without `service`, the default one (from the environment) is used, built on first use.
    The POST endpoints keep the token-or-loopback rule unless `host_guards_control` says the host
    app's own dependencies decide who may start and stop syncs.
    """

    def get_service() -> SyncService:
        return service if service is not None else default_service()

    Service = Annotated[SyncService, Depends(get_service)]
    bearer = HTTPBearer(auto_error=False, description="the value of ASSETSYNC_SERVE_TOKEN")

    def authorize(
        request: Request,
        svc: Service,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    ) -> None:
        token = svc.settings.serve_token
        if token:
            if credentials is None or not token_matches(credentials.credentials, token):
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

    class StoreErrorsAre503(APIRoute):
        """A database that cannot be read is a 503 with one scrubbed line (a router has no handlers)."""

        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                try:
                    return await handler(request)
                except (StoreError, psycopg.Error) as exc:
                    message = first_line(exc)
                    if isinstance(exc, psycopg.Error):
                        message = f"PostgreSQL error: {message}"
                    redact = make_redactor(get_service().settings)
                    return JSONResponse({"detail": redact(message)}, status_code=503)

            return handle

    router = APIRouter(route_class=StoreErrorsAre503)
    control: Any = [] if host_guards_control else [Depends(authorize)]

    @router.post(
        "/sync/now",
        status_code=202,
        dependencies=control,
        tags=["sync"],
        responses={
            **DENIED,
            409: {"model": Problem, "description": "a sync is running (here or in another process)"},
            503: {"model": Problem, "description": "shutting down, or the run could not start"},
        },
    )
    def sync_now(svc: Service, request: Request) -> SyncStarted:
        """Start a sync now, in the background; returns its run id at once."""
        try:
            handle = svc.launcher.start("api", check_database_lock=True)
        except SyncBusyError as exc:
            raise HTTPException(409, str(exc)) from None
        except LauncherClosedError as exc:
            raise HTTPException(503, str(exc)) from None
        run_id = handle.wait_for_id(svc.start_wait)
        outcome = handle.outcome if handle.done else None
        if run_id is None and outcome is not None:
            # It ended before it had a run row: the lock was taken meanwhile, or it could not start.
            redact = make_redactor(svc.settings)
            error = redact(outcome.result.error or "the sync ended before it started; see the log")
            raise HTTPException(409 if outcome.result.status == "locked" else 503, error)
        if run_id is None and handle.done:
            raise HTTPException(503, "the sync ended before it started; see the log")
        return SyncStarted(
            run_id=run_id,
            status=outcome.result.status if outcome is not None else "running",
            run_url=f"{_mount_path(request, '/sync/now')}/sync/runs/{run_id}" if run_id is not None else None,
        )

    @router.get("/sync/schedule", tags=["schedule"])
    def get_schedule(svc: Service) -> ScheduleState:
        """Whether scheduled syncs will run, at what times, and the next few."""
        return schedule_state(svc)

    @router.post("/sync/scheduler/start", dependencies=control, tags=["schedule"], responses=DENIED)
    def start_scheduler(svc: Service) -> ScheduleState:
        """Resume the scheduled syncs (from the next sync time on)."""
        if not svc.scheduler.times:
            raise HTTPException(
                409,
                "no sync times are configured; set ASSETSYNC_SYNC_TIMES (for example "
                "08:00,12:00,16:00,20:00) and restart assetsync serve",
            )
        if not svc.scheduling:
            raise HTTPException(409, "ASSETSYNC_SCHEDULER=off: this process runs no scheduled syncs")
        svc.scheduler.resume()
        return schedule_state(svc)

    @router.post("/sync/scheduler/stop", dependencies=control, tags=["schedule"], responses=DENIED)
    def stop_scheduler(svc: Service) -> ScheduleState:
        """Pause the scheduled syncs until started again (or the server restarts); a running sync finishes."""
        svc.scheduler.pause()
        return schedule_state(svc)

    @router.get("/sync/runs", tags=["runs"], responses={503: {"model": Problem}})
    def list_runs(
        svc: Service,
        limit: Annotated[int, Query(ge=1, le=1000, description="how many runs, newest first")] = 20,
    ) -> list[RunRecord]:
        """The newest runs from sync_runs (every run, whoever started it)."""
        return recent_runs(svc, limit)

    @router.get(
        "/sync/runs/{run_id}", tags=["runs"], responses={404: {"model": Problem}, 503: {"model": Problem}}
    )
    def get_run(svc: Service, run_id: int) -> RunRecord:
        """One run from sync_runs."""
        with open_store(svc.settings) as store:
            row = store.get_run(run_id)
        if row is None:
            raise HTTPException(404, f"there is no run {run_id} in {svc.settings.schema}.sync_runs")
        return RunRecord.model_validate(row)

    @router.get("/health", tags=["health"])
    def health(svc: Service) -> Health:
        """Liveness (any answer means alive) and the age of the last successful sync."""
        return health_of(svc)

    @router.get("/", response_class=HTMLResponse, include_in_schema=False)
    def status_page(svc: Service, request: Request) -> HTMLResponse:
        runs, unreadable = page_runs(svc)
        html = page.render(
            page.PageData(
                schedule=schedule_state(svc),
                health=health_of(svc),
                runs=runs,
                runs_error=unreadable,
                stale_after=page.stale_after(svc.scheduler.times, svc.settings.run_timeout),
                token_required=bool(svc.settings.serve_token) and not host_guards_control,
                scheduling=svc.scheduling,
                docs_url=_app_path(request, "docs_url"),
                openapi_url=_app_path(request, "openapi_url"),
            )
        )
        return HTMLResponse(html, headers={"Content-Security-Policy": PAGE_POLICY})

    @router.get("/status/chart.svg", include_in_schema=False)
    def chart_svg(svc: Service) -> Response:
        runs, _ = page_runs(svc)
        return Response(chart.render(runs[: chart.RUNS]), media_type="image/svg+xml")

    @router.get("/static/{name}", include_in_schema=False)
    def static_file(name: str) -> Response:
        if name not in STATIC_TYPES:
            raise HTTPException(404, "no such file")
        body = files("assetsync.serve").joinpath("static", name).read_bytes()
        return Response(body, media_type=STATIC_TYPES[name], headers={"Cache-Control": "no-cache"})

    return router


def schedule_state(svc: SyncService) -> ScheduleState:
    scheduler, current = svc.scheduler, svc.launcher.current
    return ScheduleState(
        state="running" if scheduler.running else "stopped",
        times=[_clock(t) for t in scheduler.times],
        timezone=scheduler.timezone_name,
        next_runs=scheduler.next_runs(NEXT_RUNS_SHOWN),
        sync_running=current is not None,
        current_run_id=current.run_id if current is not None else None,
    )


def recent_runs(svc: SyncService, limit: int) -> list[RunRecord]:
    with open_store(svc.settings) as store:
        return [RunRecord.model_validate(row) for row in store.recent_runs(limit)]


def page_runs(svc: SyncService) -> tuple[list[RunRecord], str | None]:
    """The page's runs, or none and why: a page with the database down still shows the schedule."""
    try:
        return recent_runs(svc, max(chart.RUNS, page.PAGE_ROWS)), None
    except (StoreError, psycopg.Error) as exc:
        return [], make_redactor(svc.settings)(first_line(exc))


def health_of(svc: SyncService) -> Health:
    database, last = "ok", None
    try:
        with open_store(svc.settings) as store:
            row = store.last_run(status="success")
    except (StoreError, psycopg.Error) as exc:
        database, row = f"unreachable: {make_redactor(svc.settings)(first_line(exc))}", None
    if row is not None and row["finished_at"] is not None:
        age = (datetime.now(UTC) - row["finished_at"]).total_seconds()
        # max(): the database's clock may run slightly ahead of this machine's.
        last = LastSuccess(run_id=row["id"], finished_at=row["finished_at"], age_seconds=max(0.0, age))
    current = svc.launcher.current
    return Health(
        status="ok",
        version=__version__,
        scheduler="running" if svc.scheduler.running else "stopped",
        sync_running=current is not None,
        current_run_id=current.run_id if current is not None else None,
        last_success=last,
        database=database,
    )


def _app_path(request: Request, attribute: str) -> str | None:
    """Where the host app serves its API docs or schema (None when it has them turned off)."""
    path: str | None = getattr(request.app, attribute, None)
    return f"{request.scope.get('root_path', '')}{path}" if path else None


def _mount_path(request: Request, own_path: str) -> str:
    """Where the router is mounted ("" in `assetsync serve`, the host's prefix in a host app)."""
    return request.url.path.removesuffix(own_path)


def _clock(t: time) -> str:
    return t.strftime("%H:%M:%S" if t.second else "%H:%M")
