"""The physical floor: download every list page with requests (no parsing), then one plain COPY.

Prints one JSON line: fetch_s (all pages of the three lists), copy_s (COPY of (id, raw jsonb) into an
empty table) and counts. Splitting the pages into rows happens between the two timed parts and is
not counted: the floor is what moving the bytes costs, nothing else.

    python bench/floor.py API_URL TOKEN DSN [--fetch-only]
"""

from __future__ import annotations

import argparse
import json
import re
import time

import orjson
import psycopg
import requests

PASSES: tuple[dict[str, str | int], ...] = ({}, {"status": "Archived"}, {"status": "Deleted"})
PAGE = 500
_TOTAL = re.compile(rb'^\{"total":(\d+)')


def download(api_url: str, token: str) -> tuple[list[bytes], int]:
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
    pages: list[bytes] = []
    requests_sent = 0
    for params in PASSES:
        offset, total = 0, None
        while total is None or offset < total:
            resp = session.get(
                f"{api_url}/hardware",
                params={**params, "limit": PAGE, "offset": offset, "sort": "id", "order": "asc"},
                timeout=60,
            )
            resp.raise_for_status()
            requests_sent += 1
            body = resp.content
            match = _TOTAL.match(body)  # the one number needed to know when to stop
            if match is None:
                raise SystemExit(f"unexpected page: {body[:100]!r}")
            total = int(match.group(1))
            pages.append(body)
            offset += PAGE
    return pages, requests_sent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("api_url")
    parser.add_argument("token")
    parser.add_argument("dsn")
    parser.add_argument("--fetch-only", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    pages, requests_sent = download(args.api_url, args.token)
    fetch_s = time.perf_counter() - started
    result = {"fetch_s": fetch_s, "requests": requests_sent, "bytes": sum(map(len, pages))}
    if not args.fetch_only:
        rows = [(r["id"], orjson.dumps(r).decode()) for p in pages for r in orjson.loads(p)["rows"]]
        del pages
        with psycopg.connect(args.dsn, autocommit=True) as conn:
            lz4 = conn.execute(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
            ).fetchone()
            # The same TOAST compression assetsync uses, so the floor is not slowed by pglz.
            compression = " COMPRESSION lz4" if lz4 and lz4[0] else ""
            conn.execute(f"CREATE TABLE floor_assets (id bigint, raw jsonb{compression})")
            started = time.perf_counter()
            with conn.cursor() as cur, cur.copy("COPY floor_assets (id, raw) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            result["copy_s"] = time.perf_counter() - started
            result["rows"] = len(rows)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
