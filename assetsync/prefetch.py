"""Run a page generator on a worker thread so the next HTTP request overlaps the current COPY."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def prefetch(source: Iterator[T], depth: int = 4) -> Iterator[T]:
    """Yield what `source` yields, produced ahead by at most `depth` items on another thread.

    Memory stays bounded by `depth` pages. An exception in the source is re-raised here, in the
    consumer; if the consumer stops early (error, Ctrl-C), the worker is told to stop.
    """
    if depth <= 0:
        yield from source
        return
    items: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in source:
                if not put(item):
                    return
        except BaseException as exc:  # handed to the consumer, which decides
            put(_Failure(exc))
            return
        put(_DONE)

    worker = threading.Thread(target=work, name="assetsync-fetch", daemon=True)
    worker.start()
    try:
        while True:
            try:
                item = items.get(timeout=0.2)
            except queue.Empty:
                if not worker.is_alive() and items.empty():
                    raise RuntimeError("the page reader stopped without a word") from None
                continue
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        # A worker stuck in a slow request stops on its own (it is a daemon and checks `stop`);
        # waiting for it here would hold up recording an interrupted run by a read timeout.
        worker.join(timeout=0.2)
