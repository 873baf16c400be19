"""Who may control the server: the bind address rule, the bearer token and the loopback-only checks."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from assetsync.config import ConfigError
from assetsync.setting_values import is_loopback_host

MIN_TOKEN_LENGTH = 16
_TOKEN_CHARS = re.compile(r"^[\x21-\x7e]+$")  # visible ASCII: survives every HTTP client and shell
TOKEN_HINT = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


def check_bind(host: str, token: str) -> None:
    """Refuse a malformed token, and any address other machines can reach when there is no token."""
    if token:
        if len(token) < MIN_TOKEN_LENGTH:
            raise ConfigError(
                f"ASSETSYNC_SERVE_TOKEN is too short ({len(token)} characters); use at least "
                f"{MIN_TOKEN_LENGTH} random characters, for example the output of {TOKEN_HINT}"
            )
        if not _TOKEN_CHARS.match(token):
            raise ConfigError(
                "ASSETSYNC_SERVE_TOKEN may contain only visible ASCII characters (no spaces); "
                f"generate one with {TOKEN_HINT}"
            )
        return
    if not is_loopback_host(host):
        raise ConfigError(
            f"refusing to listen on {host} without ASSETSYNC_SERVE_TOKEN: anyone who can reach that "
            "address could start and stop syncs. Set ASSETSYNC_SERVE_TOKEN (for example to the output "
            f"of {TOKEN_HINT}), or listen on 127.0.0.1 only"
        )


def token_matches(given: str, expected: str) -> bool:
    """Constant-time comparison, so response timing reveals nothing about the token."""
    return secrets.compare_digest(given.encode(), expected.encode())


def host_of(header: str) -> str:
    """The host part of a Host header or an Origin ("[::1]:8000" -> "::1")."""
    target = header if "//" in header else f"//{header}"
    try:
        return urlsplit(target).hostname or ""
    except ValueError:
        return ""


def loopback_request_problem(host_header: str, origin: str | None) -> str | None:
    """Without a token, control requests must come from this machine, not from a web page.

    A page in the admin's browser can send a POST to 127.0.0.1 (cross-site, or through DNS
    rebinding with its own host name); browsers then send its Origin or Host, which we refuse.
    Returns why a request is refused, or None.
    """
    if not is_loopback_host(host_of(host_header)):
        return (
            f"control requests without a token must be addressed to localhost or 127.0.0.1, not "
            f"{host_header or 'an empty Host'}; set ASSETSYNC_SERVE_TOKEN and send it as a bearer token"
        )
    if origin is not None:
        parts = urlsplit(origin)
        if parts.netloc.lower() != host_header.lower():
            return (
                f"cross-site control request refused (Origin {origin}); use curl or the page at /docs, "
                "or set ASSETSYNC_SERVE_TOKEN and send it as a bearer token"
            )
    return None
