"""One sync run's entry point: set up, run the pipeline, and turn every outcome into a result.

`run_sync` never raises for an expected failure: it returns a `SyncResult` whose status and exit
code say what happened. The run itself (read every entity, confirm removals, one merge) is in
`pipeline.py`.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

import psycopg

from assetsync import exitcodes
from assetsync.config import Settings
from assetsync.pipeline import RunContext, run_pipeline
from assetsync.redact import Redactor, first_line
from assetsync.results import RemovalBrakeError, SyncOptions, SyncResult, warn
from assetsync.setting_values import is_loopback
from assetsync.snipeit import RetryPolicy, SnipeITClient, SnipeITError
from assetsync.store import LockBusyError, Store, StoreError, connect, describe_error, open_store

log = logging.getLogger("assetsync")

__all__ = ["SyncOptions", "SyncResult", "make_client", "make_redactor", "run_sync"]


def make_redactor(settings: Settings) -> Redactor:
    """Scrubs every secret the settings hold: each setting declared secret (of a DSN, its password)."""
    return Redactor(settings.secrets())


def make_client(
    settings: Settings, *, deadline: float | None, sleep: Callable[[float], None] = time.sleep
) -> SnipeITClient:
    return SnipeITClient(
        settings.api_url,
        settings.token,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        verify=settings.tls_verify,
        retry=RetryPolicy(max_retries=settings.max_retries, max_wait=settings.max_retry_wait),
        deadline=deadline,
        rate_window=settings.rate_window,
        concurrency=settings.concurrency,
        sleep=sleep,
    )


def run_sync(settings: Settings, options: SyncOptions | None = None) -> SyncResult:
    """Run one sync; never raises for an expected failure, returns a SyncResult instead."""
    opts = options or SyncOptions()
    redact = make_redactor(settings)
    result = SyncResult(dry_run=opts.dry_run)
    started = time.monotonic()
    store: Store | None = None
    client = make_client(settings, deadline=started + settings.run_timeout, sleep=opts.sleep)
    log.info(
        "Sync %sstarted: %s -> schema %s on %s",
        "(dry run) " if opts.dry_run else "",
        settings.api_url,
        settings.schema,
        settings.safe_database_url,
    )
    _warn_about_transport(settings, result)
    try:
        conn = connect(
            settings.database_url,
            server_timezone=settings.server_timezone.key,
            statement_timeout_s=settings.statement_timeout,
        )
        store = Store(conn, settings.schema)
        store.try_lock()
        run_pipeline(RunContext(settings, opts, store, client, result, started))
    except LockBusyError as exc:
        result.finish("locked", exitcodes.LOCKED, str(exc))
    except RemovalBrakeError as exc:
        result.finish("braked", exitcodes.BRAKE, str(exc))
    except (SnipeITError, StoreError) as exc:
        result.finish("failed", exitcodes.FAILED, str(exc))
    except psycopg.Error as exc:
        lost = store is not None and (store.conn.broken or store.conn.closed)
        described = describe_error(exc, connection_lost=lost, statement_timeout=settings.statement_timeout)
        result.finish("failed", exitcodes.FAILED, described)
    except KeyboardInterrupt:
        result.finish(
            "interrupted",
            exitcodes.INTERRUPTED,
            "interrupted (Ctrl-C or SIGTERM) before the run finished; nothing was changed",
        )
    except Exception as exc:  # an unexpected defect must still end as a recorded, loud failure
        log.exception("Unexpected error")
        result.finish(
            "failed", exitcodes.FAILED, f"unexpected error: {type(exc).__name__}: {first_line(exc)}"
        )
    finally:
        client.close()
        result.requests, result.retries = client.requests_sent, client.retries
        waits = client.limiter.stats
        result.concurrency = round(waits.effective_concurrency, 2)
        result.server_wait_seconds = round(waits.server_wait, 3)
        result.throttle_wait_seconds = round(waits.throttle_wait, 3)
        if result.requests:
            # Which one bounds the run: the server's answers, or its throttle.
            log.info("Snipe-IT: %d requests, %s", result.requests, client.limiter.summary())
        result.duration_seconds = round(time.monotonic() - started, 3)
        if result.error:
            result.error = redact(result.error)
        if store is not None and result.run_id is not None and result.status != "success":
            _record_failure(settings, store, result)
        if store is not None:
            with contextlib.suppress(psycopg.Error):
                store.release_locks()
            with contextlib.suppress(psycopg.Error):
                store.conn.close()
    _log_result(result)
    return result


def _warn_about_transport(settings: Settings, result: SyncResult) -> None:
    if settings.api_url.startswith("http://") and not is_loopback(settings.api_url):
        warn(result, "SNIPEIT_API_URL uses http://: the API token travels unencrypted; use https://")
    if not settings.verify_tls:
        warn(
            result,
            "TLS certificate verification is OFF (SNIPEIT_VERIFY_TLS=false); "
            "use SNIPEIT_CA_BUNDLE for a private CA instead",
        )


def _record_failure(settings: Settings, store: Store, result: SyncResult) -> None:
    """Write the failed run's row; use a fresh connection if the old one is broken."""
    assert result.run_id is not None
    args: dict[str, Any] = {
        "status": result.status,
        "fetched": result.fetched or None,
        "counts": None,
        "duration": result.duration_seconds,
        "error": result.error,
        "details": None,
    }
    try:
        store.finish_run(result.run_id, **args)
        return
    except psycopg.Error:
        pass
    try:
        with open_store(settings) as fresh:
            fresh.finish_run(result.run_id, **args)
    except (psycopg.Error, StoreError) as exc:
        log.warning("Could not record the failed run in sync_runs: %s", first_line(exc))


def _log_result(result: SyncResult) -> None:
    counts = (
        f"fetched {result.fetched}, inserted {result.inserted}, updated {result.updated}, "
        f"unchanged {result.unchanged}, soft-deleted {result.soft_deleted}, removed {result.removed}"
    )
    others = [c for name, c in result.entities.items() if name != "hardware"]
    if others:
        counts += (
            f"; {len(others)} other record types: fetched {sum(c.fetched for c in others)}, "
            f"changed {sum(c.changed for c in others)}"
        )
    if result.status in ("success", "dry-run"):
        for name, entity in result.entities.items():
            log.info(
                "  %s: fetched %d, inserted %d, updated %d, unchanged %d, soft-deleted %d, removed %d%s",
                name,
                entity.fetched,
                entity.inserted,
                entity.updated,
                entity.unchanged,
                entity.soft_deleted,
                entity.removed,
                " (mapping upgrade: every row rewritten)" if entity.mapping_upgraded else "",
            )
        prefix = "Dry run: would have" if result.dry_run else "Sync finished:"
        log.info(
            "%s %s in %.1f s (%d requests, %d retries)",
            prefix,
            counts,
            result.duration_seconds,
            result.requests,
            result.retries,
        )
    else:
        log.error("Sync %s after %.1f s: %s", result.status.upper(), result.duration_seconds, result.error)
