"""The activity log's floor: every page of /reports/activity (sort=id, asc) fetched with requests and
copied as (id, raw jsonb) into an empty table, in one COPY that streams while the pages arrive.

Prints one JSON line: seconds, requests, rows. Splitting a page into rows (one orjson parse and one
dump per row) is counted: that is the least any loader does to store entries one row each.

    python bench/activity_floor.py API_URL TOKEN DSN
"""

from __future__ import annotations

import argparse
import json
import time

import orjson
import psycopg
import requests

PAGE = 500


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("api_url")
    parser.add_argument("token")
    parser.add_argument("dsn")
    args = parser.parse_args()
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {args.token}", "Accept": "application/json"})
    started = time.perf_counter()
    sent = rows = 0
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE floor_activity (id bigint, raw jsonb)")
        with conn.cursor() as cur, cur.copy("COPY floor_activity (id, raw) FROM STDIN") as copy:
            offset = 0
            while True:
                params: dict[str, str | int] = {"sort": "id", "order": "asc", "offset": offset, "limit": PAGE}
                resp = session.get(f"{args.api_url}/reports/activity", params=params, timeout=120)
                resp.raise_for_status()
                sent += 1
                page = orjson.loads(resp.content)["rows"]
                for row in page:
                    copy.write_row((row["id"], orjson.dumps(row).decode()))
                rows += len(page)
                offset += len(page)
                if len(page) < PAGE:
                    break
    print(json.dumps({"seconds": time.perf_counter() - started, "requests": sent, "rows": rows}))


if __name__ == "__main__":
    main()
