"""Reading every seat of one license, whatever order Snipe-IT pages them in.

`/licenses/{id}/seats` has two traps (shared/docs §5.2):

- v8.1.4 orders seats by `updated_at` only, and every seat a license was created with shares one
  timestamp, so with more seats than fit a page the database may order the tied rows differently
  for each page: paging by offset then repeats some seats and skips others. Seats are collected by
  id, and a read that comes back short of `total` is read again in the other order (and again,
  alternating, with the page size shifted by one every second read so that the pages differ)
  until every seat has been seen (at most 16 reads; for seats that fit one page, until two reads
  in a row bring nothing new).
- An offset at or past `total` returns the first page again instead of an empty one, so paging
  stops on `total`, never on an empty page.

A license whose seats cannot all be seen fails the run before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assetsync.pages import list_page
from assetsync.snipeit import ApiErrorBody, BadResponseError, SnipeITClient

Row = dict[str, Any]

# Reads of the whole list before giving up; each after the first only runs when the ones before
# came back short, which takes a license with more seats than a page and tied timestamps. Against
# a database that orders tied seats anew for every page, each read of a three-page license sees
# about 70% of them, so the last few can take many reads: 16 leave a chance in a million.
MAX_READS = 16
# A license whose seats fit one page cannot be short for paging's sake: after two reads in a row
# that found nothing new, a seat Snipe-IT counts is one it does not list. Give up then.
FRUITLESS_READS = 2


class IncompleteSeatsError(BadResponseError):
    """A license's seats could not all be read: nothing is written."""


@dataclass
class LicenseSeats:
    """One license's seats by id, and what reading them cost."""

    license_id: int
    rows: dict[int, Row] = field(default_factory=dict)
    requests: int = 0
    reads: int = 0


def read_license_seats(client: SnipeITClient, license_id: int, limit: int) -> LicenseSeats:
    """Every seat of the license (newest first, then alternating orders while reads come back
    short); raises IncompleteSeatsError when they cannot all be seen."""
    seats = LicenseSeats(license_id)
    total, fruitless = 0, 0
    for attempt in range(MAX_READS):
        before = len(seats.rows)
        # Alternate the order, and from the third read on shift the page size by one each time:
        # the database orders tied rows anew for each LIMIT and OFFSET, so new page boundaries
        # bring seats the earlier reads' pages skipped.
        order, size = ("desc" if attempt % 2 == 0 else "asc"), max(1, limit - attempt // 2)
        try:
            total = _read_once(client, seats, order, size)
        except ApiErrorBody as exc:
            if not exc.not_found:
                raise
            raise IncompleteSeatsError(
                f"Snipe-IT listed license {license_id} but then said it does not exist when its seats "
                "were read (deleted during the run, or hidden from the token's user); nothing was "
                "changed, and the next run reads it again"
            ) from None
        if len(seats.rows) > total:
            # Seats were removed while the license was read: start over from what is there now.
            seats.rows.clear()
            continue
        if len(seats.rows) == total:
            return seats
        fruitless = fruitless + 1 if len(seats.rows) == before and total <= size else 0
        if fruitless >= FRUITLESS_READS:
            break
    raise IncompleteSeatsError(
        f"the seats of license {license_id} could not be read completely: Snipe-IT counts {total} "
        f"seats but {seats.reads} reads of /licenses/{license_id}/seats returned {len(seats.rows)} "
        "different ones (seats were changing, or their order moved between pages); nothing was "
        "changed, and the next run reads them again"
    )


def _read_once(client: SnipeITClient, seats: LicenseSeats, order: str, limit: int) -> int:
    """One pass over the list in `order`, adding every seat seen; returns the last `total`."""
    path = f"licenses/{seats.license_id}/seats"
    seats.reads += 1
    offset = 0
    while True:
        total, rows = list_page(client, path, {"order": order}, offset, limit)
        seats.requests += 1
        for row in rows:
            if not isinstance(row, dict) or type(row.get("id")) is not int:
                raise BadResponseError(f"a row of /{path} had no whole-number id")
            seats.rows[row["id"]] = row
        offset += len(rows)
        # Stop on the total: past it Snipe-IT answers with the first page again.
        if not rows or offset >= total:
            return total
