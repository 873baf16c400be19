"""License seats: read per license (only those that can have changed), staged, and their removals."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from assetsync.entities import Entity
from assetsync.pages import each_at_once
from assetsync.reading import permission_named, stage_page
from assetsync.seats.pager import LicenseSeats, read_license_seats
from assetsync.seats.plan import SeatPlan, plan_seats
from assetsync.store import ActivityTable, SeatTable

if TYPE_CHECKING:
    from assetsync.pipeline import RunContext

log = logging.getLogger("assetsync")


def stage_seats(
    ctx: RunContext, entity: Entity, table: SeatTable, activity: ActivityTable | None, *, first: bool
) -> SeatPlan:
    """Plan which licenses to read, read each one's seats completely (several licenses at once),
    and stage them; `first`: the seats table is new or empty."""
    plan = plan_seats(ctx, table, activity, first=first)
    counts, reader, limit = ctx.counts(entity), ctx.reader(entity), ctx.settings.page_size

    def read(license_id: int) -> LicenseSeats:
        return read_license_seats(ctx.client, license_id, limit)

    with permission_named(entity):
        read_all = each_at_once(ctx.client, read, sorted(plan.to_read))
    rows = [row for seats in read_all for row in seats.rows.values()]
    # Staged a page's worth at a time rather than per license: a sweep of most licenses' few
    # seats would otherwise cost a hash lookup and a COPY per license.
    for seq, start in enumerate(range(0, len(rows), limit), start=1):
        stage_page(table, reader, rows[start : start + limit], seq, compare=not first)
    counts.fetched = len(rows)
    plan.requests = counts.pages = sum(seats.requests for seats in read_all)
    reader.problems.summary()
    table.prepare_stage()
    ctx.result.seats = plan.report()
    _log_plan(plan)
    return plan


def seat_removals(table: SeatTable, plan: SeatPlan, removed_licenses: list[int]) -> list[int]:
    """Seats to mark removed: those a complete read of their license no longer returned, and every
    seat of a license now soft-deleted or purged (its seats went with it)."""
    missing = table.missing_from(sorted(plan.to_read))
    return sorted({*missing, *table.live_of(plan.deleted + removed_licenses)})


def _log_plan(plan: SeatPlan) -> None:
    if plan.why_sweep is not None:
        log.info(
            "License seats: read all %d licenses (%s) in %d requests",
            len(plan.to_read),
            plan.why_sweep,
            plan.requests,
        )
    elif plan.to_read:
        why = ", ".join(f"{n} {reason}" for reason, n in sorted(plan.report()["reasons"].items()))
        log.info(
            "License seats: read %d of %d licenses (%s) in %d requests; the others cannot have changed",
            len(plan.to_read),
            plan.listed,
            why,
            plan.requests,
        )
    else:
        log.info(
            "License seats: none of the %d licenses can have changed (no new activity, same counts); "
            "no seat was read",
            plan.listed,
        )
