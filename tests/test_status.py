"""`assetsync runs` and `assetsync status`: the history read back, and judged like a monitoring check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from click.testing import CliRunner, Result

from assetsync import exitcodes
from assetsync.cli import cli
from assetsync.fake_snipeit import FakeSnipeIT
from assetsync.status import CRITICAL, OK, WARNING, format_age, judge, parse_age
from tests.conftest import query

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


def invoke(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def db_only(env: dict[str, str]) -> dict[str, str]:
    """status and runs need nothing but DATABASE_URL."""
    return {**env, "SNIPEIT_API_URL": "", "SNIPEIT_TOKEN": ""}


def age_runs(dsn: str, hours: float) -> None:
    """Move every recorded run into the past (instead of waiting for the clock)."""
    query(
        dsn,
        "UPDATE snipeit.sync_runs SET started_at = started_at - make_interval(secs => %s), "
        "finished_at = finished_at - make_interval(secs => %s) RETURNING id",
        (hours * 3600, hours * 3600),
    )


def test_no_history_yet(env: dict[str, str], db_dsn: str) -> None:
    runs = invoke(db_only(env), "runs")
    assert runs.exit_code == 0 and "No runs recorded yet" in runs.output
    assert invoke(db_only(env), "runs", "--json").output.strip() == "[]"
    status = invoke(db_only(env), "status")
    assert status.exit_code == CRITICAL
    assert status.output.startswith("ASSETSYNC CRITICAL - no sync has been recorded")


def test_runs_table_is_aligned_and_newest_first(fake: FakeSnipeIT, env: dict[str, str]) -> None:
    assert invoke(env, "sync", "-q").exit_code == 0
    fake.update(min(fake.live_ids()), name="Renamed")
    second = invoke(env, "sync")
    assert second.exit_code == 0, second.output
    assert invoke({**env, "SNIPEIT_TOKEN": "wrong-token-abcdef"}, "sync", "-q").exit_code == 1
    result = invoke(db_only(env), "runs")
    assert result.exit_code == 0
    header, *lines = result.output.splitlines()
    assert header.split()[:4] == ["ID", "STARTED", "STATUS", "SECONDS"]
    assert [line.split()[0] for line in lines] == ["3", "2", "1"]
    assert [line.split()[3] for line in lines] == ["failed", "success", "success"]
    # aligned: text columns start where their heading starts, numbers end where theirs ends
    at = header.index("STATUS")
    assert all(line[at - 1] == " " and line[at] != " " for line in lines)
    end = header.index("UPDATED") + len("UPDATED")
    assert all(line[end - 1] != " " and line[end] == " " for line in lines[1:])
    assert "401" in lines[0]
    assert "wrong-token-abcdef" not in result.output
    one = invoke(db_only(env), "runs", "-n", "1")
    assert len(one.output.splitlines()) == 2


def test_runs_json(fake: FakeSnipeIT, env: dict[str, str]) -> None:
    assert invoke(env, "sync", "-q").exit_code == 0
    assert invoke(env, "sync", "-q").exit_code == 0
    runs = orjson.loads(invoke(db_only(env), "runs", "--json").output)
    assert [r["id"] for r in runs] == [2, 1]
    assert runs[1]["inserted"] == len(fake.all_ids()) and runs[0]["unchanged"] == len(fake.all_ids())
    assert isinstance(runs[0]["duration_seconds"], float)
    assert datetime.fromisoformat(runs[0]["started_at"]).tzinfo is not None


def test_status_ok_after_a_success(env: dict[str, str]) -> None:
    assert invoke(env, "sync", "-q").exit_code == 0
    result = invoke(db_only(env), "status", "--max-age", "5h")
    assert result.exit_code == OK
    first, *rest = result.output.splitlines()
    assert first.startswith("ASSETSYNC OK - the last sync succeeded")
    assert "| last_success_age=" in first and ";;18000 fetched=" in first
    assert rest[0].startswith("Last run:") and "#1 success" in rest[0]
    assert rest[1] == "Last successful run: the same run"


def test_failed_run_after_a_recent_success_is_a_warning(env: dict[str, str], db_dsn: str) -> None:
    assert invoke(env, "sync", "-q").exit_code == 0
    age_runs(db_dsn, 2)
    assert invoke({**env, "SNIPEIT_TOKEN": "wrong-token-abcdef"}, "sync", "-q").exit_code == 1
    result = invoke(db_only(env), "status", "--max-age", "5h")
    assert result.exit_code == WARNING
    first = result.output.splitlines()[0]
    assert first.startswith("ASSETSYNC WARNING - the last run #2")
    assert "failed: Snipe-IT answered 401" in first and "last success 2h 0m ago" in first
    assert "#1 success" in result.output.splitlines()[2]


def test_old_last_success_is_critical_with_max_age(env: dict[str, str], db_dsn: str) -> None:
    assert invoke(env, "sync", "-q").exit_code == 0
    age_runs(db_dsn, 6)
    result = invoke(db_only(env), "status", "--max-age", "5h")
    assert result.exit_code == CRITICAL
    assert "the last successful sync was 6h 0m ago, longer than 5h 0m" in result.output
    assert invoke(db_only(env), "status", "--max-age", "7h").exit_code == OK
    assert invoke(db_only(env), "status").exit_code == OK  # no --max-age: age alone never alarms


def test_never_a_success_is_critical(env: dict[str, str]) -> None:
    assert invoke({**env, "SNIPEIT_TOKEN": "wrong-token-abcdef"}, "sync", "-q").exit_code == 1
    result = invoke(db_only(env), "status")
    assert result.exit_code == CRITICAL
    assert "no sync has succeeded yet; the last run #1" in result.output


def test_status_json(env: dict[str, str]) -> None:
    assert invoke(env, "sync", "-q").exit_code == 0
    result = invoke(db_only(env), "status", "--json")
    payload = orjson.loads(result.output)
    assert result.exit_code == OK
    assert payload["state"] == "OK" and payload["exit_code"] == 0
    assert payload["last_run"]["id"] == payload["last_success"]["id"] == 1


def test_unreadable_history_is_critical_and_keeps_the_password(env: dict[str, str]) -> None:
    bad = {**db_only(env), "DATABASE_URL": "postgresql://assetsync:Sup3r-Secret-pw@127.0.0.1:1/nowhere"}
    result = invoke(bad, "status")
    assert result.exit_code == CRITICAL
    assert result.output.startswith("ASSETSYNC CRITICAL - cannot read the sync history")
    runs = invoke(bad, "runs")
    assert runs.exit_code == exitcodes.FAILED and "cannot connect to PostgreSQL" in runs.output
    assert "Sup3r-Secret-pw" not in result.output + runs.output


def test_missing_database_url(env: dict[str, str]) -> None:
    bare = {**db_only(env), "DATABASE_URL": ""}
    assert invoke(bare, "status").exit_code == CRITICAL
    runs = invoke(bare, "runs")
    assert runs.exit_code == exitcodes.CONFIG and "DATABASE_URL is not set" in runs.output


def test_bad_max_age_is_a_usage_error(env: dict[str, str]) -> None:
    result = invoke(db_only(env), "status", "--max-age", "soon")
    assert result.exit_code == 2 and "not an age" in result.output


# -- the verdict table, on synthetic runs (no clock involved) -------------------------------------
def run(run_id: int, status: str, hours_ago: float, error: str | None = None) -> dict[str, Any]:
    started = NOW - timedelta(hours=hours_ago)
    finished = None if status == "running" else started + timedelta(seconds=30)
    return {"id": run_id, "status": status, "started_at": started, "finished_at": finished, "error": error}


@pytest.mark.parametrize(
    ("last", "success", "max_age", "code", "says"),
    [
        (None, None, None, CRITICAL, "no sync has been recorded"),
        (run(1, "failed", 1, "boom"), None, None, CRITICAL, "no sync has succeeded yet; the last run #1"),
        (run(3, "success", 1), run(3, "success", 1), 5, OK, "succeeded 59m ago"),
        (run(3, "success", 6), run(3, "success", 6), 5, CRITICAL, "longer than 5h 0m"),
        (run(3, "success", 6), run(3, "success", 6), None, OK, "succeeded 5h 59m ago"),
        (
            run(4, "failed", 1, "HTTP 500\nmore"),
            run(3, "success", 4),
            5,
            WARNING,
            "#4 (1h 0m ago) failed: HTTP 500",
        ),
        (run(4, "braked", 1, "too many"), run(3, "success", 4), None, WARNING, "braked: too many"),
        (run(4, "abandoned", 1), run(3, "success", 4), None, WARNING, "abandoned"),
        (run(4, "failed", 1), run(3, "success", 9), 5, CRITICAL, "longer than 5h 0m; the last run #4"),
        (run(4, "running", 0.1), run(3, "success", 4), 5, OK, "a sync is running now"),
        (run(4, "running", 2), run(3, "success", 4), None, WARNING, "probably died"),
    ],
)
def test_verdicts(
    last: dict[str, Any] | None,
    success: dict[str, Any] | None,
    max_age: float | None,
    code: int,
    says: str,
) -> None:
    health = judge(
        last,
        success,
        now=NOW,
        max_age=timedelta(hours=max_age) if max_age is not None else None,
        run_timeout=timedelta(minutes=50),
    )
    assert (health.code, says in health.message) == (code, True), health.message


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("5h", 18000), ("90m", 5400), ("1d12h", 129600), ("45s", 45), ("3600", 3600), ("1w", 604800)],
)
def test_parse_age(text: str, seconds: float) -> None:
    assert parse_age(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "soon", "5x", "h5", "0", "-5h"])
def test_parse_age_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="not an age"):
        parse_age(text)


def test_format_age() -> None:
    assert [format_age(timedelta(seconds=s)) for s in (5, 300, 7500, 200000)] == [
        "5s",
        "5m",
        "2h 5m",
        "2d 7h",
    ]
