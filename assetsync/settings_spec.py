"""How a setting is declared: its variable, default, parser, meaning and whether it is a secret.

`Settings` (assetsync/config.py) declares each of its fields with `setting(...)`. That one
declaration drives `load_settings`, `assetsync config`, the redaction of secrets, `.env.example`
and docs/configuration.md, so none of them can drift from the code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypeVar

T = TypeVar("T")

Need = Literal["database", "api"]

REQUIRED = "required"
OPTIONAL = "optional (defaults shown)"


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable and the fix."""


@dataclass(frozen=True)
class Spec:
    """What one environment variable is; kept in the metadata of its `Settings` field."""

    name: str  # the environment variable
    default: str  # as written in .env; "" means unset
    parse: Callable[[str], Any]  # text -> value; ValueError means "not valid: <hint>"
    hint: str  # what a valid value looks like, shown when the value is not valid
    meaning: str  # one line for .env.example and docs/configuration.md
    secret: bool  # masked by `assetsync config` and scrubbed from every message
    section: str  # heading it is listed under in .env.example and the docs
    required_for: Need | None  # commands that need it fail with "<name> is not set" without it
    example: str  # shown in .env.example and in the "is not set" message
    mask: Callable[[str], str]  # how `assetsync config` shows the value (secrets: hidden)
    scrub: Callable[[str], str | list[str] | None]  # the part(s) of a secret to scrub from messages


def setting(
    name: str,
    default: str,
    parse: Callable[[str], T],
    meaning: str,
    *,
    hint: str = "",
    secret: bool = False,
    section: str = OPTIONAL,
    required_for: Need | None = None,
    example: str = "",
    mask: Callable[[str], str] | None = None,
    scrub: Callable[[str], str | list[str] | None] | None = None,
) -> T:
    """Declare a `Settings` field read from the environment variable `name`.

    `parse` turns the text (the variable's, or `default` when it is unset or blank) into the
    value; it is also called with "" for unset settings without a default, so it says what
    "unset" means. Typed as returning T so `field: int = setting(...)` checks under mypy; at
    run time it is a dataclass field carrying its `Spec`.
    """
    spec = Spec(
        name,
        default,
        parse,
        hint,
        meaning,
        secret,
        section,
        required_for,
        example,
        mask=mask or (hide if secret else text),
        scrub=scrub or text,
    )
    value = parse(default)
    made: T = field(default=value, repr=not secret, metadata={"spec": spec})
    return made


def specs(settings_class: type[Any]) -> list[Spec]:
    """Every declared setting of a dataclass, in declaration order."""
    return [f.metadata["spec"] for f in fields(settings_class) if "spec" in f.metadata]


def read(spec: Spec, raw: str) -> Any:
    """Parse one value; a bad one raises ConfigError naming the variable (never a secret's value)."""
    try:
        return spec.parse(raw)
    except ConfigError:
        raise
    except ValueError as exc:
        shown = spec.name if spec.secret else f"{spec.name}={raw!r}"
        hint = spec.hint or str(exc)
        raise ConfigError(f"{shown} is not valid: {hint}") from None


# -- parsers shared by several settings ---------------------------------------------------------
def text(raw: str) -> str:
    return raw


def hide(raw: str) -> str:
    """How a secret is shown: whether it is set, never any of it."""
    return "***" if raw else ""


def positive_float(raw: str) -> float:
    value = float(raw)
    if not value > 0:
        raise ValueError(raw)
    return value


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """A parser of whole numbers from `low` to `high`."""

    def parse(raw: str) -> int:
        value = int(raw)
        if not low <= value <= high:
            raise ValueError(raw)
        return value

    return parse


def optional(parse: Callable[[str], T], blank: T) -> Callable[[str], T]:
    """An optional setting: unset means `blank`, anything else must parse."""

    def read_set(raw: str) -> T:
        return parse(raw) if raw.strip() else blank

    return read_set


def non_negative_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError(raw)
    return value


def boolean(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def share(raw: str) -> float:
    """0.1 or 10%."""
    number = raw.rstrip("%")
    value = float(number) / (100 if raw.endswith("%") else 1)
    if not 0 <= value <= 1:
        raise ValueError(raw)
    return value
