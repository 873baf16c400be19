"""What `assetsync check` reports: the items in the order they are checked, and one result each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"

CONFIG = "Configuration"
REACHABLE = "Snipe-IT reachable"
TLS = "TLS certificate"
API_ADDRESS = "Snipe-IT API address"
TOKEN = "API token accepted"
LIST = "Token may list hardware"
SCOPING = "Company scoping"
VERSION = "Snipe-IT version"
PAGE_CAP = "Server page cap"
SNIPEIT_ITEMS = (REACHABLE, TLS, API_ADDRESS, TOKEN, LIST, SCOPING, VERSION, PAGE_CAP)
PG_REACHABLE = "PostgreSQL reachable"
PG_SCHEMA = "PostgreSQL schema"
PG_TABLES = "PostgreSQL tables"
PG_TEMP = "Temporary tables"
PG_ITEMS = (PG_REACHABLE, PG_SCHEMA, PG_TABLES, PG_TEMP)
LOG_FOLDER = "Log folder"
ALERTS = "Alert channels"
ALL_ITEMS = (CONFIG, *SNIPEIT_ITEMS, *PG_ITEMS, LOG_FOLDER, ALERTS)


@dataclass(frozen=True)
class CheckResult:
    """One checked item: its state (ok, warn, fail, skip), what was found, and the fix on failure."""

    name: str
    state: str
    detail: str
    fix: str = ""

    @property
    def passed(self) -> bool:
        return self.state in (OK, WARN)


Emit = Callable[[CheckResult], None]


@dataclass
class CheckReport:
    results: list[CheckResult]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def config_failed(self) -> bool:
        return any(r.name == CONFIG and r.state == FAIL for r in self.results)


def skip_after(failed: str, emit: Emit, items: tuple[str, ...] = SNIPEIT_ITEMS) -> None:
    """Mark the items after `failed` in its group as skipped: each needs the one before."""
    for name in items[items.index(failed) + 1 :]:
        emit(CheckResult(name, SKIP, f"skipped until '{failed}' passes"))
