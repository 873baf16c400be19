"""How many requests may be in flight at once: Snipe-IT's throttle budget, and fewer when it struggles.

One limiter belongs to each SnipeITClient and every thread that uses the client goes through it,
so several lists read at once (and the removal confirmations) share one in-flight limit and one
throttle budget.

The throttle is Laravel's fixed window per user, begun by the first request the server counts:
answers carry X-RateLimit-Limit and X-RateLimit-Remaining. With several requests in flight the
budget left is the lowest Remaining seen in the window minus the requests still out (some of those
may already be counted: that only makes it careful). When it is spent, nothing is sent until the
window is over, counted from the answer that told of it. Until an answer has told the budget, only
one request is out.

The number in flight follows AIMD: halved on a 429, a 5xx, a timeout or an answer much slower than
the fastest seen for that kind of request (at most once per round of requests), and raised by one
per round of good answers up to SNIPEIT_CONCURRENCY.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

log = logging.getLogger("assetsync")

# An answer this many times slower than the fastest of its kind, and by this many seconds, means the
# server is working harder than it did: it is slowing down under the load we put on it.
SLOW_FACTOR = 3.0
SLOW_MARGIN = 1.0
_DIGITS = re.compile(r"\d+")


def request_kind(path: str, params: Mapping[str, str | int] | None) -> str:
    """Requests whose answers take comparable time: the same path (ids aside) and page size."""
    kind = _DIGITS.sub("#", path)
    if params and "limit" in params:
        kind += f"?limit={params['limit']}"
    return kind


@dataclass
class LimiterStats:
    """Where a run's time with Snipe-IT went."""

    server_wait: float = 0.0  # wall time with at least one request out
    busy: float = 0.0  # the sum of every request's time out (busy / server_wait = pages in flight)
    throttle_wait: float = 0.0  # paused for the throttle window or after a 429
    max_in_flight: int = 0

    @property
    def effective_concurrency(self) -> float:
        return self.busy / self.server_wait if self.server_wait > 0 else 0.0


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


class RequestLimiter:
    """Admits requests to Snipe-IT: the in-flight limit, the throttle budget and the window pause."""

    def __init__(
        self,
        concurrency: int,
        window: float,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        out_of_time: Callable[[str], Exception],
    ) -> None:
        self.concurrency = max(1, concurrency)
        self.window = window
        self._sleep = sleep
        self._clock = clock
        self._out_of_time = out_of_time
        self._cond = threading.Condition()
        self._limit = float(self.concurrency)
        self._in_flight = 0
        self._probing = True  # no answer has told the budget yet: one request at a time
        self._remaining: int | None = None  # lowest X-RateLimit-Remaining seen in this window
        self._window_start: float | None = None
        self._paused_until = 0.0
        self._pausing = False
        self._answers = 0
        self._cut_at = 0
        # kind -> (largest answer, fastest time among answers at least half that size)
        self._fastest: dict[str, tuple[int, float]] = {}
        self._busy_since = 0.0
        self.stats = LimiterStats()

    @property
    def limit(self) -> int:
        """How many requests may be out right now."""
        return 1 if self._probing else max(1, int(self._limit))

    # --- admission ----------------------------------------------------------------------------

    def acquire(self, deadline: float | None) -> float:
        """Wait for a free slot and throttle budget; return the time the request may go."""
        with self._cond:
            while True:
                now = self._clock()
                if self._pausing or now < self._paused_until:
                    self._cond.wait(min(0.1, max(0.01, self._paused_until - now)))
                    continue
                budget = None if self._remaining is None else self._remaining - self._in_flight
                if budget is not None and budget <= 0:
                    if self._in_flight == 0:
                        self._pause_for_window(deadline)
                        continue
                elif self._in_flight < self.limit:
                    self._in_flight += 1
                    if self._in_flight == 1:
                        self._busy_since = now
                    self.stats.max_in_flight = max(self.stats.max_in_flight, self._in_flight)
                    return now
                self._cond.wait(0.1)

    def _pause_for_window(self, deadline: float | None) -> None:
        """Budget spent and nothing out: sleep (without the lock) until the window is over."""
        start = self._window_start
        wait = 0.0 if start is None else start + self.window - self._clock() + 0.05
        if wait > 0:
            if deadline is not None and self._clock() + wait > deadline:
                raise self._out_of_time(
                    f"the run's time budget (ASSETSYNC_RUN_TIMEOUT) would run out while pausing {wait:.0f} s "
                    "for Snipe-IT's rate limit (API_THROTTLE_PER_MINUTE); raise the limit for the API user "
                    "or give the run more time"
                )
            log.info("Rate limit budget used up; pausing %.1f s until the window resets", wait)
            self._pausing = True
            self._cond.release()
            try:
                self._sleep(wait)
            finally:
                self._cond.acquire()
                self._pausing = False
            self.stats.throttle_wait += wait
        self._remaining = None
        self._window_start = None
        self._probing = True
        self._cond.notify_all()

    def release(self, started: float, kind: str, outcome: str, size: int = 0) -> None:
        """A request of `kind` (see request_kind) is back with `size` bytes: `ok`, `busy` (429, 5xx,
        no answer) or `other` (an error that says nothing about load)."""
        with self._cond:
            now = self._clock()
            self._in_flight -= 1
            self.stats.busy += now - started
            if self._in_flight == 0:
                self.stats.server_wait += now - self._busy_since
            self._answers += 1
            if outcome == "busy":
                self._back_off("Snipe-IT answered with an error or not at all")
            elif outcome == "ok":
                self._judge_speed(kind, now - started, size)
            self._cond.notify_all()

    def _judge_speed(self, kind: str, elapsed: float, size: int) -> None:
        largest, fastest = self._fastest.get(kind, (0, elapsed))
        if size >= 2 * largest:  # a bigger class of answer (the first full page): a new yardstick
            largest, fastest = size, elapsed
        largest = max(largest, size)
        # A short answer (the last page of a list) is no measure of the server's speed.
        judged = 2 * size >= largest
        self._fastest[kind] = (largest, min(fastest, elapsed) if judged else fastest)
        if judged and elapsed > SLOW_FACTOR * fastest and elapsed - fastest > SLOW_MARGIN:
            self._back_off(f"Snipe-IT slowed down ({elapsed:.1f} s for an answer, {fastest:.1f} s at best)")
            return
        if self._limit < self.concurrency:
            self._limit = min(float(self.concurrency), self._limit + 1 / max(1.0, self._limit))

    def _back_off(self, why: str) -> None:
        # Once per round: the answers already out were sent before this one was seen.
        if self._answers - self._cut_at < max(1, int(self._limit)) and self._cut_at:
            return
        self._cut_at = self._answers
        if self._limit > 1:
            self._limit = max(1.0, self._limit / 2)
            log.info("%s; now at most %d request(s) in flight", why, int(self._limit))

    # --- what answers say about the throttle ---------------------------------------------------

    def observe(self, headers: Mapping[str, str], sent_at: float) -> None:
        remaining = _int_header(headers, "X-RateLimit-Remaining")
        with self._cond:
            if remaining is None:
                self._probing = False  # no throttle headers: only 429s will tell
                return
            known = self._remaining
            if (
                known is None
                or self._window_start is None
                or sent_at >= self._window_start + self.window
                # Answers can arrive out of order, but only by the requests out at once.
                or remaining > known + self.concurrency
            ):
                # The server began this window when the request reached it, somewhere between
                # sending and this answer; counting from the answer means the pause at its end is
                # never too short (from the sending, a request that reached a busy server late made
                # the request after the pause land in the old window: a 429).
                self._window_start = self._clock()
                self._remaining = remaining
            else:
                self._remaining = min(known, remaining)
            self._probing = False
            self._cond.notify_all()

    def hold(self, seconds: float) -> None:
        """A 429: send nothing more until the retry wait is over, and count it as throttle time."""
        with self._cond:
            now = self._clock()
            until = max(self._paused_until, now + seconds)
            # 429s that arrive together hold the same stretch of time: count it once.
            self.stats.throttle_wait += until - max(self._paused_until, now)
            self._paused_until = until

    def wait_after_429(self) -> float | None:
        """How long until the current window ends, if the window is known."""
        with self._cond:
            if self._window_start is None:
                return None
            return max(0.5, self._window_start + self.window - self._clock() + 0.05)

    def reset(self) -> None:
        """After a retry wait the window has moved on: learn the budget again."""
        with self._cond:
            self._remaining = None
            self._window_start = None
            self._probing = True
            self._cond.notify_all()

    def summary(self) -> str:
        s = self.stats
        return (
            f"{s.effective_concurrency:.1f} request(s) in flight on average (at most {s.max_in_flight}, "
            f"SNIPEIT_CONCURRENCY={self.concurrency}); {s.server_wait:.1f} s waiting on Snipe-IT, "
            f"{s.throttle_wait:.1f} s waiting for its throttle"
        )
