"""`assetsync config`: every effective setting, where it came from, secrets masked."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

import click

from assetsync import exitcodes
from assetsync.cli.group import cli
from assetsync.config import ENV_FILE, SPECS, ConfigError, Settings, environment_with_sources, load_settings
from assetsync.schedule import format_time


@cli.command("config")
@click.option("--json", "as_json", is_flag=True, help="Print the settings as one JSON object on stdout.")
def config_command(as_json: bool) -> None:
    """Show every setting's effective value and where it came from.

    Each setting comes from the environment, from the .env file next to
    scheduled_sync.py, or is the default. Secrets (the token, the database
    password) are masked. A missing or malformed setting ends the command with
    the same message and exit code as the sync: 2, configuration error. Exit
    code 0 means every command can start with these settings.

    \b
    Example:
        assetsync config
        assetsync config --json
    """
    found = environment_with_sources(ENV_FILE)
    env = {name: value for name, (value, _) in found.items()}
    try:
        settings = load_settings(env, need_database=False, need_api=False)
        complete: ConfigError | None = None
        try:
            load_settings(env)
        except ConfigError as exc:  # a required setting is missing: show the rest, then fail
            complete = exc
    except ConfigError as exc:
        _fail(exc)
    rows = [_row(field, settings, found) for field in SPECS]
    if as_json:
        payload = {"env_file": str(ENV_FILE), "env_file_exists": ENV_FILE.is_file(), "settings": rows}
        # ASCII (non-ASCII escaped): setup_sync_schedule.ps1 reads this from a redirected stdout,
        # whose encoding on Windows is the legacy code page, not UTF-8.
        click.echo(json.dumps(payload))
    else:
        _print_table(rows)
    if complete is not None:
        _fail(complete)


def _fail(exc: ConfigError) -> None:
    click.echo(f"assetsync: configuration error: {exc}", err=True)
    sys.exit(exitcodes.CONFIG)


def _row(field: str, settings: Settings, found: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    spec = SPECS[field]
    raw, source = found.get(spec.name, ("", "default"))
    if not raw.strip():
        source = "default"
    return {
        "name": spec.name,
        "value": spec.mask(display(getattr(settings, field))),
        "source": source,
        "secret": spec.secret,
    }


def display(value: object) -> str:
    """A parsed setting as an admin would write it in .env."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, ZoneInfo):
        return value.key
    if isinstance(value, time):
        return format_time(value)
    if isinstance(value, tuple | list | frozenset):  # lists are written comma-separated in .env
        items = sorted(value, key=str) if isinstance(value, frozenset) else value
        return ",".join(display(item) for item in items)
    return str(value)


def _print_table(rows: list[dict[str, Any]]) -> None:
    where = ENV_FILE if ENV_FILE.is_file() else f"{ENV_FILE} (not there)"
    click.echo(f"Settings file: {where}; the environment wins over it.\n")
    width = max(len(row["name"]) for row in rows)
    for row in rows:
        value = row["value"] if row["value"] != "" else "(not set)"
        click.echo(f"{row['name']:<{width}}  {row['source']:<11}  {value}")
