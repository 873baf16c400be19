"""`assetsync status`: the last run and the last success, with a monitoring-plugin exit code."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import click
import orjson

from assetsync.cli.group import cli
from assetsync.config import ConfigError, load_settings
from assetsync.status import (
    CRITICAL,
    Health,
    Run,
    ended_at,
    format_age,
    parse_age,
    read_health,
    run_for_json,
)
from assetsync.store import StoreError


def _max_age(ctx: click.Context, param: click.Parameter, value: str | None) -> timedelta | None:
    if value is None:
        return None
    try:
        return parse_age(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@cli.command("status")
@click.option(
    "--max-age",
    callback=_max_age,
    metavar="AGE",
    help="CRITICAL when the last success is older than this (5h, 90m, 1d12h).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the verdict and both runs as one JSON object.")
def status_command(max_age: timedelta | None, as_json: bool) -> None:
    """Show the last run and the last successful run, for people and monitoring.

    The first line is a monitoring-plugin status line; the exit code is what
    Nagios, Icinga, Zabbix and PRTG expect: 0 OK (the last run succeeded, or one
    is running), 1 WARNING (the last run failed, was braked or interrupted, or
    looks stuck, but a success is recent enough), 2 CRITICAL (no success ever,
    none within --max-age, or the history cannot be read). Needs only
    DATABASE_URL.

    \b
    Example:
        assetsync status
        assetsync status --max-age 13h
        assetsync status --json
    """
    now = datetime.now(UTC)
    try:
        settings = load_settings(need_api=False)
        health = read_health(settings, now=now, max_age=max_age)
    except (ConfigError, StoreError) as exc:
        health = Health(CRITICAL, f"cannot read the sync history: {exc}", None, None)
    if as_json:
        payload = {
            "state": health.state,
            "exit_code": health.code,
            "message": health.message,
            "last_run": run_for_json(health.last_run),
            "last_success": run_for_json(health.last_success),
        }
        click.echo(orjson.dumps(payload).decode())
    else:
        click.echo(f"ASSETSYNC {health.state} - {health.message}{_perfdata(health, now, max_age)}")
        last, success = health.last_run, health.last_success
        if last is not None:
            click.echo(f"{'Last run:':<21}{_describe(last, now)}")
        if success is not None:
            same = last is not None and success["id"] == last["id"]
            click.echo(f"{'Last successful run:':<21}{'the same run' if same else _describe(success, now)}")
    sys.exit(health.code)


def _describe(run: Run, now: datetime) -> str:
    started = run["started_at"]
    parts = [
        f"#{run['id']} {run['status']}",
        f"started {started.astimezone():%Y-%m-%d %H:%M:%S} ({format_age(now - started)} ago)",
    ]
    if run.get("duration_seconds") is not None:
        parts.append(f"{float(run['duration_seconds']):.1f} s")
    if run.get("fetched") is not None:
        parts.append(f"fetched {run['fetched']}")
    if run.get("inserted") is not None:
        parts.append(
            f"inserted {run['inserted']}, updated {run['updated']}, soft-deleted {run['soft_deleted']}, "
            f"removed {run['removed']}"
        )
    if run.get("error"):
        parts.append(f"error: {str(run['error']).splitlines()[0]}")
    return ", ".join(parts)


def _perfdata(health: Health, now: datetime, max_age: timedelta | None) -> str:
    """Nagios performance data: the age of the last success (and its limit) and the assets fetched."""
    if health.last_success is None:
        return ""
    finished = ended_at(health.last_success)
    limit = f";;{int(max_age.total_seconds())}" if max_age is not None else ""
    age = f"last_success_age={int((now - finished).total_seconds())}s{limit}"
    return f" | {age} fetched={health.last_success.get('fetched') or 0}"
