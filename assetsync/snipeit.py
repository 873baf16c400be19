"""The Snipe-IT HTTP client: one session, timeouts, retries with backoff, pacing, clear errors."""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import requests
import urllib3

from assetsync import __version__
from assetsync.limiter import RequestLimiter, request_kind
from assetsync.redact import first_line

# The errors are the client's vocabulary: callers import them from here.
from assetsync.snipeit_answers import (
    ApiErrorBody,
    AuthenticationError,
    BadResponseError,
    OutOfTimeError,
    PermissionDeniedError,
    SnipeITError,
    TLSError,
    UnreachableError,
    WrongURLError,
    body_message,
    decode_json,
)

__all__ = [
    "ApiErrorBody",
    "AuthenticationError",
    "BadResponseError",
    "OutOfTimeError",
    "PermissionDeniedError",
    "Response",
    "RetryPolicy",
    "SnipeITClient",
    "SnipeITError",
    "TLSError",
    "UnreachableError",
    "WrongURLError",
    "decode_json",
]

log = logging.getLogger("assetsync")

RETRIABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
BODY_CHUNK = 64 * 1024
# No (whole) answer: worth a retry, and a sign of load.
_NO_ANSWER = (
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    # The body ended before its Content-Length (a dropped connection, a proxy cut-off).
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts per request, the wait cap, and the whole run's deadline."""

    max_retries: int = 6
    max_wait: float = 65.0
    base_wait: float = 1.0


@dataclass
class Response:
    """A decoded JSON answer plus what the client learnt from its headers."""

    data: Any
    status: int
    elapsed: float
    size: int


class SnipeITClient:
    """Talks to one Snipe-IT instance; every request has a timeout and a bounded retry budget."""

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        verify: bool | str = True,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
        rate_window: float = 60.0,
        concurrency: int = 1,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._timeouts = (connect_timeout, read_timeout)
        self._retry = retry or RetryPolicy()
        self._deadline = deadline
        self._sleep = sleep
        self._clock = clock
        # Shared by every thread using this client: one in-flight limit, one throttle budget.
        self.limiter = RequestLimiter(concurrency, rate_window, sleep, clock, OutOfTimeError)
        self.session = requests.Session()
        # One pooled connection per request in flight (requests keeps 10 per host by default).
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=max(10, concurrency))
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "User-Agent": f"assetsync/{__version__} (+python-requests)",
            }
        )
        self.session.verify = verify
        # Passed with every request as well: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE from the
        # environment override the session's value, which silently ignored SNIPEIT_CA_BUNDLE and
        # SNIPEIT_VERIFY_TLS=false wherever those variables are set.
        self._verify = verify
        # A redirect would mean a wrong URL or a login page: every request passes
        # allow_redirects=False, so the token never leaves. (max_redirects=0 would make requests
        # raise TooManyRedirects on any 3xx even then, hiding the clear WrongURLError.)
        self.requests_sent = 0
        self.retries = 0
        self.count_429 = 0
        self._count_lock = threading.Lock()

    @property
    def concurrency(self) -> int:
        """SNIPEIT_CONCURRENCY: the most requests this client has out at once."""
        return self.limiter.concurrency

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> SnipeITClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Response:
        """GET a JSON document, retrying what is worth retrying, raising SnipeITError otherwise.

        Safe to call from several threads: each attempt holds one of the limiter's slots while it
        is out, and waits (holding none) before a retry."""
        url = f"{self.api_url}/{path.lstrip('/')}"
        kind = request_kind(path, params)
        attempt = 0
        while True:
            sent_at = self.limiter.acquire(self._deadline)
            try:
                resp, body = self._send(url, path, params)
            except _NO_ANSWER as exc:
                self.limiter.release(sent_at, kind, "busy")
                attempt = self._retry_or_raise(attempt, f"{type(exc).__name__} for {path}", None, exc)
                continue
            except BaseException:
                self.limiter.release(sent_at, kind, "other")
                raise
            elapsed = self._clock() - sent_at
            with self._count_lock:
                self.requests_sent += 1
            self.limiter.observe(resp.headers, sent_at)
            retriable = resp.status_code in RETRIABLE_STATUSES
            self.limiter.release(sent_at, kind, "busy" if retriable else "ok", len(body))
            if retriable:
                wait = self._server_wait(resp, body)
                if resp.status_code == 429:
                    with self._count_lock:
                        self.count_429 += 1
                    if wait is not None and attempt < self._retry.max_retries:
                        # The window is spent for every thread, not just this one.
                        self.limiter.hold(min(wait, self._retry.max_wait))
                attempt = self._retry_or_raise(attempt, f"HTTP {resp.status_code} for {path}", wait, None)
                continue
            try:
                data = self._decode(resp, body, path)
            except BadResponseError as exc:
                # A cut-off or garbled body is usually transient (a proxy, PHP out of memory).
                attempt = self._retry_or_raise(attempt, str(exc), None, exc)
                continue
            return Response(data=data, status=resp.status_code, elapsed=elapsed, size=len(body))

    def _send(
        self, url: str, path: str, params: Mapping[str, str | int] | None
    ) -> tuple[requests.Response, bytes]:
        """One attempt: the answer and its whole body; errors that no retry can fix become SnipeITError."""
        timeout = self._request_timeout()
        try:
            resp = self.session.get(
                url,
                params=params,
                timeout=timeout,
                allow_redirects=False,
                verify=self._verify,
                stream=True,
            )
            return resp, self._read_body(resp, path)
        except requests.exceptions.SSLError as exc:
            raise TLSError(
                f"TLS verification of {self.api_url} failed ({_connection_reason(exc)}); if Snipe-IT uses "
                "a private CA, set SNIPEIT_CA_BUNDLE to its PEM file"
            ) from None
        except _NO_ANSWER:
            raise
        except requests.exceptions.RequestException as exc:
            raise SnipeITError(
                f"the request to Snipe-IT for {path} could not be made ({_connection_reason(exc)}); "
                "check SNIPEIT_API_URL"
            ) from None

    def _read_body(self, resp: requests.Response, path: str) -> bytes:
        """The whole body, read as it arrives so that the run's deadline also bounds a server that
        trickles its answer: each read is bounded by the read timeout, the whole body is not."""
        chunks: list[bytes] = []
        try:
            while True:
                # Errors are raised as requests raises them when it reads the body itself.
                try:
                    # decoded: a web server in front of Snipe-IT may gzip its answers
                    chunk = resp.raw.read1(BODY_CHUNK, decode_content=True)
                except (urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.SSLError) as exc:
                    raise requests.exceptions.ConnectionError(exc) from None
                except urllib3.exceptions.ProtocolError as exc:
                    raise requests.exceptions.ChunkedEncodingError(exc) from None
                except urllib3.exceptions.DecodeError as exc:
                    raise requests.exceptions.ContentDecodingError(exc) from None
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
                if self._deadline is not None and self._clock() > self._deadline:
                    raise OutOfTimeError(
                        f"the run's time budget (ASSETSYNC_RUN_TIMEOUT) ran out while Snipe-IT was still "
                        f"sending {path} ({sum(map(len, chunks))} bytes so far); the server or the network "
                        "is very slow"
                    )
        except BaseException:
            resp.close()  # a half-read connection cannot go back to the pool
            raise

    def _request_timeout(self) -> tuple[float, float]:
        if self._deadline is None:
            return self._timeouts
        left = self._deadline - self._clock()
        if left <= 0:
            raise OutOfTimeError(
                "the run's time budget (ASSETSYNC_RUN_TIMEOUT) ran out while reading Snipe-IT"
            )
        return (min(self._timeouts[0], left), min(self._timeouts[1], left))

    def _retry_or_raise(
        self, attempt: int, reason: str, server_wait: float | None, exc: Exception | None
    ) -> int:
        if attempt >= self._retry.max_retries:
            message = f"Snipe-IT kept failing: {reason}, {attempt + 1} attempts"
            if exc is not None and not isinstance(exc, BadResponseError):
                message += f" ({_connection_reason(exc)})"
            unreachable = isinstance(exc, requests.exceptions.Timeout | requests.exceptions.ConnectionError)
            error = UnreachableError if unreachable else BadResponseError
            raise error(message + "; check that Snipe-IT is up, then run the sync again") from None
        if server_wait is not None:
            wait = min(server_wait, self._retry.max_wait)
        else:
            wait = min(self._retry.base_wait * 2**attempt, self._retry.max_wait)
        wait *= random.uniform(1.0, 1.25)  # jitter, so parallel clients do not retry in lockstep
        if self._deadline is not None and self._clock() + wait > self._deadline:
            raise OutOfTimeError(
                f"the run's time budget (ASSETSYNC_RUN_TIMEOUT) would run out while waiting {wait:.0f} s "
                f"to retry after {reason}"
            )
        self.retries += 1
        log.warning(
            "Retrying after %s: waiting %.1f s (attempt %d of %d)",
            reason,
            wait,
            attempt + 2,
            self._retry.max_retries + 1,
        )
        self._sleep(wait)
        self.limiter.reset()
        return attempt + 1

    def _server_wait(self, resp: requests.Response, body: bytes) -> float | None:
        """The wait the server asked for, from Retry-After or the body's retryAfter."""
        header = resp.headers.get("Retry-After")
        if header is not None:
            try:
                return max(0.0, float(header))
            except ValueError:
                pass  # an HTTP-date; Snipe-IT sends seconds, so fall back below
        try:
            doc = orjson.loads(body)
            if isinstance(doc, dict) and isinstance(doc.get("retryAfter"), int | float):
                return max(0.0, float(doc["retryAfter"]))
        except orjson.JSONDecodeError:
            pass
        if resp.status_code == 429:
            known = self.limiter.wait_after_429()
            # Not knowing when the window began, wait one whole window (SNIPEIT_RATE_WINDOW).
            return known if known is not None else self.limiter.window
        return None

    def _decode(self, resp: requests.Response, body: bytes, path: str) -> Any:
        status = resp.status_code
        if 300 <= status < 400:
            where = resp.headers.get("Location", "another page")
            raise WrongURLError(
                f"Snipe-IT answered {status} redirecting to {_strip_query(where)}: SNIPEIT_API_URL "
                f"({self.api_url}) does not reach the API (a login page, or http instead of https?)"
            )
        if status == 401:
            raise AuthenticationError(
                "Snipe-IT answered 401: the token in SNIPEIT_TOKEN was rejected (expired, revoked, or its "
                "user deleted); create a new API key for a user that can view assets"
            )
        if status == 403:
            if path.split("/")[0] != "hardware":
                # The caller knows which record type and setting this is about, and says so.
                raise PermissionDeniedError(
                    f"Snipe-IT answered 403 for /{path}: the token's user may not see it"
                )
            raise PermissionDeniedError(
                "Snipe-IT answered 403: the token's user may not list assets; give it the "
                "'View' permission on assets (or use a dedicated API user that has it)"
            )
        if status == 404:
            raise WrongURLError(
                f"Snipe-IT answered 404 for {path}: SNIPEIT_API_URL ({self.api_url}) is not the address "
                "of the Snipe-IT API; use the address you open in the browser, e.g. https://assets.example.com"
            )
        content_type = resp.headers.get("Content-Type", "")
        if "html" in content_type or body.lstrip()[:1] == b"<":
            raise WrongURLError(
                f"Snipe-IT answered with an HTML page (HTTP {status}) for {path}: SNIPEIT_API_URL "
                f"({self.api_url}) leads to a web page, not the API, or a proxy is in between"
            )
        if status >= 400:
            raise SnipeITError(f"Snipe-IT answered HTTP {status} for {path}: {body_message(body)}")
        if not body.strip():
            raise BadResponseError(f"Snipe-IT sent an empty body for {path}")
        data = decode_json(body, path)
        if isinstance(data, dict) and data.get("status") == "error":
            raise ApiErrorBody(path, data)
        return data


# urllib3 names the connection as `HTTPSConnection(host='h', port=443): ` or `...Pool(host=...)`.
_CONNECTION_NAME = re.compile(r"\b\w+\(host='([^']*)', port=(\d+)\): ")


def _connection_reason(exc: BaseException) -> str:
    """The cause in words: requests wraps urllib3's MaxRetryError ("Max retries exceeded ...
    (Caused by ...)"), which wraps the real reason (refused, not resolvable, timed out); that
    reason is kept, with its connection written as host:port."""
    reason = exc
    if reason.args and isinstance(reason.args[0], BaseException):
        reason = reason.args[0]
    if isinstance(reason, urllib3.exceptions.MaxRetryError) and reason.reason is not None:
        reason = reason.reason
    return _CONNECTION_NAME.sub(r"\1:\2: ", first_line(reason))[:300]


def _strip_query(url: str) -> str:
    return url.split("?", 1)[0]
