"""One logged run, exactly as `python scheduled_sync.py` does it (also used by `assetsync serve`)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from assetsync.alerts.dispatch import Alerter, alerter_for
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
    alerter: Alerter | None = None,
) -> LoggedRun:
    """Open today's log, prune old logs, run one sync, work out the exit code, and raise the
    alerts it calls for (`alerter` defaults to the configured channels; none: no alerts)."""
    started_at = datetime.now(UTC)
    alerts = alerter if alerter is not None else alerter_for(settings)
    with open_run_log(settings.log_dir, make_redactor(settings), console=console, verbose=verbose) as setup:
        removed = prune_old_logs(settings.log_dir, settings.log_retention_days)
        if removed:
            log.info(
                "Deleted %d log file(s) older than %d days: %s",
                len(removed),
                settings.log_retention_days,
                ", ".join(p.name for p in removed),
            )
        result = run_sync(settings, alerts.watch(options) if alerts else options)
        _note_log_failure(result, setup.file_error)
        if alerts:
            # Inside the log: a channel that failed is a warning in it. Never changes the result.
            log_file = str(setup.path) if setup.path else None
            try:
                alerts.run_finished(result, result.exit_code, log_file, started_at)
            except Exception:  # a defect in alerting must not turn a run's result into a crash
                log.exception("Alerting failed unexpectedly; the run's result stands")
    _note_log_failure(result, setup.file_error)  # writing may also have failed at the end
    return LoggedRun(
        result=result, exit_code=result.exit_code, log_file=str(setup.path) if setup.path else None
    )


def _note_log_failure(result: SyncResult, file_error: str | None) -> None:
    if file_error and file_error not in result.warnings:
        result.log_unwritable(file_error)
