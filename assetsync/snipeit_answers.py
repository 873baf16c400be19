"""What Snipe-IT's answers mean to the sync: its failures as exceptions that say what to fix, and
bodies decoded into JSON whose strings PostgreSQL can store."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

import orjson

log = logging.getLogger("assetsync")

# Valid pairs were already joined by the JSON parser: what is left in this range stands alone.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class SnipeITError(Exception):
    """Snipe-IT could not be read; the message says what is wrong and how to fix it."""


class AuthenticationError(SnipeITError):
    """401: the token was rejected."""


class PermissionDeniedError(SnipeITError):
    """403: the token's user may not read what was asked (the message names the permission)."""


class WrongURLError(SnipeITError):
    """404, a redirect or an HTML page: SNIPEIT_API_URL does not point at the API."""


class BadResponseError(SnipeITError):
    """The body was not what the API sends (error object, broken JSON) after all retries."""


class TLSError(SnipeITError):
    """The server's TLS certificate could not be verified."""


class UnreachableError(BadResponseError):
    """No answer at all after every retry: refused, timed out, or the name did not resolve."""


class OutOfTimeError(SnipeITError):
    """The run's time budget (ASSETSYNC_RUN_TIMEOUT) ran out while talking to Snipe-IT."""


class ApiErrorBody(SnipeITError):
    """HTTP 200 with {"status": "error", ...}: Snipe-IT's way of reporting most failures."""

    def __init__(self, path: str, body: Mapping[str, Any]) -> None:
        self.path = path
        self.messages = body.get("messages", body.get("message"))
        super().__init__(
            f"Snipe-IT reported an error for {path}: {self.messages!r}; check that the token's user can "
            "view assets and that SNIPEIT_API_URL is right"
        )

    @property
    def not_found(self) -> bool:
        return isinstance(self.messages, str) and "does not exist" in self.messages


def decode_json(content: bytes, path: str) -> Any:
    """Parse a body; strings PostgreSQL cannot store (NUL, lone surrogates) are cleaned, not fatal."""
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        # orjson refuses lone surrogates and bad UTF-8 that the stdlib parser can still read.
        try:
            data = json.loads(content.decode("utf-8", "replace"))
        except ValueError:
            raise BadResponseError(f"Snipe-IT sent broken JSON for {path} ({exc})") from None
        log.warning("Snipe-IT sent invalid characters for %s; they were replaced with U+FFFD", path)
        return clean_strings(data, sanitise_text)
    if b"\\u0000" in content:
        return clean_strings(data, sanitise_text)
    return data


def clean_strings(obj: Any, fix: Callable[[str], str]) -> Any:
    """Apply `fix` to every string (keys too) in a decoded JSON value."""
    if isinstance(obj, str):
        return fix(obj)
    if isinstance(obj, dict):
        return {fix(k): clean_strings(v, fix) for k, v in obj.items()}
    if isinstance(obj, list):
        return [clean_strings(v, fix) for v in obj]
    return obj


def sanitise_text(value: str) -> str:
    """PostgreSQL text and jsonb cannot hold NUL or lone surrogates: drop and replace them."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # One U+FFFD per lone surrogate (a round trip through bytes would give three).
        value = _LONE_SURROGATE.sub("\ufffd", value)
    return value


def body_message(content: bytes) -> str:
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        return content[:200].decode("utf-8", "replace")
    if isinstance(body, dict):
        for key in ("messages", "message", "error"):
            if key in body:
                return str(body[key])[:300]
    return str(body)[:300]
