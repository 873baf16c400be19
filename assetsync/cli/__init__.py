"""Command-line interface. Each command lives in its own module and registers itself on `cli`."""

# Imported for their side effect: registering the commands on `cli`.
from assetsync.cli import check_command, schedule_command, sync_command  # noqa: F401
from assetsync.cli.group import cli, main

__all__ = ["cli", "main"]
