"""Settings: read once from the environment and the project's `.env`, validated, frozen."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg
from dotenv import dotenv_values
from psycopg.conninfo import conninfo_to_dict

from assetsync.redact import redact_dsn
from assetsync.schedule import DEFAULT_SYNC_TIMES, parse_sync_times

# Everything is anchored to the folder holding scheduled_sync.py, because Task Scheduler
# starts the process in C:\Windows\System32 and the current directory means nothing.
PROJECT_DIR = Path(__file__).resolve().parent.parent
ENV_FILE = PROJECT_DIR / ".env"

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

T = TypeVar("T")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable and the fix."""


def load_environment(env_file: Path | None = None) -> dict[str, str]:
    """Return the project's `.env` values overlaid by the real environment (which wins)."""
    path = ENV_FILE if env_file is None else env_file
    merged: dict[str, str] = {}
    if path.is_file():
        merged.update({k: v for k, v in dotenv_values(path).items() if v is not None})
    merged.update(os.environ)
    return merged


@dataclass(frozen=True)
class Settings:
    """Everything one run needs to know; built by `load_settings`."""

    database_url: str = field(repr=False)
    api_url: str  # always ends in /api/v1, no trailing slash
    token: str = field(repr=False)
    page_size: int = 500
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_retries: int = 6
    max_retry_wait: float = 65.0
    rate_window: float = 60.0
    concurrency: int = 4
    server_timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    schema: str = "snipeit"
    log_dir: Path = PROJECT_DIR / "logs"
    log_retention_days: int = 30
    verify_tls: bool = True
    ca_bundle: Path | None = None
    removal_brake: float = 0.10
    confirm_sample: int = 5
    run_timeout: float = 3000.0
    statement_timeout: float = 600.0
    sync_times: tuple[time, ...] = ()
    serve_token: str = field(default="", repr=False)  # bearer token of `assetsync serve`'s POST endpoints

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


def normalise_api_url(raw: str) -> str:
    """Accept `https://host`, `https://host/`, `https://host/api/v1/`; return `.../api/v1`."""
    url = raw.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"SNIPEIT_API_URL {raw!r} is not a web address; set it to your Snipe-IT address, "
            "for example https://assets.example.com or https://assets.example.com/api/v1"
        )
    if parts.query or parts.fragment:
        raise ConfigError("SNIPEIT_API_URL must not contain '?' or '#'; give only the address of Snipe-IT")
    if url.endswith("/api/v1"):
        return url
    if url.endswith("/api"):
        return url + "/v1"
    return url + "/api/v1"


def is_loopback(url: str) -> bool:
    """True for URLs that never leave this machine (where plain http carries no risk)."""
    return is_loopback_host(urlsplit(url).hostname or "")


def is_loopback_host(host: str) -> bool:
    """True for a host name or address that only this machine can reach."""
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _parse(env: Mapping[str, str], name: str, default: T, convert: Callable[[str], T], hint: str) -> T:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return convert(raw)
    except (ValueError, ZoneInfoNotFoundError) as exc:
        raise ConfigError(f"{name}={raw!r} is not valid: {hint}") from exc


def _positive_float(raw: str) -> float:
    value = float(raw)
    if not value > 0:
        raise ValueError(raw)
    return value


def _share(raw: str) -> float:
    text = raw.rstrip("%")
    value = float(text) / (100 if raw.endswith("%") else 1)
    if not 0 <= value <= 1:
        raise ValueError(raw)
    return value


def _bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def _zone(raw: str) -> ZoneInfo:
    return ZoneInfo(raw)


def _schema(raw: str) -> str:
    # PostgreSQL keeps pg_* and information_schema for itself (a superuser could still write there).
    if not _SCHEMA_NAME.match(raw) or raw.startswith("pg_") or raw == "information_schema":
        raise ValueError(raw)
    return raw


def _sync_times(raw: str) -> tuple[time, ...]:
    return parse_sync_times(raw)


def _require(env: Mapping[str, str], name: str, example: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(
            f"{name} is not set. Put it in {ENV_FILE} (see .env.example) or in the environment, "
            f"for example {name}={example}"
        )
    return value


def load_settings(
    env: Mapping[str, str] | None = None, *, need_database: bool = True, need_api: bool = True
) -> Settings:
    """Build validated Settings; raise ConfigError naming the variable to fix."""
    source = load_environment() if env is None else env
    database_url = (
        _require(source, "DATABASE_URL", "postgresql://assetsync:PASSWORD@dbhost:5432/reporting")
        if need_database
        else source.get("DATABASE_URL", "")
    )
    if (
        database_url
        and not database_url.startswith(("postgresql://", "postgres://"))
        and "=" not in database_url
    ):
        raise ConfigError(
            "DATABASE_URL must be a PostgreSQL connection URL such as "
            "postgresql://user:PASSWORD@host:5432/dbname"
        )
    if database_url:
        try:
            conninfo_to_dict(database_url)
        except psycopg.Error:
            # Not chained and not quoted: the parser's message repeats the text around the fault,
            # which may be part of the password.
            raise ConfigError(
                "DATABASE_URL cannot be read as a PostgreSQL connection string; in the key=value form put "
                "values with spaces in single quotes (password='my secret'), in the URL form escape "
                "special characters with %, e.g. postgresql://user:PASS%40WORD@host:5432/dbname"
            ) from None
    api_raw = _require(source, "SNIPEIT_API_URL", "https://assets.example.com") if need_api else ""
    api_url = normalise_api_url(api_raw) if api_raw else ""
    token = (
        _require(source, "SNIPEIT_TOKEN", "<API key of a Snipe-IT user that can view assets>")
        if need_api
        else source.get("SNIPEIT_TOKEN", "")
    )
    ca_raw = source.get("SNIPEIT_CA_BUNDLE", "").strip()
    ca_bundle: Path | None = None
    if ca_raw:
        ca_bundle = Path(ca_raw).expanduser()
        if not ca_bundle.is_absolute():
            ca_bundle = PROJECT_DIR / ca_bundle
        if not ca_bundle.exists():
            raise ConfigError(
                f"SNIPEIT_CA_BUNDLE points to {ca_bundle}, which does not exist; "
                "give the path of a PEM file with your CA certificate"
            )
    log_raw = source.get("ASSETSYNC_LOG_DIR", "").strip()
    log_dir = PROJECT_DIR / "logs"
    if log_raw:
        log_dir = Path(log_raw).expanduser()
        if not log_dir.is_absolute():
            log_dir = PROJECT_DIR / log_dir
    return Settings(
        database_url=database_url,
        api_url=api_url,
        token=token,
        page_size=_parse(source, "SNIPEIT_PAGE_SIZE", 500, _page_size, "use a whole number from 1 to 500"),
        connect_timeout=_parse(
            source, "SNIPEIT_CONNECT_TIMEOUT", 10.0, _positive_float, "use a number of seconds such as 10"
        ),
        read_timeout=_parse(
            source, "SNIPEIT_READ_TIMEOUT", 60.0, _positive_float, "use a number of seconds such as 60"
        ),
        max_retries=_parse(
            source,
            "SNIPEIT_MAX_RETRIES",
            6,
            _non_negative_int,
            "use a whole number such as 6 (0 turns retries off)",
        ),
        max_retry_wait=_parse(
            source, "SNIPEIT_MAX_RETRY_WAIT", 65.0, _positive_float, "use a number of seconds such as 65"
        ),
        rate_window=_parse(
            source,
            "SNIPEIT_RATE_WINDOW",
            60.0,
            _positive_float,
            "use the seconds of Snipe-IT's throttle window, such as 60",
        ),
        concurrency=_parse(
            source,
            "SNIPEIT_CONCURRENCY",
            4,
            _concurrency,
            "use a whole number from 1 to 16 (1 = one page at a time)",
        ),
        server_timezone=_parse(
            source,
            "SNIPEIT_TIMEZONE",
            ZoneInfo("UTC"),
            _zone,
            "use an IANA zone name such as Europe/Berlin (Snipe-IT's APP_TIMEZONE)",
        ),
        schema=_parse(
            source,
            "ASSETSYNC_SCHEMA",
            "snipeit",
            _schema,
            "use lower-case letters, digits and _ (at most 63), starting with a letter or _ "
            "(not pg_, and not information_schema)",
        ),
        log_dir=log_dir,
        log_retention_days=_parse(
            source,
            "ASSETSYNC_LOG_RETENTION_DAYS",
            30,
            _non_negative_int,
            "use a whole number of days such as 30 (0 keeps logs forever)",
        ),
        verify_tls=_parse(source, "SNIPEIT_VERIFY_TLS", True, _bool, "use true or false"),
        ca_bundle=ca_bundle,
        removal_brake=_parse(
            source, "ASSETSYNC_REMOVAL_BRAKE", 0.10, _share, "use a share such as 0.1 or 10%"
        ),
        confirm_sample=_parse(
            source, "ASSETSYNC_CONFIRM_SAMPLE", 5, _non_negative_int, "use a whole number such as 5"
        ),
        run_timeout=_parse(
            source, "ASSETSYNC_RUN_TIMEOUT", 3000.0, _positive_float, "use a number of seconds such as 3000"
        ),
        statement_timeout=_parse(
            source,
            "ASSETSYNC_STATEMENT_TIMEOUT",
            600.0,
            _positive_float,
            "use a number of seconds such as 600",
        ),
        sync_times=_parse(
            source,
            "ASSETSYNC_SYNC_TIMES",
            _sync_times(DEFAULT_SYNC_TIMES),
            _sync_times,
            "use 24-hour HH:MM times separated by commas, e.g. 08:00,12:00,16:00,20:00",
        ),
        serve_token=source.get("ASSETSYNC_SERVE_TOKEN", "").strip(),
    )


def _page_size(raw: str) -> int:
    value = int(raw)
    if not 1 <= value <= 500:
        raise ValueError(raw)
    return value


def _non_negative_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError(raw)
    return value


def _concurrency(raw: str) -> int:
    value = int(raw)
    if not 1 <= value <= 16:
        raise ValueError(raw)
    return value
