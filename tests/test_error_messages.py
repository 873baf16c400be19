"""Errors read as one line that names what failed (the driver's first line, secrets scrubbed), then
the fix: a real closed port and a real wrong password, on every command that opens PostgreSQL."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from psycopg.conninfo import make_conninfo

from assetsync.cli import cli
from assetsync.fake_snipeit import FakeSnipeIT
from tests.conftest import PASSWORD, ROLE, fresh_database, make_env

COMMANDS = [("sync",), ("check",), ("runs",), ("status",)]
WRONG = "Wrong-Passw0rd-5678"


@pytest.fixture
def closed_port() -> int:
    """A loopback port that nothing listens on: bound once to learn a free number, then closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def wrong_password_dsn(password_server: str) -> Iterator[str]:
    with fresh_database(password_server) as admin:
        yield make_conninfo(admin, user=ROLE, password=WRONG)


def lines_about_postgres(env: dict[str, str], args: tuple[str, ...]) -> tuple[list[str], str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if "cannot connect to PostgreSQL" in line]
    return lines, result.output


def assert_one_readable_line(lines: list[str], output: str, reason: str) -> None:
    assert lines, f"no line says the connection failed:\n{output}"
    for line in lines:
        assert reason in line, line
        assert "check DATABASE_URL" in line, line  # the fix follows on the same line
    assert "\t" not in output
    assert "Is the server running" not in output  # libpq's generic second line
    assert WRONG not in output and "pw-closed-42" not in output


@pytest.mark.parametrize("args", COMMANDS)
def test_closed_port_names_host_port_and_refusal(
    args: tuple[str, ...], fake: FakeSnipeIT, closed_port: int, tmp_path: Path
) -> None:
    dsn = f"postgresql://assetsync:pw-closed-42@127.0.0.1:{closed_port}/reporting"
    lines, output = lines_about_postgres(make_env(fake, dsn, tmp_path / "logs"), args)
    reason = f'connection to server at "127.0.0.1", port {closed_port} failed: Connection refused'
    assert_one_readable_line(lines, output, reason)


@pytest.mark.parametrize("args", COMMANDS)
def test_wrong_password_names_the_user(
    args: tuple[str, ...], fake: FakeSnipeIT, wrong_password_dsn: str, tmp_path: Path
) -> None:
    assert PASSWORD not in wrong_password_dsn
    lines, output = lines_about_postgres(make_env(fake, wrong_password_dsn, tmp_path / "logs"), args)
    assert_one_readable_line(lines, output, f'password authentication failed for user "{ROLE}"')


@pytest.mark.parametrize("args", [("sync",), ("check",)])
def test_unreachable_snipeit_names_host_port_and_reason(
    args: tuple[str, ...], db_dsn: str, closed_port: int, tmp_path: Path
) -> None:
    env = {
        "DATABASE_URL": db_dsn,
        "SNIPEIT_API_URL": f"http://127.0.0.1:{closed_port}",
        "SNIPEIT_TOKEN": "tok-unreachable-0123456789",
        "ASSETSYNC_LOG_DIR": str(tmp_path / "logs"),
        "SNIPEIT_MAX_RETRIES": "0",
    }
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if "Snipe-IT kept failing" in line]
    assert lines, result.output
    for line in lines:
        assert f"127.0.0.1:{closed_port}: Failed to establish a new connection" in line, line
        assert "check that Snipe-IT is up" in line
    for raw in ("Max retries", "Caused by", "HTTPConnection", "\t", "tok-unreachable"):
        assert raw not in result.output, raw
