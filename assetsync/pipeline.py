"""One run, top-down: read every entity into its stage, confirm removals, then one merge.

Nothing is written to a reporting table until every configured entity has been read completely
and its removals confirmed; then a single transaction writes all tables, so a failure anywhere
leaves every table as the last finished run left it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import orjson

from assetsync import exitcodes
from assetsync.activity.read import read_activity
from assetsync.alerts import channels as alert_channels
from assetsync.config import Settings
from assetsync.entities import HARDWARE, Entity
from assetsync.fetch import FetchReport
from assetsync.fields import RowReader
from assetsync.reading import collector_paused, read_entity, stage_entity
from assetsync.removals import every_removal
from assetsync.results import EntityCounts, SyncOptions, SyncResult
from assetsync.seats import stage_seats
from assetsync.seats.plan import SeatPlan
from assetsync.snipeit import SnipeITClient, SnipeITError
from assetsync.spill import RowSpill
from assetsync.store import ActivityTable, EntityTable, SeatTable, Store, StoreError
from assetsync.store.watch import watch_changes

log = logging.getLogger("assetsync")


@dataclass
class RunContext:
    """Everything one run shares: what it was asked, what it talks to, and what it found."""

    settings: Settings
    options: SyncOptions
    store: Store
    client: SnipeITClient
    result: SyncResult
    started: float
    reports: dict[str, FetchReport] = field(default_factory=dict)
    # Per entity with a `fingerprint`: each listed id's values of those keys, as Snipe-IT sent them.
    fingerprints: dict[str, dict[int, tuple[Any, ...]]] = field(default_factory=dict)
    _readers: dict[str, RowReader] = field(default_factory=dict)

    @property
    def entities(self) -> tuple[Entity, ...]:
        return self.settings.entities

    def reader(self, entity: Entity) -> RowReader:
        """One value reader per entity, so its warnings are counted and named together."""
        if entity.name not in self._readers:
            self._readers[entity.name] = RowReader(entity.label)
        return self._readers[entity.name]

    def counts(self, entity: Entity) -> EntityCounts:
        return self.result.entities.setdefault(entity.name, EntityCounts())

    def seconds_left(self) -> float:
        return self.started + self.settings.run_timeout - time.monotonic()


def run_pipeline(ctx: RunContext) -> None:
    store, dry = ctx.store, ctx.options.dry_run
    tables = {e.name: store.table(e) for e in ctx.entities}
    existing = _prepare(ctx, tables)
    lz4 = store.lz4_available()
    for table in tables.values():
        table.create_stage(lz4=lz4)
    with collector_paused():
        # First, so that a token without the report's permission fails the run before any write.
        activity = _activity(ctx)
        if not dry and tables["hardware"].is_empty():
            _first_load(ctx, tables, activity)
            return
        seen: dict[str, int] = {}
        seats: dict[str, SeatPlan] = {}
        for e in ctx.entities:
            if e.parent is None:
                staged = stage_entity(ctx, e, tables[e.name], ctx.counts(e), compare=e.name in existing)
                seen[e.name] = len(staged)
            else:
                seats[e.name] = _stage_seats(ctx, tables[e.name], activity, existing)
    removals = every_removal(ctx, tables, seen, seats, existing)
    if not dry and alert_channels.any_configured(ctx.settings):
        moved, lost = watch_changes(tables["hardware"])
        ctx.result.watch.update(live=tables["hardware"].live_count(), moved=moved, lost=lost)
    if dry:
        _plan(ctx, tables, removals, existing)
        return
    with store.merge_transaction():
        for entity in ctx.entities:
            _write(ctx, tables[entity.name], removals[entity.name])
        _write_activity(ctx, activity)
        _succeed(ctx)


def _stage_seats(
    ctx: RunContext, table: EntityTable, activity: ActivityTable | None, existing: set[str]
) -> SeatPlan:
    """A child entity's rows (license seats), read per parent record that can have changed."""
    assert isinstance(table, SeatTable)
    first = table.entity.name not in existing or table.is_empty()
    return stage_seats(ctx, table.entity, table, activity, first=first)


def _prepare(ctx: RunContext, tables: dict[str, EntityTable]) -> set[str]:
    """Create or upgrade the schema and open the run's row; return the entities whose table
    exists. A dry run changes nothing: an entity without a table yet would be inserted whole."""
    store = ctx.store
    if ctx.options.dry_run:
        if store.schema_version() is None:
            return set()
        return {name for name, table in tables.items() if table.exists()}
    store.migrate()
    stale = store.abandon_stale_runs()
    if stale:
        log.warning("%d earlier run(s) had ended without a word (killed?); marked abandoned", stale)
    ctx.result.run_id = store.start_run()
    if ctx.options.on_run_started is not None:
        ctx.options.on_run_started(ctx.result.run_id)
    if alert_channels.any_configured(ctx.settings):
        ctx.result.watch["token_user"] = _token_user(ctx.client)
    return set(tables)


def _activity(ctx: RunContext) -> ActivityTable | None:
    """Read the activity log (a backfill commits as it goes; new entries wait in their stage)."""
    if ctx.options.dry_run or not ctx.settings.activity:
        return None
    table = ctx.store.activity_table()
    ctx.result.activity = EntityCounts()
    read_activity(ctx, table, ctx.result.activity)
    return table


def _write_activity(ctx: RunContext, table: ActivityTable | None) -> None:
    """In the run's transaction: the staged new entries (asset_assignments, a view over them and
    the assets, follows by itself)."""
    if table is not None and ctx.result.activity is not None:
        inserted, updated = table.merge()
        ctx.result.activity.inserted += inserted
        ctx.result.activity.updated += updated


def _first_load(ctx: RunContext, tables: dict[str, EntityTable], activity: ActivityTable | None) -> None:
    """An empty assets table: one transaction, open while pages arrive, that commits only once
    every entity is proven complete. Every table that is still empty is copied straight into, so
    each row is written once instead of staged and then merged; a table that already holds rows
    (an entity synced before hardware was) is staged and merged as usual. A failure anywhere
    still leaves every table as it was."""
    # Bounded by the rest of the run's budget, plus the usual allowance for the statements after it.
    left = max(ctx.seconds_left(), 0) + ctx.settings.statement_timeout
    with ctx.store.load_transaction(left):
        staged: dict[str, int] = {}
        seats: dict[str, SeatPlan] = {}
        for entity in ctx.entities:
            table = tables[entity.name]
            if entity.parent is not None:
                seats[entity.name] = _stage_seats(ctx, table, activity, set(tables))
            elif entity is HARDWARE or table.is_empty():
                _load_directly(ctx, table)
            else:
                staged[entity.name] = len(stage_entity(ctx, entity, table, ctx.counts(entity), compare=True))
        removals = every_removal(ctx, tables, staged, seats, set(tables))
        for name in (*staged, *seats):
            _write(ctx, tables[name], removals[name])
        _write_activity(ctx, activity)
        _succeed(ctx)


def _load_directly(ctx: RunContext, table: EntityTable) -> None:
    """COPY an entity's pages straight into its empty table. One COPY for all pages: PostgreSQL
    parses rows while the next pages are read and built. Rows read again in a later pass (a record
    that moved lists while the passes were read) wait in a temporary file, then replace the copy
    written earlier."""
    entity, counts, reader = table.entity, ctx.counts(table.entity), ctx.reader(table.entity)
    with RowSpill() as moved:
        with table.copy_into_table() as write:

            def load(rows: list[dict[str, Any]], seq: int) -> None:
                for row in rows:
                    write(entity.record(row, reader))

            seen = read_entity(ctx, entity, counts, load, moved.add)
        if moved.rows:
            log.info(
                "%d %s were read again in a later pass; their later copies are kept",
                moved.rows,
                entity.plural,
            )
        for seq, rows in moved.pages():
            table.copy_rows((entity.record(r, reader) for r in rows), seq, override=True)
    table.apply_overrides_to_table()
    reader.problems.summary()
    counts.inserted = len(seen)
    table.record_mapping()


def _write(ctx: RunContext, table: EntityTable, removed: list[int]) -> None:
    """Merge one entity's stage into its table and mark its confirmed removals (in the run's
    transaction)."""
    entity, counts = table.entity, ctx.counts(table.entity)
    pruned = table.prune_history(ctx.settings.history_retention_days)
    if pruned:
        log.info("Deleted %d version(s) of %s older than the history retention", pruned, entity.table)
    stored = table.stored_mapping()
    current = (entity.mapping_version, entity.mapping_seed)
    if stored is not None and stored != current:
        counts.mapping_upgraded = True
        log.info(
            "Mapping upgrade for %s (this release reads its rows differently): every stored row is "
            "rewritten once",
            entity.name,
        )
    planned = table.planned_changes()
    written = table.merge()
    if written != planned.inserted + planned.updated:
        raise StoreError(
            f"the merge wrote {written} rows of {entity.table} where {planned.inserted + planned.updated} "
            "were expected; someone else is writing to that table; nothing was changed"
        )
    planned.removed = table.mark_removed(removed)
    for name in ("inserted", "updated", "unchanged", "soft_deleted", "restored", "removed"):
        setattr(counts, name, getattr(planned, name))
    if stored != current:
        table.record_mapping()


def _plan(
    ctx: RunContext, tables: dict[str, EntityTable], removals: dict[str, list[int]], existing: set[str]
) -> None:
    """A dry run: count what the merge would do, per entity, and name the assets it would touch."""
    for entity in ctx.entities:
        table, counts = tables[entity.name], ctx.counts(entity)
        planned = table.planned_changes(table_exists=entity.name in existing)
        for name in ("inserted", "updated", "unchanged", "soft_deleted", "restored"):
            setattr(counts, name, getattr(planned, name))
        counts.removed = len(removals[entity.name])
    result = ctx.result
    result.apply(ctx.counts(HARDWARE))
    result.fetched, result.pages = ctx.counts(HARDWARE).fetched, ctx.counts(HARDWARE).pages
    result.page_cap = ctx.reports["hardware"].page_cap
    if "hardware" in existing:
        result.planned_tags = tables["hardware"].changed_keys()
        result.planned_tags["remove"] = tables["hardware"].keys_of(removals["hardware"])
    result.finish("dry-run", exitcodes.OK)


def _succeed(ctx: RunContext) -> None:
    """Inside the write transaction: record the successful run."""
    result, hardware = ctx.result, ctx.counts(HARDWARE)
    assert result.run_id is not None
    result.apply(hardware)
    result.fetched, result.pages = hardware.fetched, hardware.pages
    result.page_cap = ctx.reports["hardware"].page_cap
    result.finish("success", exitcodes.OK)
    ctx.store.finish_run(
        result.run_id,
        status="success",
        fetched=result.fetched,
        counts=hardware,
        duration=time.monotonic() - ctx.started,
        error=None,
        details=_details(ctx),
    )


def _details(ctx: RunContext) -> str:
    result, report = ctx.result, ctx.reports["hardware"]
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
            "entities": {name: vars(counts) for name, counts in result.entities.items()},
            "activity": vars(result.activity) if result.activity is not None else None,
            "seats": result.seats,
            "warnings": result.warnings,
            "watch": result.watch,
        }
    ).decode()


def _token_user(client: SnipeITClient) -> int | None:
    """The id of the Snipe-IT user the token belongs to (None when it may not read itself)."""
    try:
        me = client.get("users/me").data
    except SnipeITError as exc:
        log.debug("Could not read the token's user (users/me): %s", exc)
        return None
    user = me.get("id") if isinstance(me, dict) else None
    return user if isinstance(user, int) else None
