"""`assetsync serve`: the in-process scheduler and its HTTP control API (needs the `serve` extra).

Modules: launcher (one sync at a time, through runner.logged_run), scheduler (APScheduler cron job),
service (what one copy of the API shares, and its lifespan), router (the endpoints and the status
page), page and chart (the page's HTML and SVG), security (bind and token rules), app (the app of
`assetsync serve`), models (the API's JSON shapes). Nothing here is imported by the core install:
only `assetsync serve`, or a host app, loads it. Importing starts nothing.

A host FastAPI app mounts the same endpoints with:

    from assetsync.serve import create_router, lifespan
    app = FastAPI(lifespan=lifespan)
    app.include_router(create_router(), prefix="/assetsync", dependencies=[Depends(require_admin)])
"""

from assetsync.serve.router import create_router
from assetsync.serve.service import lifespan

__all__ = ["create_router", "lifespan"]
