"""One sync run: Snipe-IT pages -> rows -> staging COPY -> one short merge transaction."""

from __future__ import annotations

import contextlib
import gc
import logging
import random
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import orjson
import psycopg

from assetsync import exitcodes
from assetsync.config import Settings, is_loopback
from assetsync.fetch import FetchReport, Page, iter_all
from assetsync.fields import RowMapper, hash_and_raw
from assetsync.pages import get_each
from assetsync.prefetch import prefetch
from assetsync.redact import Redactor, database_password, first_line
from assetsync.snipeit import ApiErrorBody, RetryPolicy, SnipeITClient, SnipeITError
from assetsync.spill import RowSpill
from assetsync.store import (
    LockBusyError,
    MergeCounts,
    Store,
    StoreError,
    connect,
    describe_error,
    open_store,
)

log = logging.getLogger("assetsync")

# Above this many removal candidates only a sample is confirmed one by one (API budget).
CONFIRM_EACH_LIMIT = 25


class RemovalBrakeError(Exception):
    """Too many, or unconfirmed, removals: nothing was written."""


@dataclass
class SyncResult(MergeCounts):
    """What a run did (the merge counts plus the run's facts); `exit_code` is what the process returns."""

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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def apply(self, counts: MergeCounts) -> None:
        for f in fields(MergeCounts):
            setattr(self, f.name, getattr(counts, f.name))


ProgressCallback = Callable[[Page, int], None]
Row = dict[str, Any]


@dataclass
class SyncOptions:
    dry_run: bool = False
    accept_removals: bool = False
    on_page: ProgressCallback | None = None
    prefetch_pages: int = 4
    on_run_started: Callable[[int], None] | None = None
    sleep: Callable[[float], None] = time.sleep


def make_redactor(settings: Settings) -> Redactor:
    """Scrubs every secret the settings hold: the API token, the database password, serve's token."""
    return Redactor([settings.token, database_password(settings.database_url), settings.serve_token])


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
    if settings.api_url.startswith("http://") and not is_loopback(settings.api_url):
        _warn(result, "SNIPEIT_API_URL uses http://: the API token travels unencrypted; use https://")
    if not settings.verify_tls:
        _warn(
            result,
            "TLS certificate verification is OFF (SNIPEIT_VERIFY_TLS=false); "
            "use SNIPEIT_CA_BUNDLE for a private CA instead",
        )
    try:
        conn = connect(
            settings.database_url,
            server_timezone=settings.server_timezone.key,
            statement_timeout_s=settings.statement_timeout,
        )
        store = Store(conn, settings.schema)
        store.try_lock()
        _run(settings, opts, store, client, result, started)
    except LockBusyError as exc:
        result.status, result.exit_code, result.error = "locked", exitcodes.LOCKED, str(exc)
    except RemovalBrakeError as exc:
        result.status, result.exit_code, result.error = "braked", exitcodes.BRAKE, str(exc)
    except (SnipeITError, StoreError) as exc:
        result.status, result.exit_code, result.error = "failed", exitcodes.FAILED, str(exc)
    except psycopg.Error as exc:
        result.status, result.exit_code = "failed", exitcodes.FAILED
        lost = store is not None and (store.conn.broken or store.conn.closed)
        result.error = describe_error(exc, connection_lost=lost, statement_timeout=settings.statement_timeout)
    except KeyboardInterrupt:
        result.status, result.exit_code = "interrupted", exitcodes.INTERRUPTED
        result.error = "interrupted (Ctrl-C or SIGTERM) before the run finished; nothing was changed"
    except Exception as exc:  # an unexpected defect must still end as a recorded, loud failure
        log.exception("Unexpected error")
        result.status, result.exit_code = "failed", exitcodes.FAILED
        result.error = f"unexpected error: {type(exc).__name__}: {exc}"
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
            _close_quietly(store.conn)
    _log_result(result)
    return result


def _run(
    settings: Settings,
    opts: SyncOptions,
    store: Store,
    client: SnipeITClient,
    result: SyncResult,
    started: float,
) -> None:
    if opts.dry_run:
        assets_exist = store.assets_table_exists()
    else:
        store.migrate()
        stale = store.abandon_stale_runs()
        if stale:
            log.warning("%d earlier run(s) had ended without a word (killed?); marked abandoned", stale)
        result.run_id = store.start_run(socket.gethostname())
        if opts.on_run_started is not None:
            opts.on_run_started(result.run_id)
        assets_exist = True
    store.create_stage()
    mapper = RowMapper()
    report = FetchReport()
    if not opts.dry_run and store.assets_empty():
        _first_load(settings, opts, store, client, mapper, report, result, started)
        return

    def stage(rows: list[Row], seq: int) -> None:
        _stage_page(store, mapper, rows, seq, compare=assets_exist)

    def override(rows: list[Row], seq: int) -> None:
        store.copy_rows((mapper.to_record(r) for r in rows), seq, override=True)

    seen = _read_pages(settings, opts, client, report, result, stage, override)
    mapper.problems.summary()
    store.prepare_stage()
    confirmed: list[int] = []
    if assets_exist:
        confirmed = _confirm_removals(settings, opts, store, client, mapper, len(seen))
    if opts.dry_run:
        counts = store.planned_changes(assets_exist=assets_exist)
        counts.removed = len(confirmed)
        result.apply(counts)
        if assets_exist:
            result.planned_tags = store.changed_tags()
            result.planned_tags["remove"] = store.tags_of(confirmed)
        result.status, result.exit_code = "dry-run", exitcodes.OK
        return
    with store.merge_transaction():
        counts = store.planned_changes()
        written = store.merge()
        if written != counts.inserted + counts.updated:
            raise StoreError(
                f"the merge wrote {written} rows where {counts.inserted + counts.updated} were "
                "expected; someone else is writing to the assets table; nothing was changed"
            )
        _succeed(store, result, report, counts, confirmed, started)


def _first_load(
    settings: Settings,
    opts: SyncOptions,
    store: Store,
    client: SnipeITClient,
    mapper: RowMapper,
    report: FetchReport,
    result: SyncResult,
    started: float,
) -> None:
    """An empty table: COPY straight into it inside one transaction that commits only once the
    fetch is proven complete. Each row is written once instead of staged and then merged, and a
    failure still leaves the table empty."""
    # Bounded by the rest of the run's budget, plus the usual allowance for the statements after it.
    left = started + settings.run_timeout - time.monotonic()
    with RowSpill() as moved, store.load_transaction(max(left, 0) + settings.statement_timeout):
        # One COPY for all pages: PostgreSQL parses rows while the next pages are read and built.
        with store.copy_into_assets() as write:

            def load(rows: list[Row], seq: int) -> None:
                for row in rows:
                    write(mapper.to_record(row))

            seen = _read_pages(settings, opts, client, report, result, load, moved.add)
        if moved.rows:
            log.info("%d assets were read again in a later pass; their later copies are kept", moved.rows)
        for seq, rows in moved.pages():
            store.copy_rows(map(mapper.to_record, rows), seq, override=True)
        store.apply_overrides_to_assets()
        mapper.problems.summary()
        _succeed(store, result, report, MergeCounts(inserted=len(seen)), [], started)


def _read_pages(
    settings: Settings,
    opts: SyncOptions,
    client: SnipeITClient,
    report: FetchReport,
    result: SyncResult,
    fresh: Callable[[list[Row], int], None],
    again: Callable[[list[Row], int], None],
) -> set[int]:
    """Read every page, handing `fresh` the rows first seen and `again` those seen in an earlier
    pass (an asset that moved lists while we read: the later copy wins); return the ids seen."""
    seen: set[int] = set()
    # The pager already holds the pages it reads ahead (up to SNIPEIT_CONCURRENCY); the queue to the
    # writer makes up the rest, so as many pages wait in memory as with one page in flight.
    depth = opts.prefetch_pages and max(1, opts.prefetch_pages - (client.concurrency - 1))
    pages = prefetch(iter_all(client, settings.page_size, report), depth=depth)
    with _collector_paused():
        for page in pages:
            _take_page(page, seen, result, fresh, again)
            if opts.on_page is not None:
                opts.on_page(page, len(seen))
            if result.pages % 100 == 0:
                gc.collect()
    result.page_cap = report.page_cap
    result.fetched = len(seen)
    return seen


def _take_page(
    page: Page,
    seen: set[int],
    result: SyncResult,
    fresh: Callable[[list[Row], int], None],
    again: Callable[[list[Row], int], None],
) -> None:
    """Split one page into rows first seen and rows seen in an earlier pass, and hand them on."""
    result.pages += 1
    rows = page.rows  # ids are already integers: the pager normalises them
    new = [r for r in rows if r["id"] not in seen]
    repeated = [r for r in rows if r["id"] in seen]
    seen.update(r["id"] for r in new)
    fresh(new, result.pages)
    if repeated:
        again(repeated, result.pages)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's automatic garbage collection while pages stream through.

    A parsed page is some 100,000 small objects, and every automatic collection walks all pages
    still alive; the data holds no reference cycles, so collecting every 100 pages is enough.
    Parsing and row building got about a third faster. The switch is process-wide: under
    `assetsync serve` the web server's threads also run without automatic collection meanwhile,
    which the collection every 100 pages keeps bounded.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _succeed(
    store: Store,
    result: SyncResult,
    report: FetchReport,
    counts: MergeCounts,
    confirmed: list[int],
    started: float,
) -> None:
    """Inside the write transaction: mark the confirmed removals and record the successful run."""
    assert result.run_id is not None
    counts.removed = store.mark_removed(confirmed)
    result.apply(counts)
    result.status, result.exit_code = "success", exitcodes.OK
    store.finish_run(
        result.run_id,
        status="success",
        fetched=result.fetched,
        counts=counts,
        duration=time.monotonic() - started,
        error=None,
        details=_details(result, report),
    )


def _confirm_removals(
    settings: Settings,
    opts: SyncOptions,
    store: Store,
    client: SnipeITClient,
    mapper: RowMapper,
    fetched: int,
) -> list[int]:
    """Return the ids that are really gone; raise RemovalBrakeError when removals look wrong."""
    candidates = store.removal_candidates()
    if not candidates:
        return []
    live = store.live_count()
    share = len(candidates) / live if live else 0.0
    log.info(
        "%d asset(s) in the database were in no Snipe-IT list; confirming they are gone", len(candidates)
    )
    if share > settings.removal_brake and not opts.accept_removals:
        raise RemovalBrakeError(
            f"{len(candidates)} of {live} assets ({share:.0%}) would be marked removed, "
            f"more than ASSETSYNC_REMOVAL_BRAKE ({settings.removal_brake:.0%}); "
            f"Snipe-IT returned only {fetched} assets. "
            "This usually means the token lost permissions or company scoping hides assets. Nothing was "
            "changed. If the removals are real, run `assetsync sync --accept-removals` once"
        )
    check_all = len(candidates) <= CONFIRM_EACH_LIMIT
    sample = (
        candidates
        if check_all
        else random.sample(candidates, min(len(candidates), max(1, settings.confirm_sample)))
    )
    gone: list[int] = []
    found: list[dict[str, Any]] = []
    answers = get_each(client, [f"hardware/{asset_id}" for asset_id in sample])
    for asset_id, data in zip(sample, answers, strict=True):
        if isinstance(data, ApiErrorBody):
            if data.not_found:
                gone.append(asset_id)
                continue
            raise data
        if isinstance(data, dict) and data.get("id") in (asset_id, str(asset_id)):
            found.append({**data, "id": asset_id})
        else:
            raise RemovalBrakeError(
                f"Snipe-IT answered oddly when asked for asset {asset_id}; nothing was changed"
            )
    if found and not check_all:
        raise RemovalBrakeError(
            f"{len(found)} of {len(sample)} sampled assets missing from every list still exist in Snipe-IT "
            f"(e.g. id {found[0]['id']}); the lists are hiding assets, so none of the {len(candidates)} "
            "candidates was marked removed. Check the token user's permissions and company scoping"
        )
    if found:
        # Reachable by id but in no list (e.g. a deleted status label): store what Snipe-IT says.
        log.warning(
            "%d asset(s) exist in Snipe-IT but appear in no list (ids %s); stored from their own "
            "record. Check their status labels",
            len(found),
            ", ".join(str(r["id"]) for r in found),
        )
        store.copy_rows((mapper.to_record(r) for r in found), 0)
        store.prepare_stage()
    return gone if check_all else candidates


def _stage_page(
    store: Store, mapper: RowMapper, rows: list[dict[str, Any]], seq: int, *, compare: bool
) -> None:
    """Stage one page: full rows for what is new or changed, only id and hash for the rest.

    Building a full row and having PostgreSQL parse its JSON is most of a sync's cost; an asset
    whose hash equals the stored one needs neither (one indexed lookup per page finds them).
    """
    stored = store.stored_hashes([r["id"] for r in rows]) if compare and rows else {}
    changed: list[tuple[Any, ...]] = []
    unchanged: list[tuple[int, bytes]] = []
    for row in rows:
        hashed = hash_and_raw(row)
        if stored.get(row["id"]) == hashed[0]:
            unchanged.append((row["id"], hashed[0]))
        else:
            changed.append(mapper.to_record(row, hashed))
    store.copy_rows(changed, seq)
    if unchanged:
        store.copy_unchanged(unchanged, seq)


def _details(result: SyncResult, report: FetchReport) -> str:
    return orjson.dumps(
        {
            "pages": result.pages,
            "page_cap": report.page_cap,
            "passes": {
                p.name: {
                    "assets": len(p.ids),
                    "total": p.last_total,
                    "pages": p.pages,
                    "attempts": p.attempts,
                    "resyncs": p.resyncs,
                }
                for p in report.passes
            },
            "warnings": result.warnings,
        }
    ).decode()


def _warn(result: SyncResult, message: str) -> None:
    result.warnings.append(message)
    log.warning(message)


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


def _close_quietly(conn: psycopg.Connection[Any]) -> None:
    with contextlib.suppress(psycopg.Error):
        conn.close()


def _log_result(result: SyncResult) -> None:
    counts = (
        f"fetched {result.fetched}, inserted {result.inserted}, updated {result.updated}, "
        f"unchanged {result.unchanged}, soft-deleted {result.soft_deleted}, removed {result.removed}"
    )
    if result.status in ("success", "dry-run"):
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
