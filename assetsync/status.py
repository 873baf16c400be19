"""The run history read back (`assetsync runs`) and judged like a monitoring plugin (`status`).

Exit codes follow the Nagios plugin convention that Zabbix, PRTG and Icinga also understand:
0 OK, 1 WARNING, 2 CRITICAL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg

from assetsync.config import Settings
from assetsync.redact import first_line
from assetsync.store import Store, StoreError, open_store

OK, WARNING, CRITICAL = 0, 1, 2
STATE_NAMES = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL"}

# A run still 'running' this long after ASSETSYNC_RUN_TIMEOUT ran out has most likely died.
STUCK_GRACE = timedelta(minutes=10)
_AGE_PART = re.compile(r"(\d+(?:\.\d+)?)([wdhms])")
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}

Run = dict[str, Any]


@dataclass
class Health:
    """The verdict on the run history: an exit code, one line saying why, and the two runs."""

    code: int
    message: str
    last_run: Run | None
    last_success: Run | None

    @property
    def state(self) -> str:
        return STATE_NAMES[self.code]


def parse_age(text: str) -> timedelta:
    """'5h', '90m', '1d12h', '45s' or plain seconds ('3600'); raise ValueError otherwise."""
    raw = text.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", raw):
        seconds = float(raw)
    elif raw and re.fullmatch(f"(?:{_AGE_PART.pattern})+", raw):
        seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _AGE_PART.findall(raw))
    else:
        raise ValueError(f"{text!r} is not an age; use a number with a unit, such as 5h, 90m or 1d12h")
    if seconds <= 0:
        raise ValueError(f"{text!r} is not an age; it must be more than zero")
    return timedelta(seconds=seconds)


def format_age(age: timedelta) -> str:
    """A short human age: '45s', '12m', '2h 5m', '3d 4h'."""
    seconds = max(0, int(age.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours == 0:
        return f"{minutes}m"
    if days == 0:
        return f"{hours}h {minutes % 60}m"
    return f"{days}d {hours % 24}h"


def read_runs(settings: Settings, limit: int) -> list[Run]:
    """The newest `limit` runs, newest first; [] when the schema does not exist yet."""
    with _history(settings) as store:
        return store.recent_runs(limit)


def read_health(settings: Settings, *, now: datetime, max_age: timedelta | None = None) -> Health:
    """Read the last run and the last successful run and judge them."""
    with _history(settings) as store:
        last_run, last_success = store.last_run(), store.last_run(status="success")
    return judge(
        last_run,
        last_success,
        now=now,
        max_age=max_age,
        run_timeout=timedelta(seconds=settings.run_timeout),
        schema=settings.schema,
    )


@contextmanager
def _history(settings: Settings) -> Iterator[Store]:
    """A read-only look at the run history; StoreError (with the fix) on any database error."""
    with open_store(settings) as store:
        try:
            yield store
        except psycopg.Error as exc:
            raise StoreError(
                f"could not read {settings.schema}.sync_runs ({first_line(exc)}); the role in DATABASE_URL "
                f"needs USAGE on schema {settings.schema} and SELECT on its tables"
            ) from None


def judge(
    last_run: Run | None,
    last_success: Run | None,
    *,
    now: datetime,
    max_age: timedelta | None,
    run_timeout: timedelta,
    schema: str = "snipeit",
) -> Health:
    """OK: the last run succeeded (or one is running). WARNING: the last run did not succeed, or
    looks stuck, but a success is recent enough. CRITICAL: no success ever, or none within max_age."""

    def health(code: int, message: str) -> Health:
        return Health(code, message, last_run, last_success)

    if last_run is None:
        return health(CRITICAL, f"no sync has been recorded in {schema}.sync_runs yet")
    if last_success is None:
        return health(CRITICAL, f"no sync has succeeded yet; the last run {describe_outcome(last_run, now)}")
    success_age = now - ended_at(last_success)
    if max_age is not None and success_age > max_age:
        return health(
            CRITICAL,
            f"the last successful sync was {format_age(success_age)} ago, longer than "
            f"{format_age(max_age)}; the last run {describe_outcome(last_run, now)}",
        )
    since = f"last success {format_age(success_age)} ago"
    status = last_run["status"]
    if status == "success":
        return health(OK, f"the last sync succeeded {format_age(success_age)} ago ({counts(last_run)})")
    if status == "running":
        running_for = now - last_run["started_at"]
        if running_for > run_timeout + STUCK_GRACE:
            return health(
                WARNING,
                f"run #{last_run['id']} has been 'running' for {format_age(running_for)}, longer than "
                f"ASSETSYNC_RUN_TIMEOUT allows; its process has probably died ({since})",
            )
        return health(OK, f"a sync is running now, started {format_age(running_for)} ago ({since})")
    return health(WARNING, f"the last run {describe_outcome(last_run, now)} ({since})")


def ended_at(run: Run) -> datetime:
    finished = run.get("finished_at")
    started: datetime = run["started_at"]
    return finished if isinstance(finished, datetime) else started


def describe_outcome(run: Run, now: datetime) -> str:
    """'#12 (3h ago) failed: Snipe-IT answered 401 ...'."""
    text = f"#{run['id']} ({format_age(now - run['started_at'])} ago) {run['status']}"
    error = (run.get("error") or "").strip().splitlines()
    return f"{text}: {error[0]}" if error else text


def counts(run: Run) -> str:
    names = ("fetched", "inserted", "updated", "unchanged", "soft_deleted", "removed")
    return ", ".join(f"{n.replace('_', '-')} {run[n]}" for n in names if run.get(n) is not None)


def run_for_json(run: Run | None) -> dict[str, Any] | None:
    """A run with JSON-friendly values (numeric -> float; timestamps stay datetimes for orjson)."""
    if run is None:
        return None
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in run.items()}
