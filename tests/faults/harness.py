"""The three checks every fault scenario makes, and the ways a scenario runs a sync.

1. The exit code, and a log line, say what happened.
2. `snipeit.assets` holds exactly the old state (a checksum of every column of every row is
   unchanged) or the complete new state (every asset Snipe-IT holds, with its current content).
3. Nothing is marked removed or soft-deleted that still exists (or is live) in Snipe-IT.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import orjson
from click.testing import CliRunner

from assetsync.cli import cli
from assetsync.config import PROJECT_DIR
from assetsync.entities import HARDWARE
from assetsync.fake_snipeit import FakeSnipeIT
from assetsync.fields import RowReader
from assetsync.logs import daily_log_path
from assetsync.snipeit import decode_json
from tests.conftest import query

OLD = "old"
NEW = "new"
# The checksum of an assets table without rows: what a failed first run must leave.
EMPTY = hashlib.md5(b"").hexdigest()


@dataclass
class Run:
    """What one sync left behind: exit code, both console streams, its log lines, its --json."""

    exit_code: int
    stdout: str
    stderr: str
    log: str
    summary: dict[str, Any] | None

    def describe(self) -> str:
        return f"exit {self.exit_code}\n--- stderr\n{self.stderr}\n--- log\n{self.log}"

    @property
    def text(self) -> str:
        """Everything the run printed or logged, for secret scans."""
        return "\n".join((self.stdout, self.stderr, self.log))


def log_path(env: dict[str, str]) -> Path:
    return daily_log_path(Path(env["ASSETSYNC_LOG_DIR"]))


def log_size(env: dict[str, str]) -> int:
    path = log_path(env)
    return path.stat().st_size if path.is_file() else 0


def _log_since(env: dict[str, str], offset: int) -> str:
    path = log_path(env)
    if not path.is_file():
        return ""
    with path.open("rb") as fh:
        fh.seek(offset)
        return fh.read().decode("utf-8", "replace")


def _summary(stdout: str) -> dict[str, Any] | None:
    for line in reversed(stdout.splitlines()):
        if line.startswith("{"):
            data: dict[str, Any] = orjson.loads(line)
            return data
    return None


def sync(env: dict[str, str], *args: str) -> Run:
    """One `assetsync sync --json` in this process (the same code path as scheduled_sync.py)."""
    offset = log_size(env)
    result = CliRunner().invoke(cli, ["sync", "--json", *args], env=env, catch_exceptions=False)
    return Run(
        result.exit_code, result.stdout, result.stderr, _log_since(env, offset), _summary(result.stdout)
    )


def start_scheduled_sync(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """`python scheduled_sync.py --json` as Task Scheduler starts it: its own process, cwd elsewhere."""
    return subprocess.Popen(
        [sys.executable, str(PROJECT_DIR / "scheduled_sync.py"), "--json", *args],
        cwd="/",
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A shell starts background jobs with Ctrl-C ignored, and children inherit that: the
        # Ctrl-C scenarios need the sync to hear SIGINT as it does in a console, however the
        # test run itself was started.
        preexec_fn=_hear_ctrl_c if sys.platform != "win32" else None,
    )


def _hear_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def finish(proc: subprocess.Popen[str], env: dict[str, str], offset: int = 0, timeout: float = 60) -> Run:
    stdout, stderr = proc.communicate(timeout=timeout)
    return Run(proc.returncode, stdout, stderr, _log_since(env, offset), _summary(stdout))


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Poll until `condition` holds; the timeout only bounds a broken test, it is never the point."""
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


# --- database state ----------------------------------------------------------------------------


def checksum(dsn: str, schema: str = "snipeit") -> str | None:
    """md5 of every column of every row of the assets table (None when it does not exist)."""
    exists = query(dsn, "SELECT to_regclass(%s) IS NOT NULL", (f'"{schema}".assets',))[0][0]
    if not exists:
        return None
    row = query(
        dsn,
        f"SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t.id), '')) FROM \"{schema}\".assets t",
    )
    return str(row[0][0])


def source_state(fake: FakeSnipeIT) -> dict[int, tuple[bytes, bool]]:
    """id -> (content hash, soft-deleted) of every asset the fake holds, as the sync would store it."""
    mapper = RowReader()
    out: dict[int, tuple[bytes, bool]] = {}
    for asset_id in sorted(fake.all_ids()):
        row = decode_json(fake.rendered(asset_id), "check")
        row["id"] = asset_id
        record = HARDWARE.record(row, mapper)
        out[asset_id] = (bytes(record[-1]), fake.assets[asset_id].deleted_at is not None)
    return out


def stored_state(dsn: str) -> dict[int, tuple[bytes, bool, bool]]:
    """id -> (content hash, soft-deleted, removed) of every stored row."""
    rows = query(
        dsn,
        "SELECT id, content_hash, deleted_at IS NOT NULL, removed_at IS NOT NULL FROM snipeit.assets",
    )
    return {int(r[0]): (bytes(r[1]), bool(r[2]), bool(r[3])) for r in rows}


def assert_complete_new_state(
    dsn: str, fake: FakeSnipeIT, read_before_purge: frozenset[int] = frozenset()
) -> None:
    """Every asset of Snipe-IT stored with its current content; rows it no longer has marked removed,
    except those purged after the run had read them (the next run marks them)."""
    source = source_state(fake)
    stored = stored_state(dsn)
    missing = sorted(set(source) - set(stored))
    assert not missing, f"assets in Snipe-IT but not stored: {missing[:10]}"
    stale = sorted(i for i, (digest, deleted) in source.items() if stored[i][:2] != (digest, deleted))
    assert not stale, f"stored rows that differ from Snipe-IT: {stale[:10]}"
    not_removed = sorted(
        i for i, s in stored.items() if i not in source and not s[2] and i not in read_before_purge
    )
    assert not not_removed, f"rows gone from Snipe-IT but not marked removed: {not_removed[:10]}"


def assert_nothing_wrongly_removed(dsn: str, fake: FakeSnipeIT) -> None:
    if checksum(dsn) is None:
        return
    exists = fake.all_ids()
    live = fake.live_ids()
    stored = stored_state(dsn)
    removed = sorted(i for i, s in stored.items() if s[2] and i in exists)
    assert not removed, f"marked removed but still in Snipe-IT: {removed}"
    deleted = sorted(i for i, s in stored.items() if s[1] and i in live)
    assert not deleted, f"marked soft-deleted but live in Snipe-IT: {deleted}"


def last_run_row(dsn: str) -> dict[str, Any] | None:
    if checksum(dsn) is None:
        return None
    rows = query(dsn, "SELECT status, error, fetched FROM snipeit.sync_runs ORDER BY id DESC LIMIT 1")
    if not rows:
        return None
    return {"status": rows[0][0], "error": rows[0][1], "fetched": rows[0][2]}


def check(
    run: Run,
    *,
    code: int,
    says: str | tuple[str, ...],
    dsn: str,
    fake: FakeSnipeIT,
    state: str,
    before: str | None = None,
    recorded: str | None = None,
    read_before_purge: frozenset[int] = frozenset(),
) -> None:
    """The three standard assertions of a fault scenario (plus, optionally, the sync_runs status)."""
    assert run.exit_code == code, run.describe()
    for line in (says,) if isinstance(says, str) else says:
        assert line in run.log, f"log lacks {line!r}\n{run.describe()}"
    if state == OLD:
        assert checksum(dsn) == before, f"the assets table changed\n{run.describe()}"
    else:
        assert state == NEW
        assert_complete_new_state(dsn, fake, read_before_purge)
    assert_nothing_wrongly_removed(dsn, fake)
    if recorded is not None:
        last = last_run_row(dsn)
        assert last is not None and last["status"] == recorded, (last, run.describe())


class Expect(Protocol):
    """`check` with the scenario's own fake and database filled in (the `expect` fixture)."""

    def __call__(
        self,
        run: Run,
        *,
        code: int,
        says: str | tuple[str, ...],
        state: str,
        before: str | None = None,
        recorded: str | None = None,
        read_before_purge: frozenset[int] = frozenset(),
    ) -> None: ...
