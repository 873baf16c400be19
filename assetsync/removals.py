"""Removals: rows in no Snipe-IT list are confirmed gone by id, behind the removal brake; seats
of licenses read completely (or gone) are gone when their read no longer has them."""

from __future__ import annotations

import logging
import random
from typing import TYPE_CHECKING, Any

from assetsync.entities import Entity
from assetsync.pages import get_each
from assetsync.reading import permission_named
from assetsync.results import RemovalBrakeError
from assetsync.seats import seat_removals
from assetsync.seats.plan import SeatPlan
from assetsync.snipeit import ApiErrorBody
from assetsync.store import EntityTable, SeatTable

if TYPE_CHECKING:
    from assetsync.pipeline import RunContext

log = logging.getLogger("assetsync")

# Above this many removal candidates only a sample is confirmed one by one (API budget).
CONFIRM_EACH_LIMIT = 25


def confirm_removals(ctx: RunContext, entity: Entity, table: EntityTable, fetched: int) -> list[int]:
    """Return the ids that are really gone; raise RemovalBrakeError when removals look wrong."""
    candidates = table.removal_candidates()
    if not candidates:
        return []
    live = table.live_count()
    share = len(candidates) / live if live else 0.0
    noun = entity.plural
    log.info(
        "%d %s in the database were in no Snipe-IT list; confirming they are gone", len(candidates), noun
    )
    if share > ctx.settings.removal_brake and not ctx.options.accept_removals:
        raise RemovalBrakeError(
            f"{len(candidates)} of {live} {noun} ({share:.0%}) would be marked removed, "
            f"more than ASSETSYNC_REMOVAL_BRAKE ({ctx.settings.removal_brake:.0%}); "
            f"Snipe-IT returned only {fetched} {noun}. "
            "This usually means the token lost permissions or company scoping hides records. Nothing was "
            "changed. If the removals are real, run `assetsync sync --accept-removals` once"
        )
    check_all = len(candidates) <= CONFIRM_EACH_LIMIT
    sample = (
        candidates
        if check_all
        else random.sample(candidates, min(len(candidates), max(1, ctx.settings.confirm_sample)))
    )
    gone: list[int] = []
    found: list[dict[str, Any]] = []
    with permission_named(entity):
        answers = get_each(ctx.client, [f"{entity.endpoint}/{record_id}" for record_id in sample])
    for record_id, data in zip(sample, answers, strict=True):
        if isinstance(data, ApiErrorBody):
            if data.not_found:
                gone.append(record_id)
                continue
            raise data
        if isinstance(data, dict) and data.get("id") in (record_id, str(record_id)):
            found.append({**data, "id": record_id})
        else:
            raise RemovalBrakeError(
                f"Snipe-IT answered oddly when asked for {entity.label} {record_id}; nothing was changed"
            )
    if found and not check_all:
        raise RemovalBrakeError(
            f"{len(found)} of {len(sample)} sampled {noun} missing from every list still exist in Snipe-IT "
            f"(e.g. id {found[0]['id']}); the lists are hiding {noun}, so none of the {len(candidates)} "
            "candidates was marked removed. Check the token user's permissions and company scoping"
        )
    if found:
        # Reachable by id but in no list (e.g. an asset with a deleted status label): store what
        # Snipe-IT says.
        log.warning(
            "%d %s exist in Snipe-IT but appear in no list (ids %s); stored from their own record",
            len(found),
            noun,
            ", ".join(str(r["id"]) for r in found),
        )
        reader = ctx.reader(entity)
        table.copy_rows((entity.record(r, reader) for r in found), 0)
        table.prepare_stage()
    return gone if check_all else candidates


def every_removal(
    ctx: RunContext,
    tables: dict[str, EntityTable],
    seen: dict[str, int],
    seats: dict[str, SeatPlan],
    existing: set[str],
) -> dict[str, list[int]]:
    """Each entity's confirmed removals: a listed entity's by id, behind the brake (`seen`: how
    many each list returned); a child's (seats) from its parent's complete reads and removals."""
    removals = {
        name: confirm_removals(ctx, tables[name].entity, tables[name], fetched) if name in existing else []
        for name, fetched in seen.items()
    }
    for name, plan in seats.items():
        table, parent = tables[name], tables[name].entity.parent or ""
        assert isinstance(table, SeatTable)
        removals[name] = seat_removals(table, plan, removals.get(parent, [])) if name in existing else []
    return removals
