"""The usual hand-written sync: json, one INSERT ... ON CONFLICT per row, one commit at the end.

It reads the same three lists as assetsync (default, Archived, Deleted) so that it stores the same
assets; everything else is what such scripts typically do.

    python bench/naive_sync.py API_URL TOKEN DSN
"""

from __future__ import annotations

import json
import sys

import psycopg
import requests

DDL = """CREATE TABLE IF NOT EXISTS naive_assets (
    id bigint PRIMARY KEY, asset_tag text, name text, serial text, model text, status text,
    location text, assigned_to text, updated_at timestamp, raw jsonb)"""
UPSERT = """INSERT INTO naive_assets (id, asset_tag, name, serial, model, status, location, assigned_to,
    updated_at, raw) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (id) DO UPDATE SET asset_tag = EXCLUDED.asset_tag, name = EXCLUDED.name,
    serial = EXCLUDED.serial, model = EXCLUDED.model, status = EXCLUDED.status,
    location = EXCLUDED.location, assigned_to = EXCLUDED.assigned_to, updated_at = EXCLUDED.updated_at,
    raw = EXCLUDED.raw"""


def name_of(obj: object) -> str | None:
    return obj.get("name") if isinstance(obj, dict) else None


def main() -> None:
    api_url, token, dsn = sys.argv[1:4]
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    conn = psycopg.connect(dsn)
    conn.execute(DDL)
    count = 0
    for status in (None, "Archived", "Deleted"):
        offset = 0
        while True:
            params: dict[str, str | int] = {"limit": 500, "offset": offset, "sort": "id", "order": "asc"}
            if status:
                params["status"] = status
            page = json.loads(
                requests.get(f"{api_url}/hardware", params=params, headers=headers, timeout=60).text
            )
            for row in page["rows"]:
                updated = row.get("updated_at") or {}
                conn.execute(
                    UPSERT,
                    (
                        row["id"], row.get("asset_tag"), row.get("name"), row.get("serial"),
                        name_of(row.get("model")), name_of(row.get("status_label")),
                        name_of(row.get("location")), name_of(row.get("assigned_to")),
                        updated.get("datetime"), json.dumps(row),
                    ),
                )  # fmt: skip
                count += 1
            offset += len(page["rows"])
            if not page["rows"] or offset >= page["total"]:
                break
    conn.commit()
    conn.close()
    print(json.dumps({"rows": count}))


if __name__ == "__main__":
    main()
