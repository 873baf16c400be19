"""Helpers shared by the serve tests: an ASGI app under a real uvicorn on a free loopback port."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


def pause(seconds: float) -> None:
    threading.Event().wait(seconds)


@contextmanager
def serve_on_loopback(app: Any) -> Iterator[str]:
    """Run `app` (lifespan on) in a thread; yield its base URL; stop it on the way out."""
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_level="warning"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        pause(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
