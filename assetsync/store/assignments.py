"""`asset_assignments`: who had which asset when, as intervals built from the activity log and the
asset rows, kept in step by the run's merge transaction.

It is a table brought to the wanted rows by difference, not a materialized view: a REFRESH
rewrites every row each run, and a run with no change must write no row anywhere. The wanted
rows are computed in SQL into a temporary table; rows that are no longer wanted are deleted and
missing ones inserted, so an unchanged history is not touched.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

COLUMNS: tuple[tuple[str, str], ...] = (
    ("asset_id", "bigint NOT NULL"),
    ("assigned_to_type", "text"),
    ("assigned_to_id", "bigint"),
    ("assigned_to_name", "text"),
    ("checked_out_at", "timestamptz"),
    ("checked_in_at", "timestamptz"),
    ("checkout_activity_id", "bigint"),
    ("checkin_activity_id", "bigint"),
    ("source", "text NOT NULL"),
)

# Pairing (shared/docs §6.8): per asset, checkouts and check-ins in (action_date, id) order; a
# checkout opens an interval and the next event of either kind ends it (a checkout while out ends
# the previous interval at the new checkout); a check-in with nothing open is an interval whose
# start the log does not hold. Then the asset rows: an open interval whose target is no longer the
# asset's is closed at the asset's last checkout (or check-in), and an asset out now without a
# matching open interval gets one from its row (`source = asset_row`), starting at last_checkout.
_WANTED = """
CREATE TEMP TABLE assetsync_assignments ON COMMIT DROP AS
WITH ev AS (
    SELECT item_id AS asset_id, id, action, target_type, target_id, target_name,
           coalesce(action_date, created_at) AS at
    FROM {s}.activity
    WHERE item_type = 'asset' AND item_id IS NOT NULL AND action IN ('checkout', 'checkin')
), seq AS (
    SELECT *, lead(id) OVER w AS next_id, lead(at) OVER w AS next_at, lead(action) OVER w AS next_action,
           lag(action) OVER w AS prev_action
    FROM ev WINDOW w AS (PARTITION BY asset_id ORDER BY at, id)
), pairs AS (
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
       p.checkout_activity_id, p.checkin_activity_id, 'activity' AS source
FROM pairs p LEFT JOIN {s}.assets a ON a.id = p.asset_id
UNION ALL
SELECT a.id, a.assigned_to_type, a.assigned_to_id, a.assigned_to_name, a.last_checkout, NULL, NULL, NULL,
       'asset_row'
FROM {s}.assets a
WHERE a.removed_at IS NULL AND a.assigned_to_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM pairs p WHERE p.asset_id = a.id AND p.checked_in_at IS NULL
                  AND p.target_type = a.assigned_to_type AND p.target_id = a.assigned_to_id)
"""


def assignments_ddl(schema: str) -> list[sql.Composed]:
    s = sql.Identifier(schema)
    columns = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(d)) for n, d in COLUMNS)
    return [
        sql.SQL("CREATE TABLE IF NOT EXISTS {s}.asset_assignments ({c})").format(s=s, c=columns),
        sql.SQL(
            "CREATE INDEX IF NOT EXISTS asset_assignments_asset_idx ON {s}.asset_assignments (asset_id)"
        ).format(s=s),
        sql.SQL(
            "CREATE INDEX IF NOT EXISTS asset_assignments_target_idx "
            "ON {s}.asset_assignments (assigned_to_type, assigned_to_id)"
        ).format(s=s),
        # The pairing reads only asset checkouts and check-ins.
        sql.SQL(
            "CREATE INDEX IF NOT EXISTS activity_assignment_events_idx "
            "ON {s}.activity (item_id, action_date, id) "
            "WHERE item_type = 'asset' AND action IN ('checkout', 'checkin')"
        ).format(s=s),
        sql.SQL("COMMENT ON TABLE {s}.asset_assignments IS {t}").format(
            s=s,
            t=sql.Literal(
                "Who had which asset when: one row per time an asset was out (checked_in_at NULL while "
                "out), from the activity log and the asset rows; maintained by assetsync"
            ),
        ),
    ]


def refresh_assignments(conn: psycopg.Connection[Any], schema: str) -> tuple[int, int]:
    """Bring asset_assignments to the wanted rows (inside the run's transaction); returns
    (inserted, deleted), both 0 when nothing changed."""
    s = sql.Identifier(schema)
    table = sql.Identifier(schema, "asset_assignments")
    wanted = sql.Identifier("assetsync_assignments")
    # asset_id is never NULL: comparing it with = lets PostgreSQL hash the anti-joins instead of
    # comparing every pair of rows.
    same = sql.SQL(" AND ").join(
        [
            sql.SQL("w.asset_id = t.asset_id"),
            *(
                sql.SQL("w.{c} IS NOT DISTINCT FROM t.{c}").format(c=sql.Identifier(n))
                for n, _ in COLUMNS[1:]
            ),
        ]
    )
    names = sql.SQL(", ").join(sql.Identifier(n) for n, _ in COLUMNS)
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(wanted))
    conn.execute(sql.SQL(_WANTED).format(s=s))
    deleted = conn.execute(
        sql.SQL("DELETE FROM {t} t WHERE NOT EXISTS (SELECT 1 FROM {w} w WHERE {same})").format(
            t=table, w=wanted, same=same
        )
    ).rowcount
    inserted = conn.execute(
        sql.SQL(
            "INSERT INTO {t} ({names}) SELECT {names} FROM {w} w "
            "WHERE NOT EXISTS (SELECT 1 FROM {t} t WHERE {same})"
        ).format(t=table, w=wanted, same=same, names=names)
    ).rowcount
    conn.execute(sql.SQL("DROP TABLE {}").format(wanted))
    return inserted, deleted
