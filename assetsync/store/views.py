"""The reporting views: the questions people bring, answered by joining the tables by id."""

from __future__ import annotations

from psycopg import sql

# Stored as the view's comment: a release that changes a view raises it, and the next run
# replaces the views. CREATE OR REPLACE keeps the grants reporting users were given, and so a
# release adds view columns only at the end.
VIEW_VERSION = "assetsync views v2"

# One row per asset not removed; names come from the joined rows (renamed at once), never joined by
# name; a purged or soft-deleted user still shows, as old assets still point at them.
_ASSET_OVERVIEW = """
CREATE OR REPLACE VIEW {s}.asset_overview AS
SELECT a.id, a.asset_tag, a.name, a.serial,
       a.status_id, coalesce(st.name, a.status_name) AS status_name,
       coalesce(st.status_type, a.status_type) AS status_type,
       a.model_id, coalesce(m.name, a.model_name) AS model_name, a.model_number,
       coalesce(m.category_id, a.category_id) AS category_id,
       coalesce(cat.name, a.category_name) AS category_name,
       coalesce(m.manufacturer_id, a.manufacturer_id) AS manufacturer_id,
       coalesce(mf.name, a.manufacturer_name) AS manufacturer_name,
       m.eol_months,
       a.company_id, coalesce(co.name, a.company_name) AS company_name,
       a.location_id, coalesce(l.name, a.location_name) AS location_name,
       l.parent_id AS location_parent_id, lp.name AS location_parent_name,
       a.assigned_to_type, a.assigned_to_id, coalesce(u.name, a.assigned_to_name) AS assigned_to_name,
       u.username AS assigned_username, u.email AS assigned_email, u.employee_num AS assigned_employee_num,
       u.department_id AS assigned_department_id,
       coalesce(d.name, u.department_name) AS assigned_department_name,
       u.manager_id AS assigned_manager_id, coalesce(mgr.name, u.manager_name) AS assigned_manager_name,
       u.location_id AS assigned_user_location_id,
       coalesce(ul.name, u.location_name) AS assigned_user_location_name,
       u.deleted_at AS assigned_user_deleted_at,
       a.supplier_id, coalesce(su.name, a.supplier_name) AS supplier_name,
       a.purchase_date, a.purchase_cost, a.order_number, a.warranty_months, a.asset_eol_date,
       a.last_checkout, a.expected_checkin, a.last_audit_date, a.next_audit_date,
       a.created_at, a.updated_at, a.deleted_at, a.custom_fields
FROM {s}.assets a
LEFT JOIN {s}.users u ON a.assigned_to_type = 'user' AND u.id = a.assigned_to_id
LEFT JOIN {s}.departments d ON d.id = u.department_id
LEFT JOIN {s}.users mgr ON mgr.id = u.manager_id
LEFT JOIN {s}.locations ul ON ul.id = u.location_id
LEFT JOIN {s}.locations l ON l.id = a.location_id
LEFT JOIN {s}.locations lp ON lp.id = l.parent_id
LEFT JOIN {s}.models m ON m.id = a.model_id
LEFT JOIN {s}.categories cat ON cat.id = coalesce(m.category_id, a.category_id)
LEFT JOIN {s}.manufacturers mf ON mf.id = coalesce(m.manufacturer_id, a.manufacturer_id)
LEFT JOIN {s}.status_labels st ON st.id = a.status_id
LEFT JOIN {s}.companies co ON co.id = a.company_id
LEFT JOIN {s}.suppliers su ON su.id = a.supplier_id
WHERE a.removed_at IS NULL
"""

# One row per license not removed: its seats as Snipe-IT counts them and as the seat rows show
# them, what a seat cost, and how long until it expires.
_LICENSE_USAGE = """
CREATE OR REPLACE VIEW {s}.license_usage AS
SELECT l.id, l.name,
       l.manufacturer_id, coalesce(mf.name, l.manufacturer_name) AS manufacturer_name,
       l.category_id, coalesce(cat.name, l.category_name) AS category_name,
       l.company_id, coalesce(co.name, l.company_name) AS company_name,
       l.supplier_id, coalesce(su.name, l.supplier_name) AS supplier_name,
       l.seats,
       coalesce(u.used, 0) AS used_seats,
       coalesce(u.to_users, 0) AS seats_to_users,
       coalesce(u.to_assets, 0) AS seats_to_assets,
       l.seats - coalesce(u.used, 0) AS free_seats,
       l.free_seats_count AS snipeit_free_seats,
       l.purchase_cost,
       round(l.purchase_cost / nullif(l.seats, 0), 2) AS cost_per_seat,
       l.purchase_date, l.order_number, l.purchase_order,
       l.expiration_date, l.expiration_date - current_date AS days_to_expiry,
       l.termination_date, l.reassignable, l.maintained, l.deleted_at
FROM {s}.licenses l
LEFT JOIN (
    SELECT license_id,
           count(*) FILTER (WHERE assigned_user_id IS NOT NULL OR assigned_asset_id IS NOT NULL) AS used,
           count(*) FILTER (WHERE assigned_user_id IS NOT NULL) AS to_users,
           count(*) FILTER (WHERE assigned_user_id IS NULL AND assigned_asset_id IS NOT NULL) AS to_assets
    FROM {s}.license_seats WHERE removed_at IS NULL GROUP BY license_id
) u ON u.license_id = l.id
LEFT JOIN {s}.manufacturers mf ON mf.id = l.manufacturer_id
LEFT JOIN {s}.categories cat ON cat.id = l.category_id
LEFT JOIN {s}.companies co ON co.id = l.company_id
LEFT JOIN {s}.suppliers su ON su.id = l.supplier_id
WHERE l.removed_at IS NULL
"""

# One row per thing a user holds: each asset checked out to them, and each license seat assigned
# to them (directly, or through an asset of theirs when Snipe-IT names both); `since` is the
# asset's last checkout, or the seat's last change (its assignment).
_USER_HOLDINGS = """
CREATE OR REPLACE VIEW {s}.user_holdings AS
SELECT h.user_id, u.username, coalesce(u.name, h.user_name) AS user_name, u.email, u.employee_num,
       u.department_id, coalesce(d.name, u.department_name) AS department_name,
       u.location_id AS user_location_id, coalesce(ul.name, u.location_name) AS user_location_name,
       u.deleted_at AS user_deleted_at,
       h.holding, h.item_id, h.asset_tag, h.license_id, h.item_name, h.model_name, h.since, h.cost,
       h.expires
FROM (
    SELECT a.assigned_to_id AS user_id, a.assigned_to_name AS user_name, 'asset' AS holding,
           a.id AS item_id, a.asset_tag, NULL::bigint AS license_id, a.name AS item_name,
           coalesce(m.name, a.model_name) AS model_name, a.last_checkout AS since,
           a.purchase_cost AS cost, a.asset_eol_date AS expires
    FROM {s}.assets a
    LEFT JOIN {s}.models m ON m.id = a.model_id
    WHERE a.assigned_to_type = 'user' AND a.removed_at IS NULL AND a.deleted_at IS NULL
    UNION ALL
    SELECT st.assigned_user_id, st.assigned_user_name, 'license seat', st.id, NULL, l.id, l.name,
           NULL, st.updated_at, round(l.purchase_cost / nullif(l.seats, 0), 2), l.expiration_date
    FROM {s}.license_seats st
    JOIN {s}.licenses l ON l.id = st.license_id AND l.removed_at IS NULL AND l.deleted_at IS NULL
    WHERE st.assigned_user_id IS NOT NULL AND st.removed_at IS NULL
) h
LEFT JOIN {s}.users u ON u.id = h.user_id
LEFT JOIN {s}.departments d ON d.id = u.department_id
LEFT JOIN {s}.locations ul ON ul.id = u.location_id
"""


def view_statements(schema: str) -> list[sql.Composed]:
    s = sql.Identifier(schema)
    return [
        sql.SQL(_ASSET_OVERVIEW).format(s=s),
        sql.SQL(_LICENSE_USAGE).format(s=s),
        sql.SQL(_USER_HOLDINGS).format(s=s),
        sql.SQL("COMMENT ON VIEW {s}.asset_overview IS {c}").format(s=s, c=sql.Literal(VIEW_VERSION)),
    ]
