"""`assetsync runs`: the last runs from sync_runs as an aligned table, or JSON."""

from __future__ import annotations

import sys
from typing import Any

import click
import orjson

from assetsync import exitcodes
from assetsync.cli.group import cli
from assetsync.config import ConfigError, load_settings
from assetsync.status import Run, read_runs, run_for_json
from assetsync.store import StoreError

ERROR_WIDTH = 70
# (heading, column, right-aligned)
COLUMNS = (
    ("ID", "id", True),
    ("STARTED", "started_at", False),
    ("STATUS", "status", False),
    ("SECONDS", "duration_seconds", True),
    ("FETCHED", "fetched", True),
    ("INSERTED", "inserted", True),
    ("UPDATED", "updated", True),
    ("UNCHANGED", "unchanged", True),
    ("SOFT-DEL", "soft_deleted", True),
    ("REMOVED", "removed", True),
    # Rows inserted, updated or removed in the other record types (users, locations, ...).
    ("OTHERS", "other_changes", True),
    ("ERROR", "error", False),
)


@cli.command("runs")
@click.option(
    "-n", "--limit", default=20, show_default=True, type=click.IntRange(min=1), help="How many runs."
)
@click.option("--json", "as_json", is_flag=True, help="Print the runs as a JSON array (newest first).")
def runs_command(limit: int, as_json: bool) -> None:
    """List the last runs recorded in sync_runs, newest first.

    Times are local. Needs only DATABASE_URL. Exit codes: 0 listed (also when
    there are no runs yet), 1 the database could not be read, 2 configuration
    error.

    \b
    Example:
        assetsync runs
        assetsync runs -n 100
        assetsync runs --json
    """
    try:
        settings = load_settings(need_api=False)
    except ConfigError as exc:
        click.echo(f"assetsync: configuration error: {exc}", err=True)
        sys.exit(exitcodes.CONFIG)
    try:
        runs = read_runs(settings, limit)
    except StoreError as exc:
        click.echo(f"assetsync: {exc}", err=True)
        sys.exit(exitcodes.FAILED)
    if as_json:
        click.echo(orjson.dumps([run_for_json(r) for r in runs]).decode())
    elif not runs:
        click.echo(f"No runs recorded yet in {settings.schema}.sync_runs; run `assetsync sync` first.")
    else:
        click.echo(format_table(runs))


def format_table(runs: list[Run]) -> str:
    """An aligned plain-text table (ASCII only, for any console)."""
    cells = [[_cell(run, column) for _, column, _ in COLUMNS] for run in runs]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, (h, _, _) in enumerate(COLUMNS)]
    lines = []
    for row in [[h for h, _, _ in COLUMNS], *cells]:
        padded = [
            value.rjust(width) if right else value.ljust(width)
            for value, width, (_, _, right) in zip(row, widths, COLUMNS, strict=True)
        ]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


def _other_changes(run: Run) -> int | None:
    details = run.get("details")
    entities = details.get("entities") if isinstance(details, dict) else None
    if not isinstance(entities, dict):
        return None
    return sum(
        int(c.get(k) or 0)
        for name, c in entities.items()
        if name != "hardware"
        for k in ("inserted", "updated", "removed")
    )


def _cell(run: Run, column: str) -> str:
    value: Any = _other_changes(run) if column == "other_changes" else run.get(column)
    if value is None:
        return ""
    if column == "started_at":
        return f"{value.astimezone():%Y-%m-%d %H:%M:%S}"
    if column == "duration_seconds":
        return f"{float(value):.1f}"
    if column == "error":
        text = " ".join(str(value).split())
        return text if len(text) <= ERROR_WIDTH else text[: ERROR_WIDTH - 3] + "..."
    return str(value)
