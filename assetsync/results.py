"""What a run is asked to do (`SyncOptions`) and what it did (`SyncResult`, per entity too)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from assetsync import exitcodes
from assetsync.fetch import Page
from assetsync.store import MergeCounts

log = logging.getLogger("assetsync")


class RemovalBrakeError(Exception):
    """Too many, or unconfirmed, removals: nothing was written."""


@dataclass
class EntityCounts(MergeCounts):
    """What a run did to one entity's table."""

    fetched: int = 0
    pages: int = 0
    mapping_upgraded: bool = False


@dataclass
class SyncResult(MergeCounts):
    """What a run did: the asset counts at the top (what the one-line summary, `sync_runs` and
    monitoring show), every entity's in `entities`; `exit_code` is what the process returns."""

    status: str = "running"
    exit_code: int = exitcodes.FAILED
    run_id: int | None = None
    dry_run: bool = False
    fetched: int = 0
    duration_seconds: float = 0.0
    pages: int = 0
    requests: int = 0
    retries: int = 0
    page_cap: int | None = None
    concurrency: float = 0.0  # requests in flight on average while any was
    server_wait_seconds: float = 0.0  # wall time with a request to Snipe-IT out
    throttle_wait_seconds: float = 0.0  # paused for Snipe-IT's throttle
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    planned_tags: dict[str, list[str]] = field(default_factory=dict)
    entities: dict[str, EntityCounts] = field(default_factory=dict)
    activity: EntityCounts | None = None  # the activity log's, when ASSETSYNC_ACTIVITY is on
    # Which licenses' seats were read and why, and what it cost (when license seats are synced).
    seats: dict[str, Any] | None = None
    # Facts the suspicious-activity alert compares with the last run's (kept in details->'watch').
    watch: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def apply(self, counts: MergeCounts) -> None:
        for f in fields(MergeCounts):
            setattr(self, f.name, getattr(counts, f.name))

    def finish(self, status: str, exit_code: int, error: str | None = None) -> None:
        """The one place a run's status, exit code and error are decided."""
        self.status, self.exit_code, self.error = status, exit_code, error

    def log_unwritable(self, reason: str) -> None:
        """A finished run whose log file could not be written: still a success for the database,
        but an exit code the admin sees."""
        self.warnings.append(reason)
        if self.exit_code == exitcodes.OK:
            self.exit_code = exitcodes.LOG_UNWRITABLE


ProgressCallback = Callable[[Page, int], None]


@dataclass
class SyncOptions:
    dry_run: bool = False
    accept_removals: bool = False
    on_page: ProgressCallback | None = None
    prefetch_pages: int = 4
    on_run_started: Callable[[int], None] | None = None
    sleep: Callable[[float], None] = time.sleep


def warn(result: SyncResult, message: str) -> None:
    result.warnings.append(message)
    log.warning(message)
