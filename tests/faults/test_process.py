"""The process itself: SIGTERM and Ctrl-C mid-fetch and mid-write, an unwritable log folder, a full disk."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

import pytest

from assetsync import exitcodes
from assetsync.fake_snipeit import FakeSnipeIT, RequestInfo
from tests.faults.harness import (
    EMPTY,
    NEW,
    OLD,
    Expect,
    checksum,
    finish,
    log_path,
    log_size,
    start_scheduled_sync,
    sync,
    wait_for,
)
from tests.faults.test_database import sync_backends, table_lock


def first_sync(fenv: dict[str, str], fake: FakeSnipeIT) -> str | None:
    assert sync(fenv).exit_code == 0
    live = sorted(fake.live_ids())
    fake.update(live[0], name="Renamed after the first sync")
    fake.soft_delete(live[1])
    fake.purge(live[-1])
    return checksum(fenv["DATABASE_URL"])


SIGNALS = [pytest.param(signal.SIGTERM, id="SIGTERM"), pytest.param(signal.SIGINT, id="Ctrl-C")]
# Windows has no catchable SIGTERM: Task Scheduler's "End" kills the process outright, and the
# next run marks the row `abandoned` (see docs/reliability.md).
posix_signals = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.mark.slow
@posix_signals
@pytest.mark.parametrize("signum", SIGNALS)
def test_interrupted_during_the_fetch(
    fake: FakeSnipeIT, fenv: dict[str, str], signum: int, expect: Expect
) -> None:
    before = first_sync(fenv, fake)
    reached, release = threading.Event(), threading.Event()

    def park(r: RequestInfo) -> None:
        if r.pass_name == "Archived":
            reached.set()
            release.wait(30)  # the server "hangs" until the test is done

    fake.on_list_request(park)
    offset = log_size(fenv)
    proc = start_scheduled_sync(fenv)
    try:
        wait_for(reached.is_set, "the sync to reach the Archived pass")
        proc.send_signal(signum)
        run = finish(proc, fenv, offset)
    finally:
        release.set()
        proc.kill()
    expect(
        run,
        code=exitcodes.INTERRUPTED,
        says="interrupted",
        state=OLD,
        before=before,
        recorded="interrupted",
    )
    assert "Traceback" not in run.stderr


@pytest.mark.slow
@posix_signals
@pytest.mark.parametrize("signum", SIGNALS)
def test_interrupted_during_the_write(
    fake: FakeSnipeIT, fenv: dict[str, str], db_dsn: str, signum: int, expect: Expect
) -> None:
    before = first_sync(fenv, fake)
    offset = log_size(fenv)
    with table_lock(db_dsn):
        proc = start_scheduled_sync(fenv)
        try:
            wait_for(
                lambda: sync_backends(db_dsn, waiting_on_lock=True) == 1, "the merge to wait for the lock"
            )
            proc.send_signal(signum)
            run = finish(proc, fenv, offset)
        finally:
            proc.kill()
    expect(
        run,
        code=exitcodes.INTERRUPTED,
        says="interrupted",
        state=OLD,
        before=before,
        recorded="interrupted",
    )
    assert "Traceback" not in run.stderr
    # The interrupted run leaves no 'running' row behind and the next run goes through.
    expect(sync(fenv), code=0, says="Sync finished", state=NEW, recorded="success")


@pytest.mark.parametrize("quiet", [False, True], ids=["normal", "quiet"])
def test_log_folder_not_writable(fenv: dict[str, str], tmp_path: Path, quiet: bool, expect: Expect) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the log folder should be")
    env = dict(fenv, ASSETSYNC_LOG_DIR=str(blocker / "logs"))
    run = sync(env, *(["--quiet"] if quiet else []))
    expect(run, code=exitcodes.LOG_UNWRITABLE, says=(), state=NEW, recorded="success")
    assert "cannot write the log file" in run.stderr
    assert "Sync finished" in run.stderr, "the run must still report to stderr"
    assert run.summary is not None and run.summary["exit_code"] == exitcodes.LOG_UNWRITABLE


def test_log_folder_not_writable_and_the_sync_fails(
    fake: FakeSnipeIT, fenv: dict[str, str], tmp_path: Path, expect: Expect
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    fake.fail_requests(500, times=-1)
    run = sync(dict(fenv, ASSETSYNC_LOG_DIR=str(blocker / "logs")))
    expect(run, code=exitcodes.FAILED, says=(), state=OLD, before=EMPTY)
    assert "cannot write the log file" in run.stderr and "Sync FAILED" in run.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_disk_full_while_writing_the_log(fenv: dict[str, str], expect: Expect) -> None:
    path = log_path(fenv)
    path.parent.mkdir(parents=True)
    path.symlink_to("/dev/full")  # every write to it fails with ENOSPC
    run = sync(fenv)
    expect(run, code=exitcodes.LOG_UNWRITABLE, says=(), state=NEW, recorded="success")
    assert "No space left on device" in run.stderr
    assert "Traceback" not in run.stderr
    assert run.summary is not None and run.summary["exit_code"] == exitcodes.LOG_UNWRITABLE


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_disk_full_in_the_scheduled_task(fenv: dict[str, str], expect: Expect) -> None:
    path = log_path(fenv)
    path.parent.mkdir(parents=True)
    path.symlink_to("/dev/full")
    run = finish(start_scheduled_sync(fenv), fenv)
    expect(run, code=exitcodes.LOG_UNWRITABLE, says=(), state=NEW, recorded="success")
    assert "No space left on device" in run.stderr
    assert "Traceback" not in run.stderr and "Exception ignored" not in run.stderr
