"""`assetsync demo`: try the real sync with nothing set up (fake Snipe-IT, embedded PostgreSQL)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assetsync import exitcodes
from assetsync.cli.group import cli
from assetsync.demo import (
    EXAMPLE_QUERY,
    INSTALL_HINT,
    DemoError,
    DemoReport,
    default_folder,
    run_demo,
    stop_demo,
)
from assetsync.sync import SyncResult


@cli.command("demo")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the demo's database and logs (default: assetsync/demo in your data folder).",
)
@click.option("--keep", is_flag=True, help="Leave the database running afterwards, to explore it with psql.")
@click.option("--stop", is_flag=True, help="Stop a database left running by --keep, and exit.")
@click.option("-v", "--verbose", is_flag=True, help="Show the sync's log lines as they are written.")
def demo_command(folder: Path | None, keep: bool, stop: bool, verbose: bool) -> None:
    """Watch the real sync work, with no Snipe-IT and no PostgreSQL of your own.

    Starts this project's fake Snipe-IT on a loopback port with 300 realistic
    assets and an embedded PostgreSQL in a folder of its own, then runs the real
    sync three times: the first load, a run with nothing changed, and a run
    after some assets were edited, soft-deleted, purged and added. Prints the
    three summaries and the psql command to look at snipeit.assets. Needs the
    `embedded` extra. Your .env and logs/ are not used.

    \b
    Example:
        assetsync demo
        assetsync demo --keep
        assetsync demo --stop
    """
    where = folder or default_folder_or_exit()
    if stop:
        try:
            stopped = stop_demo(where)
        except DemoError as exc:
            click.echo(f"assetsync: {exc}", err=True)
            sys.exit(exitcodes.FAILED)
        click.echo(
            f"Stopped the demo database in {where}." if stopped else f"No demo database runs in {where}."
        )
        return
    click.echo("assetsync demo: the real sync against a fake Snipe-IT and a throw-away PostgreSQL.\n")
    try:
        report = run_demo(
            where, keep=keep, console=sys.stderr if verbose else None, say=lambda text: click.echo(text)
        )
    except DemoError as exc:
        click.echo(f"assetsync: {exc}", err=True)
        sys.exit(exitcodes.FAILED)
    _print_report(report)
    sys.exit(exitcodes.OK if report.ok else exitcodes.FAILED)


def default_folder_or_exit() -> Path:
    try:
        return default_folder()
    except ImportError:
        click.echo(f"assetsync: the demo needs the `embedded` extra: {INSTALL_HINT}", err=True)
        sys.exit(exitcodes.FAILED)


def _print_report(report: DemoReport) -> None:
    click.echo("")
    for number, run in enumerate(report.runs, start=1):
        if number == 3 and report.changes:
            c = report.changes
            click.echo(
                f"   (meanwhile in Snipe-IT: {c['changed']} assets edited, {c['soft_deleted']} soft-deleted, "
                f"{c['purged']} purged, {c['new']} added)"
            )
        click.echo(f"{number}. {run.title:<26} {_summary(run.result)}")
        for line in _entity_lines(run.result):
            click.echo(f"   {'':<26} {line}")
    if not report.ok:
        failed = next((r for r in report.runs if r.exit_code != 0), None)
        reason = failed.result.error if failed else "it did not finish"
        click.echo(f"\nThe demo failed: {reason}")
    click.echo(f"\nFolder: {report.folder}")
    if report.log_file:
        click.echo(f"Log:    {report.log_file}")
    psql = f'"{report.psql}"' if report.psql and " " in report.psql else report.psql or "psql"
    command = f'{psql} "{report.database_url}" -c "{EXAMPLE_QUERY}"'
    if report.kept:
        click.echo("\nThe database is still running. Look at the estate (snipeit.asset_overview) with psql:")
        click.echo(f"    {command}")
        click.echo("Connect other tools with:")
        click.echo(f"    {report.database_url}")
        click.echo("Stop it with:")
        click.echo("    assetsync demo --stop" + (f' --dir "{report.folder}"' if _custom(report) else ""))
    else:
        click.echo("\nEverything the demo started has been stopped (its files stay in the folder above).")
        click.echo("To look at snipeit.asset_overview with psql, run `assetsync demo --keep`; it leaves the")
        click.echo("database running and prints the command, like this one:")
        click.echo(f"    {command}")


def _summary(result: SyncResult) -> str:
    if result.status != "success":
        return f"{result.status.upper()}: {result.error}"
    return (
        f"fetched {result.fetched}: inserted {result.inserted}, updated {result.updated}, "
        f"unchanged {result.unchanged}, soft-deleted {result.soft_deleted}, removed {result.removed} "
        f"({result.duration_seconds:.1f} s)"
    )


def _entity_lines(result: SyncResult) -> list[str]:
    """The other record types' counts under the assets line, one short line each."""
    if result.status != "success":
        return []
    return [
        f"{name}: fetched {c.fetched}, inserted {c.inserted}, updated {c.updated}, removed {c.removed}"
        for name, c in result.entities.items()
        if name != "hardware"
    ]


def _custom(report: DemoReport) -> bool:
    try:
        return report.folder.resolve() != default_folder().resolve()
    except ImportError:
        return True
