"""Reading the activity log: the whole of it once (the backfill), then only what is new.

/reports/activity has no `id > N` filter, and in ascending order nobody knows the offset of the
last id stored, so (shared/docs §6.7):

- the backfill reads `sort=id&order=asc`, advancing by the rows received, and commits every
  `CHUNK_PAGES` pages with its position; a run that fails keeps those chunks and the next one
  continues from the position, never downloading committed entries again;
- later runs read `sort=id&order=desc` from offset 0 and stop at the first page that reaches
  `OVERLAP` ids (at most half a page) below the highest stored (re-reading those catches late
  edits), so a run with nothing new costs one request.

Every page after the first re-reads the last row of the page before. Rows added while paging
only repeat rows (the merge keeps one copy per id); a row deleted behind the read position moves
an unread row up past it, which that re-read notices, and the pager steps back a page instead of
skipping it.
"""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from assetsync.activity.rows import record, withhold_license_key
from assetsync.fields import RowReader
from assetsync.results import EntityCounts
from assetsync.snipeit import BadResponseError, PermissionDeniedError, SnipeITClient
from assetsync.store.activity import ActivityTable

if TYPE_CHECKING:
    from assetsync.pipeline import RunContext

log = logging.getLogger("assetsync")

PATH = "reports/activity"
PERMISSION = "reports.view"
OVERLAP = 100  # ids below the highest stored that each later run reads again (at most half a page)
CHUNK_PAGES = 20  # backfill pages per committed chunk (10,000 entries at 500 a page)
Row = dict[str, Any]


def read_activity(ctx: RunContext, table: ActivityTable, counts: EntityCounts) -> None:
    """Read what is new in the log. A backfill commits as it goes; an incremental read leaves its
    entries staged for the run's merge transaction (`ActivityTable.merge`)."""
    reader = RowReader("activity entry")
    limit = ctx.settings.page_size

    def records(rows: list[Row]) -> Iterator[tuple[Any, ...]]:
        for row in rows:
            yield record(row if ctx.settings.store_license_keys else withhold_license_key(row), reader)

    table.create_stage()
    with permission_named():
        state = table.backfill()
        if not state.done:
            resume = table.high_water() if state.offset else None
            if state.offset:
                log.info("Continuing the activity backfill at entry %d", state.offset)
            position = state.offset
            for rows, position in pages(ctx.client, "asc", limit, state.offset, resume):
                counts.pages += 1
                counts.fetched += table.copy_rows(records(rows), counts.pages)
                if counts.pages % CHUNK_PAGES == 0:
                    _add(counts, table.commit_chunk(position, done=False))
                if counts.pages % 100 == 0:
                    gc.collect()  # automatic collection is paused while pages stream (reading.py)
            _add(counts, table.commit_chunk(position, done=True))
            log.info("Activity backfill finished at position %d of the log", position)
        else:
            # Half a page at most, so that a run with nothing new still costs one request.
            floor = table.high_water() - min(OVERLAP, limit // 2)
            for rows, _ in pages(ctx.client, "desc", limit, 0, None):
                counts.pages += 1
                counts.fetched += table.copy_rows(records(rows), counts.pages)
                if any(r["id"] <= floor for r in rows):
                    break
    reader.problems.summary()


def _add(counts: EntityCounts, merged: tuple[int, int]) -> None:
    counts.inserted += merged[0]
    counts.updated += merged[1]


def pages(
    client: SnipeITClient, order: str, limit: int, offset: int, last: int | None
) -> Iterator[tuple[list[Row], int]]:
    """(rows, position after them) per page from `offset` to the end of the log (the caller may
    stop earlier). `last` is the id read just before `offset`, when there is one."""

    # A row on the already-read side of `last`: lower ids ascending, higher ids descending.
    def read_before(row_id: int, before: int) -> bool:
        return row_id <= before if order == "asc" else row_id >= before

    while True:
        at = max(offset - 1, 0) if last is not None else offset
        rows = _page(client, order, at, limit)
        if last is not None and at > 0 and (not rows or not read_before(rows[0]["id"], last)):
            # Rows behind the position vanished, so unread rows moved up past it: a page back.
            offset, last = max(at - limit, 0), None
            continue
        yield rows, at + len(rows)
        if len(rows) < limit:
            return
        offset, last = at + len(rows), rows[-1]["id"]


def _page(client: SnipeITClient, order: str, offset: int, limit: int) -> list[Row]:
    data = client.get(PATH, {"sort": "id", "order": order, "offset": offset, "limit": limit}).data
    rows = data.get("rows") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) and type(r.get("id")) is int for r in rows):
        raise BadResponseError(
            f"the {PATH} page at offset {offset} did not have the usual {{total, rows}} shape"
        )
    return rows


@contextlib.contextmanager
def permission_named() -> Iterator[None]:
    """A 403 on the log names the permission and the setting that turns the log off."""
    try:
        yield
    except PermissionDeniedError:
        raise PermissionDeniedError(
            f"Snipe-IT answered 403 for /{PATH}: the token's user may not view the activity report; "
            f"give it the '{PERMISSION}' permission (Reports: View), or set ASSETSYNC_ACTIVITY=false; "
            "nothing was changed"
        ) from None
