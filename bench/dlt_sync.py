"""dlt's rest_api source into PostgreSQL, configured as a careful user would for Snipe-IT.

Runs in its own virtual environment (bench/.work/peers, from bench/requirements-peers.txt):

    python bench/dlt_sync.py API_URL TOKEN DSN FORMAT WORKDIR     # FORMAT: insert_values | csv

Offset paginator on limit/offset/total, `rows` as the data selector, the three lists Snipe-IT needs
(default, Archived, Deleted) into one table, merged on id (strategy upsert: MERGE on PostgreSQL 15+).
"""

from __future__ import annotations

import json
import os
import sys
from urllib.parse import urlsplit


def credentials(dsn: str) -> dict[str, object]:
    """dlt wants host and password as fields; the throw-away server has no password."""
    parts = urlsplit(dsn)
    return {
        "database": parts.path.lstrip("/"),
        "username": parts.username or "postgres",
        "password": parts.password or "unused",  # the throw-away server trusts local connections
        "host": parts.hostname or "localhost",
        "port": parts.port or 5432,
    }


def main() -> None:
    api_url, token, dsn, file_format, workdir = sys.argv[1:6]
    # A fresh local working folder per run, so dlt never resumes an earlier run's packages.
    os.environ["DLT_DATA_DIR"] = os.path.join(workdir, "data")
    os.environ["RUNTIME__LOG_LEVEL"] = "WARNING"
    import dlt
    from dlt.sources.rest_api import rest_api_source

    def resource(name: str, status: str | None) -> dict[str, object]:
        params: dict[str, object] = {"sort": "id", "order": "asc"}
        if status:
            params["status"] = status
        return {"name": name, "table_name": "hardware", "endpoint": {"path": "hardware", "params": params}}

    source = rest_api_source(
        {
            "client": {
                "base_url": api_url.rstrip("/") + "/",
                "auth": {"type": "bearer", "token": token},
                "headers": {"Accept": "application/json"},
                "paginator": {
                    "type": "offset",
                    "limit": 500,  # Snipe-IT's MAX_RESULTS; dlt skips rows above the cap silently
                    "offset": 0,
                    "offset_param": "offset",
                    "limit_param": "limit",
                    "total_path": "total",
                },
            },
            "resource_defaults": {
                "primary_key": "id",
                "write_disposition": {"disposition": "merge", "strategy": "upsert"},
                "endpoint": {"data_selector": "rows"},
            },
            "resources": [
                resource("hardware", None),
                resource("hardware_archived", "Archived"),
                resource("hardware_deleted", "Deleted"),
            ],
        },
        name="snipeit",
    )
    pipeline = dlt.pipeline(
        pipeline_name="snipeit_dlt",
        pipelines_dir=os.path.join(workdir, "pipelines"),
        destination=dlt.destinations.postgres(credentials=credentials(dsn)),
        dataset_name="snipeit_dlt",
    )
    info = pipeline.run(source, loader_file_format=file_format)
    info.raise_on_failed_jobs()
    print(json.dumps({"loads": len(info.loads_ids)}))


if __name__ == "__main__":
    main()
