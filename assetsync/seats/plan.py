"""Which licenses' seats a run reads, and why: the request budget (shared/docs §5.3).

No endpoint lists every seat; reading them costs a request per license, and Snipe-IT's throttle
(120 a minute by default) is shared with the people using its web pages. So a run reads the seats
of a license only when something says they can have changed:

- the activity log names the license (seat checkouts and check-ins are logged against the license,
  never the seat) in an entry the last successful run had not seen;
- the license is new, or its `seats`, `free_seats_count`, `updated_at` or `deleted_at` differ from
  the stored row (a checkout moves the free count, but not `updated_at`);
- a sweep is due: every ASSETSYNC_SEAT_SWEEP_HOURS, every license, for what Snipe-IT never logs
  against the license (an asset check-in clearing that asset's seats, a user merge). Without the
  activity log every run sweeps.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from assetsync.entities import BY_NAME, Entity
from assetsync.store import ActivityTable, EntityTable, SeatState

if TYPE_CHECKING:
    from assetsync.pipeline import RunContext

FIRST_LOAD = "first load"
NEW_LICENSE = "new license"
ACTIVITY = "new activity"
CHANGED = "changed counts"
SWEEP = "sweep"


@dataclass
class SeatPlan:
    """The licenses whose seats this run reads (id -> why), and what it knows of the others."""

    to_read: dict[int, str] = field(default_factory=dict)
    listed: int = 0  # live licenses in this run's lists
    deleted: list[int] = field(default_factory=list)  # licenses listed as soft-deleted
    swept: bool = False  # every live license is read: the next sweep is counted from this run
    why_sweep: str | None = None
    activity_position: int | None = None  # the highest activity id this run has seen
    requests: int = 0

    def report(self) -> dict[str, Any]:
        """For the log, --json and sync_runs.details (where the next run reads it back)."""
        return {
            "licenses_read": len(self.to_read),
            "licenses_listed": self.listed,
            "reasons": dict(Counter(self.to_read.values())),
            "requests": self.requests,
            "swept": self.swept,
            "why_sweep": self.why_sweep,
            "activity_position": self.activity_position,
        }


def plan_seats(
    ctx: RunContext, seats: EntityTable, activity: ActivityTable | None, *, first: bool
) -> SeatPlan:
    """Decide which licenses' seats to read. `first`: the seats table is new or empty."""
    parent = BY_NAME[seats.entity.parent or ""]
    listed = ctx.fingerprints.get(parent.name, {})
    deleted_at = parent.fingerprint.index("deleted_at")
    live = sorted(i for i, values in listed.items() if values[deleted_at] is None)
    plan = SeatPlan(
        listed=len(live),
        deleted=sorted(i for i, values in listed.items() if values[deleted_at] is not None),
        activity_position=activity.position() if activity is not None else None,
    )
    state = ctx.store.seat_state()
    why_sweep = FIRST_LOAD if first else _sweep_due(ctx, seats, state, activity)
    if why_sweep is not None:
        plan.swept, plan.why_sweep = True, why_sweep
        plan.to_read = dict.fromkeys(live, FIRST_LOAD if first else SWEEP)
        return plan
    stored = ctx.store.table(parent).stored_values(parent.fingerprint)
    flagged = _named_in_activity(state, activity, parent)
    for license_id in live:
        if license_id not in stored:
            plan.to_read[license_id] = NEW_LICENSE
        elif license_id in flagged:
            plan.to_read[license_id] = ACTIVITY
        elif stored[license_id] != listed[license_id]:
            plan.to_read[license_id] = CHANGED
    return plan


def _sweep_due(
    ctx: RunContext, seats: EntityTable, state: SeatState, activity: ActivityTable | None
) -> str | None:
    """Why every license's seats must be read this run, or None."""
    hours = ctx.settings.seat_sweep_hours
    if not ctx.settings.activity:
        return "ASSETSYNC_ACTIVITY is off, so only a sweep sees seat changes"
    if seats.stored_mapping() not in (None, (seats.entity.mapping_version, seats.entity.mapping_seed)):
        return "this release reads seats differently (mapping upgrade)"
    if activity is not None and state.activity_position is None:
        return "no earlier run recorded how far it had read the activity log"
    if hours == 0:
        return "ASSETSYNC_SEAT_SWEEP_HOURS=0"
    if state.last_sweep_at is None:
        return "no sweep is on record"
    age = (datetime.now(UTC) - state.last_sweep_at).total_seconds() / 3600
    if age >= hours:
        return f"the last sweep was {age:.0f} h ago (ASSETSYNC_SEAT_SWEEP_HOURS={hours})"
    return None


def _named_in_activity(state: SeatState, activity: ActivityTable | None, parent: Entity) -> set[int]:
    """Licenses named by activity entries the last successful run with seats had not seen. A dry
    run reads no activity: it goes by the licenses' counts alone."""
    if activity is None or state.activity_position is None:
        return set()
    return activity.items_named_after(parent.label, state.activity_position)
