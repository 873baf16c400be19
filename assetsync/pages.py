"""Reading one list's pages ahead of the pager, several at once, handed back strictly in order.

The pager asks for one page at a time, as it always did; this reader has already requested the
pages the plan says come next (the same offsets the pager will ask for if nothing moves), so their
latency overlaps. When the pager asks for a page off the plan (it stepped back after a shift, or
learnt a smaller page cap), the pages read ahead are dropped and the plan restarts from there.
At most `depth` pages are requested or held at once, so memory stays bounded by the pages in flight;
how many are really out at a time is the client's limiter's business.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from assetsync.snipeit import ApiErrorBody, BadResponseError, SnipeITClient

PageData = tuple[int, list[Any]]  # (total, rows)
T = TypeVar("T")
R = TypeVar("R")


def list_page(
    client: SnipeITClient, endpoint: str, params: Mapping[str, str], offset: int, limit: int
) -> PageData:
    """One page of a Snipe-IT list, checked for the usual {total, rows} shape."""
    query: dict[str, str | int] = {**params, "limit": limit, "offset": offset}
    data = client.get(endpoint, query).data
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise BadResponseError(
            f"Snipe-IT's {endpoint} list did not have the usual {{total, rows}} shape; "
            "check that SNIPEIT_API_URL points at Snipe-IT"
        )
    total = data.get("total")
    if isinstance(total, bool) or not isinstance(total, int):
        raise BadResponseError(f"Snipe-IT's {endpoint} list had no whole-number total ({total!r})")
    return total, data["rows"]


class PageReader:
    """Pages of one list (endpoint + params), read up to `depth` at once; use it as a context."""

    def __init__(self, client: SnipeITClient, endpoint: str, params: Mapping[str, str], depth: int) -> None:
        self._client = client
        self._endpoint = endpoint
        self._params = params
        self.depth = max(1, depth)
        self._pool = (
            ThreadPoolExecutor(max_workers=self.depth, thread_name_prefix="assetsync-page")
            if self.depth > 1
            else None
        )
        self._ahead: deque[tuple[int, int, Future[PageData]]] = deque()

    def __enter__(self) -> PageReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, offset: int, limit: int, *, step: int = 0, end: int = 0) -> PageData:
        """The page at `offset`; with a `step`, also request the pages at offset + k * step below `end`."""
        head = self._ahead[0] if self._ahead else None
        if head is not None and head[:2] == (offset, limit):
            future = self._ahead.popleft()[2]
        else:
            self._drop()
            if self._pool is None:
                return list_page(self._client, self._endpoint, self._params, offset, limit)
            future = self._submit(offset, limit)
        if step > 0 and self._pool is not None:
            planned = self._ahead[-1][0] if self._ahead else offset
            while len(self._ahead) < self.depth - 1 and planned + step < end:
                planned += step
                self._ahead.append((planned, limit, self._submit(planned, limit)))
        return future.result()

    def _submit(self, offset: int, limit: int) -> Future[PageData]:
        assert self._pool is not None
        return self._pool.submit(list_page, self._client, self._endpoint, self._params, offset, limit)

    def _drop(self) -> None:
        """Forget the pages read ahead: those not started are cancelled, the others end unread."""
        while self._ahead:
            self._ahead.popleft()[2].cancel()

    def close(self) -> None:
        self._drop()
        if self._pool is not None:
            # Not waiting: a request still out ends within its timeout and the run's budget, and
            # waiting here would hold up reporting the failure that made us stop.
            self._pool.shutdown(wait=False, cancel_futures=True)


def each_at_once(client: SnipeITClient, work: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """`work` on every item, as many at once as the client allows; results in the order of `items`,
    and the first failure in that order is raised."""
    if client.concurrency == 1 or len(items) < 2:
        return [work(i) for i in items]
    pool = ThreadPoolExecutor(
        max_workers=min(client.concurrency, len(items)), thread_name_prefix="assetsync-get"
    )
    try:
        futures = [pool.submit(work, i) for i in items]
        return [f.result() for f in futures]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def get_each(client: SnipeITClient, paths: Sequence[str]) -> list[Any]:
    """GET several documents, as many at once as the client allows, answers in the order asked.

    Snipe-IT's error bodies come back as ApiErrorBody values (a record that does not exist is an
    answer too); any other failure is raised, the first in the order asked.
    """

    def one(path: str) -> Any:
        try:
            return client.get(path).data
        except ApiErrorBody as exc:
            return exc

    return each_at_once(client, one, paths)
