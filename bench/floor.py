"""The physical floor: download every list page with requests (no parsing), then one plain COPY.

Prints one JSON line: fetch_s (all pages of the three lists), copy_s (COPY of (id, raw jsonb) into an
empty table) and counts. Splitting the pages into rows happens between the two timed parts and is
not counted: the floor is what moving the bytes costs, nothing else. With --lists estate it moves
the pages of every other record type instead (users, locations, ... with their passes), into
floor_records: the floor of what the whole estate adds to a hardware sync.

    python bench/floor.py API_URL TOKEN DSN [--fetch-only] [--lists hardware|estate]
"""

from __future__ import annotations

import argparse
import json
import re
import time

import orjson
import psycopg
import requests

from assetsync.entities import ENTITIES

PASSES: tuple[dict[str, str | int], ...] = ({}, {"status": "Archived"}, {"status": "Deleted"})
# (endpoint, extra parameters) of every list page a whole-estate sync reads besides hardware.
Lists = list[tuple[str, dict[str, str | int]]]
ESTATE_LISTS: Lists = [
    (e.endpoint, {**params, "sort": e.sort[0], "order": e.sort[1]})
    for e in ENTITIES[1:]
    if e.parent is None
    for _, params in e.passes
]
HARDWARE_LISTS: Lists = [("hardware", {**params, "sort": "id", "order": "asc"}) for params in PASSES]
PAGE = 500
_TOTAL = re.compile(rb'^\{"total":(\d+)')


def download(api_url: str, token: str, lists: Lists = HARDWARE_LISTS) -> tuple[list[bytes], int]:
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
    pages: list[bytes] = []
    requests_sent = 0
    for endpoint, params in lists:
        offset, total = 0, None
        while total is None or offset < total:
            resp = session.get(
                f"{api_url}/{endpoint}",
                params={**params, "limit": PAGE, "offset": offset},
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


def seat_lists(pages: list[bytes]) -> Lists:
    """The seat list of every live license in the license pages among `pages`."""
    live = {
        row["id"]
        for page in pages
        for row in orjson.loads(page)["rows"]
        if "free_seats_count" in row and row.get("deleted_at") is None
    }
    return [(f"licenses/{license_id}/seats", {}) for license_id in sorted(live)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("api_url")
    parser.add_argument("token")
    parser.add_argument("dsn")
    parser.add_argument("--fetch-only", action="store_true")
    parser.add_argument("--lists", choices=("hardware", "estate"), default="hardware")
    args = parser.parse_args()
    estate = args.lists == "estate"
    table = "floor_records" if estate else "floor_assets"

    started = time.perf_counter()
    pages, requests_sent = download(args.api_url, args.token, ESTATE_LISTS if estate else HARDWARE_LISTS)
    if estate:
        # Seats have no list of their own: one list per live license, as a first load reads them.
        seats, seat_requests = download(args.api_url, args.token, seat_lists(pages))
        pages, requests_sent = pages + seats, requests_sent + seat_requests
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
            conn.execute(f"CREATE TABLE {table} (id bigint, raw jsonb{compression})")
            started = time.perf_counter()
            with conn.cursor() as cur, cur.copy(f"COPY {table} (id, raw) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            result["copy_s"] = time.perf_counter() - started
            result["rows"] = len(rows)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
