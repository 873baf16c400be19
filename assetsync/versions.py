"""The versions a support request needs: Python, assetsync, its core dependencies and libpq."""

from __future__ import annotations

import platform
import re
from importlib import metadata

from assetsync import __version__

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


def core_dependencies() -> list[str]:
    """The names of the core install's dependencies, read from the installed package's metadata
    (so the list is pyproject.toml's, not a copy of it); extras are left out."""
    try:
        required = metadata.requires("assetsync") or []
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return []
    names = []
    for line in required:
        match = _NAME.match(line)
        if match and "extra ==" not in line:
            names.append(match[0])
    return names


def installed(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def libpq() -> str:
    """libpq's version and which psycopg implementation (binary, c, python) uses it."""
    import psycopg

    number = psycopg.pq.version()
    return f"libpq {number // 10000}.{number % 10000} ({psycopg.pq.__impl__})"


def describe() -> str:
    """One line: assetsync, Python and the platform; then the dependencies."""
    deps = ", ".join(f"{name} {installed(name)}" for name in core_dependencies())
    return (
        f"assetsync {__version__}, Python {platform.python_version()} on {platform.platform(terse=True)}\n"
        f"{deps}, {libpq()}"
    )
