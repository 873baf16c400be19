"""`assetsync demo`: the real sync end to end, with a fake Snipe-IT and its own embedded PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result

from assetsync.cli import cli
from assetsync.config import PROJECT_DIR
from assetsync.demo import stop_demo


@pytest.fixture
def demo_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "demo"
    try:
        yield folder
    finally:
        stop_demo(folder)  # never leave a server behind, whatever the test did


def demo(*args: str) -> Result:
    return CliRunner().invoke(cli, ["demo", *args], catch_exceptions=False)


def counted(line: str) -> dict[str, int]:
    """'inserted 3, updated 9' -> {'inserted': 3, 'updated': 9}."""
    return {name: int(n) for name, n in re.findall(r"([a-z-]+) (\d+)", line)}


def changed(line: str) -> dict[str, int]:
    """'6 assets edited, 3 soft-deleted' -> {'edited': 6, 'soft-deleted': 3}."""
    return {name: int(n) for n, name in re.findall(r"(\d+) (?:assets )?([a-z-]+)", line)}


def test_demo_runs_three_real_syncs_and_stops_everything(demo_dir: Path) -> None:
    project_logs = sorted((PROJECT_DIR / "logs").glob("*")) if (PROJECT_DIR / "logs").exists() else []
    result = demo("--dir", str(demo_dir))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    first = next(line for line in lines if line.startswith("1. first load"))
    second = next(line for line in lines if line.startswith("2. nothing changed"))
    third = next(line for line in lines if line.startswith("3. after changes"))
    meanwhile = changed(next(line for line in lines if "meanwhile in Snipe-IT" in line))
    assert "fetched 300: inserted 300, updated 0, unchanged 0" in first
    assert "fetched 300: inserted 0, updated 0, unchanged 300, soft-deleted 0, removed 0" in second
    after = counted(third)
    assert after["inserted"] == meanwhile["added"] > 0
    assert after["soft-deleted"] == meanwhile["soft-deleted"] > 0
    assert after["removed"] == meanwhile["purged"] > 0
    assert after["updated"] >= meanwhile["edited"] + meanwhile["soft-deleted"]
    # The whole estate: every other record type has its own line under each run.
    users = [line.strip() for line in lines if line.strip().startswith("users: fetched")]
    assert len(users) == 3 and users[0].endswith("updated 0, removed 0")
    fetched = users[0].split(",")[0].removeprefix("users: fetched ")
    assert int(fetched) > 0 and users[1] == f"users: fetched {fetched}, inserted 0, updated 0, removed 0"
    assert "stopped" in result.output and "snipeit.asset_overview" in result.output
    assert re.search(
        r'psql\S* "postgresql://[^"]+" -c "SELECT .* FROM snipeit\.asset_overview', result.output
    )
    # the demo's log is in its own folder, the project's logs/ untouched
    assert list((demo_dir / "logs").glob("sync_*.log"))
    now = sorted((PROJECT_DIR / "logs").glob("*")) if (PROJECT_DIR / "logs").exists() else []
    assert now == project_logs
    assert "No demo database runs" in demo("--dir", str(demo_dir), "--stop").output


def test_keep_leaves_the_database_to_explore_until_stop(demo_dir: Path) -> None:
    result = demo("--dir", str(demo_dir), "--keep")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    uri = lines[lines.index("Connect other tools with:") + 1].strip()
    with psycopg.connect(uri) as conn:
        stored = conn.execute("SELECT count(*), count(removed_at) FROM snipeit.assets").fetchone()
        runs = conn.execute("SELECT status FROM snipeit.sync_runs ORDER BY id").fetchall()
    assert stored is not None and stored[0] > 300 and stored[1] >= 1
    assert runs == [("success",)] * 3
    assert "assetsync demo --stop" in result.output

    # a second demo in the same folder starts from an empty database again
    again = demo("--dir", str(demo_dir), "--keep")
    assert "1. first load                 fetched 300: inserted 300" in again.output

    stopped = demo("--dir", str(demo_dir), "--stop")
    assert stopped.exit_code == 0 and "Stopped the demo database" in stopped.output
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(uri, connect_timeout=3)


def test_demo_refuses_a_folder_that_is_not_its_own(tmp_path: Path) -> None:
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "report.txt").write_text("keep me")
    result = CliRunner().invoke(cli, ["demo", "--dir", str(precious)])
    assert result.exit_code == 1
    assert "not an assetsync demo folder" in result.output
    assert [p.name for p in precious.iterdir()] == ["report.txt"]
