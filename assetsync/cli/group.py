"""The click group, shared options, and the mapping from errors to messages and exit codes."""

from __future__ import annotations

import click

from assetsync import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="assetsync")
def cli() -> None:
    """assetsync: every Snipe-IT hardware asset in your own PostgreSQL.

    Settings come from the environment or from the .env file next to
    scheduled_sync.py (see .env.example). Run `assetsync COMMAND --help`
    for the details of each command.
    """


def main() -> None:
    cli()
