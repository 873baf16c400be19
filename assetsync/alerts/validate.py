"""Parsing of the alert settings; each function raises ValueError, which config turns into a
ConfigError naming the variable (kept free of config imports so config can import it)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from assetsync.setting_values import is_loopback_host
from assetsync.settings_spec import whole_number

ALERT_ON = ("failures", "always")
WEBHOOK_FORMATS = ("teams", "slack", "json")
SMTP_SECURITY = ("starttls", "ssl", "none")
DEFAULT_SMTP_PORT = {"starttls": 587, "ssl": 465, "none": 25}
EVENTLOG_DEFAULT = sys.platform == "win32"
NO_ADDRESSES: tuple[str, ...] = ()


def alert_on(raw: str) -> str:
    return _one_of(raw, ALERT_ON)


def webhook_format(raw: str) -> str:
    return _one_of(raw, WEBHOOK_FORMATS)


def smtp_security(raw: str) -> str:
    return _one_of(raw, SMTP_SECURITY)


def _one_of(raw: str, options: tuple[str, ...]) -> str:
    value = raw.strip().lower()
    if value not in options:
        raise ValueError(raw)
    return value


def repeat_hours(raw: str) -> float:
    value = float(raw)
    if not 0 < value <= 24 * 365:
        raise ValueError(raw)
    return value


port = whole_number(1, 65535)


def secret_url(raw: str) -> str:
    """A webhook or heartbeat address: https, or http only to this machine (its path is a secret)."""
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(raw)
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise ValueError(raw)
    return raw.strip()


def addresses(raw: str) -> tuple[str, ...]:
    """Comma-separated e-mail addresses, each with one @ and something on either side."""
    found = tuple(a.strip() for a in raw.split(",") if a.strip())
    if not found or any(a.count("@") != 1 or a.startswith("@") or a.endswith("@") for a in found):
        raise ValueError(raw)
    return found


def address(raw: str) -> str:
    """Exactly one e-mail address."""
    found = addresses(raw)
    if len(found) != 1:
        raise ValueError(raw)
    return found[0]


def eventlog(raw: str, *, platform: str = sys.platform) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        if platform != "win32":
            raise ValueError(raw)
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def email_problem(fields: Mapping[str, Any]) -> str | None:
    """What is missing or unsafe in the parsed e-mail settings, as a configuration error's message."""
    host, recipients = fields["smtp_host"], fields["alert_email_to"]
    if not host:
        if recipients:
            return "ASSETSYNC_ALERT_EMAIL_TO is set but ASSETSYNC_SMTP_HOST is not; set the mail server"
        return None
    if not recipients:
        return (
            "ASSETSYNC_SMTP_HOST is set but ASSETSYNC_ALERT_EMAIL_TO is not; "
            "set it to the recipients, e.g. ASSETSYNC_ALERT_EMAIL_TO=it-ops@example.com"
        )
    if not fields["alert_email_from"]:
        return "ASSETSYNC_ALERT_EMAIL_FROM is not set; set the sender, e.g. assetsync@example.com"
    if bool(fields["smtp_user"]) != bool(fields["smtp_password"]):
        return "set both ASSETSYNC_SMTP_USER and ASSETSYNC_SMTP_PASSWORD, or neither (no login)"
    if fields["smtp_user"] and fields["smtp_security"] == "none" and not _loopback(host):
        return (
            "ASSETSYNC_SMTP_SECURITY=none would send ASSETSYNC_SMTP_PASSWORD unencrypted; "
            "use starttls (the default) or ssl"
        )
    return None


def _loopback(host: str) -> bool:
    return is_loopback_host(host)
