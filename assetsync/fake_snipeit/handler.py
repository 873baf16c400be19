"""The HTTP layer: a quiet keep-alive threading server that sends Replies, including broken ones."""

from __future__ import annotations

import contextlib
import gzip
import socket
import struct
import sys
import threading
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from .render import dumps


@dataclass
class RequestInfo:
    """What the fake received; hooks and tests inspect it."""

    method: str
    path: str  # without the query string, e.g. "/api/v1/hardware"
    params: dict[str, str]  # query parameters; a repeated name keeps its last value, as PHP does
    headers: dict[str, str]  # names as the client sent them
    seq: int  # 0-based request number
    # Hardware lists: "default" | "Archived" | "Deleted" (or another status= value); entity lists:
    # "live" | "deleted" | "all" (see estate_api); "" for anything else.
    pass_name: str
    body: bytes = b""
    endpoint: str = ""  # "hardware", "users", "locations"... for a list or show request, else ""


@dataclass
class Reply:
    """An answer to send instead of (or as) the normal one; the fault fields break the connection."""

    status: int = 200
    body: bytes | str | dict[str, Any] | list[Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    delay: float = 0.0  # seconds to sleep before answering
    hang: bool = False  # read the request, never answer until the server stops
    reset: bool = False  # close the socket (TCP RST) without answering
    truncate: int | None = None  # send only the first N body bytes under the full Content-Length, then close
    trickle: float = 0.0  # seconds to pause after every 64 body bytes (a server that answers slowly)

    def body_bytes(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return dumps(self.body)


class App(Protocol):
    """What the handler needs from FakeSnipeIT (kept as a protocol so the modules don't import in a loop)."""

    stopping: threading.Event
    gzip_responses: bool  # compress answers for clients that accept gzip, as nginx or Apache may

    def record(self, method: str, target: str, headers: dict[str, str], body: bytes) -> RequestInfo: ...

    def respond(self, info: RequestInfo) -> Reply: ...

    def sent(self, status: int) -> None: ...

    def done(self, info: RequestInfo) -> None: ...


class FakeHTTPServer(ThreadingHTTPServer):
    """Tracks open connections so stop() can unblock threads idling in keep-alive reads."""

    daemon_threads = True
    block_on_close = False  # stop() must not wait for hung handlers

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        self.connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, FakeHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conn_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conn_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._conn_lock:
            conns = list(self.connections)
        for conn in conns:
            with contextlib.suppress(OSError):  # already closed by the client
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up is normal in fault tests; anything else is a bug in the fake and must show.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so requests.Session reuses connections
    disable_nagle_algorithm = True  # headers and body go out in two writes; Nagle would stall the second
    server: FakeHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: a benchmark makes thousands of requests

    def version_string(self) -> str:
        return "Apache"

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        app = self.server.app
        info: RequestInfo | None = None
        try:
            try:
                info = app.record(self.command, self.path, dict(self.headers.items()), body)
                reply = app.respond(info)
            except Exception:
                traceback.print_exc()
                reply = Reply(500, {"message": "Server Error"})
            self._send(reply, app)
        finally:
            if info is not None:
                app.done(info)

    def _send(self, reply: Reply, app: App) -> None:
        if reply.delay > 0 and app.stopping.wait(reply.delay):
            self.close_connection = True
            return
        if reply.hang:
            app.stopping.wait()
            self.close_connection = True
            return
        if reply.reset:
            # Linger 0 turns close() into a RST; closing rfile first drops the last reference to the fd.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.rfile.close()
            self.connection.close()
            return
        body = reply.body_bytes()
        self.send_response(reply.status)
        if body and app.gzip_responses and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, compresslevel=1)
            self.send_header("Content-Encoding", "gzip")
        if not any(k.lower() == "content-type" for k in reply.headers):
            self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        # Counted before the client can see the answer, so a test reading the count right after
        # its request never races the server thread.
        app.sent(reply.status)
        self.end_headers()
        if reply.truncate is not None:
            self.wfile.write(body[: max(reply.truncate, 0)])
            self.close_connection = True
        elif reply.trickle > 0:
            for start in range(0, len(body), 64):
                self.wfile.write(body[start : start + 64])
                if app.stopping.wait(reply.trickle):
                    self.close_connection = True
                    return
        else:
            self.wfile.write(body)
