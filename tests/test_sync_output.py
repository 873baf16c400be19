"""What `sync` shows: a progress bar only in a terminal, --json for scripts; and log retention."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from assetsync.cli import cli
from assetsync.config import PROJECT_DIR
from assetsync.fake_snipeit import FakeSnipeIT
from tests.conftest import TOKEN, query


def run_in_terminal(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run the CLI with a pseudo-terminal as stdin, stdout and stderr, as a person at a console."""
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "assetsync", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**os.environ, **env},
        cwd=PROJECT_DIR,
    )
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return proc.wait(60), b"".join(chunks).decode("utf-8", "replace")


posix_only = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are a POSIX facility")


@posix_only
def test_progress_bar_in_a_terminal(fake: FakeSnipeIT, env: dict[str, str], db_dsn: str) -> None:
    code, screen = run_in_terminal({**env, "SNIPEIT_PAGE_SIZE": "25"}, "sync")
    assert code == 0, screen
    assert "\rpass 1/3 default  [" in screen
    assert "pass 2/3 Archived" in screen and "pass 3/3 Deleted" in screen
    last_bar = screen.split("\rpass ")[-1]
    assert re.match(rf"3/3 Deleted +\[#{{20}}\] 100%  page \d+  assets {len(fake.all_ids())}\b", last_bar)
    final = screen.replace("\r\n", "\n").split("\n")
    finished = [line for line in final if "Sync finished" in line]
    # The log line is written whole: the bar was wiped before it, not mixed into it.
    assert finished and "pass " not in finished[0].split("Sync finished")[1]
    assert query(db_dsn, "SELECT count(*) FROM snipeit.assets")[0][0] == len(fake.all_ids())


@posix_only
@pytest.mark.parametrize("flag", ["--quiet", "--json"])
def test_no_progress_bar_with_quiet_or_json(fake: FakeSnipeIT, env: dict[str, str], flag: str) -> None:
    code, screen = run_in_terminal(env, "sync", flag)
    assert code == 0, screen
    assert "pass 1/3" not in screen and "\r" not in screen.replace("\r\n", "\n")


def test_no_progress_bar_when_not_a_terminal(fake: FakeSnipeIT, env: dict[str, str]) -> None:
    # CliRunner's streams are not terminals, like Task Scheduler's.
    result = CliRunner().invoke(cli, ["sync"], env={**env, "SNIPEIT_PAGE_SIZE": "25"})
    assert result.exit_code == 0
    assert "pass 1/3" not in result.output and "\r" not in result.output
    assert "Sync finished" in result.output


def test_json_summary_is_one_object_on_stdout(fake: FakeSnipeIT, env: dict[str, str], tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["sync", "--json"], env=env)
    assert result.exit_code == 0
    assert len(result.stdout.strip().splitlines()) == 1
    summary = orjson.loads(result.stdout)
    assert summary["status"] == "success" and summary["exit_code"] == 0
    assert summary["inserted"] == summary["fetched"] == len(fake.all_ids())
    assert summary["run_id"] == 1 and summary["error"] is None
    assert summary["log_file"] == str(tmp_path / "logs" / f"sync_{date.today():%Y%m%d}.log")
    assert "Sync finished" in result.stderr  # the log still goes to the console, on stderr
    failed = CliRunner().invoke(cli, ["sync", "--json", "-q"], env={**env, "SNIPEIT_TOKEN": "bad-token-xyz"})
    summary = orjson.loads(failed.stdout)
    assert failed.exit_code == summary["exit_code"] == 1
    assert summary["status"] == "failed" and "401" in summary["error"]
    assert TOKEN not in result.output + failed.output and "bad-token-xyz" not in failed.output


# -- log retention ---------------------------------------------------------------------------------
def daily(days_ago: int) -> str:
    return f"sync_{date.today() - timedelta(days=days_ago):%Y%m%d}.log"


def prepare_logs(log_dir: Path) -> set[str]:
    """Old and recent daily logs, plus files that merely look similar; returns every name made."""
    log_dir.mkdir()
    names = [daily(d) for d in (1, 7, 8, 30, 31, 400)]
    others = [
        "sync_2020.log",
        "sync_20200101.log.bak",
        "sync_20201301.log",
        "other_20200101.log",
        "notes.txt",
    ]
    for name in names + others:
        (log_dir / name).write_text("x")
    (log_dir / "sync_20200102.log").mkdir()  # a folder with a log's name is not a log
    made = set(names + others) | {"sync_20200102.log"}
    if sys.platform != "win32":
        target = log_dir.parent / "kept-elsewhere.log"
        target.write_text("x")
        (log_dir / "sync_20200103.log").symlink_to(target)
        made.add("sync_20200103.log")
    return made


def test_retention_deletes_only_old_daily_logs(
    fake: FakeSnipeIT, env: dict[str, str], tmp_path: Path
) -> None:
    log_dir = tmp_path / "logs"
    made = prepare_logs(log_dir)
    # check writes nothing but its line: it prunes nothing
    assert CliRunner().invoke(cli, ["check"], env=env).exit_code == 0
    assert made <= {p.name for p in log_dir.iterdir()}

    assert CliRunner().invoke(cli, ["sync", "-q"], env=env).exit_code == 0
    left = {p.name for p in log_dir.iterdir()}
    assert left == (made - {daily(31), daily(400)}) | {daily(0)}
    text = (log_dir / daily(0)).read_text("utf-8")
    deleted = sorted([daily(400), daily(31)])
    assert f"Deleted 2 log file(s) older than 30 days: {', '.join(deleted)}" in text
    assert (tmp_path / "kept-elsewhere.log").exists() or sys.platform == "win32"


def test_retention_is_configurable_and_zero_keeps_everything(
    fake: FakeSnipeIT, env: dict[str, str], tmp_path: Path
) -> None:
    log_dir = tmp_path / "logs"
    made = prepare_logs(log_dir)
    assert (
        CliRunner().invoke(cli, ["sync", "-q"], env={**env, "ASSETSYNC_LOG_RETENTION_DAYS": "0"}).exit_code
        == 0
    )
    assert {p.name for p in log_dir.iterdir()} == made | {daily(0)}
    assert (
        CliRunner().invoke(cli, ["sync", "-q"], env={**env, "ASSETSYNC_LOG_RETENTION_DAYS": "7"}).exit_code
        == 0
    )
    assert {p.name for p in log_dir.iterdir()} == (made - {daily(d) for d in (8, 30, 31, 400)}) | {daily(0)}
    assert "older than 7 days" in (log_dir / daily(0)).read_text("utf-8")
