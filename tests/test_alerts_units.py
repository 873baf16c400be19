"""The parts of alerting that need no server: settings, event IDs and texts, formats, heartbeat
addresses, the repeat rule, the suspicious-activity findings, redaction, and the Event Log call."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from assetsync import exitcodes
from assetsync.alerts import eventlog
from assetsync.alerts.channels import heartbeat_url, shown, webhook_body, webhook_format
from assetsync.alerts.decide import decide, findings
from assetsync.alerts.events import BRAKED, FAILED, RECOVERED, SUCCEEDED, SUSPICIOUS, TEST, Alert
from assetsync.config import ConfigError, Settings, load_settings
from assetsync.store import FailureStreak
from assetsync.sync import make_redactor

BASE = {
    "DATABASE_URL": "postgresql://assetsync:db-pass-secret-1@db:5432/reporting",
    "SNIPEIT_API_URL": "https://assets.example.com",
    "SNIPEIT_TOKEN": "token-secret-" + "y" * 30,
    "ASSETSYNC_EVENTLOG": "false",
}


def settings(**extra: str) -> Settings:
    return load_settings({**BASE, **extra})


def failed_alert(**fields: object) -> Alert:
    values: dict[str, object] = {
        "event": FAILED,
        "host": "SRV01",
        "status": "failed",
        "exit_code": 1,
        "run_id": 42,
        "error": "Snipe-IT answered 401: the token in SNIPEIT_TOKEN was rejected",
        "counts": {"fetched": 0, "inserted": 0},
        "started_at": "2026-01-05T08:00:00+00:00",
        "finished_at": "2026-01-05T08:00:03+00:00",
        "log_file": r"C:\assetsync\logs\sync_20260105.log",
    }
    values.update(fields)
    return Alert(**values)  # type: ignore[arg-type]


# -- events -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("event", "event_id", "level"),
    [
        (SUCCEEDED, 100, "Information"),
        (TEST, 100, "Information"),
        (RECOVERED, 110, "Information"),
        (BRAKED, 200, "Warning"),
        (SUSPICIOUS, 200, "Warning"),
        (FAILED, 300, "Error"),
    ],
)
def test_event_ids_and_levels(event: str, event_id: int, level: str) -> None:
    alert = failed_alert(event=event)
    assert (alert.event_id, alert.level) == (event_id, level)
    assert eventlog.EVENT_TYPES[alert.level] in (0x1, 0x2, 0x4)


def test_the_event_log_message_carries_run_id_counts_error_and_log_file() -> None:
    text = failed_alert().text()
    first, *rest = text.splitlines()
    assert first == "assetsync on SRV01: sync FAILED (exit 1)"
    assert "Run: 42" in rest and "Counts: fetched 0, inserted 0" in rest
    assert "Error: Snipe-IT answered 401: the token in SNIPEIT_TOKEN was rejected" in rest
    assert r"Log file: C:\assetsync\logs\sync_20260105.log" in rest
    assert any(line.startswith("Exit code: 1 (the sync failed") for line in rest)


def test_the_event_log_call_refuses_plainly_off_windows() -> None:
    if sys.platform == "win32":
        pytest.skip("Windows writes for real: see the next test")
    with pytest.raises(OSError, match="only on Windows"):
        eventlog.write_event(300, "Error", "x")


@pytest.mark.skipif(sys.platform != "win32", reason="the Windows Event Log exists only on Windows")
def test_the_event_log_entry_is_written_and_read_back() -> None:
    marker = f"assetsync test {uuid.uuid4()}"
    eventlog.write_event(110, "Information", marker)
    query = "*[System[Provider[@Name='assetsync'] and EventID=110]]"
    shown_entries = subprocess.run(
        ["wevtutil", "qe", "Application", f"/q:{query}", "/c:20", "/rd:true", "/f:text"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert marker in shown_entries


# -- webhook and heartbeat ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://hooks.slack.com/services/T0001/B0002/abcdefghijklmnopqrstuvwx", "slack"),
        (
            "https://prod-12.westeurope.logic.azure.com:443/workflows/0a1b/triggers/manual/paths/invoke",
            "teams",
        ),
        ("https://default1234.0a.environment.api.powerplatform.com/powerautomate/automations/x", "teams"),
        ("https://alerts.example.com/hooks/assetsync-7f3a9", "json"),
    ],
)
def test_the_webhook_format_follows_the_host(url: str, expected: str) -> None:
    assert webhook_format(settings(ASSETSYNC_ALERT_WEBHOOK_URL=url)) == expected
    forced = settings(ASSETSYNC_ALERT_WEBHOOK_URL=url, ASSETSYNC_ALERT_WEBHOOK_FORMAT="JSON")
    assert webhook_format(forced) == "json"


def test_teams_gets_an_adaptive_card_and_slack_text() -> None:
    card = webhook_body("teams", failed_alert())
    [attachment] = card["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    content = attachment["content"]
    assert content["type"] == "AdaptiveCard" and content["body"][0]["color"] == "Attention"
    facts = {f["title"]: f["value"] for f in content["body"][1]["facts"]}
    assert facts["Run"] == "42" and facts["Error"].startswith("Snipe-IT answered 401")
    assert webhook_body("slack", failed_alert()) == {"text": failed_alert().text()}
    plain = webhook_body("json", failed_alert())
    assert {"event", "status", "exit_code", "run_id", "error", "counts", "host"} <= set(plain)
    assert {"started_at", "finished_at", "log_file"} <= set(plain)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("start", "https://hc-ping.com/abc-123/start"), ("success", "https://hc-ping.com/abc-123"),
     ("fail", "https://hc-ping.com/abc-123/fail"), ("log", "https://hc-ping.com/abc-123/log")],
)  # fmt: skip
def test_healthchecks_style_heartbeat_addresses(kind: str, expected: str) -> None:
    assert heartbeat_url("https://hc-ping.com/abc-123/", kind, "m") == (expected, None)


def test_uptime_kuma_push_urls_take_a_status_and_no_start() -> None:
    url = "https://kuma.example.com/api/push/Xy12Ab34Cd?status=up&msg=OK&ping="
    assert heartbeat_url(url, "start", "m") == ("", None)
    assert heartbeat_url(url, "fail", "token rejected") == (
        "https://kuma.example.com/api/push/Xy12Ab34Cd",
        {"status": "down", "msg": "token rejected", "ping": ""},
    )
    assert heartbeat_url(url, "success", "ok")[1] == {"status": "up", "msg": "ok", "ping": ""}


def test_secret_urls_are_shown_by_host_only() -> None:
    assert shown("https://user:pw@prod-12.logic.azure.com:443/workflows/secret?sig=abc") == (
        "https://prod-12.logic.azure.com:443/..."
    )


# -- settings -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("extra", "names"),
    [
        ({"ASSETSYNC_ALERT_ON": "sometimes"}, "ASSETSYNC_ALERT_ON"),
        ({"ASSETSYNC_ALERT_REPEAT_HOURS": "0"}, "ASSETSYNC_ALERT_REPEAT_HOURS"),
        ({"ASSETSYNC_CHANGE_ALERT": "150%"}, "ASSETSYNC_CHANGE_ALERT"),
        ({"ASSETSYNC_ALERT_WEBHOOK_URL": "http://hooks.example.com/x"}, "ASSETSYNC_ALERT_WEBHOOK_URL"),
        ({"ASSETSYNC_HEARTBEAT_URL": "hc-ping.com/abc"}, "ASSETSYNC_HEARTBEAT_URL"),
        ({"ASSETSYNC_ALERT_WEBHOOK_FORMAT": "discord"}, "ASSETSYNC_ALERT_WEBHOOK_FORMAT"),
        ({"ASSETSYNC_SMTP_SECURITY": "tls"}, "ASSETSYNC_SMTP_SECURITY"),
        ({"ASSETSYNC_SMTP_PORT": "70000"}, "ASSETSYNC_SMTP_PORT"),
        ({"ASSETSYNC_SMTP_HOST": "mail.example.com"}, "ASSETSYNC_ALERT_EMAIL_TO"),
        ({"ASSETSYNC_ALERT_EMAIL_TO": "it@example.com"}, "ASSETSYNC_SMTP_HOST"),
        ({"ASSETSYNC_SMTP_HOST": "m", "ASSETSYNC_ALERT_EMAIL_TO": "i@e.com"}, "ASSETSYNC_ALERT_EMAIL_FROM"),
        ({"ASSETSYNC_ALERT_EMAIL_TO": "it-example.com"}, "ASSETSYNC_ALERT_EMAIL_TO"),
        ({"ASSETSYNC_ALERT_EMAIL_FROM": "a@example.com, b@example.com"}, "ASSETSYNC_ALERT_EMAIL_FROM"),
        (
            {"ASSETSYNC_SMTP_HOST": "mail.example.com", "ASSETSYNC_ALERT_EMAIL_TO": "a@b.c",
             "ASSETSYNC_ALERT_EMAIL_FROM": "s@b.c", "ASSETSYNC_SMTP_SECURITY": "none",
             "ASSETSYNC_SMTP_USER": "u", "ASSETSYNC_SMTP_PASSWORD": "p" * 10},
            "ASSETSYNC_SMTP_SECURITY",
        ),
    ],
)  # fmt: skip
def test_bad_alert_settings_name_the_variable(extra: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError, match=names):
        settings(**extra)


def test_alert_settings_defaults_and_values() -> None:
    default = settings()
    assert (default.alert_on, default.alert_repeat_hours, default.change_alert) == ("failures", 24.0, 0.25)
    assert default.eventlog is False and default.smtp_security == "starttls"
    mail = settings(
        ASSETSYNC_SMTP_HOST="mail.example.com",
        ASSETSYNC_ALERT_EMAIL_FROM="assetsync@example.com",
        ASSETSYNC_ALERT_EMAIL_TO=" it@example.com ,admin@example.com",
        ASSETSYNC_CHANGE_ALERT="10%",
    )
    assert mail.alert_email_to == ("it@example.com", "admin@example.com") and mail.change_alert == 0.1
    if sys.platform != "win32":
        with pytest.raises(ConfigError, match="only on Windows"):
            settings(ASSETSYNC_EVENTLOG="true")


def test_the_redactor_masks_the_alert_secrets() -> None:
    s = settings(
        ASSETSYNC_ALERT_WEBHOOK_URL="https://hooks.slack.com/services/T0001/B0002/abcdefghijklmnopqrstuvwx",
        ASSETSYNC_HEARTBEAT_URL="https://hc-ping.com/5b1e3a62-9c0d-4f55-b2f1-7d0e6c3a9b11",
        ASSETSYNC_SMTP_HOST="mail.example.com",
        ASSETSYNC_ALERT_EMAIL_FROM="a@example.com",
        ASSETSYNC_ALERT_EMAIL_TO="b@example.com",
        ASSETSYNC_SMTP_USER="alerts",
        ASSETSYNC_SMTP_PASSWORD="smtp-secret-pass",
    )
    redact = make_redactor(s)
    text = redact(
        "posting to /services/T0001/B0002/abcdefghijklmnopqrstuvwx failed; ping "
        "5b1e3a62-9c0d-4f55-b2f1-7d0e6c3a9b11; login smtp-secret-pass; token " + BASE["SNIPEIT_TOKEN"]
    )
    for secret in ("abcdefghijklmnopqrstuvwx", "5b1e3a62-9c0d", "smtp-secret-pass", BASE["SNIPEIT_TOKEN"]):
        assert secret not in text
    assert "posting to /services/" in text, "ordinary words of the path stay readable"
    assert redact("Sync started: https://hc-ping.com and https://hooks.slack.com") == (
        "Sync started: https://hc-ping.com and https://hooks.slack.com"
    )


# -- the decision -----------------------------------------------------------------------------------
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def streak(failures: int, first: datetime | None = None, last: datetime | None = None) -> FailureStreak:
    return FailureStreak(failures, first, last)


@pytest.mark.parametrize(
    ("previous", "now", "expected"),
    [
        (streak(0), T0, [FAILED]),  # the first failure after a success
        (streak(1, T0, T0), T0 + timedelta(hours=6), []),  # the same window
        (streak(3, T0, T0 + timedelta(hours=18)), T0 + timedelta(hours=23, minutes=59), []),
        (streak(4, T0, T0 + timedelta(hours=18)), T0 + timedelta(hours=24), [FAILED]),  # next window
        (streak(5, T0, T0 + timedelta(hours=24)), T0 + timedelta(hours=30), []),  # already alerted in it
        (None, T0, [FAILED]),  # sync_runs could not be read: alert anyway
    ],
)
def test_failures_repeat_at_most_once_per_window(
    previous: FailureStreak | None, now: datetime, expected: list[str]
) -> None:
    assert decide(settings(), exitcodes.FAILED, previous, now, []) == expected


def test_exit_codes_map_to_events() -> None:
    s, quiet = settings(), streak(0)
    assert decide(s, exitcodes.BRAKE, quiet, T0, []) == [BRAKED]
    assert decide(s, exitcodes.CONFIG, None, T0, []) == [FAILED]
    assert decide(s, exitcodes.LOCKED, None, T0, []) == []
    assert decide(s, exitcodes.INTERRUPTED, None, T0, []) == []
    assert decide(s, exitcodes.OK, quiet, T0, []) == []
    assert decide(s, exitcodes.OK, streak(2, T0, T0), T0, ["x"]) == [RECOVERED, SUSPICIOUS]
    assert decide(settings(ASSETSYNC_ALERT_ON="always"), exitcodes.LOG_UNWRITABLE, quiet, T0, []) == [
        SUCCEEDED
    ]


def test_findings() -> None:
    s = settings(ASSETSYNC_CHANGE_ALERT="0.2")
    assert (
        findings(s, {"live": 100, "moved": 20, "lost": {"notes": 20}, "token_user": 1}, {"token_user": 1})
        == []
    )
    found = findings(
        s, {"live": 100, "moved": 21, "lost": {"purchase_cost": 90}, "token_user": 7}, {"token_user": 1}
    )
    assert len(found) == 3
    assert found[0].startswith("21 of 100 live assets (21%) changed assignee, status or location")
    assert "purchase_cost" in found[1] and "user id 7" in found[2]
    assert findings(s, {"token_user": 7}, None) == [], "no earlier user to compare with"
