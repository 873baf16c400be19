"""FakeSnipeIT: lifecycle, routing, throttle and fault scripting of the loopback fake Snipe-IT API."""

from __future__ import annotations

import math
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .activity import ActivityLog, asset_display
from .control import control_reply
from .data import FakeAsset
from .estate_api import ENDPOINTS, FORBIDDEN, entity_list, entity_show, list_pass, me_profile
from .estate_edit import Estate
from .estate_records import EstateSize
from .events import HardwareEvents
from .handler import FakeHTTPServer, Reply, RequestInfo
from .paging import api_limit, php_intval
from .render import MONEY_STYLES, RenderContext
from .seat_api import TIE_ORDERS, seat_list
from .seat_events import SeatEvents
from .state import LIST_STATUSES, now_utc

Hook = Callable[[RequestInfo], Reply | None]

API = "/api/v1"
NOT_FOUND_API = {
    "status": "error",
    "message": "404 endpoint not found. Please check the API reference at "
    "https://snipe-it.readme.io/reference to find a valid API endpoint.",
    "payload": None,
}
ASSET_MISSING = {"status": "error", "messages": "Asset does not exist.", "payload": None}
UNAUTHORIZED = {"error": "Unauthorized or unauthenticated."}
TOO_MANY_V814 = {"status": "error", "messages": "Too many requests", "payload": None}
_READABLE = ENDPOINTS | {"hardware"}
ACTIVITY = "reports/activity"  # needs reports.view; deny("reports") takes it
_HTML = "text/html; charset=UTF-8"
_LOGIN_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Snipe-IT Asset Management'
    '</title></head><body class="login-page"><form role="form" action="/login" method="POST">'
    '<input type="text" name="username"><input type="password" name="password">'
    '<button type="submit">Login</button></form></body></html>'
)
_NOT_FOUND_PAGE = (
    "<!DOCTYPE html><html><head><title>404 Page Not Found</title></head>"
    "<body><h1>404</h1><p>Page Not Found.</p></body></html>"
)


def _wants_json(headers: dict[str, str]) -> bool:
    """Laravel expectsJson(): the first Accept type is JSON, or an XHR that accepts anything."""
    h = {k.lower(): v for k, v in headers.items()}
    accept = h.get("accept", "")
    first = accept.split(",")[0].strip().lower()
    if "/json" in first or "+json" in first:
        return True
    return h.get("x-requested-with", "") == "XMLHttpRequest" and first in ("", "*/*", "*")


def default_error_body(status: int) -> dict[str, Any]:
    """The body Snipe-IT v8.1.4 sends with a given error status to a JSON client."""
    if status == 401:
        return dict(UNAUTHORIZED)
    if status == 403:
        return {"message": "This action is unauthorized."}
    if status == 404:
        return dict(NOT_FOUND_API)
    if status == 429:
        return dict(TOO_MANY_V814)
    if status == 500:
        return {"message": "Server Error"}
    return {"status": "error", "messages": status, "payload": None}  # the handler's default branch


def _seats_route(route: list[str]) -> bool:
    return len(route) == 3 and route[0] == "licenses" and route[2] == "seats"


class FakeSnipeIT(HardwareEvents, SeatEvents):
    """A fake Snipe-IT v8.1.4 serving real HTTP on loopback.

    Endpoints: GET /api/v1/hardware (limit/offset/sort/order/status/status_id), /hardware/{id},
    /users, /locations, /companies, /departments, /models, /categories, /manufacturers, /statuslabels,
    /suppliers, /licenses, /accessories, /consumables, /components and /{entity}/{id} (see
    estate_api), /licenses/{id}/seats (see seat_api; seat changes in seat_events), /users/me,
    /version, the 404 fallback, GET /login, and the fake-only /__fake__/churn, /__fake__/ids and
    /__fake__/stats (see control).
    Asset changes go through add/update/archive/soft_delete/restore/purge (see AssetStore), entity
    changes through ``estate`` (see estate_edit.Estate; its size is the ``estate`` argument), the
    token's rights through deny/allow; faults go through ``hooks``: each gets a RequestInfo, and the
    first Reply returned is sent instead.
    """

    def __init__(
        self,
        assets: Iterable[FakeAsset] | None = None,
        *,
        token: str = "test-token",
        max_results: int = 500,
        version: str = "v8.1.4",
        digit_separator: str = "1,234.56",
        rate_limit_per_window: int | None = None,
        rate_window_seconds: float = 60.0,
        rate_limit_style: str = "v8.1.4",
        page_delay: float = 0.0,
        show_archived_in_list: bool = False,
        superuser: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        now: datetime | None = None,
        ssl_context: ssl.SSLContext | None = None,
        estate: EstateSize | None = None,
        estate_seed: int = 1,
    ) -> None:
        if digit_separator not in MONEY_STYLES:
            raise ValueError(f"digit_separator must be one of {MONEY_STYLES}, not {digit_separator!r}")
        if rate_limit_style not in ("v8.1.4", "newer"):
            raise ValueError(f"rate_limit_style must be 'v8.1.4' or 'newer', not {rate_limit_style!r}")
        self.token = token
        self.max_results = max_results
        self.version = version
        self.rate_limit_per_window = rate_limit_per_window
        self.rate_window_seconds = rate_window_seconds
        self.rate_limit_style = rate_limit_style
        self.page_delay = page_delay
        self.gzip_responses = False  # set to True to compress answers, as a web server in front may
        self.superuser = superuser
        self.host = host
        self.port = port
        self.ssl_context = ssl_context  # serve HTTPS with this server-side context
        # "now" is fixed per fake so age and book_value don't drift between two syncs in one test.
        ctx = RenderContext(digit_separator, superuser, now or now_utc())
        super().__init__(ctx, show_archived_in_list=show_archived_in_list)
        self.requests: list[RequestInfo] = []
        self.count_429 = 0
        self.hooks: list[Hook] = []
        self.stopping = threading.Event()
        self._window_start: float | None = None
        self._window_count = 0
        # [start (monotonic), requests counted, requests refused] per throttle window, for benchmarks.
        self.windows: list[list[float]] = []
        # Requests being answered right now (a delayed page counts until it is sent), their peak,
        # and [monotonic time, count] at every change: tests and benchmarks see the client's concurrency.
        self.in_flight = 0
        self.max_in_flight = 0
        self.in_flight_log: list[tuple[float, int]] = []
        self._server: FakeHTTPServer | None = None
        self._thread: threading.Thread | None = None
        for a in assets or ():
            self.add(a)
        # Users, locations, models...: generated around the assets on first use, so hardware-only
        # benchmarks never pay for them.
        self.estate = Estate(self, ctx, self._lock, estate or EstateSize(), estate_seed)
        self.denied: set[str] = set()  # endpoints whose view permission the token lacks
        # The activity log: fake.checkout / checkin / edit / delete write to it (see events).
        self.activity = ActivityLog(self._lock, self._display_name)
        # How seats tied on updated_at come: "stable" (by id) or "shuffled" (per offset, limit, order).
        self.seat_tie_order = "stable"
        self.hidden_seats: set[int] = set()  # see hide_seat

    @property
    def license_keys_visible(self) -> bool:
        """Whether license rows show product keys (licenses.keys); "------------" when False."""
        return self.estate.license_keys_visible

    @license_keys_visible.setter
    def license_keys_visible(self, visible: bool) -> None:
        with self._lock:
            self.estate.license_keys_visible = visible
            self.estate.forget_rows("licenses")

    def deny(self, endpoint: str) -> None:
        """Take the token's view permission for one endpoint: its list and show answer 403."""
        if endpoint not in _READABLE | {"reports"}:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {sorted(_READABLE)}")
        with self._lock:
            self.denied.add(endpoint)

    def allow(self, endpoint: str) -> None:
        with self._lock:
            self.denied.discard(endpoint)

    # --- lifecycle --------------------------------------------------------------------------------

    def start(self) -> None:
        """Bind (a free port unless one was given) and serve in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("FakeSnipeIT is already running")
        self.stopping = threading.Event()
        self._server = FakeHTTPServer((self.host, self.port), self)
        self.port = self._server.server_address[1]
        if self.ssl_context is not None:
            # The handshake happens on the first read, in the connection's own thread, so a client
            # that gives up on the certificate cannot stall the accept loop.
            self._server.socket = self.ssl_context.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-snipeit",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving; returns promptly even with hung or idle keep-alive connections."""
        server, self._server = self._server, None
        if server is None:
            return
        self.stopping.set()  # wakes hung and delayed replies
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def __enter__(self) -> FakeSnipeIT:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeSnipeIT is not running; call start() first")
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base_url + API

    # --- hooks ------------------------------------------------------------------------------------

    def add_hook(self, fn: Hook) -> None:
        with self._lock:
            self.hooks.append(fn)

    def remove_hook(self, fn: Hook) -> None:
        with self._lock:
            self.hooks.remove(fn)

    def fail_requests(
        self,
        status: int,
        times: int = 1,
        *,
        body: bytes | str | dict[str, Any] | list[Any] | None = None,
        headers: dict[str, str] | None = None,
        when: Callable[[RequestInfo], bool] | None = None,
    ) -> Hook:
        """Answer the next ``times`` matching requests (all if negative) with ``status``."""
        left = [times]
        guard = threading.Lock()
        payload = body if body is not None else default_error_body(status)

        def hook(info: RequestInfo) -> Reply | None:
            if info.path.startswith("/__fake__/") or (when is not None and not when(info)):
                return None
            with guard:
                if left[0] == 0:
                    return None
                if left[0] > 0:
                    left[0] -= 1
            return Reply(status, payload, headers=dict(headers or {}))

        self.add_hook(hook)
        return hook

    def fail_page(
        self,
        offset: int,
        status: int,
        times: int = 1,
        pass_name: str | None = None,
        endpoint: str = "hardware",
    ) -> Hook:
        """Fail the list page at ``offset`` of one pass of one endpoint: hardware's default (the default),
        Archived or Deleted; an entity's live (the default), deleted or all, e.g.
        ``fail_page(0, 503, endpoint="users", pass_name="deleted")``."""
        wanted = pass_name or ("default" if endpoint == "hardware" else "live")
        return self.fail_requests(
            status,
            times,
            when=lambda i: (
                i.endpoint == endpoint
                and i.pass_name == wanted
                and php_intval(i.params.get("offset")) == offset
            ),
        )

    def on_list_request(self, fn: Callable[[RequestInfo], None], endpoint: str | None = "hardware") -> Hook:
        """Call ``fn`` before each list request of ``endpoint`` (None: every list) is answered, e.g. to
        delete an asset mid-paging."""

        def hook(info: RequestInfo) -> Reply | None:
            if info.pass_name and endpoint in (None, info.endpoint):
                fn(info)
            return None

        self.add_hook(hook)
        return hook

    # --- request handling (called by the HTTP handler) --------------------------------------------

    def record(self, method: str, target: str, headers: dict[str, str], body: bytes) -> RequestInfo:
        parts = urlsplit(target)
        path = parts.path
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        route = path[len(API) :].strip("/").split("/") if path.startswith(API + "/") else []
        # Which endpoint a list or show request reads (users/me is neither), and for a list which pass.
        endpoint = route[0] if len(route) in (1, 2) and route[0] in _READABLE and route[1:] != ["me"] else ""
        pass_name = ""
        if _seats_route(route):  # one list per license: "licenses/7/seats"
            endpoint, pass_name = "/".join(route), "live" if method == "GET" else ""
        if method == "GET" and path.rstrip("/") == API + "/hardware":
            status = params.get("status", "")
            pass_name = status if status in LIST_STATUSES else "default"
        elif method == "GET" and endpoint and len(route) == 1:
            pass_name = list_pass(endpoint, params)
        with self._lock:
            info = RequestInfo(method, path, params, headers, len(self.requests), pass_name, body, endpoint)
            self.requests.append(info)
            if not path.startswith("/__fake__/"):
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
                self.in_flight_log.append((time.monotonic(), self.in_flight))
        return info

    def done(self, info: RequestInfo) -> None:
        """The answer to `info` is sent (or the connection dropped)."""
        if info.path.startswith("/__fake__/"):
            return
        with self._lock:
            self.in_flight -= 1
            self.in_flight_log.append((time.monotonic(), self.in_flight))

    def sent(self, status: int) -> None:
        if status == 429:
            with self._lock:
                self.count_429 += 1

    def respond(self, info: RequestInfo) -> Reply:
        with self._lock:
            hooks = list(self.hooks)
        for hook in hooks:  # outside the lock: hooks may mutate the fake
            reply = hook(info)
            if reply is not None:
                return reply
        path = info.path
        if path == "/login" and info.method == "GET":
            return Reply(200, _LOGIN_PAGE, content_type=_HTML)
        if path.startswith("/__fake__/"):
            return self._authenticate(info, redirect=False) or control_reply(self, info)
        if path != API and not path.startswith(API + "/"):
            if _wants_json(info.headers):
                return Reply(404, {"status": "error", "messages": "404 endpoint not found", "payload": None})
            return Reply(404, _NOT_FOUND_PAGE, content_type=_HTML)
        # Passport authenticates before the throttle counts, so a 401 costs no budget.
        denied = self._authenticate(info, redirect=True)
        if denied is not None:
            return denied
        limited, rate_headers = self._throttle(info)
        if limited is not None:
            return limited
        reply = self._api(info)
        reply.headers = {"Cache-Control": "no-cache, private", **rate_headers, **reply.headers}
        return reply

    def _authenticate(self, info: RequestInfo, *, redirect: bool) -> Reply | None:
        auth = next((v for k, v in info.headers.items() if k.lower() == "authorization"), "")
        if auth[:7].lower() == "bearer " and auth[7:].strip() == self.token:
            return None
        if not redirect or _wants_json(info.headers):
            return Reply(401, UNAUTHORIZED)
        # Without a JSON Accept, Laravel's unauthenticated() redirects to the login page.
        login = self.base_url + "/login"
        page = f'<!DOCTYPE html><html><head><meta http-equiv="refresh" content="0;url={login}"></head></html>'
        return Reply(302, page, headers={"Location": login}, content_type=_HTML)

    def _throttle(self, info: RequestInfo) -> tuple[Reply | None, dict[str, str]]:
        """Laravel's fixed window, started by the first counted request; rejected requests don't count."""
        limit = self.rate_limit_per_window or 120
        with self._lock:
            now = time.monotonic()
            if self._window_start is None or now - self._window_start >= self.rate_window_seconds:
                self._window_start, self._window_count = now, 0
                self.windows.append([now, 0, 0])
            if self.rate_limit_per_window is not None and self._window_count >= limit:
                retry = max(1, math.ceil(self._window_start + self.rate_window_seconds - now))
                self.windows[-1][2] += 1
                return self._too_many(info, limit, retry), {}
            self._window_count += 1
            self.windows[-1][1] += 1
            remaining = max(0, limit - self._window_count)
        return None, {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining)}

    def _too_many(self, info: RequestInfo, limit: int, retry: int) -> Reply:
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": "0",
            "Retry-After": str(retry),
            "X-RateLimit-Reset": str(int(time.time()) + retry),
        }
        if not _wants_json(info.headers):
            return Reply(429, "<!DOCTYPE html><title>Too Many Requests</title>", headers, content_type=_HTML)
        if self.rate_limit_style == "v8.1.4":
            # The exception handler builds a fresh JSON response, dropping every throttle header.
            return Reply(429, TOO_MANY_V814, {"Cache-Control": "no-cache, private"})
        body = {
            "status": "error",
            "messages": f"Too many requests. Try again in {retry} seconds.",
            "status_code": 429,
            "retryAfter": retry,
        }
        return Reply(429, body, headers)

    def _api(self, info: RequestInfo) -> Reply:
        route = info.path[len(API) :].strip("/")
        parts = route.split("/")
        seats = _seats_route(parts)
        known = (
            seats or route in ("users/me", "version", ACTIVITY) or (len(parts) <= 2 and parts[0] in _READABLE)
        )
        if not known:
            return Reply(404, NOT_FOUND_API)
        if info.method != "GET":
            return Reply(405, default_error_body(405))
        if route == "users/me":  # one's own profile needs no users.view
            return Reply(200, me_profile(self.superuser, self.denied))
        if route == "version":
            return Reply(200, {"version": self.version})
        if route == ACTIVITY:
            if "reports" in self.denied:
                return Reply(403, FORBIDDEN)
            limit, offset = api_limit(info.params, self.max_results), php_intval(info.params.get("offset"))
            return Reply(200, self.activity.page(info.params, offset, limit), delay=self.page_delay)
        if parts[0] in self.denied:  # deny("licenses") takes the seats routes too
            return Reply(403, FORBIDDEN)
        if seats:
            if self.seat_tie_order not in TIE_ORDERS:
                raise ValueError(f"seat_tie_order must be one of {TIE_ORDERS}, not {self.seat_tie_order!r}")
            with self._lock:
                hidden, most = frozenset(self.hidden_seats), self.max_results
                return seat_list(self.estate, parts[1], info.params, self.assets, max_results=most,
                                 ctx=self._ctx, tie_order=self.seat_tie_order, hidden=hidden)  # fmt: skip
        if parts[0] != "hardware":
            if len(parts) == 1:
                return entity_list(self.estate, parts[0], info.pass_name, info.params, self.max_results)
            return entity_show(self.estate, parts[0], parts[1])
        if len(parts) == 1:
            return self._list(info)
        key = parts[1]
        with self._lock:
            if key.isdigit() and int(key) in self.assets:
                return Reply(200, self._row(int(key)))
        return Reply(200, ASSET_MISSING)

    def _list(self, info: RequestInfo) -> Reply:
        p = info.params
        limit = api_limit(p, self.max_results)
        status = p.get("status", "")
        status_id = php_intval(p["status_id"]) if p.get("status_id", "") != "" else None
        # Only id and name are sortable here; any other sort falls back to created_at, as unknown
        # columns do (name ties come in id order).
        by_id = p.get("sort") == "id"
        by_name = p.get("sort") == "name"
        asc = p.get("order") == "asc"  # exactly "asc"; "ASC" sorts descending
        status = status if status in LIST_STATUSES else ""
        offset = php_intval(p.get("offset"))
        total, rows = self.page(status, status_id, by_id, asc, offset, limit, by_name=by_name)
        body = b'{"total":%d,"rows":[%b]}' % (total, rows)
        return Reply(200, body, delay=self.page_delay)

    def _display_name(self, asset_id: int) -> str | None:
        """An asset's item name in the activity log, None once it is purged."""
        with self._lock:
            a = self.assets.get(asset_id)
            return None if a is None else asset_display(a)
