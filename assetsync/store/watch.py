"""What the suspicious-activity alert compares between runs, read from the staged assets."""

from __future__ import annotations

from psycopg import sql

from assetsync.store.tables import EntityTable


def watch_changes(assets: EntityTable) -> tuple[int, dict[str, int]]:
    """Among live stored assets the stage brings in full: how many changed assignee, status or
    location, and per field (a key of Snipe-IT's row or a custom field) how many rows no longer
    have it."""
    conn, stage, target = assets.conn, assets.stage, assets.target
    row = conn.execute(
        sql.SQL("""
        SELECT count(*) FROM {stage} s JOIN {assets} t ON t.id = s.id
        WHERE t.removed_at IS NULL AND s.raw IS NOT NULL
          AND (t.assigned_to_type, t.assigned_to_id, t.status_id, t.location_id) IS DISTINCT FROM
              (s.assigned_to_type, s.assigned_to_id, s.status_id, s.location_id)""").format(
            stage=stage, assets=target
        )
    ).fetchone()
    lost = conn.execute(
        sql.SQL("""
        SELECT k, count(*) FROM {stage} s JOIN {assets} t ON t.id = s.id, jsonb_object_keys(t.raw) k
        WHERE t.removed_at IS NULL AND s.raw IS NOT NULL AND NOT s.raw ? k GROUP BY k
        UNION ALL
        SELECT 'custom field ' || k, count(*)
        FROM {stage} s JOIN {assets} t ON t.id = s.id, jsonb_object_keys(t.custom_fields) k
        WHERE t.removed_at IS NULL AND s.raw IS NOT NULL AND NOT s.custom_fields ? k
        GROUP BY k""").format(stage=stage, assets=target)
    ).fetchall()
    return (int(row[0]) if row else 0), {str(k): int(n) for k, n in lost}
