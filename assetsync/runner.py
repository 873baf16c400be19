"""One logged run, exactly as `python scheduled_sync.py` does it (also used by `assetsync serve`)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TextIO

from assetsync.config import Settings
from assetsync.logs import log, open_run_log, prune_old_logs
from assetsync.sync import SyncOptions, SyncResult, make_redactor, run_sync


@dataclass
class LoggedRun:
    """The run's result, the process exit code it maps to, and where it was logged."""

    result: SyncResult
    exit_code: int
    log_file: str | None


def logged_run(
    settings: Settings,
    options: SyncOptions | None = None,
    *,
    console: TextIO | None = sys.stderr,
    verbose: bool = False,
) -> LoggedRun:
    """Open today's log, prune old logs, run one sync, and work out the exit code."""
    with open_run_log(settings.log_dir, make_redactor(settings), console=console, verbose=verbose) as setup:
        removed = prune_old_logs(settings.log_dir, settings.log_retention_days)
        if removed:
            log.info(
                "Deleted %d log file(s) older than %d days: %s",
                len(removed),
                settings.log_retention_days,
                ", ".join(p.name for p in removed),
            )
        result = run_sync(settings, options)
    if setup.file_error:
        result.log_unwritable(setup.file_error)
    return LoggedRun(
        result=result, exit_code=result.exit_code, log_file=str(setup.path) if setup.path else None
    )
