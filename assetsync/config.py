"""Settings: declared once below, read from the environment and the project's `.env`, validated."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from dotenv import dotenv_values

from assetsync.alerts import validate as alert_value
from assetsync.entities import ENTITY_NAMES, Entity, select
from assetsync.redact import database_password, redact_dsn, url_secrets
from assetsync.schedule import DEFAULT_SYNC_TIMES, parse_sync_times
from assetsync.setting_values import (
    PROJECT_DIR,
    api_url,
    ca_bundle,
    database_url,
    entity_names,
    project_path,
    schema_name,
    zone,
)
from assetsync.settings_spec import (
    REQUIRED,
    ConfigError,
    Spec,
    boolean,
    non_negative_int,
    optional,
    positive_float,
    read,
    setting,
    share,
    specs,
    text,
    whole_number,
)

__all__ = ["ENV_FILE", "PROJECT_DIR", "ConfigError", "Settings", "load_environment", "load_settings"]

# .env is read from the folder of scheduled_sync.py (PROJECT_DIR), never the current one.
ENV_FILE = PROJECT_DIR / ".env"

Source = Literal["environment", ".env", "default"]


def load_environment(env_file: Path | None = None) -> dict[str, str]:
    """Return the project's `.env` values overlaid by the real environment (which wins)."""
    return {name: value for name, (value, _) in environment_with_sources(env_file).items()}


def environment_with_sources(env_file: Path | None = None) -> dict[str, tuple[str, Source]]:
    """Each variable's value and where it came from: the real environment wins over `.env`."""
    path = ENV_FILE if env_file is None else env_file
    merged: dict[str, tuple[str, Source]] = {}
    if path.is_file():
        merged.update({k: (v, ".env") for k, v in dotenv_values(path).items() if v is not None})
    merged.update({k: (v, "environment") for k, v in os.environ.items()})
    return merged


ALERTS = "alerts (optional: each channel is used when its settings are set; see docs/alerts.md)"
_SECRET_URL_HINT = "use the full https:// address you were given (http:// only to this machine)"


def _eventlog(raw: str) -> bool:
    return alert_value.eventlog(raw) if raw.strip() else alert_value.EVENTLOG_DEFAULT


# -- the settings --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    """Everything one run needs to know; built by `load_settings`.

    Each field is one environment variable, declared here once: `setting(NAME, DEFAULT, PARSER,
    MEANING, ...)`. Its order is the order of `.env.example` and docs/configuration.md.
    """

    database_url: str = setting(
        "DATABASE_URL",
        "",
        database_url,
        'PostgreSQL connection URL of the database that receives the assets (schema "snipeit" is created).',
        secret=True,
        mask=redact_dsn,  # host, port, user and database help; only the password is hidden
        scrub=database_password,
        section=REQUIRED,
        required_for="database",
        example="postgresql://assetsync:CHANGE_ME@dbhost:5432/reporting",
    )
    api_url: str = setting(  # always ends in /api/v1, no trailing slash
        "SNIPEIT_API_URL",
        "",
        api_url,
        "Your Snipe-IT address; with or without the trailing /api/v1.",
        section=REQUIRED,
        required_for="api",
        example="https://assets.example.com",
    )
    token: str = setting(
        "SNIPEIT_TOKEN",
        "",
        text,
        "API key of a Snipe-IT user that may view assets (Admin > API keys, or your profile > "
        "Manage API keys).",
        secret=True,
        section=REQUIRED,
        required_for="api",
        example="<API key of a Snipe-IT user that can view assets>",
    )
    page_size: int = setting(
        "SNIPEIT_PAGE_SIZE",
        "500",
        whole_number(1, 500),
        "Rows per page requested (1-500); Snipe-IT caps it at its MAX_RESULTS, which the sync finds from "
        "its answers.",
        hint="use a whole number from 1 to 500",
    )
    connect_timeout: float = setting(
        "SNIPEIT_CONNECT_TIMEOUT",
        "10",
        positive_float,
        "Seconds to wait for a connection to Snipe-IT, per request.",
        hint="use a number of seconds such as 10",
    )
    read_timeout: float = setting(
        "SNIPEIT_READ_TIMEOUT",
        "60",
        positive_float,
        "Seconds to wait for Snipe-IT's answer, per request.",
        hint="use a number of seconds such as 60",
    )
    max_retries: int = setting(
        "SNIPEIT_MAX_RETRIES",
        "6",
        non_negative_int,
        "Retries per request for 429, 500/502/503/504, timeouts, dropped connections and cut-off bodies; "
        "0 turns them off.",
        hint="use a whole number such as 6 (0 turns retries off)",
    )
    max_retry_wait: float = setting(
        "SNIPEIT_MAX_RETRY_WAIT",
        "65",
        positive_float,
        "Longest wait between retries in seconds (Snipe-IT has sent Retry-After values of years).",
        hint="use a number of seconds such as 65",
    )
    rate_window: float = setting(
        "SNIPEIT_RATE_WINDOW",
        "60",
        positive_float,
        "Length in seconds of Snipe-IT's throttle window (API_THROTTLE_PER_MINUTE counts per minute); a "
        "429 without a wait hint waits out this window.",
        hint="use the seconds of Snipe-IT's throttle window, such as 60",
    )
    concurrency: int = setting(
        "SNIPEIT_CONCURRENCY",
        "4",
        whole_number(1, 16),
        "Requests to Snipe-IT in flight at once (pages of a list read ahead, removal checks); fewer "
        "after a 429, an error or a slowing server, never more than its throttle allows. 1 = one page "
        "at a time.",
        hint="use a whole number from 1 to 16 (1 = one page at a time)",
    )
    server_timezone: ZoneInfo = setting(
        "SNIPEIT_TIMEZONE",
        "UTC",
        zone,
        "Snipe-IT's APP_TIMEZONE: its dates carry no zone, so they are read in this one.",
        hint="use an IANA zone name such as Europe/Berlin (Snipe-IT's APP_TIMEZONE)",
    )
    ca_bundle: Path | None = setting(
        "SNIPEIT_CA_BUNDLE",
        "",
        ca_bundle,
        "PEM file of a private CA that signed Snipe-IT's certificate.",
    )
    verify_tls: bool = setting(
        "SNIPEIT_VERIFY_TLS",
        "true",
        boolean,
        "Certificate verification. Turning it off is logged as a warning on every run; prefer "
        "SNIPEIT_CA_BUNDLE.",
        hint="use true or false",
    )
    schema: str = setting(
        "ASSETSYNC_SCHEMA",
        "snipeit",
        schema_name,
        "PostgreSQL schema that holds the tables.",
        hint="use lower-case letters, digits and _ (at most 63), starting with a letter or _ "
        "(not pg_, and not information_schema)",
    )
    log_dir: Path = setting(
        "ASSETSYNC_LOG_DIR",
        "logs",
        project_path,
        "Folder of the daily logs (relative paths are relative to the folder of scheduled_sync.py).",
    )
    log_retention_days: int = setting(
        "ASSETSYNC_LOG_RETENTION_DAYS",
        "30",
        non_negative_int,
        "Days to keep the daily logs; older sync_*.log files are deleted when a run starts (0 keeps all).",
        hint="use a whole number of days such as 30 (0 keeps logs forever)",
    )
    activity: bool = setting(
        "ASSETSYNC_ACTIVITY",
        "true",
        boolean,
        "Sync Snipe-IT's activity log into the activity table (and asset_assignments from it); the "
        "token then needs the reports.view permission. The first run reads the whole log.",
        hint="use true or false",
    )
    seat_sweep_hours: int = setting(
        "ASSETSYNC_SEAT_SWEEP_HOURS",
        "24",
        non_negative_int,
        "Between sweeps, a run reads the seats only of the licenses that the activity log or the "
        "license's own counts say changed; a sweep reads every license's seats, catching what Snipe-IT "
        "never logs against the license (an asset check-in clearing its seats, user merges). The first "
        "run after this many hours sweeps (0: every run). Without ASSETSYNC_ACTIVITY every run sweeps.",
        hint="use a whole number of hours such as 24 (0 sweeps every run)",
    )
    store_license_keys: bool = setting(
        "ASSETSYNC_STORE_LICENSE_KEYS",
        "false",
        boolean,
        "Store licenses' product keys in licenses.product_key (and raw). Off by default: a reporting "
        "database is read by many people, and a key is a secret. The token's user also needs the "
        "licenses.keys permission, or Snipe-IT sends dashes (stored as NULL).",
        hint="use true or false",
    )
    history_retention_days: int = setting(
        "ASSETSYNC_HISTORY_RETENTION_DAYS",
        "0",
        non_negative_int,
        "Days to keep replaced versions in assets_history, users_history and license_seats_history; "
        "older versions are deleted in each run's write transaction (0 keeps every version, so "
        "*_as_of() reaches back to the first sync). Above 0 the sync role also needs DELETE on those "
        "three tables.",
        hint="use a whole number of days such as 730 (0 keeps every version)",
    )
    removal_brake: float = setting(
        "ASSETSYNC_REMOVAL_BRAKE",
        "0.10",
        share,
        "Removal brake: refuse to mark more than this share of live assets removed in one run.",
        hint="use a share such as 0.1 or 10%",
    )
    confirm_sample: int = setting(
        "ASSETSYNC_CONFIRM_SAMPLE",
        "5",
        non_negative_int,
        "How many removal candidates to confirm one by one when there are many.",
        hint="use a whole number such as 5",
    )
    run_timeout: float = setting(
        "ASSETSYNC_RUN_TIMEOUT",
        "3000",
        positive_float,
        "Time budget of one run in seconds; the run fails (database untouched) when it is exceeded.",
        hint="use a number of seconds such as 3000",
    )
    statement_timeout: float = setting(
        "ASSETSYNC_STATEMENT_TIMEOUT",
        "600",
        positive_float,
        "Longest a single database statement may run, in seconds (e.g. the merge waiting behind a long "
        "report query's lock); past it the statement is cancelled and the run fails with nothing changed. "
        "A first load's single COPY is bounded by ASSETSYNC_RUN_TIMEOUT instead.",
        hint="use a number of seconds such as 600",
    )
    entity_names: tuple[str, ...] = setting(
        "ASSETSYNC_ENTITIES",
        "all",
        entity_names,
        "The Snipe-IT record types to sync besides hardware, which is always synced: all, or a "
        "comma-separated list of users, locations, companies, departments, models, categories, "
        "manufacturers, status_labels, suppliers, licenses, license_seats (which brings licenses), "
        "accessories, consumables, components. Leave one out when the token may not list it.",
        hint=f"use 'all' or names separated by commas from: {', '.join(ENTITY_NAMES)} "
        "(hardware is always synced)",
    )
    sync_times: tuple[time, ...] = setting(
        "ASSETSYNC_SYNC_TIMES",
        DEFAULT_SYNC_TIMES,
        parse_sync_times,
        "The daily sync times (local time), used by `assetsync schedule`, `assetsync serve` and "
        "setup_sync_schedule.ps1.",
        hint="use 24-hour HH:MM times separated by commas, e.g. 08:00,12:00,16:00,20:00",
    )
    serve_token: str = setting(
        "ASSETSYNC_SERVE_TOKEN",
        "",
        text,
        "Bearer token `assetsync serve`'s POST endpoints (/sync/now, /sync/scheduler/start|stop) "
        "require; at least 16 visible characters, e.g. from: "
        'python -c "import secrets; print(secrets.token_urlsafe(32))". Without it, `assetsync serve` '
        "refuses to listen on an address other machines can reach (the default, 127.0.0.1, is fine) "
        "and takes control requests from this machine only.",
        secret=True,
        section="assetsync serve (optional: the in-process scheduler with an HTTP API)",
    )
    scheduler_enabled: bool = setting(
        "ASSETSYNC_SCHEDULER",
        "on",
        boolean,
        "off: this process runs no scheduled syncs (for all but one worker of a host app that mounts "
        "the API); it still serves every endpoint and starts the syncs asked for over the API.",
        hint="use on or off",
        section="assetsync serve (optional: the in-process scheduler with an HTTP API)",
    )
    # -- alerts (assetsync/alerts; validators in alerts/validate.py) ------------------------------
    alert_on: str = setting(
        "ASSETSYNC_ALERT_ON",
        "failures",
        alert_value.alert_on,
        "When to alert: failures (failed, braked and recovered runs, and suspicious activity), or "
        "always (every successful run too).",
        hint="use failures or always",
        section=ALERTS,
    )
    alert_repeat_hours: float = setting(
        "ASSETSYNC_ALERT_REPEAT_HOURS",
        "24",
        alert_value.repeat_hours,
        "While the sync keeps failing, the alert is repeated at most once per this many hours.",
        hint="use a number of hours such as 24 (how often a failure that goes on is reported again)",
        section=ALERTS,
    )
    change_alert: float = setting(
        "ASSETSYNC_CHANGE_ALERT",
        "0.25",
        share,
        "Warn when a successful run changes the assignee, status or location of more than this share "
        "of live assets (1 turns it off).",
        hint="use a share such as 0.25 or 25% (1 turns it off)",
        section=ALERTS,
    )
    eventlog: bool = setting(
        "ASSETSYNC_EVENTLOG",
        "",
        _eventlog,
        "Write every alert to the Windows Event Log (Application, source assetsync); default on on "
        "Windows, off elsewhere.",
        hint="use true or false (the Windows Event Log exists only on Windows)",
        section=ALERTS,
    )
    alert_webhook_url: str = setting(
        "ASSETSYNC_ALERT_WEBHOOK_URL",
        "",
        optional(alert_value.secret_url, ""),
        "Webhook that receives alerts (a Teams Workflows or Slack incoming webhook, or any JSON "
        "receiver); its path is a secret, so only its host is ever shown.",
        hint=_SECRET_URL_HINT,
        secret=True,
        scrub=url_secrets,
        section=ALERTS,
    )
    alert_webhook_format: str = setting(
        "ASSETSYNC_ALERT_WEBHOOK_FORMAT",
        "",
        optional(alert_value.webhook_format, ""),
        "teams, slack or json; when unset, chosen from the webhook's host, else json.",
        hint="use teams, slack or json",
        section=ALERTS,
    )
    heartbeat_url: str = setting(
        "ASSETSYNC_HEARTBEAT_URL",
        "",
        optional(alert_value.secret_url, ""),
        "Dead-man's switch (healthchecks.io, Uptime Kuma push): <url>/start when a run starts, <url> "
        "on success, <url>/fail on failure; the only channel that notices a job that never ran.",
        hint=_SECRET_URL_HINT,
        secret=True,
        scrub=url_secrets,
        section=ALERTS,
    )
    smtp_host: str = setting(
        "ASSETSYNC_SMTP_HOST", "", text, "Mail server for e-mail alerts (unset: no e-mail).", section=ALERTS
    )
    smtp_port: int = setting(
        "ASSETSYNC_SMTP_PORT",
        "",
        optional(alert_value.port, 0),
        "Its port (unset: 587 for starttls, 465 for ssl, 25 for none).",
        hint="use a port such as 587",
        section=ALERTS,
    )
    smtp_security: str = setting(
        "ASSETSYNC_SMTP_SECURITY",
        "starttls",
        alert_value.smtp_security,
        "starttls, ssl or none (none only to a mail server on this machine when a password is set).",
        hint="use starttls, ssl or none",
        section=ALERTS,
    )
    smtp_user: str = setting(
        "ASSETSYNC_SMTP_USER", "", text, "Login of the mail server, if it needs one.", section=ALERTS
    )
    smtp_password: str = setting(
        "ASSETSYNC_SMTP_PASSWORD", "", text, "Its password.", secret=True, section=ALERTS
    )
    alert_email_from: str = setting(
        "ASSETSYNC_ALERT_EMAIL_FROM",
        "",
        optional(alert_value.address, ""),
        "Sender address of alert e-mails.",
        hint="use one address such as assetsync@example.com",
        section=ALERTS,
    )
    alert_email_to: tuple[str, ...] = setting(
        "ASSETSYNC_ALERT_EMAIL_TO",
        "",
        optional(alert_value.addresses, alert_value.NO_ADDRESSES),
        "Recipients of alert e-mails, separated by commas.",
        hint="use addresses separated by commas, e.g. it-ops@example.com,admin@example.com",
        section=ALERTS,
    )

    @property
    def entities(self) -> tuple[Entity, ...]:
        """What a run syncs, in run order (hardware first)."""
        return select(self.entity_names, license_keys=self.store_license_keys)

    @property
    def tls_verify(self) -> bool | str:
        """The value requests expects for `verify`."""
        if self.ca_bundle is not None:
            return str(self.ca_bundle)
        return self.verify_tls

    @property
    def safe_database_url(self) -> str:
        """The database URL with any password replaced, for messages."""
        return redact_dsn(self.database_url)

    def secrets(self) -> list[str | None]:
        """What to scrub from messages: each secret setting's value (only the password of a DSN,
        only the token-like parts of a webhook or heartbeat URL)."""
        found: list[str | None] = []
        for name, spec in SPECS.items():
            if spec.secret:
                part = spec.scrub(str(getattr(self, name)))
                found.extend(part if isinstance(part, list) else [part])
        return found


# Field name -> declaration.
SPECS: dict[str, Spec] = dict(zip(Settings.__dataclass_fields__, specs(Settings), strict=True))


def load_settings(
    env: Mapping[str, str] | None = None, *, need_database: bool = True, need_api: bool = True
) -> Settings:
    """Build validated Settings; raise ConfigError naming the variable to fix."""
    source = load_environment() if env is None else env
    needed = {"database": need_database, "api": need_api}
    values: dict[str, Any] = {}
    for name, spec in SPECS.items():
        raw = source.get(spec.name, "").strip()
        if not raw and spec.required_for is not None and needed[spec.required_for]:
            raise ConfigError(
                f"{spec.name} is not set. Put it in {ENV_FILE} (see .env.example) or in the environment, "
                f"for example {spec.name}={spec.example}"
            )
        values[name] = read(spec, raw or spec.default)
    problem = alert_value.email_problem(values)
    if problem:
        raise ConfigError(problem)
    return Settings(**values)


def alert_fields(source: Mapping[str, str]) -> dict[str, Any]:
    """Only the alert settings, as keyword arguments of Settings; read on their own when the rest
    of the configuration is broken, so that a configuration error can still be alerted."""
    values = {
        name: read(spec, source.get(spec.name, "").strip() or spec.default)
        for name, spec in SPECS.items()
        if spec.section == ALERTS
    }
    problem = alert_value.email_problem(values)
    if problem:
        raise ConfigError(problem)
    return values
