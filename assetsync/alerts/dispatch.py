"""Sending alerts within the time bound, and the hooks the one run path (runner.logged_run) calls.

Every channel runs in its own thread with its own timeout (at most CHANNEL_TIMEOUT_S); the run
waits for all of them together at most TOTAL_TIMEOUT_S. A channel that fails is a warning in the
log, never a change to the run's exit code or its database writes.
"""

from __future__ import annotations

import dataclasses
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import psycopg

from assetsync import exitcodes
from assetsync.alerts import channels as ch
from assetsync.alerts.decide import decide, findings
from assetsync.alerts.events import COUNT_NAMES, FAILED, SUSPICIOUS, Alert
from assetsync.check import FAIL, OK, CheckResult
from assetsync.config import ConfigError, Settings, alert_fields
from assetsync.redact import Redactor, database_password, first_line
from assetsync.store import FailureStreak, StoreError, open_store
from assetsync.sync import SyncOptions, SyncResult, make_redactor

log = logging.getLogger("assetsync")

CHANNEL_TIMEOUT_S = 10.0
TOTAL_TIMEOUT_S = 30.0
HISTORY_TIMEOUT_S = 5  # reading sync_runs for the decision; past it, alert anyway


class Alerter:
    """The configured channels of one run, with the bounds; `now` is injectable for tests."""

    def __init__(
        self,
        settings: Settings,
        *,
        channel_timeout: float = CHANNEL_TIMEOUT_S,
        total_timeout: float = TOTAL_TIMEOUT_S,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.channels = ch.configured(settings)
        self.channel_timeout = min(channel_timeout, CHANNEL_TIMEOUT_S)
        self.total_timeout = min(total_timeout, TOTAL_TIMEOUT_S)
        self.now = now
        self.redact = make_redactor(settings)
        self.host = socket.gethostname()
        self._start_ping: threading.Thread | None = None

    @property
    def active(self) -> bool:
        return bool(self.channels) or bool(self.settings.heartbeat_url)

    # -- the run path ---------------------------------------------------------------------------
    def watch(self, options: SyncOptions | None) -> SyncOptions:
        """Options whose run-started hook also sends the heartbeat's start ping. It fires once
        the run holds the lock, so a run that found another one running pings nothing."""
        opts = options or SyncOptions()
        earlier = opts.on_run_started

        def started(run_id: int) -> None:
            if earlier is not None:
                earlier(run_id)
            try:
                self._background(lambda: self._ping(ch.START, f"run {run_id} started on {self.host}"))
            except Exception:  # inside the run: a defect here must not fail the sync
                log.exception("Could not send the heartbeat's start ping")

        return dataclasses.replace(opts, on_run_started=started)

    def run_finished(
        self, result: SyncResult, exit_code: int, log_file: str | None, started_at: datetime
    ) -> list[CheckResult]:
        """Raise what this run calls for and ping the heartbeat, within the bounds."""
        if result.dry_run or exit_code == exitcodes.LOCKED:
            return []
        deadline = time.monotonic() + self.total_timeout
        if self._start_ping is not None:
            # The start ping must land before the finish ping, or the monitor sees a new run start.
            self._start_ping.join(max(0.0, deadline - time.monotonic()))
        streak = self._streak(result) if self.channels else FailureStreak()
        watch = result.watch if result.status == "success" else {}
        found = findings(self.settings, watch, streak.last_success_watch if streak else None)
        events = decide(self.settings, exit_code, streak, self.now(), found) if self.channels else []
        alerts = [
            Alert(
                event=event,
                host=self.host,
                status=result.status,
                exit_code=exit_code,
                run_id=result.run_id,
                error=result.error,
                counts={name: int(getattr(result, name)) for name in COUNT_NAMES},
                started_at=started_at.isoformat(timespec="seconds"),
                finished_at=self.now().isoformat(timespec="seconds"),
                log_file=log_file,
                findings=tuple(found) if event == SUSPICIOUS else (),
            )
            for event in events
        ]
        success = exit_code in (exitcodes.OK, exitcodes.LOG_UNWRITABLE)
        beat = (ch.SUCCESS, "sync succeeded") if success else (ch.FAIL, result.error or result.status)
        return self.deliver(alerts, heartbeat=beat, deadline=deadline)

    def config_error(self, message: str) -> list[CheckResult]:
        """The failure alert of a run that could not start (exit 2); no history to consult."""
        now = self.now().isoformat(timespec="seconds")
        alert = Alert(
            FAILED, self.host, status="config", exit_code=exitcodes.CONFIG, error=message, started_at=now,
            finished_at=now,
        )  # fmt: skip
        return self.deliver([alert] if self.channels else [], heartbeat=(ch.FAIL, message))

    def _streak(self, result: SyncResult) -> FailureStreak | None:
        try:
            with open_store(
                self.settings, statement_timeout_s=HISTORY_TIMEOUT_S, connect_timeout_s=HISTORY_TIMEOUT_S
            ) as store:
                return store.failure_streak(result.run_id)
        except (psycopg.Error, StoreError) as exc:
            log.warning(
                "Could not read sync_runs for the alert decision (%s); alerting anyway", first_line(exc)
            )
            return None

    # -- sending --------------------------------------------------------------------------------
    def deliver(
        self, alerts: list[Alert], *, heartbeat: tuple[str, str] | None = None, deadline: float | None = None
    ) -> list[CheckResult]:
        """Send every alert through every channel (and the heartbeat ping), in parallel, each
        channel bounded by its timeout and all of them by the total (or `deadline`, monotonic);
        log what failed."""
        jobs: list[tuple[str, str, Callable[[], None]]] = []
        for channel in self.channels if alerts else []:
            jobs.append((channel.name, channel.target, self._sender(channel, alerts)))
        if heartbeat is not None and self.settings.heartbeat_url:
            kind, message = heartbeat
            jobs.append(
                (ch.HEARTBEAT, ch.shown(self.settings.heartbeat_url), lambda: self._ping(kind, message))
            )
        outcomes = self._run_bounded(
            jobs, time.monotonic() + self.total_timeout if deadline is None else deadline
        )
        for outcome in outcomes:
            if outcome.passed:
                log.info("Alert via %s: %s", outcome.name, outcome.detail)
            else:
                log.warning("Alert via %s failed: %s; fix: %s", outcome.name, outcome.detail, outcome.fix)
        return outcomes

    def _sender(self, channel: ch.Channel, alerts: list[Alert]) -> Callable[[], None]:
        def send() -> None:
            for alert in alerts:
                channel.send(self._scrubbed(alert), self.channel_timeout)

        return send

    def _scrubbed(self, alert: Alert) -> Alert:
        """The alert with every text field passed through the redactor (errors quote anything)."""
        r = self.redact
        return dataclasses.replace(
            alert,
            error=r(alert.error) if alert.error else alert.error,
            findings=tuple(map(r, alert.findings)),
            log_file=r(alert.log_file) if alert.log_file else alert.log_file,
        )

    def _ping(self, kind: str, message: str) -> None:
        ch.ping(self.settings.heartbeat_url, kind, self.redact(message), self.channel_timeout)

    def _run_bounded(
        self, jobs: list[tuple[str, str, Callable[[], None]]], deadline: float
    ) -> list[CheckResult]:
        results: dict[int, CheckResult] = {}
        threads: list[threading.Thread] = []
        for index, (name, target, job) in enumerate(jobs):

            def work(
                index: int = index, name: str = name, target: str = target, job: Callable[[], None] = job
            ) -> None:
                results[index] = _attempt(name, target, job, self.redact)

            # Daemon threads: one stuck past the bound must not keep the process from exiting.
            thread = threading.Thread(target=work, name=f"alert-{name}", daemon=True)
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return [
            results.get(
                index,
                CheckResult(
                    name,
                    FAIL,
                    f"{target}: no answer within {self.total_timeout:g} s",
                    "check that it is reachable",
                ),
            )
            for index, (name, target, _) in enumerate(jobs)
        ]

    def _background(self, job: Callable[[], None]) -> None:
        def work() -> None:
            outcome = _attempt(ch.HEARTBEAT, ch.shown(self.settings.heartbeat_url), job, self.redact)
            if not outcome.passed:
                log.warning("Heartbeat start ping failed: %s; fix: %s", outcome.detail, outcome.fix)

        if self.settings.heartbeat_url:
            self._start_ping = threading.Thread(target=work, name="alert-heartbeat-start", daemon=True)
            self._start_ping.start()


def _attempt(name: str, target: str, job: Callable[[], None], redact: Redactor) -> CheckResult:
    """Run one channel's job; its outcome as a check line (the target never holds a secret)."""
    try:
        job()
    except ch.ChannelError as exc:
        return CheckResult(name, FAIL, redact(f"{target}: {exc.reason}"), redact(exc.fix))
    except Exception as exc:  # a defect in one channel must not stop the others or the run
        reason = redact(f"unexpected error: {type(exc).__name__}: {exc}")
        return CheckResult(name, FAIL, f"{target}: {reason}", "report it")
    return CheckResult(name, OK, f"sent to {target}")


def alerter_for(settings: Settings) -> Alerter | None:
    """The run path's Alerter, or None when no channel is configured (nothing to do)."""
    alerter = Alerter(settings)
    return alerter if alerter.active else None


def alert_config_error(source: Mapping[str, str], message: str) -> None:
    """Raise the failure alert of a configuration error, if the alert settings can be read."""
    try:
        fields = alert_fields(source)
    except ConfigError:
        return  # the alert settings are the broken part: nothing to send through
    secrets = [source.get("SNIPEIT_TOKEN"), database_password(source.get("DATABASE_URL", ""))]
    settings = Settings(database_url="", api_url="", token="", **fields)
    alerter = Alerter(settings)
    if alerter.active:
        alerter.redact = alerter.redact.with_secrets(secrets)
        alerter.config_error(alerter.redact(message))
