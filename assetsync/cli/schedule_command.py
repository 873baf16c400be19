"""`assetsync schedule`: the sync times, the next runs, and the systemd units or crontab line."""

from __future__ import annotations

import json
import sys
from datetime import datetime, time, tzinfo
from pathlib import Path

import click

import assetsync
from assetsync import exitcodes
from assetsync.cli.group import cli
from assetsync.config import load_environment
from assetsync.schedule import (
    DEFAULT_SYNC_TIMES,
    SERVICE_FILE,
    SETTING,
    TIMER_FILE,
    cron_line,
    format_time,
    local_timezone,
    next_runs,
    sync_times_from,
    systemd_units,
    timezone_name,
)

# The folder holding scheduled_sync.py and .env: the repository root, one level above the package.
PROJECT_DIR = Path(assetsync.__file__).resolve().parent.parent


def _now(tz: tzinfo) -> datetime:
    """The current time in `tz` (a seam for tests)."""
    return datetime.now(tz)


def _python() -> Path:
    # Not resolved: a venv's python is a symlink, and following it would leave the venv.
    return Path(sys.executable).absolute()


@cli.command("schedule")
@click.option(
    "--count",
    type=click.IntRange(min=1, max=1000),
    default=8,
    show_default=True,
    help="How many upcoming runs to list.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Print {"times": [...], "timezone": ..., "next_runs": [...]} on stdout.',
)
@click.option(
    "--systemd", is_flag=True, help=f"Print {SERVICE_FILE} and {TIMER_FILE} for a Linux host (systemd timer)."
)
@click.option(
    "--systemd-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the two systemd units into this folder instead of printing them.",
)
@click.option("--cron", is_flag=True, help="Print a crontab line instead (no catch-up of missed runs).")
def schedule_command(count: int, as_json: bool, systemd: bool, systemd_dir: Path | None, cron: bool) -> None:
    """Show when the sync runs: the configured times and the next runs.

    The times come from ASSETSYNC_SYNC_TIMES (environment or .env, default
    08:00,12:00,16:00,20:00) and are local wall-clock times that follow
    daylight saving time. setup_sync_schedule.ps1 registers the same times in
    Windows Task Scheduler; --systemd and --cron give the Linux equivalents,
    built for this project folder and this Python.

    \b
    Example:
        assetsync schedule
        assetsync schedule --json --count 4
        assetsync schedule --systemd-dir ~/.config/systemd/user
        assetsync schedule --cron
    """
    if sum((as_json, systemd or systemd_dir is not None, cron)) > 1:
        raise click.UsageError("Choose one of --json, --systemd/--systemd-dir and --cron.")
    times, configured = _configured_times()
    if systemd_dir is not None:
        _write_units(times, systemd_dir)
    elif systemd:
        service, timer = systemd_units(times, PROJECT_DIR, _python())
        click.echo(f"# file: {SERVICE_FILE}\n{service}\n# file: {TIMER_FILE}\n{timer}", nl=False)
    elif cron:
        click.echo(cron_line(times, PROJECT_DIR, _python()))
    else:
        tz = local_timezone()
        now = _now(tz)
        runs = next_runs(times, now, count)
        if as_json:
            click.echo(json.dumps(_as_dict(times, timezone_name(tz, now), runs)))
        else:
            _print_overview(times, configured, timezone_name(tz, now), runs)


def _configured_times() -> tuple[tuple[time, ...], bool]:
    """The times, and whether the setting is set; a malformed value ends the command with exit 2."""
    env = load_environment()
    try:
        return sync_times_from(env), bool(env.get(SETTING, "").strip())
    except ValueError as exc:
        click.echo(f"assetsync: configuration error: {exc}", err=True)
        sys.exit(exitcodes.CONFIG)


def _as_dict(times: tuple[time, ...], zone: str, runs: list[datetime]) -> dict[str, object]:
    return {
        "times": [format_time(at) for at in times],
        "timezone": zone,
        "next_runs": [run.isoformat() for run in runs],
    }


def _print_overview(times: tuple[time, ...], configured: bool, zone: str, runs: list[datetime]) -> None:
    source = SETTING if configured else f"{SETTING} not set, default {DEFAULT_SYNC_TIMES}"
    click.echo(f"Sync times ({source}): {', '.join(format_time(at) for at in times)}")
    click.echo(f"Time zone: {zone} (local wall-clock time; daylight saving time is followed)")
    click.echo(f"Next {len(runs)} runs:")
    for run in runs:
        click.echo(f"  {run:%a %Y-%m-%d %H:%M} {run.tzname()} ({run:%z})")
    click.echo("Set up:")
    click.echo(
        '  Windows:         .\\setup_sync_schedule.ps1 as Administrator (task "AssetSync"; '
        "docs/windows-task-scheduler.md)"
    )
    click.echo(
        f"  Linux (systemd): assetsync schedule --systemd-dir ~/.config/systemd/user, then "
        f"systemctl --user enable --now {TIMER_FILE}"
    )
    click.echo("  Linux (cron):    assetsync schedule --cron, then add the line with crontab -e")


def _write_units(times: tuple[time, ...], directory: Path) -> None:
    service, timer = systemd_units(times, PROJECT_DIR, _python())
    for name, text in ((SERVICE_FILE, service), (TIMER_FILE, timer)):
        path = directory / name
        try:
            directory.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"could not write {path}: {exc.strerror or exc}") from exc
        click.echo(f"Wrote {path}")
    click.echo(
        f"Next: systemctl --user daemon-reload && systemctl --user enable --now {TIMER_FILE}\n"
        "(for /etc/systemd/system, add User= under [Service] and drop --user; "
        f"see the comments in {SERVICE_FILE})"
    )
