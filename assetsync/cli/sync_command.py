"""`assetsync sync` (also what `python scheduled_sync.py` runs)."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TextIO, cast

import click
import orjson

from assetsync import exitcodes
from assetsync.alerts.dispatch import alert_config_error
from assetsync.cli.group import cli
from assetsync.cli.progress import ProgressLine
from assetsync.config import ConfigError, Settings, load_environment, load_settings
from assetsync.runner import logged_run
from assetsync.sync import SyncOptions, SyncResult


def settings_or_exit() -> Settings:
    """Load settings; on a bad or missing setting print one clear line and exit 2."""
    try:
        return load_settings()
    except ConfigError as exc:
        click.echo(f"assetsync: configuration error: {exc}", err=True)
        # A run that cannot start is a failure too; alerted when the alert settings can be read.
        alert_config_error(load_environment(), f"configuration error: {exc}")
        sys.exit(exitcodes.CONFIG)


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM (service stop, Task Scheduler "End") into KeyboardInterrupt, so the run
    unwinds the same way as Ctrl-C: the open transaction rolls back and the run is recorded."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (e.g. the in-process scheduler)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@cli.command("sync")
@click.option("--dry-run", is_flag=True, help="Fetch and compare, report what would change, write nothing.")
@click.option(
    "--accept-removals",
    is_flag=True,
    help="Release the removal brake for this run (after checking the removals are real).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as one JSON object on stdout.")
@click.option("-q", "--quiet", is_flag=True, help="No console output but errors (the log file is complete).")
@click.option(
    "-v", "--verbose", is_flag=True, help="More detail on the console (and asset tags in a dry run)."
)
def sync_command(dry_run: bool, accept_removals: bool, as_json: bool, quiet: bool, verbose: bool) -> None:
    """Pull every hardware asset from Snipe-IT and upsert it into PostgreSQL.

    Reads the default list, the archived and the soft-deleted assets, proves the
    fetch complete, then writes in one short transaction. Appends to
    logs/sync_YYYYMMDD.log. Exit codes: 0 success, 1 failed (database untouched),
    2 configuration error, 3 another sync running, 4 removal brake, 5 log file
    not writable, 130 interrupted.

    \b
    Example:
        assetsync sync
        assetsync sync --dry-run -v
        python scheduled_sync.py --json
    """
    settings = settings_or_exit()
    code = run_and_log(
        settings,
        dry_run=dry_run,
        accept_removals=accept_removals,
        as_json=as_json,
        quiet=quiet,
        verbose=verbose,
    )
    sys.exit(code)


def run_and_log(
    settings: Settings,
    *,
    dry_run: bool = False,
    accept_removals: bool = False,
    as_json: bool = False,
    quiet: bool = False,
    verbose: bool = False,
) -> int:
    """One logged run, as the CLI does it; returns the exit code."""
    # A bar only for a person at a terminal: Task Scheduler and scripts get plain log lines.
    progress = ProgressLine(sys.stderr) if not (quiet or as_json) and sys.stderr.isatty() else None
    console: TextIO | None = None if quiet else sys.stderr
    options = SyncOptions(dry_run=dry_run, accept_removals=accept_removals)
    if progress is not None:
        console, options.on_page = cast(TextIO, progress), progress.on_page
    try:
        with sigterm_as_interrupt():
            run = logged_run(settings, options, console=console, verbose=verbose)
    finally:
        if progress is not None:
            progress.finish()
    result = run.result
    if dry_run and verbose:
        _print_planned(result)
    if as_json:
        payload = result.to_dict()
        payload["exit_code"] = run.exit_code
        payload["log_file"] = run.log_file
        click.echo(orjson.dumps(payload).decode())
    elif quiet and result.error:
        click.echo(f"assetsync: {result.error}", err=True)
    return run.exit_code


def _print_planned(result: SyncResult) -> None:
    """The asset tags behind the dry run's counts (the store lists at most 1000 per kind)."""
    if not result.planned_tags and result.inserted:
        click.echo(
            f"would insert all {result.inserted} assets (the assets table does not exist yet)", err=True
        )
        return
    counts = {
        "insert": result.inserted,
        "update": result.updated,
        "soft-delete": result.soft_deleted,
        "remove": result.removed,
    }
    for kind, tags in result.planned_tags.items():
        if tags:
            more = counts.get(kind, 0) - len(tags)
            tail = f" and {more} more" if more > 0 else ""
            click.echo(f"would {kind} {counts.get(kind, len(tags))}: {', '.join(tags)}{tail}", err=True)
