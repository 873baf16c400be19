"""Real receivers for the alert tests: an HTTP server on 127.0.0.1 (webhook and heartbeat) that
records what it gets, can hang instead of answering, and a local SMTP server (aiosmtpd)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    method: str
    path: str
    body: bytes


class Receiver:
    """Records each request; `status` is the answer, `hang` makes it never answer until closed."""

    def __init__(self, status: int = 200, *, hang: bool = False) -> None:
        self.status, self.hang = status, hang
        self.requests: list[Received] = []
        self.released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                receiver.requests.append(Received(self.command, self.path, body))
                if receiver.hang:
                    receiver.released.wait(30)
                    return
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            do_GET = do_POST = do_HEAD = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def receiver(status: int = 200, *, hang: bool = False) -> Iterator[Receiver]:
    r = Receiver(status, hang=hang)
    try:
        yield r
    finally:
        r.close()


def refused_url(path: str = "/hook/secret-path-that-refuses") -> str:
    """An address on 127.0.0.1 where nothing listens (connection refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


def login(user: str, password: str) -> Callable[..., AuthResult]:
    """An aiosmtpd authenticator that accepts this one user and password."""

    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            user.encode(),
            password.encode(),
        )
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself

    return check


class _Collect:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@contextmanager
def smtp_server(**options: Any) -> Iterator[tuple[int, list[Message]]]:
    """A local SMTP server (no TLS; `options` go to aiosmtpd's SMTP, e.g. an authenticator);
    yields its port and the list of messages it received."""
    handler = _Collect()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    if "authenticator" in options:
        options.setdefault("auth_require_tls", False)  # plain SMTP on 127.0.0.1 only
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port, handler.messages
    finally:
        controller.stop()
