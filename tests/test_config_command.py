"""`assetsync config`: each effective setting with its source, secrets masked, exit 2 like the sync."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner, Result

from assetsync import exitcodes
from assetsync.cli import cli
from assetsync.config import PROJECT_DIR, SPECS

TOKEN = "tok-Very-Secret-0123456789"
DB_PASSWORD = "Db-Passw0rd-Secret"


def invoke(env: dict[str, str], *args: str) -> Result:
    """Run `assetsync config` with exactly `env` as the settings environment."""
    cleared: dict[str, str | None] = {spec.name: None for spec in SPECS.values()}
    return CliRunner().invoke(cli, ["config", *args], env={**cleared, **env}, catch_exceptions=False)


@pytest.fixture
def env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A .env standing in for the one next to scheduled_sync.py."""
    path = tmp_path / ".env"
    path.write_text(
        f"DATABASE_URL=postgresql://sync:{DB_PASSWORD}@db.example.com:5432/reporting\n"
        "SNIPEIT_API_URL=https://assets.example.com\n"
        "ASSETSYNC_SCHEMA=from_file\n",
        "utf-8",
    )
    monkeypatch.setattr("assetsync.cli.config_command.ENV_FILE", path)
    return path


def by_name(result: Result) -> dict[str, dict[str, object]]:
    payload = orjson.loads(result.output)
    return {row["name"]: row for row in payload["settings"]}


def test_sources_and_masking(env_file: Path) -> None:
    result = invoke({"SNIPEIT_TOKEN": TOKEN, "ASSETSYNC_SCHEMA": "from_env"}, "--json")
    assert result.exit_code == exitcodes.OK
    rows = by_name(result)
    assert [*rows] == [spec.name for spec in SPECS.values()]
    assert rows["ASSETSYNC_SCHEMA"] == {
        "name": "ASSETSYNC_SCHEMA",
        "value": "from_env",
        "source": "environment",
        "secret": False,
    }
    assert rows["SNIPEIT_API_URL"]["value"] == "https://assets.example.com/api/v1"
    assert rows["SNIPEIT_API_URL"]["source"] == ".env"
    assert rows["SNIPEIT_PAGE_SIZE"] == {
        "name": "SNIPEIT_PAGE_SIZE",
        "value": "500",
        "source": "default",
        "secret": False,
    }
    assert rows["SNIPEIT_TOKEN"]["value"] == "***" and rows["SNIPEIT_TOKEN"]["secret"] is True
    assert rows["DATABASE_URL"]["value"] == "postgresql://sync:***@db.example.com:5432/reporting"
    assert rows["ASSETSYNC_SYNC_TIMES"]["value"] == "08:00,12:00,16:00,20:00"
    assert TOKEN not in result.output and DB_PASSWORD not in result.output


def test_table_for_people(env_file: Path) -> None:
    result = invoke({"SNIPEIT_TOKEN": TOKEN})
    assert result.exit_code == exitcodes.OK
    assert str(env_file) in result.output.splitlines()[0]
    line = next(line for line in result.output.splitlines() if line.startswith("ASSETSYNC_SCHEMA "))
    assert line.split() == ["ASSETSYNC_SCHEMA", ".env", "from_file"]
    assert TOKEN not in result.output and DB_PASSWORD not in result.output


def test_bad_value_is_the_sync_message_and_exit_2(env_file: Path) -> None:
    bad = {"SNIPEIT_TOKEN": TOKEN, "SNIPEIT_PAGE_SIZE": "1000"}
    shown = invoke(bad)
    synced = CliRunner().invoke(cli, ["sync"], env={**invoke_env(env_file), **bad})
    assert shown.exit_code == synced.exit_code == exitcodes.CONFIG
    message = "assetsync: configuration error: SNIPEIT_PAGE_SIZE='1000' is not valid: use a whole number"
    assert message in shown.output and message in synced.output


def invoke_env(env_file: Path) -> dict[str, str]:
    """The .env's lines as environment variables, for the sync (which reads the real .env)."""
    lines = env_file.read_text("utf-8").splitlines()
    return {name: value for name, _, value in (line.partition("=") for line in lines)}


def test_missing_required_setting_lists_the_rest_then_fails(env_file: Path) -> None:
    result = invoke({}, "--json")
    assert result.exit_code == exitcodes.CONFIG
    assert "SNIPEIT_TOKEN is not set" in result.output


def test_json_is_ascii_for_the_setup_script(env_file: Path) -> None:
    # The setup script reads it from a redirected stdout in Windows' legacy code page.
    result = invoke({"SNIPEIT_TOKEN": TOKEN, "ASSETSYNC_LOG_DIR": "Jürgens-logs"}, "--json")
    assert result.output.isascii()
    assert by_name(result)["ASSETSYNC_LOG_DIR"]["value"] == str(PROJECT_DIR / "Jürgens-logs")
