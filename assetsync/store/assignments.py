"""`asset_assignments`: who had which asset when, as intervals built from the activity log and the
asset rows.

A plain view over `activity` and `assets`, not a table or a materialized view: it is always
exactly what the last committed run left in those tables, a run writes nothing for it (a run with
no change writes no row anywhere), and the sync role needs no right beyond the documented SELECT,
INSERT and UPDATE (rebuilding a table needs DELETE; a REFRESH needs ownership and rewrites every
row). A question about one asset reads only that asset's events: PostgreSQL pushes `asset_id = N`
into the window's partition and the per-asset lookup, both served by indexes on `activity`.
"""

from __future__ import annotations

from psycopg import sql

# Pairing (shared/docs §6.8): per asset, checkouts and check-ins in (action_date, id) order; a
# checkout opens an interval and the next event of either kind ends it (a checkout while out ends
# the previous interval at the new checkout); a check-in with nothing open is an interval whose
# start the log does not hold. Then the asset rows: an open interval whose target is no longer the
# asset's is closed at the asset's last checkout (or check-in), and an asset out now without a
# matching open interval gets one from its row (`source = asset_row`), starting at last_checkout.
_VIEW = """
CREATE OR REPLACE VIEW {s}.asset_assignments AS
WITH ev AS NOT MATERIALIZED (
    SELECT item_id AS asset_id, id, action, target_type, target_id, target_name,
           coalesce(action_date, created_at) AS at
    FROM {s}.activity
    WHERE item_type = 'asset' AND item_id IS NOT NULL AND action IN ('checkout', 'checkin')
), seq AS NOT MATERIALIZED (
    SELECT *, lead(id) OVER w AS next_id, lead(at) OVER w AS next_at, lead(action) OVER w AS next_action,
           lag(action) OVER w AS prev_action
    FROM ev WINDOW w AS (PARTITION BY asset_id ORDER BY at, id)
), pairs AS NOT MATERIALIZED (
    SELECT asset_id, target_type, target_id, target_name, at AS checked_out_at, next_at AS checked_in_at,
           id AS checkout_activity_id,
           CASE WHEN next_action = 'checkin' THEN next_id END AS checkin_activity_id
    FROM seq WHERE action = 'checkout'
    UNION ALL
    SELECT asset_id, target_type, target_id, target_name, NULL, at, NULL, id
    FROM seq WHERE action = 'checkin' AND (prev_action IS NULL OR prev_action = 'checkin')
)
SELECT p.asset_id, p.target_type AS assigned_to_type, p.target_id AS assigned_to_id,
       p.target_name AS assigned_to_name, p.checked_out_at,
       CASE WHEN p.checked_in_at IS NULL AND a.id IS NOT NULL AND a.removed_at IS NULL
                 AND (a.assigned_to_type, a.assigned_to_id) IS DISTINCT FROM (p.target_type, p.target_id)
            THEN greatest(p.checked_out_at, CASE WHEN a.assigned_to_id IS NULL
                                                 THEN coalesce(a.last_checkin, a.updated_at)
                                                 ELSE coalesce(a.last_checkout, a.updated_at) END)
            ELSE p.checked_in_at END AS checked_in_at,
       p.checkout_activity_id, p.checkin_activity_id, 'activity'::text AS source
FROM pairs p LEFT JOIN {s}.assets a ON a.id = p.asset_id
UNION ALL
SELECT a.id, a.assigned_to_type, a.assigned_to_id, a.assigned_to_name, a.last_checkout, NULL, NULL, NULL,
       'asset_row'
FROM {s}.assets a
-- The log holds an open interval to the asset's target when the asset's last event is a checkout
-- to it: one index lookup per asset out.
LEFT JOIN LATERAL (
    SELECT e.action, e.target_type, e.target_id FROM {s}.activity e
    WHERE e.item_type = 'asset' AND e.item_id = a.id AND e.action IN ('checkout', 'checkin')
    ORDER BY coalesce(e.action_date, e.created_at) DESC, e.id DESC LIMIT 1
) last ON true
WHERE a.removed_at IS NULL AND a.assigned_to_id IS NOT NULL
  AND (last.action IS DISTINCT FROM 'checkout'
       OR (last.target_type, last.target_id) IS DISTINCT FROM (a.assigned_to_type, a.assigned_to_id))
"""


def assignments_ddl(schema: str) -> list[sql.Composed]:
    s = sql.Identifier(schema)
    return [
        # The pairing and the lookup of an asset's last event read only asset checkouts and check-ins.
        sql.SQL(
            "CREATE INDEX IF NOT EXISTS activity_assignment_events_idx "
            "ON {s}.activity (item_id, (coalesce(action_date, created_at)), id) "
            "WHERE item_type = 'asset' AND action IN ('checkout', 'checkin')"
        ).format(s=s),
        sql.SQL(_VIEW).format(s=s),
        sql.SQL("COMMENT ON VIEW {s}.asset_assignments IS {t}").format(
            s=s,
            t=sql.Literal(
                "Who had which asset when: one row per time an asset was out (checked_in_at NULL while "
                "out), from the activity log and the asset rows; maintained by assetsync"
            ),
        ),
    ]
