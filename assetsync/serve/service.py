"""What one copy of the control API shares (settings, launcher, scheduler) and the lifespan that runs it.

`assetsync serve` builds a SyncService from its settings; a host app that mounts the router without
one gets the default service, built from the environment the first time it is needed (never at
import time), and runs it with the module-level `lifespan`.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TextIO

from assetsync.config import Settings, load_settings
from assetsync.serve.launcher import SyncLauncher
from assetsync.serve.scheduler import SyncScheduler

# How long POST /sync/now waits for the run's sync_runs row (connect, lock, migrate) to return its id.
START_WAIT_SECONDS = 15.0


@dataclass
class SyncService:
    settings: Settings
    scheduler: SyncScheduler
    start_wait: float = START_WAIT_SECONDS

    @classmethod
    def from_settings(cls, settings: Settings, *, console: TextIO | None = None) -> SyncService:
        return cls(settings, SyncScheduler(SyncLauncher(settings, console=console), settings.sync_times))

    @property
    def launcher(self) -> SyncLauncher:
        return self.scheduler.launcher

    @property
    def scheduling(self) -> bool:
        """False when ASSETSYNC_SCHEDULER=off: this process never runs scheduled syncs."""
        return self.settings.scheduler_enabled

    @asynccontextmanager
    async def lifespan(self, _: Any = None) -> AsyncIterator[None]:
        """Start the schedule; on the way out stop it and ask a running sync to stop safely."""
        if self.scheduling:
            self.scheduler.start()
        try:
            yield
        finally:
            self.scheduler.shutdown()
            self.launcher.close()


_default_guard = threading.Lock()
_default: SyncService | None = None


def default_service() -> SyncService:
    """The service of a router mounted without one, from the environment and .env (ConfigError if bad)."""
    global _default
    with _default_guard:
        if _default is None:
            _default = SyncService.from_settings(load_settings())
        return _default


@asynccontextmanager
async def lifespan(app: Any = None) -> AsyncIterator[None]:
    """The host app's lifespan for the default service: `FastAPI(lifespan=lifespan)`, or
    `async with lifespan(app):` inside the host's own lifespan."""
    global _default
    service = default_service()
    try:
        async with service.lifespan(app):
            yield
    finally:
        with _default_guard:
            # Its launcher is closed now; an app started again (or the next test) gets a fresh one.
            if _default is service:
                _default = None
