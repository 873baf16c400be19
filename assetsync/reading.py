"""Reading one entity: every page of its passes, turned into rows and streamed into its stage."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from assetsync.entities import ENTITY_NAMES, HARDWARE, Entity
from assetsync.fetch import FetchReport, Page, iter_all
from assetsync.fields import RowReader
from assetsync.prefetch import prefetch
from assetsync.results import EntityCounts
from assetsync.snipeit import PermissionDeniedError
from assetsync.store import EntityTable

if TYPE_CHECKING:
    from assetsync.pipeline import RunContext

Row = dict[str, Any]
PageSink = Callable[[list[Row], int], None]


def read_entity(
    ctx: RunContext, entity: Entity, counts: EntityCounts, fresh: PageSink, again: PageSink
) -> set[int]:
    """Read every page of the entity's passes, handing `fresh` the rows first seen and `again`
    those seen in an earlier pass (a record that moved lists while we read: the later copy wins);
    return the ids seen."""
    seen: set[int] = set()
    report = FetchReport()
    # The pager already holds the pages it reads ahead (up to SNIPEIT_CONCURRENCY); the queue to the
    # writer makes up the rest, so as many pages wait in memory as with one page in flight.
    prefetch_pages = ctx.options.prefetch_pages
    depth = prefetch_pages and max(1, prefetch_pages - (ctx.client.concurrency - 1))
    pages = prefetch(
        iter_all(
            ctx.client,
            ctx.settings.page_size,
            report,
            endpoint=entity.endpoint,
            passes=entity.passes,
            sort=entity.sort,
        ),
        depth=depth,
    )
    fingerprints = ctx.fingerprints.setdefault(entity.name, {}) if entity.fingerprint else None
    with permission_named(entity):
        for page in pages:
            counts.pages += 1
            _take_page(page, seen, counts.pages, fresh, again)
            if fingerprints is not None:  # a later pass's copy wins, as in the table
                keys = entity.fingerprint
                fingerprints.update((r["id"], tuple(r.get(k) for k in keys)) for r in page.rows)
            if entity is HARDWARE and ctx.options.on_page is not None:
                ctx.options.on_page(page, len(seen))
            if counts.pages % 100 == 0:
                gc.collect()
    counts.fetched = len(seen)
    ctx.reports[entity.name] = report
    return seen


def stage_entity(
    ctx: RunContext, entity: Entity, table: EntityTable, counts: EntityCounts, *, compare: bool
) -> set[int]:
    """Read the entity into its stage: full rows for what is new or changed, id and hash for the rest."""
    reader = ctx.reader(entity)

    def stage(rows: list[Row], seq: int) -> None:
        stage_page(table, reader, rows, seq, compare=compare)

    def override(rows: list[Row], seq: int) -> None:
        table.copy_rows((entity.record(r, reader) for r in rows), seq, override=True)

    seen = read_entity(ctx, entity, counts, stage, override)
    reader.problems.summary()
    table.prepare_stage()
    return seen


def stage_page(table: EntityTable, reader: RowReader, rows: list[Row], seq: int, *, compare: bool) -> None:
    """Stage one page: full rows for what is new or changed, only id and hash for the rest.

    Building a full row and having PostgreSQL parse its JSON is most of a sync's cost; a row
    whose hash equals the stored one needs neither (one indexed lookup per page finds them).
    """
    entity = table.entity
    stored = table.stored_hashes([r["id"] for r in rows]) if compare and rows else {}
    changed: list[tuple[Any, ...]] = []
    unchanged: list[tuple[int, bytes]] = []
    for row in rows:
        hashed = entity.hash_and_raw(row)
        if stored.get(row["id"]) == hashed[0]:
            unchanged.append((row["id"], hashed[0]))
        else:
            changed.append(entity.record(row, reader, hashed))
    table.copy_rows(changed, seq)
    if unchanged:
        table.copy_unchanged(unchanged, seq)


def _take_page(page: Page, seen: set[int], seq: int, fresh: PageSink, again: PageSink) -> None:
    """Split one page into rows first seen and rows seen in an earlier pass, and hand them on."""
    rows = page.rows  # ids are already integers: the pager normalises them
    new = [r for r in rows if r["id"] not in seen]
    repeated = [r for r in rows if r["id"] in seen]
    seen.update(r["id"] for r in new)
    fresh(new, seq)
    if repeated:
        again(repeated, seq)


@contextlib.contextmanager
def permission_named(entity: Entity) -> Iterator[None]:
    """A 403 on an entity's list or records names the Snipe-IT permission and the setting that
    leaves the entity out."""
    try:
        yield
    except PermissionDeniedError:
        if entity is HARDWARE:
            raise
        others = ",".join(e for e in ENTITY_NAMES if e not in ("hardware", entity.name))
        raise PermissionDeniedError(
            f"Snipe-IT answered 403 for /{entity.endpoint}: the token's user may not list {entity.plural}; "
            f"give it the '{entity.permission}' permission (View on {entity.plural.title()}), or leave "
            f"{entity.name} out of ASSETSYNC_ENTITIES (for example ASSETSYNC_ENTITIES={others}); "
            "nothing was changed"
        ) from None


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
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
