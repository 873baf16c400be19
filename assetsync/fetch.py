"""Reading every hardware asset: three passes, overlapping offset pages, completeness proof.

Offset paging is not a snapshot: an asset deleted or archived before the current position pulls
every later row up by one, and the row at the page boundary is silently skipped. Each page
therefore re-reads the last row of the previous one: if that row is not where it was, rows moved,
and the client steps back until the pages join again. Nothing can be skipped unnoticed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from assetsync.pages import PageReader, each_at_once, list_page
from assetsync.snipeit import BadResponseError, SnipeITClient, SnipeITError

log = logging.getLogger("assetsync")

# (pass name, extra query parameters). The default list hides archived and soft-deleted assets.
PASSES: tuple[tuple[str, Mapping[str, str]], ...] = (
    ("default", {}),
    ("Archived", {"status": "Archived"}),
    ("Deleted", {"status": "Deleted"}),
)
MAX_PASS_ATTEMPTS = 3
SORT_BY_ID = ("id", "asc")


class IncompleteFetchError(SnipeITError):
    """The passes did not add up to the totals Snipe-IT reported, even after re-reading."""


@dataclass
class Page:
    """Rows of one list page that this pass has not seen yet."""

    pass_name: str
    rows: list[dict[str, Any]]
    offset: int
    total: int


@dataclass
class PassReport:
    """What one pass saw: totals at start and end, distinct ids, pages and the page cap."""

    name: str
    first_total: int | None = None
    last_total: int | None = None
    ids: set[int] = field(default_factory=set)
    pages: int = 0
    page_cap: int | None = None
    attempts: int = 0
    resyncs: int = 0
    joined_behind: int = 0

    @property
    def consistent(self) -> bool:
        # More ids than the final total is fine: something left this list while we read it and
        # will be found in another pass or confirmed by id. Fewer means something was missed,
        # and so may an asset that joined behind the current position.
        return self.last_total is not None and len(self.ids) >= self.last_total and not self.joined_behind


@dataclass
class FetchReport:
    passes: list[PassReport] = field(default_factory=list)

    @property
    def page_cap(self) -> int | None:
        caps = [p.page_cap for p in self.passes if p.page_cap]
        return min(caps) if caps else None


def _row_id(row: Any) -> int:
    """The asset id of a row; a string of ASCII digits counts, anything else fails the run."""
    if not isinstance(row, dict):
        raise BadResponseError(f"Snipe-IT sent a list row that is not an object: {str(row)[:100]!r}")
    value = row.get("id")
    if isinstance(value, bool) or not isinstance(value, int):
        # str.isdigit() also accepts '²' and other digits int() refuses: ASCII only.
        if isinstance(value, str) and value.isascii() and value.isdigit():
            return int(value)
        raise BadResponseError(
            f"Snipe-IT sent an asset whose id is not a whole number: {str(value)[:50]!r}; "
            "the asset cannot be stored, so nothing was changed"
        )
    return value


def _noun(endpoint: str) -> str:
    """What a list's rows are called in messages: hardware rows are assets."""
    return "assets" if endpoint == "hardware" else endpoint.replace("/", " ")


def _anchor(joined: list[int], ids: list[int]) -> tuple[int, bool] | None:
    """Where the page joins the last one: the position of the last of `joined`'s rows it holds, and
    whether that row is the very last one. None when the two pages share no row."""
    if not ids:
        return None
    where = {v: i for i, v in enumerate(ids)}
    for j in range(len(joined) - 1, -1, -1):
        i = where.get(joined[j])
        if i is not None:
            return i, j == len(joined) - 1
    return None


def iter_pass(
    client: SnipeITClient,
    name: str,
    params: Mapping[str, str],
    page_size: int,
    report: PassReport,
    *,
    endpoint: str = "hardware",
    sort: tuple[str, str] = SORT_BY_ID,
) -> Iterator[Page]:
    """Yield the new rows of one pass, page by page in list order, each id once.

    Pages are requested ahead (up to the client's concurrency) at the offsets the plan expects;
    every page is still checked against the one before it, in order, once it has arrived.
    """
    by_id = tuple(sort) == SORT_BY_ID
    noun = _noun(endpoint)
    query = {**params, "sort": sort[0], "order": sort[1]}
    with PageReader(client, endpoint, query, client.concurrency) as reader:
        yield from _paginate(reader, name, page_size, report, by_id, noun, endpoint)


def _paginate(
    reader: PageReader, name: str, page_size: int, report: PassReport, by_id: bool, noun: str, endpoint: str
) -> Iterator[Page]:
    offset = 0
    limit = page_size
    joined: list[int] | None = None  # ids of the last page taken: the next page must share a row with it
    page_budget: int | None = None
    previous: tuple[int, int] | None = None  # (offset, first id) of the last page
    stepped_back = False
    end = 0  # the list's length as last reported: where reading ahead stops
    while True:
        # Once the first page has told the page cap and the total, the next pages are read ahead.
        total, rows = reader.read(offset, limit, step=max(1, limit - 1) if end else 0, end=end)
        report.pages += 1
        if report.first_total is None:
            report.first_total = total
        report.last_total = total
        if page_budget is None:
            page_budget = 3 * (total // max(1, min(limit, len(rows) or limit)) + 2) + 10
        elif report.pages > page_budget:
            raise BadResponseError(
                f"the {name} list did not come to an end after {report.pages} pages; Snipe-IT does not "
                "seem to honour offset paging"
            )
        ids = [_row_id(r) for r in rows]
        if ids and previous is not None and previous[0] != offset and previous[1] == ids[0]:
            raise BadResponseError(
                f"Snipe-IT returned the same {name} page for offsets {previous[0]} and {offset}; "
                "it does not honour offset paging, so the list cannot be read reliably"
            )
        previous = (offset, ids[0]) if ids else None
        for row, row_id in zip(rows, ids, strict=True):
            row["id"] = row_id  # an id sent as a digit string becomes the integer it means
        if by_id and any(b <= a for a, b in pairwise(ids)):
            raise BadResponseError(
                f"Snipe-IT did not return {noun} in id order (sort=id&order=asc was ignored); "
                "the list cannot be read reliably"
            )
        if joined is not None and ids:
            found = _anchor(joined, ids)
            if found is None and offset > 0:
                # No row of the last page is here: rows moved up (something before us left the
                # list), so a row may have been jumped over. Step back until the pages join again.
                report.resyncs += 1
                log.info(
                    "%s pass: rows moved while paging %s at offset %d; re-reading an earlier page",
                    name,
                    endpoint,
                    offset,
                )
                offset = max(0, offset - limit)
                stepped_back = True
                continue
            if found is not None and (found[0] > 0 or not found[1]) and not stepped_back:
                # Rows moved down: something joined this list behind us (restored, unarchived)
                # and this pass has not read it. The pass is read again once it ends.
                report.joined_behind += 1
        if report.page_cap is None and len(rows) < limit and offset + len(rows) < total:
            # Fewer rows than asked for with more to come: the server's MAX_RESULTS cap.
            report.page_cap = len(rows)
            log.info("Snipe-IT caps pages at %d rows (asked for %d)", len(rows), limit)
            limit = len(rows)
        fresh = [r for r in rows if r["id"] not in report.ids]
        if fresh:
            report.ids.update(r["id"] for r in fresh)
            yield Page(pass_name=name, rows=fresh, offset=offset, total=total)
        if not rows or offset + len(rows) >= total:
            # `total` is counted in the same request as the rows, so nothing lies beyond.
            return
        stepped_back = False
        joined = ids
        end = total
        # Overlap one row with the next page so that a shift between requests is noticed.
        offset += max(1, len(rows) - 1)


def _read_pass(
    client: SnipeITClient,
    name: str,
    params: Mapping[str, str],
    page_size: int,
    first_attempt: int = 1,
    *,
    endpoint: str,
    sort: tuple[str, str],
) -> Iterator[Page | PassReport]:
    """Read one pass until it adds up; yield its pages, then its report."""
    noun = _noun(endpoint)
    for attempt in range(first_attempt, first_attempt + MAX_PASS_ATTEMPTS):
        pass_report = PassReport(name=name, attempts=attempt)
        yield from iter_pass(client, name, params, page_size, pass_report, endpoint=endpoint, sort=sort)
        if pass_report.consistent:
            yield pass_report
            return
        log.warning(
            "%s pass: %d distinct %s but Snipe-IT now reports %s (was %s)%s; reading the pass again",
            name,
            len(pass_report.ids),
            noun,
            pass_report.last_total,
            pass_report.first_total,
            f", and one of the {noun} joined the list behind the read position"
            if pass_report.joined_behind
            else "",
        )
    raise IncompleteFetchError(
        f"the {name} list could not be read consistently in {MAX_PASS_ATTEMPTS} attempts "
        f"({len(pass_report.ids)} {noun} read, Snipe-IT reports {pass_report.last_total}); "
        f"{noun} are changing too fast or the server is inconsistent; nothing was changed, "
        "run the sync again later"
    )


def _current_totals(
    client: SnipeITClient,
    endpoint: str,
    passes: Sequence[tuple[str, Mapping[str, str]]],
    sort: tuple[str, str],
) -> list[int]:
    """Every pass's total as it is now, asked for all at once."""

    def total(params: Mapping[str, str]) -> int:
        return list_page(client, endpoint, {**params, "sort": sort[0], "order": sort[1]}, 0, 1)[0]

    return each_at_once(client, total, [params for _, params in passes])


def iter_all(
    client: SnipeITClient,
    page_size: int,
    report: FetchReport,
    *,
    endpoint: str = "hardware",
    passes: Sequence[tuple[str, Mapping[str, str]]] = PASSES,
    sort: tuple[str, str] = SORT_BY_ID,
) -> Iterator[Page]:
    """Yield every row of every pass of one list; raise IncompleteFetchError if a pass cannot be
    proven whole. Pages come in list order, pass after pass, whatever the client's concurrency.

    A row that moves from a list not read yet into one already read (say an asset from Archived to
    the default list between the two passes) would be in neither. So once all passes are read, each
    list's total is asked for again, and a list that grew past what was read is read once more.
    """
    noun = _noun(endpoint)
    done: dict[str, PassReport] = {}
    for name, params in passes:
        for item in _read_pass(client, name, params, page_size, endpoint=endpoint, sort=sort):
            if isinstance(item, PassReport):
                done[name] = item
            else:
                yield item
        finished = done[name]
        log.info(
            "%s pass: %d %s in %d pages (total reported %s)",
            name,
            len(finished.ids),
            noun,
            finished.pages,
            finished.last_total,
        )
    # The totals are asked for together; after a list is read again, those of the lists after it
    # are asked for again, since an asset may have moved while that list was read.
    first = 0
    while first < len(passes):
        totals = _current_totals(client, endpoint, passes[first:], sort)
        grown = [k for k, now in enumerate(totals) if now > len(done[passes[first + k][0]].ids)]
        if not grown:
            break
        first += grown[0]
        name, params = passes[first]
        log.warning(
            "%s list grew to %d %s while the other lists were read (%d read); reading it again",
            name,
            totals[grown[0]],
            noun,
            len(done[name].ids),
        )
        again = _read_pass(
            client, name, params, page_size, done[name].attempts + 1, endpoint=endpoint, sort=sort
        )
        for item in again:
            if isinstance(item, PassReport):
                item.ids |= done[name].ids
                done[name] = item
            else:
                yield item
        first += 1
    report.passes.extend(done[name] for name, _ in passes)
