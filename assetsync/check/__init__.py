"""`assetsync check`: is everything set up right? Read-only checks, in the order a run needs them.

Nothing is written anywhere except one summary line in today's log file (which is also how the
log folder is proven writable). Each item is a CheckResult; the CLI prints them.
"""

from __future__ import annotations

import io
from dataclasses import replace

from assetsync.alerts.channels import configured as configured_channels
from assetsync.alerts.channels import shown as shown_url
from assetsync.check.items import (
    ALERTS,
    ALL_ITEMS,
    CONFIG,
    FAIL,
    LOG_FOLDER,
    OK,
    SKIP,
    WARN,
    CheckReport,
    CheckResult,
    Emit,
)
from assetsync.check.postgres_checks import check_postgres
from assetsync.check.snipeit_checks import check_snipeit
from assetsync.config import ENV_FILE, ConfigError, Settings, load_settings
from assetsync.logs import log, open_run_log
from assetsync.redact import Redactor
from assetsync.sync import make_redactor

__all__ = ["FAIL", "OK", "SKIP", "WARN", "CheckReport", "CheckResult", "alert_channels", "run_checks"]


def run_checks(*, on_result: Emit) -> CheckReport:
    """Check configuration, Snipe-IT, PostgreSQL and the log folder; report each as it is done."""
    results: list[CheckResult] = []

    def emit(result: CheckResult) -> None:
        results.append(result)
        on_result(result)

    try:
        settings = load_settings()
    except ConfigError as exc:
        emit(CheckResult(CONFIG, FAIL, "a setting is missing or not valid", str(exc)))
        for name in ALL_ITEMS[1:]:
            emit(CheckResult(name, SKIP, "skipped until the configuration is valid"))
        return CheckReport(results)
    emit(CheckResult(CONFIG, OK, _config_source()))
    redact = make_redactor(settings)
    safe = _Redacting(emit, redact)
    # Log lines of the checks (retries, the summary) go to today's log, never to the console.
    with open_run_log(settings.log_dir, redact, console=io.StringIO()) as setup:
        check_snipeit(settings, safe)
        check_postgres(settings, safe)
        failed = [r for r in results if not r.passed]  # details already scrubbed by `safe`
        log.info(
            "Check: %d items passed, %d failed%s",
            len(results) - len(failed),
            len(failed),
            "".join(f"; {r.name} FAILED: {r.detail}" for r in failed),
        )
    if setup.file_error:
        safe(
            CheckResult(
                LOG_FOLDER,
                FAIL,
                setup.file_error,
                f"make {settings.log_dir} writable for the account that runs the sync "
                "(Task Scheduler's 'Run as' user), or set ASSETSYNC_LOG_DIR to a folder it may write",
            )
        )
    else:
        safe(CheckResult(LOG_FOLDER, OK, f"writable; this check was logged in {setup.path}"))
    safe(alert_channels(settings))
    return CheckReport(results)


def alert_channels(settings: Settings) -> CheckResult:
    """The configured alert channels, listed without sending (`assetsync alert test` sends)."""
    listed = [f"{c.name} ({c.target})" for c in configured_channels(settings)]
    if settings.heartbeat_url:
        listed.append(f"Heartbeat ({shown_url(settings.heartbeat_url)})")
    if not listed:
        # Optional, so not a warning; the detail still says what the admin is missing.
        return CheckResult(
            ALERTS, OK, "none configured (optional): a failed run is only in the log and sync_runs; "
            "see docs/alerts.md",
        )  # fmt: skip
    return CheckResult(ALERTS, OK, "; ".join(listed) + " (not sent; `assetsync alert test` sends)")


class _Redacting:
    """Scrubs secrets from every result before it is kept or shown."""

    def __init__(self, emit: Emit, redact: Redactor) -> None:
        self._emit = emit
        self._redact = redact

    def __call__(self, result: CheckResult) -> None:
        self._emit(replace(result, detail=self._redact(result.detail), fix=self._redact(result.fix)))


def _config_source() -> str:
    if ENV_FILE.is_file():
        return f"valid; read from {ENV_FILE} and the environment"
    return f"valid; read from the environment (there is no {ENV_FILE})"
