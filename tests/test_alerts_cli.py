"""`assetsync alert test`, `assetsync check`'s channel list, and the alert of a configuration error."""

from __future__ import annotations

import json

from click.testing import CliRunner

from assetsync import exitcodes
from assetsync.alerts.dispatch import Alerter
from assetsync.cli import cli
from assetsync.config import load_settings
from tests.alert_receivers import receiver, refused_url, smtp_server

SECRET = "hook-secret-7c2e94d1ab"


def test_alert_test_reports_one_working_and_one_broken_channel(env: dict[str, str]) -> None:
    broken = refused_url()
    with receiver() as hook:
        result = CliRunner().invoke(
            cli,
            ["alert", "test"],
            env=dict(
                env,
                ASSETSYNC_ALERT_WEBHOOK_URL=hook.url(f"/hook/{SECRET}"),
                ASSETSYNC_HEARTBEAT_URL=broken,
            ),
            catch_exceptions=False,
        )
        [posted] = hook.requests
    assert result.exit_code == exitcodes.FAILED, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("[ OK ] Webhook") and "(json)" in line for line in lines), result.output
    [failed] = [line for line in lines if line.startswith("[FAIL] Heartbeat")]
    assert "could not connect to 127.0.0.1" in failed
    assert any(line.strip().startswith("fix: check that this machine can reach") for line in lines)
    assert "1 of 2 channel(s) worked." in result.output
    assert SECRET not in result.output and broken.rsplit("/", 1)[1] not in result.output
    body = json.loads(posted.body)
    assert body["event"] == "test" and body["event_id"] == 100 and "TEST" in body["summary"]


def test_alert_test_exits_0_when_every_channel_worked(env: dict[str, str]) -> None:
    with receiver() as beat, smtp_server() as (port, mails):
        result = CliRunner().invoke(
            cli,
            ["alert", "test"],
            env=dict(
                env,
                ASSETSYNC_HEARTBEAT_URL=beat.url("/ping/0d4b8e61-c3aa"),
                ASSETSYNC_SMTP_HOST="127.0.0.1",
                ASSETSYNC_SMTP_PORT=str(port),
                ASSETSYNC_SMTP_SECURITY="none",
                ASSETSYNC_ALERT_EMAIL_FROM="assetsync@example.com",
                ASSETSYNC_ALERT_EMAIL_TO="it-ops@example.com",
            ),
        )
    assert result.exit_code == exitcodes.OK, result.output
    assert beat.paths() == ["/ping/0d4b8e61-c3aa/log"], "a test must not count as a run"
    [mail] = mails
    assert "TEST alert" in str(mail["Subject"]) and mail["To"] == "it-ops@example.com"


def test_alert_test_without_channels_says_how_to_set_one_up(env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["alert", "test"], env=env)
    assert result.exit_code == exitcodes.FAILED
    assert (
        "No alert channel is configured" in result.output and "ASSETSYNC_ALERT_WEBHOOK_URL" in result.output
    )


def test_check_lists_the_channels_without_sending(env: dict[str, str]) -> None:
    with receiver() as hook:
        result = CliRunner().invoke(
            cli, ["check"], env=dict(env, ASSETSYNC_ALERT_WEBHOOK_URL=hook.url(f"/hook/{SECRET}"))
        )
        assert hook.requests == []
    [line] = [line for line in result.output.splitlines() if "Alert channels" in line]
    assert line.startswith("[ OK ]") and "Webhook (http://127.0.0.1:" in line and "(json)" in line
    assert SECRET not in result.output


def test_a_configuration_error_is_alerted_when_the_alert_settings_are_readable(env: dict[str, str]) -> None:
    broken = {k: v for k, v in env.items() if k != "SNIPEIT_TOKEN"}
    with receiver() as hook, receiver() as beat:
        urls = {
            "ASSETSYNC_ALERT_WEBHOOK_URL": hook.url(f"/hook/{SECRET}"),
            "ASSETSYNC_HEARTBEAT_URL": beat.url("/ping/0d4b8e61-c3aa"),
        }
        result = CliRunner().invoke(cli, ["sync"], env={**broken, **urls, "SNIPEIT_TOKEN": ""})
        assert result.exit_code == exitcodes.CONFIG
        [posted] = hook.requests
        assert beat.paths() == ["/ping/0d4b8e61-c3aa/fail"]

        # The alert settings themselves are broken: nothing can be sent, the exit code stays 2.
        bad = {**urls, "ASSETSYNC_ALERT_WEBHOOK_FORMAT": "teams-old"}
        result = CliRunner().invoke(cli, ["sync"], env={**broken, **bad, "SNIPEIT_TOKEN": ""})
        assert result.exit_code == exitcodes.CONFIG
        assert "SNIPEIT_TOKEN is not set" in result.output
        assert len(hook.requests) == 1
    body = json.loads(posted.body)
    assert body["event"] == "failed" and body["exit_code"] == exitcodes.CONFIG and body["event_id"] == 300
    assert "SNIPEIT_TOKEN is not set" in body["error"]


def test_an_uptime_kuma_push_url_gets_up_and_down(env: dict[str, str]) -> None:
    with receiver() as kuma:
        settings = load_settings(
            dict(env, ASSETSYNC_HEARTBEAT_URL=kuma.url("/api/push/Xy12Ab34Cd?status=up&msg=OK&ping="))
        )
        alerter = Alerter(settings)
        assert [o.passed for o in alerter.deliver([], heartbeat=("success", "sync succeeded"))] == [True]
        assert [o.passed for o in alerter.deliver([], heartbeat=("fail", "token rejected"))] == [True]
    assert [(r.method, r.path) for r in kuma.requests] == [
        ("GET", "/api/push/Xy12Ab34Cd?status=up&msg=sync+succeeded&ping="),
        ("GET", "/api/push/Xy12Ab34Cd?status=down&msg=token+rejected&ping="),
    ]
