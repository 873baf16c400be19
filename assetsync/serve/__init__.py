"""`assetsync serve`: the in-process scheduler and its HTTP control API (needs the `serve` extra).

Modules: launcher (one sync at a time, through runner.logged_run), scheduler (APScheduler cron job),
security (bind and token rules), app (the FastAPI app), models (the API's JSON shapes).
Nothing here is imported by the core install: only `assetsync serve` loads it.
"""
