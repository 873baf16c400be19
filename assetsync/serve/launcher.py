"""One sync at a time inside `assetsync serve`, each through runner.logged_run (as scheduled_sync.py).

Every run gets the same daily log file and `sync_runs` row as a Task Scheduler run. Runs happen on a
thread of their own so an API request or the scheduler's tick never waits for a whole sync.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

import psycopg

from assetsync.config import Settings
from assetsync.runner import LoggedRun, logged_run
from assetsync.serve.db import open_store
from assetsync.store import StoreError
from assetsync.sync import SyncOptions

log = logging.getLogger("assetsync.serve")


class SyncBusyError(Exception):
    """A sync is already running: in this server, or in another process (the database lock is held)."""


class LauncherClosedError(Exception):
    """The server is shutting down and starts no new sync."""


@dataclass
class RunHandle:
    """One sync started by the server: who asked for it, its run id once known, and its outcome."""

    trigger: str  # "api" or "schedule"
    started_at: datetime
    run_id: int | None = None
    outcome: LoggedRun | None = None
    _known: threading.Event = field(default_factory=threading.Event, repr=False)
    _done: threading.Event = field(default_factory=threading.Event, repr=False)

    def wait_for_id(self, timeout: float) -> int | None:
        """Wait until the run has its `sync_runs` row (or ended without one); the id or None."""
        self._known.wait(timeout)
        return self.run_id

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the run to end; True when it has."""
        return self._done.wait(timeout)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def describe(self) -> str:
        what = f"run {self.run_id}" if self.run_id is not None else "a run that is still starting"
        by = "the API" if self.trigger == "api" else "the schedule"
        return f"{what}, started by {by} at {self.started_at:%H:%M:%S}"


class SyncLauncher:
    """Starts syncs one at a time and stops a running one cleanly when the server shuts down."""

    def __init__(self, settings: Settings, *, console: TextIO | None = None) -> None:
        self.settings = settings
        self._console = console
        self._guard = threading.Lock()  # protects _current and _closed
        self._current: RunHandle | None = None
        self._closed = False
        self._stop = threading.Event()
        self.last: RunHandle | None = None

    @property
    def current(self) -> RunHandle | None:
        """The run in progress in this process, if any."""
        with self._guard:
            return self._current

    def start(self, trigger: str, *, check_database_lock: bool = False) -> RunHandle:
        """Start a sync on its own thread; raise SyncBusyError if one is running.

        With `check_database_lock`, a sync running in another process (Task Scheduler, a second
        server) also counts as busy, so an API caller hears "busy" instead of a run that exits 3.
        """
        with self._guard:
            if self._closed:
                raise LauncherClosedError("the server is shutting down and starts no new sync")
            if self._current is not None:
                raise SyncBusyError(
                    f"a sync is already running ({self._current.describe()}); wait for it to finish"
                )
            handle = RunHandle(trigger=trigger, started_at=datetime.now().astimezone())
            # Reserved before the probe below, so a second request arriving meanwhile is refused.
            self._current = handle
        try:
            if check_database_lock and not self._database_lock_free():
                raise SyncBusyError(
                    f"another sync of schema {self.settings.schema} is running in another process "
                    "(Task Scheduler or a second server holds the database lock); wait for it to finish"
                )
            # A daemon thread, so a second Ctrl-C can leave without waiting: PostgreSQL then rolls
            # back the open transaction as the connection drops, and the next run marks the row
            # abandoned. A first Ctrl-C goes through close(), which stops the run cleanly.
            thread = threading.Thread(
                target=self._run, args=(handle,), name=f"assetsync-sync-{trigger}", daemon=True
            )
            thread.start()
        except BaseException:
            with self._guard:
                self._current = None
            raise
        return handle

    def close(self) -> RunHandle | None:
        """Start no new sync and ask a running one to stop at its next safe point.

        A run still reading pages stops and is recorded as interrupted (nothing written); a run
        already in its short write transaction finishes it. Returns the run to wait for, if any.
        """
        with self._guard:
            self._closed = True
            current = self._current
        self._stop.set()
        return current

    def _database_lock_free(self) -> bool:
        try:
            with open_store(self.settings) as store:
                return store.lock_is_free()
        except (StoreError, psycopg.Error):
            # Unknown: let the run itself find out, so the failure lands in the log like any run's.
            return True

    def _run(self, handle: RunHandle) -> None:
        options = SyncOptions(
            on_run_started=lambda run_id: self._started(handle, run_id),
            on_page=self._stop_point,
            sleep=self._sleep,
        )
        log.info("Sync starting (requested by %s)", "the API" if handle.trigger == "api" else "the schedule")
        try:
            handle.outcome = logged_run(self.settings, options, console=self._console)
        except Exception:  # a defect must not kill the server's bookkeeping below
            log.exception("The sync thread failed unexpectedly; see the log above")
        finally:
            with self._guard:
                self._current = None
                self.last = handle
            handle._known.set()
            handle._done.set()
        if handle.outcome is not None:
            result = handle.outcome.result
            log.info(
                "Sync %s: %s (exit code %d)",
                f"run {result.run_id}" if result.run_id is not None else "attempt",
                result.status,
                handle.outcome.exit_code,
            )

    def _started(self, handle: RunHandle, run_id: int) -> None:
        handle.run_id = run_id
        handle._known.set()

    # run_sync treats KeyboardInterrupt as Ctrl-C: it rolls back and records the run as interrupted.
    # Raising it from these hooks is how a shutdown reaches a run on a thread signals never reach.
    def _stop_point(self, *_: Any) -> None:
        if self._stop.is_set():
            raise KeyboardInterrupt

    def _sleep(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise KeyboardInterrupt
