"""The benchmark's cases: each tool run as a child process against fresh state, with its figures."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra import BenchError, FakeServer, Measured, PgCluster, run_measured

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
WORK_DIR = BENCH_DIR / ".work"
PEERS_VENV = WORK_DIR / "peers"
CHURN = {"changed": 0.05, "soft_deleted": 0.01, "purged": 0.005, "new": 0.01}
DLT_FORMATS = ("insert_values", "csv")
# What assetsync's --json says about its time with Snipe-IT.
TIMES = ("concurrency", "server_wait_seconds", "throttle_wait_seconds")

# Where each tool keeps the assets, and which of its ids count as "held" (assetsync keeps removed
# assets with removed_at set, so only the live ones count).
TABLES = {
    "floor": ("public", "floor_assets", "SELECT id FROM floor_assets"),
    "floor-estate": ("public", "floor_records", "SELECT id FROM floor_records"),
    "assetsync": ("snipeit", "assets", "SELECT id FROM snipeit.assets WHERE removed_at IS NULL"),
    "assetsync-estate": ("snipeit", "assets", "SELECT id FROM snipeit.assets WHERE removed_at IS NULL"),
    "naive": ("public", "naive_assets", "SELECT id FROM naive_assets"),
    "dlt": ("snipeit_dlt", "hardware", "SELECT id FROM snipeit_dlt.hardware"),
}


@dataclass
class Run:
    """One measured run of one tool in one scenario."""

    wall_s: float
    rss_mb: float
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    wal_bytes: int = 0
    ids_ok: bool = True
    ids_note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Result:
    """The runs of one tool in one scenario; figures are medians."""

    scenario: str
    tool: str
    runs: list[Run] = field(default_factory=list)

    def median(self, name: str) -> float:
        return float(statistics.median(getattr(r, name) for r in self.runs))

    def median_extra(self, name: str) -> float:
        return float(statistics.median(float(r.extra[name]) for r in self.runs))

    @property
    def ids_ok(self) -> bool:
        return all(r.ids_ok for r in self.runs)

    @property
    def ids_note(self) -> str:
        return next((r.ids_note for r in self.runs if r.ids_note), "")


def tool_family(tool: str) -> str:
    return "dlt" if tool.startswith("dlt") else tool


def command(tool: str, fake: FakeServer, dsn: str, run_dir: Path) -> tuple[list[str], dict[str, str]]:
    """The child process that runs `tool` once, and its environment."""
    env = dict(os.environ)
    if tool in ("assetsync", "assetsync-estate"):
        env.update(
            DATABASE_URL=dsn,
            SNIPEIT_API_URL=fake.base_url,
            SNIPEIT_TOKEN=fake.TOKEN,
            ASSETSYNC_LOG_DIR=str(run_dir / "logs"),
            # The hardware figures stay comparable with every earlier run and with the peers,
            # which read hardware only; the estate case syncs every record type.
            ASSETSYNC_ENTITIES="all" if tool == "assetsync-estate" else "hardware",
        )
        return [sys.executable, str(PROJECT_DIR / "scheduled_sync.py"), "-q", "--json"], env
    if tool == "floor":
        return [sys.executable, str(BENCH_DIR / "floor.py"), fake.api_url, fake.TOKEN, dsn], env
    if tool == "floor-estate":
        return [
            sys.executable, str(BENCH_DIR / "floor.py"), fake.api_url, fake.TOKEN, dsn, "--lists", "estate"
        ], env  # fmt: skip
    if tool == "floor-fetch":
        return [
            sys.executable,
            str(BENCH_DIR / "floor.py"),
            fake.api_url,
            fake.TOKEN,
            dsn,
            "--fetch-only",
        ], env
    if tool == "naive":
        return [sys.executable, str(BENCH_DIR / "naive_sync.py"), fake.api_url, fake.TOKEN, dsn], env
    if tool.startswith("dlt-"):
        fmt = tool.removeprefix("dlt-")
        python = str(PEERS_VENV / "bin" / "python")
        return [python, str(BENCH_DIR / "dlt_sync.py"), fake.api_url, fake.TOKEN, dsn, fmt, str(run_dir)], env
    raise ValueError(tool)


def ensure_peers_venv(log: Callable[[str], None]) -> None:
    """dlt lives in its own virtual environment, never in the project's dependencies."""
    python = PEERS_VENV / "bin" / "python"
    marker = PEERS_VENV / ".requirements"
    wanted = (BENCH_DIR / "requirements-peers.txt").read_text()
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return
    log(f"Creating {PEERS_VENV} from bench/requirements-peers.txt (dlt[postgres]); this takes a minute")
    shutil.rmtree(PEERS_VENV, ignore_errors=True)
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    if run_measured([sys.executable, "-m", "venv", str(PEERS_VENV)]).returncode:
        raise BenchError("could not create the peers virtual environment")
    res = run_measured(
        [str(python), "-m", "pip", "install", "-q", "-r", str(BENCH_DIR / "requirements-peers.txt")],
        timeout=1800,
    )
    if res.returncode:
        raise BenchError(f"pip could not install bench/requirements-peers.txt:\n{res.stderr[-2000:]}")
    marker.write_text(wanted)


class Bench:
    """Runs tools against one PostgreSQL cluster; knows how to give each run fresh state."""

    def __init__(self, pg: PgCluster, log: Callable[[str], None], timeout: float = 900) -> None:
        self.pg = pg
        self.log = log
        self.timeout = timeout  # per child run; a stuck run fails the benchmark loudly
        self.counter = 0

    def _run_dir(self) -> Path:
        self.counter += 1
        path = WORK_DIR / "runs" / f"r{self.counter}"
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    def run_once(
        self,
        tool: str,
        fake: FakeServer,
        dbname: str,
        *,
        template: str | None = None,
        expect_ids: set[int] | None = None,
        env_extra: dict[str, str] | None = None,
    ) -> Run:
        """One measured run in a fresh database (empty, or a copy of `template`)."""
        dsn = self.pg.create_db(dbname, template)
        run_dir = self._run_dir()
        cmd, env = command(tool, fake, dsn, run_dir)
        env.update(env_extra or {})
        schema, table, id_query = TABLES[tool_family(tool if tool != "floor-fetch" else "floor")]
        before = self.pg.table_stats(dbname, schema, table) if template else (0, 0, 0)
        lsn = self.pg.checkpoint()
        measured = run_measured(cmd, env=env, timeout=self.timeout)
        self._check(tool, measured)
        wal = self.pg.wal_since(lsn)
        run = Run(wall_s=measured.wall_s, rss_mb=measured.peak_rss_mb, wal_bytes=wal)
        out = _last_json(measured.stdout)
        if tool.startswith("floor"):
            run.extra.update(out)
            run.wall_s = out["fetch_s"] + out.get("copy_s", 0.0)
            run.extra["process_s"] = measured.wall_s
            if tool == "floor-fetch":
                return run
        if tool.startswith("assetsync"):
            keys = ("inserted", "updated", "removed", "requests", "pages", *TIMES)
            run.extra.update({k: out.get(k) for k in keys})
        ins, upd, dele = self.pg.table_stats(dbname, schema, table)
        run.inserted, run.updated, run.deleted = ins - before[0], upd - before[1], dele - before[2]
        if expect_ids is not None:
            held = self.pg.ids(dbname, id_query)
            run.ids_ok = held == expect_ids
            if not run.ids_ok:
                run.ids_note = f"{len(held - expect_ids)} extra, {len(expect_ids - held)} missing"
        return run

    def _check(self, tool: str, measured: Measured) -> None:
        if measured.returncode != 0:
            raise BenchError(
                f"{tool} failed with exit code {measured.returncode}:\n{measured.stdout[-1500:]}\n"
                f"{measured.stderr[-3000:]}"
            )

    def keep_as_template(self, dbname: str, template: str) -> None:
        """Settle a loaded database (VACUUM ANALYZE, as autovacuum would) and keep it as a template."""
        self.pg.settle(dbname)
        self.pg.drop_db(template)
        with self.pg.admin() as conn:
            conn.execute(f'ALTER DATABASE "{dbname}" RENAME TO "{template}"')


def _last_json(stdout: str) -> dict[str, Any]:
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            return dict(json.loads(line))
    return {}


def throttle_figures(stats: dict[str, Any], windows_before: int, count_429_before: int) -> dict[str, Any]:
    """Achieved request rate against the limit, from the fake's own throttle windows.

    Every window but the last is full time spent under the limit: the rate achieved is the requests
    counted in those windows over the time from the first window's start to the last one's.
    """
    windows = stats["windows"][windows_before:]
    limit, window = stats["rate_limit"], stats["rate_window"]
    allowed = limit / window
    out: dict[str, Any] = {
        "allowed_rps": allowed,
        "windows": len(windows),
        "count_429": stats["count_429"] - count_429_before,
        "max_429_per_window": max((w[2] for w in windows), default=0),
    }
    if len(windows) >= 2:
        span = windows[-1][0] - windows[0][0]
        achieved = sum(w[1] for w in windows[:-1]) / span
        out.update(achieved_rps=achieved, share=achieved / allowed)
    else:
        out.update(achieved_rps=float("nan"), share=float("nan"))
    return out


def wait_out_window(seconds: float) -> None:
    """Let the fake's throttle window lapse so the next run starts with a full budget."""
    time.sleep(seconds + 0.2)
