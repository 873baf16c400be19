"""`assetsync serve`: the sync on a schedule inside one process, with an HTTP control API.

FastAPI, uvicorn and APScheduler come from the optional `serve` extra and are imported only when
the command runs, so the core install still imports the whole CLI.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING

import click

from assetsync import exitcodes
from assetsync.cli.group import cli
from assetsync.cli.sync_command import settings_or_exit
from assetsync.config import ConfigError, Settings
from assetsync.redact import RedactingFilter
from assetsync.setting_values import is_loopback_host
from assetsync.sync import make_redactor

if TYPE_CHECKING:
    import uvicorn

    from assetsync.serve.launcher import SyncLauncher
    from assetsync.serve.scheduler import SyncScheduler

log = logging.getLogger("assetsync.serve")

_EXTRA_MODULES = {"apscheduler", "fastapi", "fastapi_offline", "uvicorn", "starlette", "pydantic", "tzlocal"}
_FORMAT = "%(asctime)s %(levelname)-7s %(message)s"


@cli.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Any address other machines can reach needs ASSETSYNC_SERVE_TOKEN.",
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0 picks a free one).",
)
def serve_command(host: str, port: int) -> None:
    """Run the sync on a schedule in this process, with an HTTP API to control it.

    The alternative to Windows Task Scheduler for a container, a Linux server or
    a team that wants to start and watch syncs over HTTP. Syncs run at
    ASSETSYNC_SYNC_TIMES (local time) and on POST /sync/now; each writes the same
    log file and sync_runs row as scheduled_sync.py. When ASSETSYNC_SERVE_TOKEN
    is set, POST endpoints need it as a bearer token. A status page for people
    at /, API docs at /docs.
    Ctrl-C or SIGTERM stops the schedule; a running sync stops at its next safe
    point and rolls back, or finishes its short write. Needs the serve extra:
    python -m pip install -e ".[serve]"

    \b
    Example:
        assetsync serve
        assetsync serve --port 8080
        ASSETSYNC_SERVE_TOKEN=... assetsync serve --host 0.0.0.0
        curl -X POST http://localhost:8000/sync/now
        curl http://localhost:8000/sync/runs
    """
    settings = settings_or_exit()
    try:
        import uvicorn

        from assetsync.serve.app import create_app
        from assetsync.serve.launcher import SyncLauncher
        from assetsync.serve.scheduler import SyncScheduler
        from assetsync.serve.security import check_bind
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in _EXTRA_MODULES:
            raise
        click.echo(
            f"assetsync: `assetsync serve` needs the optional serve extra (APScheduler, FastAPI, "
            f"uvicorn), and {exc.name} is not installed. Install it in the project folder with: "
            'python -m pip install -e ".[serve]"',
            err=True,
        )
        sys.exit(exitcodes.CONFIG)
    try:
        check_bind(host, settings.serve_token)
    except ConfigError as exc:
        click.echo(f"assetsync: configuration error: {exc}", err=True)
        sys.exit(exitcodes.CONFIG)
    sock = _listen_or_exit(host, port)
    launcher = SyncLauncher(settings, console=sys.stderr)
    scheduler = SyncScheduler(launcher, settings.sync_times)
    app = create_app(settings, scheduler)
    # The graceful timeout bounds how long open requests (a POST /sync/now waiting for its run
    # id) may hold up a shutdown.
    config = uvicorn.Config(app, lifespan="on", log_level="info", timeout_graceful_shutdown=10)
    bound = sock.getsockname()
    where = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
    times = ", ".join(t.strftime("%H:%M") for t in scheduler.times) or "none (ASSETSYNC_SYNC_TIMES)"
    banner = (
        f"assetsync serve listening on http://{where}:{bound[1]} (status page at /, API docs at /docs); "
        f"scheduled syncs at {times} ({scheduler.timezone_name}"
        f"{'' if settings.scheduler_enabled else '; off: ASSETSYNC_SCHEDULER=off'}); bearer token "
        f"{'required for POST' if settings.serve_token else 'not set (control from this machine only)'}."
        " Ctrl-C stops"
    )
    with _console_log(settings):
        if not is_loopback_host(host):
            log.warning(
                "Listening on %s: the bearer token travels unencrypted over plain HTTP; let other "
                "machines reach the server only through an HTTPS reverse proxy",
                host,
            )
        code = _serve(uvicorn.Server(config), sock, launcher, scheduler, banner)
    sys.exit(code)


def _serve(
    server: uvicorn.Server,
    sock: socket.socket,
    launcher: SyncLauncher,
    scheduler: SyncScheduler,
    banner: str,
) -> int:
    """Serve until Ctrl-C/SIGTERM, then stop the schedule and wait for a running sync to end.

    The first Ctrl-C or SIGTERM asks uvicorn to stop (whenever it comes, even before uvicorn has
    installed its own handlers); once it has stopped, the running sync is asked to stop at its next
    safe point and waited for; another Ctrl-C or SIGTERM then leaves without waiting.
    """

    def stop_serving(signum: int, frame: FrameType | None) -> None:
        server.should_exit = True

    def leave_now(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        with _signals(leave_now):
            with _signals(stop_serving):
                log.info("%s", banner)
                server.run(sockets=[sock])
            scheduler.shutdown()
            current = launcher.close()
            if current is not None:
                log.info(
                    "Stopping: waiting for %s to finish or roll back (Ctrl-C again leaves at once)",
                    current.describe(),
                )
            # A timed wait: on Windows an untimed one cannot be interrupted by Ctrl-C.
            while current is not None and not current.wait(0.5):
                pass
    except KeyboardInterrupt:
        log.warning(
            "Stopped without waiting for the running sync; PostgreSQL rolls back its open "
            "transaction and the next run marks it abandoned"
        )
        return exitcodes.INTERRUPTED
    finally:
        scheduler.shutdown()
        launcher.close()
        sock.close()
    log.info("assetsync serve stopped")
    return exitcodes.OK


@contextmanager
def _signals(handler: Callable[[int, FrameType | None], None]) -> Iterator[None]:
    """Send Ctrl-C and SIGTERM to `handler` inside the block (main thread only), then restore."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _listen_or_exit(host: str, port: int) -> socket.socket:
    """Bind before anything starts, so a taken port is one clear message, not a traceback."""
    sock: socket.socket | None = None
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
        if os.name != "nt":
            # Lets a restarted server take the port while old connections linger in TIME_WAIT;
            # on Windows the same option would let a second server share the port.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)  # from here on, early clients wait in the queue until uvicorn accepts
        return sock
    except OSError as exc:
        if sock is not None:
            sock.close()
        click.echo(
            f"assetsync: cannot listen on {host}:{port}: {exc.strerror or exc}; choose another --port "
            "or --host, or stop the program that uses it",
            err=True,
        )
        sys.exit(exitcodes.FAILED)


@contextmanager
def _console_log(settings: Settings) -> Iterator[None]:
    """The server's own messages go to the console (the service manager's log), secrets scrubbed."""
    redactor = make_redactor(settings)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(RedactingFilter(redactor))
    propagate, level = log.propagate, log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False  # not into the daily sync log: those are the runs' own lines
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.propagate, log.level = propagate, level
