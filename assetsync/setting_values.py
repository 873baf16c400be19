"""How the text of each project setting becomes its value (the declarations are in config.py).

Each parser raises ValueError for a value that is not valid, which `settings_spec.read` turns into
the setting's own message, or ConfigError where the message must say more than the hint.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg
from psycopg.conninfo import conninfo_to_dict

from assetsync.entities import ENTITY_NAMES, select
from assetsync.settings_spec import ConfigError

# Everything is anchored to the folder holding scheduled_sync.py, because Task Scheduler
# starts the process in C:\Windows\System32 and the current directory means nothing.
PROJECT_DIR = Path(__file__).resolve().parent.parent

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


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


def api_url(raw: str) -> str:
    return normalise_api_url(raw) if raw else ""


def database_url(raw: str) -> str:
    if not raw:
        return ""
    if not raw.startswith(("postgresql://", "postgres://")) and "=" not in raw:
        raise ConfigError(
            "DATABASE_URL must be a PostgreSQL connection URL such as "
            "postgresql://user:PASSWORD@host:5432/dbname"
        )
    try:
        conninfo_to_dict(raw)
    except psycopg.Error:
        # Not chained and not quoted: the parser's message repeats the text around the fault,
        # which may be part of the password.
        raise ConfigError(
            "DATABASE_URL cannot be read as a PostgreSQL connection string; in the key=value form put "
            "values with spaces in single quotes (password='my secret'), in the URL form escape "
            "special characters with %, e.g. postgresql://user:PASS%40WORD@host:5432/dbname"
        ) from None
    return raw


def zone(raw: str) -> ZoneInfo:
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(raw) from exc


def schema_name(raw: str) -> str:
    # PostgreSQL keeps pg_* and information_schema for itself (a superuser could still write there).
    if not _SCHEMA_NAME.match(raw) or raw.startswith("pg_") or raw == "information_schema":
        raise ValueError(raw)
    return raw


def project_path(raw: str) -> Path:
    """A path; relative ones are relative to the project folder, not the current one."""
    path = Path(raw).expanduser()
    return path if path.is_absolute() else PROJECT_DIR / path


def ca_bundle(raw: str) -> Path | None:
    if not raw:
        return None
    path = project_path(raw)
    if not path.exists():
        raise ConfigError(
            f"SNIPEIT_CA_BUNDLE points to {path}, which does not exist; "
            "give the path of a PEM file with your CA certificate"
        )
    return path


def entity_names(raw: str) -> tuple[str, ...]:
    names = [n.strip().lower() for n in raw.split(",") if n.strip()]
    if not names or names == ["all"]:
        return ENTITY_NAMES
    return tuple(e.name for e in select(names))  # ValueError for an unknown name


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
