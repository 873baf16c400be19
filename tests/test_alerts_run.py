"""Alerts raised by real runs: the fake Snipe-IT, the test PostgreSQL, a local HTTP receiver for
the webhook and the heartbeat, and a local SMTP server."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import psycopg
import pytest

from assetsync import exitcodes
from assetsync.alerts.dispatch import Alerter
from assetsync.alerts.events import TEST, Alert
from assetsync.config import Settings, load_settings
from assetsync.fake_snipeit import FakeSnipeIT
from assetsync.fake_snipeit.handler import Reply
from assetsync.redact import database_password
from assetsync.runner import LoggedRun, logged_run
from assetsync.serve.launcher import SyncLauncher
from assetsync.store import Store
from tests.alert_receivers import Receiver, login, receiver, refused_url, smtp_server
from tests.conftest import query

HOOK_SECRET = "hook-path-secret-5f1c9e7a2b"
PING_SECRET = "ping-uuid-secret-0d4b8e61c3"
SMTP_USER, SMTP_PASSWORD = "alerts", "smtp-pass-secret-93ab71"


@dataclass
class Channels:
    hook: Receiver
    beat: Receiver
    mails: list[Message]
    env: dict[str, str]

    def hook_bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.hook.requests]

    def events(self) -> list[object]:
        return [b["event"] for b in self.hook_bodies()]


@pytest.fixture
def channels(env: dict[str, str]) -> Iterator[Channels]:
    """Webhook (json), heartbeat and e-mail (with a login) pointed at local receivers."""

    with (
        receiver() as hook,
        receiver() as beat,
        smtp_server(authenticator=login(SMTP_USER, SMTP_PASSWORD)) as (port, mails),
    ):
        alert_env = dict(
            env,
            ASSETSYNC_ALERT_WEBHOOK_URL=hook.url(f"/hook/{HOOK_SECRET}"),
            ASSETSYNC_ALERT_WEBHOOK_FORMAT="json",
            ASSETSYNC_HEARTBEAT_URL=beat.url(f"/ping/{PING_SECRET}"),
            ASSETSYNC_SMTP_HOST="127.0.0.1",
            ASSETSYNC_SMTP_PORT=str(port),
            ASSETSYNC_SMTP_SECURITY="none",
            ASSETSYNC_SMTP_USER=SMTP_USER,
            ASSETSYNC_SMTP_PASSWORD=SMTP_PASSWORD,
            ASSETSYNC_ALERT_EMAIL_FROM="assetsync@example.com",
            ASSETSYNC_ALERT_EMAIL_TO="it-ops@example.com, admin@example.com",
        )
        yield Channels(hook, beat, mails, alert_env)


def run(settings: Settings, alerter: Alerter | None = None) -> LoggedRun:
    return logged_run(settings, console=None, alerter=alerter)


def start_paths() -> tuple[str, str, str]:
    base = f"/ping/{PING_SECRET}"
    return f"{base}/start", base, f"{base}/fail"


def test_a_failing_run_alerts_on_every_channel_without_a_secret(
    fake: FakeSnipeIT, channels: Channels, db_dsn: str
) -> None:
    settings = load_settings(channels.env)
    # Snipe-IT's error quotes the token and the webhook address: neither may leave the machine.
    fake.fail_requests(
        422, -1, body={"messages": f"boom {fake.token} {channels.env['ASSETSYNC_ALERT_WEBHOOK_URL']}"}
    )
    done = run(settings)

    assert done.exit_code == exitcodes.FAILED
    [body] = channels.hook_bodies()
    [(run_id,)] = query(db_dsn, "SELECT id FROM snipeit.sync_runs")
    assert body["event"] == "failed" and body["status"] == "failed"
    assert body["exit_code"] == exitcodes.FAILED and body["run_id"] == run_id
    assert body["host"] == socket.gethostname() and body["log_file"] == done.log_file
    assert body["event_id"] == 300 and "HTTP 422" in str(body["error"])
    assert set(body) >= {"counts", "started_at", "finished_at"}
    start, _, fail = start_paths()
    assert channels.beat.paths() == [start, fail]
    [mail] = channels.mails
    assert "sync FAILED (exit 1)" in str(mail["Subject"]) and socket.gethostname() in str(mail["Subject"])
    assert f"Run: {run_id}" in mail.get_payload()

    secrets = [fake.token, HOOK_SECRET, PING_SECRET, SMTP_PASSWORD, database_password(db_dsn)]
    assert done.log_file is not None
    seen = {
        "webhook": " ".join(r.body.decode() for r in channels.hook.requests),
        "heartbeat": " ".join(r.body.decode() for r in channels.beat.requests),
        "e-mail": mail.as_string(),
        "log": Path(done.log_file).read_text("utf-8"),
        "sync_runs": str(query(db_dsn, "SELECT * FROM snipeit.sync_runs")),
    }
    assert "boom" in seen["webhook"] and "boom" in seen["sync_runs"], "the error itself is reported"
    for where, text in seen.items():
        for secret in filter(None, secrets):
            assert secret not in text, f"a secret is in the {where}"


def test_repeats_once_per_window_then_recovers(fake: FakeSnipeIT, channels: Channels) -> None:
    settings = load_settings(channels.env)
    failing = fake.fail_requests(401, -1)
    assert run(settings).exit_code == exitcodes.FAILED
    assert run(settings).exit_code == exitcodes.FAILED
    assert channels.events() == ["failed"], "the second failure in the window stays quiet"
    assert len(channels.mails) == 1
    _, _, fail = start_paths()
    assert channels.beat.paths().count(fail) == 2, "the heartbeat hears about every failure"

    later = Alerter(settings, now=lambda: datetime.now(UTC) + timedelta(hours=25))
    assert run(settings, later).exit_code == exitcodes.FAILED
    assert channels.events() == ["failed", "failed"], "a failure that goes on is repeated after the window"

    fake.remove_hook(failing)
    assert run(settings).exit_code == exitcodes.OK
    assert channels.events() == ["failed", "failed", "recovered"]
    recovered = channels.hook_bodies()[-1]
    assert recovered["event_id"] == 110 and recovered["exit_code"] == 0
    assert "recovered" in str(channels.mails[-1]["Subject"])
    assert channels.beat.paths()[-1] == start_paths()[1]

    assert run(settings).exit_code == exitcodes.OK
    assert len(channels.hook.requests) == 3, "a success after a success says nothing by default"


def test_always_reports_every_success(fake: FakeSnipeIT, channels: Channels) -> None:
    settings = load_settings(dict(channels.env, ASSETSYNC_ALERT_ON="always"))
    assert run(settings).exit_code == exitcodes.OK
    [body] = channels.hook_bodies()
    assert body["event"] == "succeeded" and body["event_id"] == 100
    assert body["counts"] == {
        "fetched": len(fake.all_ids()),
        "inserted": len(fake.all_ids()),
        "updated": 0,
        "unchanged": 0,
        "soft_deleted": 0,
        "removed": 0,
    }


def test_a_run_that_found_another_running_raises_nothing(
    fake: FakeSnipeIT, channels: Channels, db_dsn: str
) -> None:
    settings = load_settings(channels.env)
    with psycopg.connect(db_dsn, autocommit=True) as other:
        Store(other, settings.schema).try_lock()  # what a Task Scheduler run holds
        done = run(settings)
    assert done.exit_code == exitcodes.LOCKED
    assert channels.hook.requests == [] and channels.beat.requests == [] and channels.mails == []


def test_the_removal_brake_is_a_warning_alert(fake: FakeSnipeIT, channels: Channels) -> None:
    settings = load_settings(channels.env)
    assert run(settings).exit_code == exitcodes.OK
    for asset_id in sorted(fake.live_ids())[:40]:
        fake.purge(asset_id)
    assert run(settings).exit_code == exitcodes.BRAKE
    [body] = channels.hook_bodies()
    assert body["event"] == "braked" and body["event_id"] == 200 and body["exit_code"] == exitcodes.BRAKE
    assert "ASSETSYNC_REMOVAL_BRAKE" in str(body["error"])
    assert channels.beat.paths()[-1] == start_paths()[2]


def test_a_hanging_and_a_refusing_channel_neither_delay_nor_change_the_run(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    with receiver(hang=True) as hanging, smtp_server() as (port, mails):
        settings = load_settings(
            dict(
                env,
                ASSETSYNC_ALERT_ON="always",
                ASSETSYNC_ALERT_WEBHOOK_URL=hanging.url(f"/hook/{HOOK_SECRET}"),
                ASSETSYNC_HEARTBEAT_URL=refused_url(),
                ASSETSYNC_SMTP_HOST="127.0.0.1",
                ASSETSYNC_SMTP_PORT=str(port),
                ASSETSYNC_SMTP_SECURITY="none",
                ASSETSYNC_ALERT_EMAIL_FROM="assetsync@example.com",
                ASSETSYNC_ALERT_EMAIL_TO="it-ops@example.com",
            )
        )
        bound = 1.0
        started = time.monotonic()
        done = logged_run(
            settings, console=None, alerter=Alerter(settings, channel_timeout=0.5, total_timeout=bound)
        )
        elapsed = time.monotonic() - started
    assert done.exit_code == exitcodes.OK
    assert query(db_dsn, "SELECT status FROM snipeit.sync_runs") == [("success",)]
    assert elapsed < done.result.duration_seconds + bound + 1.0, "the alerts held the run up"
    assert len(mails) == 1, "the working channel still went out"
    assert hanging.requests, "the webhook was tried"
    assert done.log_file is not None
    logged = Path(done.log_file).read_text("utf-8")
    assert "Alert via Webhook failed: http://127.0.0.1:" in logged, logged
    assert "Sync started: http://127.0.0.1:" in logged and "gave no answer within 0.5 s" in logged
    assert "Alert via Heartbeat failed" in logged and "could not connect to 127.0.0.1" in logged
    assert "Alert via E-mail: sent to 127.0.0.1:" in logged
    assert HOOK_SECRET not in logged


def test_all_channels_together_are_cut_off_at_the_total_bound(env: dict[str, str]) -> None:
    with receiver(hang=True) as hanging:
        settings = load_settings(
            dict(
                env,
                ASSETSYNC_ALERT_WEBHOOK_URL=hanging.url("/hook/x"),
                ASSETSYNC_HEARTBEAT_URL=hanging.url("/p"),
            )
        )
        alerter = Alerter(settings, channel_timeout=5.0, total_timeout=0.5)
        started = time.monotonic()
        outcomes = alerter.deliver([Alert(TEST, "here")], heartbeat=("success", "ok"))
        elapsed = time.monotonic() - started
    assert 0.4 < elapsed < 1.5
    port = hanging.server.server_address[1]
    assert [(o.name, o.state, o.detail) for o in outcomes] == [
        ("Webhook", "fail", f"http://127.0.0.1:{port}/... (json): no answer within 0.5 s"),
        ("Heartbeat", "fail", f"http://127.0.0.1:{port}/...: no answer within 0.5 s"),
    ]


def test_suspicious_changes_raise_one_warning(fake: FakeSnipeIT, channels: Channels) -> None:
    settings = load_settings(channels.env)
    assert run(settings).exit_code == exitcodes.OK
    live = sorted(fake.live_ids())
    moved = live[: len(live) * 4 // 10]
    for asset_id in moved:
        fake.update(asset_id, location=(77, "Loading dock"))
    assert run(settings).exit_code == exitcodes.OK
    [body] = channels.hook_bodies()
    assert body["event"] == "suspicious" and body["event_id"] == 200 and body["exit_code"] == 0
    [finding] = body["findings"]
    assert f"{len(moved)} of " in finding and "assignee, status or location" in finding
    assert "suspicious" in str(channels.mails[-1]["Subject"])

    # The same share again, but under the threshold: quiet.
    quiet = load_settings(dict(channels.env, ASSETSYNC_CHANGE_ALERT="0.9"))
    for asset_id in moved:
        fake.update(asset_id, location=(78, "Back office"))
    assert run(quiet).exit_code == exitcodes.OK
    assert len(channels.hook.requests) == 1


def test_a_token_of_another_user_and_vanished_fields_are_suspicious(
    fake: FakeSnipeIT, channels: Channels
) -> None:
    settings = load_settings(channels.env)
    assert run(settings).exit_code == exitcodes.OK
    with_fields = [a.id for a in fake.assets.values() if a.custom_fields and a.deleted_at is None]
    assert len(with_fields) > len(fake.live_ids()) // 2, "the data set has custom fields to lose"
    for asset_id in with_fields:
        fake.update(asset_id, custom_fields=[])

    def other_user(info: object) -> Reply | None:
        if getattr(info, "path", "").endswith("/users/me"):
            return Reply(200, {"id": 42, "username": "someone-else"})
        return None

    fake.add_hook(other_user)
    assert run(settings).exit_code == exitcodes.OK
    [body] = channels.hook_bodies()
    assert body["event"] == "suspicious"
    findings = " | ".join(body["findings"])
    assert "no longer have field(s)" in findings and "custom field _snipeit_" in findings
    assert "user id 42" in findings and "user id 1" in findings


def test_runs_started_by_serve_alert_the_same_way(fake: FakeSnipeIT, channels: Channels) -> None:
    settings = load_settings(channels.env)
    fake.fail_requests(401, -1)
    launcher = SyncLauncher(settings)
    handle = launcher.start("api")
    assert handle.wait(60)
    assert handle.outcome is not None and handle.outcome.exit_code == exitcodes.FAILED
    [body] = channels.hook_bodies()
    assert body["event"] == "failed" and body["run_id"] == handle.run_id is not None
    start, _, fail = start_paths()
    assert channels.beat.paths() == [start, fail], "serve's own run-started hook and the start ping both ran"


def test_a_database_out_of_reach_alerts_anyway_without_its_password(channels: Channels) -> None:
    password = "db-pass-secret-4471"
    gone = refused_url().replace("http://", f"postgresql://assetsync:{password}@").rsplit("/", 1)[0]
    settings = load_settings(dict(channels.env, DATABASE_URL=f"{gone}/reporting"))
    done = run(settings)
    assert done.exit_code == exitcodes.FAILED
    [body] = channels.hook_bodies()
    assert body["event"] == "failed" and body["run_id"] is None and body["error"]
    assert channels.beat.paths() == [start_paths()[2]], "no start ping: the run never began"
    assert len(channels.mails) == 1
    assert password not in channels.hook.requests[0].body.decode()
    assert password not in channels.mails[0].as_string()
    assert done.log_file is not None and password not in Path(done.log_file).read_text("utf-8")
