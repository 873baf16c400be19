"""The reporting views: the questions people bring, answered by joining the tables by id."""

from __future__ import annotations

from psycopg import sql

# Stored as the view's comment: a release that changes a view raises it, and the next run
# replaces the views. CREATE OR REPLACE keeps the grants reporting users were given, and so a
# release adds view columns only at the end.
VIEW_VERSION = "assetsync asset_overview v1"

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


def view_statements(schema: str) -> list[sql.Composed]:
    s = sql.Identifier(schema)
    return [
        sql.SQL(_ASSET_OVERVIEW).format(s=s),
        sql.SQL("COMMENT ON VIEW {s}.asset_overview IS {c}").format(s=s, c=sql.Literal(VIEW_VERSION)),
    ]
