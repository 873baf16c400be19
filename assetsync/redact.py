"""Keeping secrets out of every message: DSN passwords and the API token."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit

from psycopg.conninfo import conninfo_to_dict, make_conninfo

_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)(?P<tail>@)", re.I)
_KV_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<pw>'(?:[^'\\]|\\.)*'|\S+)", re.I)
MASK = "***"


def first_line(exc: BaseException) -> str:
    """The first line of an error's message (drivers add context lines that may quote data), its
    runs of spaces and tabs made one space, so every message stays one readable line."""
    lines = str(exc).strip().splitlines()
    return " ".join(lines[0].split()) if lines else type(exc).__name__


def redact_dsn(dsn: str) -> str:
    """Return the DSN with its password masked, whatever its form (URL or key=value)."""
    try:
        params = conninfo_to_dict(dsn)
    except Exception:
        return scrub_passwords(dsn)
    if "password" in params:
        params["password"] = MASK
        if "://" in dsn:
            return scrub_passwords(dsn)
        return make_conninfo("", **params)
    return scrub_passwords(dsn)


def scrub_passwords(text: str) -> str:
    """Mask anything that looks like a password inside a URL or a key=value string."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}{m['tail']}", text)
    return _KV_PASSWORD.sub(lambda m: f"{m['head']}{MASK}", text)


def database_password(dsn: str) -> str | None:
    """The password inside a DSN, so it can be scrubbed from messages; None if there is none."""
    try:
        value = conninfo_to_dict(dsn).get("password")
        return str(value) if value else None
    except Exception:
        return None


def url_secrets(url: str) -> list[str]:
    """The secret parts of a URL whose path carries its secret (webhook, heartbeat): the path
    segments and query values that look like tokens. Not the whole URL: the redactor also masks
    a secret's first characters wherever they appear, and "https://host" is no secret."""
    if not url:
        return []
    parts = urlsplit(url)
    pieces = [*parts.path.split("/"), *(value for _, value in parse_qsl(parts.query))]
    # Words such as "services" or "workflows" are not secrets; tokens are long or hold digits.
    return [p for p in pieces if len(p) >= 16 or (len(p) >= 8 and any(c.isdigit() for c in p))]


class Redactor:
    """Replaces known secret strings (and password-looking fragments) in any text."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        # Short strings would mask ordinary words; real tokens and passwords are longer.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def with_secrets(self, secrets: Iterable[str | None]) -> Redactor:
        """A redactor that also masks `secrets`."""
        return Redactor([*self._secrets, *secrets])

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
            if len(secret) >= 2 * FRAGMENT:
                text = _mask_cut_off(text, secret)
        return scrub_passwords(text)


# Messages quote bodies and values cut to a length (`[:100]`), which can end inside a secret or
# start inside one; what is left of it is masked from this many characters on.
FRAGMENT = 8


def _mask_cut_off(text: str, secret: str) -> str:
    """Mask the start of `secret` cut off at its end, and its end cut off at its start."""
    head, tail = secret[:FRAGMENT], secret[-FRAGMENT:]
    at = text.find(head)
    while at != -1:
        n = FRAGMENT
        while at + n < len(text) and n < len(secret) and text[at + n] == secret[n]:
            n += 1
        text = text[:at] + MASK + text[at + n :]
        at = text.find(head, at + len(MASK))
    at = text.find(tail)
    while at != -1:
        start, k = at, len(secret) - FRAGMENT
        while start > 0 and k > 0 and text[start - 1] == secret[k - 1]:
            start, k = start - 1, k - 1
        text = text[:start] + MASK + text[at + FRAGMENT :]
        at = text.find(tail, start + len(MASK))
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that renders each record and scrubs secrets from the final text."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redact = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            # Tracebacks carry exception messages; render them now so they can be scrubbed too.
            formatter = logging.Formatter()
            message = f"{message}\n{formatter.formatException(record.exc_info)}"
            record.exc_info = None
            record.exc_text = None
        record.msg = self._redact(message)
        record.args = None
        return True
