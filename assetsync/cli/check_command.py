"""`assetsync check`: one line per item, with a mark and, when something is wrong, the fix."""

from __future__ import annotations

import sys

import click

from assetsync import exitcodes
from assetsync.check import FAIL, OK, SKIP, WARN, CheckResult, run_checks
from assetsync.cli.group import cli
from assetsync.versions import describe

# ASCII marks: Windows consoles with a legacy code page cannot show check marks.
MARKS = {OK: "[ OK ]", WARN: "[WARN]", FAIL: "[FAIL]", SKIP: "[SKIP]"}
NAME_WIDTH = 30  # "Token may list manufacturers" and the other entity lines fit


@cli.command("check")
def check_command() -> None:
    """Check the setup without changing anything.

    First prints the versions of assetsync, Python and the dependencies (for
    a support request). Then checks, in order: the configuration; that Snipe-IT is reachable, its TLS
    certificate, that the address is the API (not a login page), that the
    token is accepted and may list hardware, company scoping, the Snipe-IT
    version and its page cap; that PostgreSQL is reachable and the role may
    create or use the schema and its tables; that the log folder is writable;
    and lists the configured alert channels (without sending anything).
    Writes nothing but one line in today's log. Exit codes: 0 all passed
    (warnings allowed), 1 something failed, 2 configuration error.

    \b
    Example:
        assetsync check
        python -m assetsync check
    """
    # The facts a support request needs, before anything can fail.
    click.echo(describe() + "\n")
    report = run_checks(on_result=show_result)
    failed = [r for r in report.results if r.state == FAIL]
    warned = [r for r in report.results if r.state == WARN]
    if failed:
        click.echo(f"\n{len(failed)} check(s) failed; fix them from the top and check again.")
    elif warned:
        click.echo(f"\nAll checks passed, with {len(warned)} warning(s).")
    else:
        click.echo("\nAll checks passed.")
    if report.config_failed:
        sys.exit(exitcodes.CONFIG)
    sys.exit(exitcodes.OK if report.passed else exitcodes.FAILED)


def show_result(result: CheckResult) -> None:
    """One line with the mark, the item and what was found; a second with the fix on failure."""
    click.echo(f"{MARKS[result.state]} {result.name:<{NAME_WIDTH}} {result.detail}")
    if result.fix and result.state in (FAIL, WARN):
        click.echo(f"{'':6} {'':<{NAME_WIDTH}} fix: {result.fix}")
