"""The FastAPI app of `assetsync serve`: the shared router and lifespan, plus API docs that work offline."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from assetsync import __version__
from assetsync.config import Settings
from assetsync.serve.router import create_router
from assetsync.serve.scheduler import SyncScheduler
from assetsync.serve.service import START_WAIT_SECONDS, SyncService

DESCRIPTION = """\
Runs the assetsync Snipe-IT to PostgreSQL sync on a schedule inside this process, and lets you
start, pause and watch it. Every sync writes the same `logs/sync_YYYYMMDD.log` lines and
`sync_runs` rows as `python scheduled_sync.py`. The status page for people is at `/`.

POST endpoints need `Authorization: Bearer <ASSETSYNC_SERVE_TOKEN>` when that setting is set;
without it the server listens on loopback only and accepts control requests from this machine only.
"""


def create_app(
    settings: Settings, scheduler: SyncScheduler, *, start_wait: float = START_WAIT_SECONDS
) -> FastAPI:
    """The app; its lifespan starts the scheduler and, on shutdown, stops it and the run."""
    service = SyncService(settings, scheduler, start_wait)
    # FastAPIOffline serves the Swagger UI and ReDoc scripts from its own package instead of a
    # public CDN, so /docs works on a server without internet access.
    app = FastAPIOffline(
        title="assetsync", version=__version__, description=DESCRIPTION, lifespan=service.lifespan
    )
    # FastAPIOffline adds its own /docs and /redoc and leaves docs_url empty; FastAPI reads it only
    # while setting up, so it can say where the docs are again (the status page links them).
    app.docs_url, app.redoc_url = "/docs", "/redoc"
    app.state.scheduler = scheduler
    app.include_router(create_router(service))
    return app
