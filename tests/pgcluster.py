"""A throw-away PostgreSQL cluster from server binaries on disk (e.g. the distro's PostgreSQL 15).

Used when TEST_PG_BINDIR is set, to run the suite against another major version than the
embedded wheel's. PostgreSQL refuses to run as root, so as root the server runs as `nobody`.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any


class SystemPostgres:
    """initdb + pg_ctl start in a temporary folder, unix socket only, trust authentication."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.workdir = Path(tempfile.mkdtemp(prefix="assetsync-test-pg-"))
        self.datadir = self.workdir / "data"
        self.logfile = self.workdir / "server.log"
        self._as: dict[str, Any] = {}
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            self._as = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
            os.chown(self.workdir, nobody.pw_uid, nobody.pw_gid)
        self.started = False

    def _run(self, program: str, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C.UTF-8", LANG="C.UTF-8")
        done = subprocess.run(
            [str(self.bindir / program), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.workdir,
            check=False,
            **self._as,
        )
        if done.returncode:
            tail = self.logfile.read_text("utf-8", "replace")[-2000:] if self.logfile.exists() else ""
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr}\n{tail}")

    def start(self) -> str:
        self._run(
            "initdb", "-D", str(self.datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"
        )
        options = f"-c listen_addresses='' -c unix_socket_directories='{self.workdir}' -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.datadir),
            "-l",
            str(self.logfile),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start",
        )
        self.started = True
        return f"host={self.workdir} port=5432 user=postgres dbname=postgres"

    def stop(self) -> None:
        if self.started:
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop")
            self.started = False
        shutil.rmtree(self.workdir, ignore_errors=True)
