"""`assetsync alert test`: send a marked test through every configured alert channel."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from assetsync import exitcodes
from assetsync.alerts import channels as ch
from assetsync.alerts.dispatch import Alerter
from assetsync.alerts.events import TEST, Alert
from assetsync.cli.check_command import show_result
from assetsync.cli.group import cli
from assetsync.cli.sync_command import settings_or_exit


@cli.group("alert")
def alert_group() -> None:
    """Alert channels: the Event Log, a webhook, a heartbeat URL, e-mail.

    Configured with the ASSETSYNC_ALERT_*, ASSETSYNC_HEARTBEAT_URL,
    ASSETSYNC_SMTP_* and ASSETSYNC_EVENTLOG settings (see docs/alerts.md).

    \b
    Example:
        assetsync alert test
    """


@alert_group.command("test")
def alert_test_command() -> None:
    """Send a clearly marked test alert through every configured channel.

    Prints one line per channel: [ OK ] when it went out, [FAIL] with the
    reason and the fix when it did not. The heartbeat gets a log ping
    (Uptime Kuma: an "up" push), which does not count as a run. Exit codes:
    0 every channel worked, 1 a channel failed or none is configured,
    2 configuration error.

    \b
    Example:
        assetsync alert test
    """
    settings = settings_or_exit()
    alerter = Alerter(settings)
    if not alerter.active:
        click.echo(
            "No alert channel is configured; set ASSETSYNC_ALERT_WEBHOOK_URL, ASSETSYNC_HEARTBEAT_URL, "
            "ASSETSYNC_SMTP_HOST (with ASSETSYNC_ALERT_EMAIL_FROM/_TO) or ASSETSYNC_EVENTLOG=true "
            "(see docs/alerts.md)"
        )
        sys.exit(exitcodes.FAILED)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    test = Alert(TEST, alerter.host, status="test", started_at=now, finished_at=now)
    outcomes = alerter.deliver([test], heartbeat=(ch.LOG, f"assetsync alert test from {alerter.host}"))
    for outcome in outcomes:
        show_result(outcome)
    failed = [o for o in outcomes if not o.passed]
    click.echo(f"\n{len(outcomes) - len(failed)} of {len(outcomes)} channel(s) worked.")
    sys.exit(exitcodes.FAILED if failed else exitcodes.OK)
