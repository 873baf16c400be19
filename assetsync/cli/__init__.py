"""Command-line interface. Each command lives in its own module and registers itself on `cli`."""

# Imported for their side effect: registering the commands on `cli`.
from assetsync.cli import (  # noqa: F401
    alert_command,
    check_command,
    config_command,
    demo_command,
    runs_command,
    schedule_command,
    serve_command,
    status_command,
    sync_command,
)
from assetsync.cli.group import cli, main

__all__ = ["cli", "main"]
