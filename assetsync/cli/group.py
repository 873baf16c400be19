"""The click group, shared options, and the mapping from errors to messages and exit codes."""

from __future__ import annotations

import click

from assetsync.versions import describe


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(describe())
        ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the versions of assetsync, Python and the dependencies, and exit.",
)
def cli() -> None:
    """assetsync: every Snipe-IT hardware asset in your own PostgreSQL.

    Settings come from the environment or from the .env file next to
    scheduled_sync.py (see .env.example). Run `assetsync COMMAND --help`
    for the details of each command.
    """


def main() -> None:
    cli()
