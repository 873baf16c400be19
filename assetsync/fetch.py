"""Reading every row of a Snipe-IT list: its passes, overlapping offset pages, completeness proof.

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

from assetsync.snipeit import BadResponseError, SnipeITClient, SnipeITError

log = logging.getLogger("assetsync")

# (pass name, extra query parameters). The default list hides archived and soft-deleted assets.
PASSES: tuple[tuple[str, Mapping[str, str]], ...] = (
    ("default", {}),
    ("Archived", {"status": "Archived"}),
    ("Deleted", {"status": "Deleted"}),
)
MAX_PASS_ATTEMPTS = 3


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
    """The id of a row; a string of ASCII digits counts, anything else fails the run."""
    if not isinstance(row, dict):
        raise BadResponseError(f"Snipe-IT sent a list row that is not an object: {str(row)[:100]!r}")
    value = row.get("id")
    if isinstance(value, bool) or not isinstance(value, int):
        # str.isdigit() also accepts '²' and other digits int() refuses: ASCII only.
        if isinstance(value, str) and value.isascii() and value.isdigit():
            return int(value)
        raise BadResponseError(
            f"Snipe-IT sent a row whose id is not a whole number: {str(value)[:50]!r}; "
            "the row cannot be stored, so nothing was changed"
        )
    return value


@dataclass(frozen=True)
class ListSpec:
    """Which list to read: the endpoint under /api/v1 and the order asked for."""

    endpoint: str = "hardware"
    sort: tuple[str, str] = ("id", "asc")

    @property
    def by_id(self) -> bool:
        return self.sort == ("id", "asc")


def _list_page(
    client: SnipeITClient, spec: ListSpec, params: Mapping[str, str], offset: int, limit: int
) -> tuple[int, list[Any]]:
    query: dict[str, str | int] = {
        **params, "limit": limit, "offset": offset, "sort": spec.sort[0], "order": spec.sort[1]
    }  # fmt: skip
    data = client.get(spec.endpoint, query).data
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise BadResponseError(
            f"Snipe-IT's {spec.endpoint} list did not have the usual {{total, rows}} shape; "
            "check that SNIPEIT_API_URL points at Snipe-IT"
        )
    total = data.get("total")
    if isinstance(total, bool) or not isinstance(total, int):
        raise BadResponseError(f"Snipe-IT's {spec.endpoint} list had no whole-number total ({total!r})")
    return total, data["rows"]


def iter_pass(
    client: SnipeITClient,
    name: str,
    params: Mapping[str, str],
    page_size: int,
    report: PassReport,
    spec: ListSpec = ListSpec(),
) -> Iterator[Page]:
    """Yield the new rows of one pass, page by page, in list order, each id once."""
    offset = 0
    last_id: int | None = None
    limit = page_size
    page_budget: int | None = None
    previous: tuple[int, int] | None = None  # (offset, first id) of the last page
    stepped_back = False
    while True:
        total, rows = _list_page(client, spec, params, offset, limit)
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
        for row, asset_id in zip(rows, ids, strict=True):
            row["id"] = asset_id  # an id sent as a digit string becomes the integer it means
        if spec.by_id and any(b <= a for a, b in pairwise(ids)):
            raise BadResponseError(
                "Snipe-IT did not return assets in id order (sort=id&order=asc was ignored); "
                "the list cannot be read reliably"
            )
        start = 0
        if last_id is not None and ids:
            if last_id in ids:
                start = ids.index(last_id) + 1
                if start > 1 and not stepped_back:
                    # Rows moved down: an asset joined this list behind us (restored, unarchived)
                    # and this pass has not read it. The pass is read again once it ends.
                    report.joined_behind += 1
            elif not spec.by_id:
                # Without id order the missing joining row cannot say which way rows moved: read on,
                # and read the whole pass again once it ends.
                report.joined_behind += 1
            elif ids[0] > last_id:
                # Rows moved up (something before us left the list), so the row that joins this
                # page to the last one is gone and a row may have been jumped over: step back.
                report.resyncs += 1
                log.info(
                    "%s pass: rows moved while paging at offset %d; re-reading an earlier page", name, offset
                )
                offset = max(0, offset - limit)
                stepped_back = True
                continue
            else:
                start = next((i for i, v in enumerate(ids) if v > last_id), len(ids))
        if report.page_cap is None and len(rows) < limit and offset + len(rows) < total:
            # Fewer rows than asked for with more to come: the server's MAX_RESULTS cap.
            report.page_cap = len(rows)
            log.info("Snipe-IT caps pages at %d rows (asked for %d)", len(rows), limit)
            limit = len(rows)
        fresh = [(i, r) for i, r in zip(ids[start:], rows[start:], strict=True) if i not in report.ids]
        if fresh:
            report.ids.update(i for i, _ in fresh)
            yield Page(pass_name=name, rows=[r for _, r in fresh], offset=offset, total=total)
        if not rows or offset + len(rows) >= total:
            # `total` is counted in the same request as the rows, so nothing lies beyond.
            return
        stepped_back = False
        last_id = max(last_id or ids[-1], ids[-1]) if spec.by_id else ids[-1]
        # Overlap one row with the next page so that a shift between requests is noticed.
        offset += max(1, len(rows) - 1)


def _read_pass(
    client: SnipeITClient,
    name: str,
    params: Mapping[str, str],
    page_size: int,
    spec: ListSpec,
    first_attempt: int = 1,
) -> Iterator[Page | PassReport]:
    """Read one pass until it adds up; yield its pages, then its report."""
    for attempt in range(first_attempt, first_attempt + MAX_PASS_ATTEMPTS):
        pass_report = PassReport(name=name, attempts=attempt)
        yield from iter_pass(client, name, params, page_size, pass_report, spec)
        if pass_report.consistent:
            yield pass_report
            return
        log.warning(
            "%s %s pass: %d distinct rows but Snipe-IT now reports %s (was %s)%s; reading the pass again",
            spec.endpoint,
            name,
            len(pass_report.ids),
            pass_report.last_total,
            pass_report.first_total,
            ", and a row joined the list behind the read position" if pass_report.joined_behind else "",
        )
    raise IncompleteFetchError(
        f"the {spec.endpoint} {name} list could not be read consistently in {MAX_PASS_ATTEMPTS} attempts "
        f"({len(pass_report.ids)} rows read, Snipe-IT reports {pass_report.last_total}); "
        "records are changing too fast or the server is inconsistent; nothing was changed, "
        "run the sync again later"
    )


def _current_total(client: SnipeITClient, spec: ListSpec, params: Mapping[str, str]) -> int:
    return _list_page(client, spec, params, 0, 1)[0]


def iter_all(
    client: SnipeITClient,
    page_size: int,
    report: FetchReport,
    *,
    endpoint: str = "hardware",
    passes: Sequence[tuple[str, Mapping[str, str]]] = PASSES,
    sort: tuple[str, str] = ("id", "asc"),
) -> Iterator[Page]:
    """Yield every row of every pass; raise IncompleteFetchError if a pass cannot be proven whole.

    An asset that moves from a list not read yet into one already read (say from Archived to the
    default list between the two passes) would be in neither. So once all passes are read, each
    list's total is asked for again, and a list that grew past what was read is read once more.
    """
    spec = ListSpec(endpoint, sort)
    done: dict[str, PassReport] = {}
    for name, params in passes:
        for item in _read_pass(client, name, params, page_size, spec):
            if isinstance(item, PassReport):
                done[name] = item
            else:
                yield item
        finished = done[name]
        log.info(
            "%s %s pass: %d rows in %d pages (total reported %s)",
            endpoint,
            name,
            len(finished.ids),
            finished.pages,
            finished.last_total,
        )
    for name, params in passes if len(passes) > 1 else ():
        now = _current_total(client, spec, params)
        if now > len(done[name].ids):
            log.warning(
                "%s %s list grew to %d rows while the other lists were read (%d read); reading it again",
                endpoint,
                name,
                now,
                len(done[name].ids),
            )
            for item in _read_pass(client, name, params, page_size, spec, done[name].attempts + 1):
                if isinstance(item, PassReport):
                    item.ids |= done[name].ids
                    done[name] = item
                else:
                    yield item
    report.passes.extend(done[name] for name, _ in passes)
