"""The sync schedule: the configured times, the next runs, and the systemd and cron equivalents.

One setting, ASSETSYNC_SYNC_TIMES (default 08:00,12:00,16:00,20:00), is the source of truth. The
times are local wall-clock times: 08:00 stays 08:00 in summer and in winter, the same way
setup_sync_schedule.ps1 registers the Windows task and systemd reads OnCalendar=.

Pure logic, no click: `assetsync schedule` and the in-app scheduler both present it.
"""

from __future__ import annotations

import itertools
import os
import re
import shlex
import time as _time
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SETTING = "ASSETSYNC_SYNC_TIMES"
DEFAULT_SYNC_TIMES = "08:00,12:00,16:00,20:00"
# Windows Task Scheduler accepts at most 48 triggers per task; the setup script has one per time.
MAX_SYNC_TIMES = 48
# The longest a run may take before Task Scheduler / systemd stops it (capped by the gap between runs).
DEFAULT_TIME_LIMIT = timedelta(hours=1)
SERVICE_FILE = "assetsync.service"
TIMER_FILE = "assetsync.timer"
SYNC_SCRIPT = "scheduled_sync.py"

# [0-9], not \d: \d also matches other scripts' digits, which int() would then accept.
_HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
_EXPECTED = f"expected 24-hour HH:mm times separated by commas, e.g. {SETTING}={DEFAULT_SYNC_TIMES}"
_EPOCH = datetime(1970, 1, 1)


def parse_sync_times(text: str) -> tuple[time, ...]:
    """Parse `08:00,12:00,...` into sorted, de-duplicated times; ValueError names the setting."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise ValueError(f"{SETTING} holds no time; {_EXPECTED}")
    times: set[time] = set()
    for item in items:
        match = _HHMM.fullmatch(item)
        if match is None:
            raise ValueError(f"{SETTING}: {item!r} is not a time in HH:mm form (00:00 to 23:59); {_EXPECTED}")
        times.add(time(int(match[1]), int(match[2])))
    if len(times) > MAX_SYNC_TIMES:
        raise ValueError(
            f"{SETTING} lists {len(times)} times; Task Scheduler allows at most {MAX_SYNC_TIMES}"
        )
    return tuple(sorted(times))


def sync_times_from(env: Mapping[str, str]) -> tuple[time, ...]:
    """The configured times: ASSETSYNC_SYNC_TIMES from `env`, or the default when unset or empty."""
    return parse_sync_times(env.get(SETTING, "").strip() or DEFAULT_SYNC_TIMES)


def format_time(at: time) -> str:
    """`HH:mm`, the form the setting, the setup script and the JSON output use."""
    return f"{at:%H:%M}"


def smallest_gap(times: Sequence[time]) -> timedelta:
    """The shortest time between two consecutive runs, counting the wrap to the next day."""
    if not times:
        raise ValueError("no sync times given")
    minutes = sorted({at.hour * 60 + at.minute for at in times})
    gaps = [later - earlier for earlier, later in itertools.pairwise(minutes)]
    gaps.append(24 * 60 - minutes[-1] + minutes[0])
    return timedelta(minutes=min(gaps))


def next_runs(times: Sequence[time], now: datetime, count: int) -> list[datetime]:
    """The next `count` runs strictly after `now`, as aware datetimes in `now`'s time zone.

    The times are wall-clock times in that zone, so the runs follow daylight-saving changes.
    A time that does not exist on a spring-forward day (02:30 in Europe/Berlin on the last Sunday
    of March) runs once, as long after the jump as it lay after the start of the gap (03:30 CEST);
    it is neither skipped nor doubled, and if it lands on another configured time the two merge.
    A time that occurs twice on a fall-back day runs once, at its first occurrence.
    """
    tz = now.tzinfo
    if tz is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware (the local time zone of the schedule)")
    if count < 0:
        raise ValueError("count must not be negative")
    if not times:
        raise ValueError("no sync times given")
    runs: list[datetime] = []
    day = now.date()
    while len(runs) < count:
        runs.extend(run for run in _runs_on(day, times, tz) if run.timestamp() > now.timestamp())
        day += timedelta(days=1)
    return runs[:count]


def _runs_on(day: date, times: Sequence[time], tz: tzinfo) -> list[datetime]:
    by_instant = {run.timestamp(): run for run in (_run_at(day, at, tz) for at in times)}
    return [by_instant[instant] for instant in sorted(by_instant)]


def _run_at(day: date, at: time, tz: tzinfo) -> datetime:
    # fold=0 (PEP 495) gives an ambiguous autumn time its first occurrence, and gives a time inside
    # the spring gap the offset from before the jump; the round trip through UTC then turns such a
    # nonexistent 02:30 into the real instant 03:30. Comparing via UTC also avoids Python's
    # same-tzinfo shortcut, which compares wall-clock fields only.
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC).astimezone(tz)


class SystemLocalTime(tzinfo):
    """The operating system's local time zone, daylight-saving rules included.

    Used when no IANA zone name is known: Windows has no /etc/localtime, and zoneinfo needs the
    tzdata package there. Offsets come from the C library (time.localtime), instant by instant.
    """

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(seconds=_time.localtime(self._instant(dt)).tm_gmtoff)

    def dst(self, dt: datetime | None) -> timedelta:
        return self.utcoffset(dt) - timedelta(seconds=-_time.timezone)

    def tzname(self, dt: datetime | None) -> str:
        return _time.localtime(self._instant(dt)).tm_zone

    def fromutc(self, dt: datetime) -> datetime:
        local = _time.localtime((dt.replace(tzinfo=None) - _EPOCH).total_seconds())
        wall = datetime(
            local.tm_year,
            local.tm_mon,
            local.tm_mday,
            local.tm_hour,
            local.tm_min,
            min(local.tm_sec, 59),
            dt.microsecond,
            tzinfo=self,
        )
        # The second occurrence of an autumn wall-clock time is marked fold=1 (PEP 495).
        if self.utcoffset(wall) != timedelta(seconds=local.tm_gmtoff):
            wall = wall.replace(fold=1)
        return wall

    def _instant(self, dt: datetime | None) -> float:
        """A POSIX timestamp for the wall-clock time `dt` (now for None)."""
        if dt is None:
            return _time.time()
        offsets = {-_time.timezone, -_time.altzone if _time.daylight else -_time.timezone}
        # A wall-clock time is one of at most two instants. fold=0 picks the earlier one (the
        # larger offset): the first occurrence of an autumn time, and for a time inside the spring
        # gap the offset in force before the jump, exactly like zoneinfo.
        guess = max(offsets) if dt.fold == 0 else min(offsets)
        return (dt.replace(tzinfo=None) - _EPOCH).total_seconds() - guess

    def __repr__(self) -> str:
        return "SystemLocalTime()"


def local_timezone() -> tzinfo:
    """The machine's time zone: an IANA ZoneInfo when its name can be found, else SystemLocalTime."""
    tz_env = os.environ.get("TZ", "").strip().lstrip(":")
    if tz_env:
        # A POSIX rule such as CET-1CEST is no IANA key; the C library still understands it.
        return _zone_or_none(tz_env) or SystemLocalTime()
    try:
        # One readlink, not resolve(): the link names the configured zone (Europe/Berlin), while
        # its final target may be an alias or a posix/ copy.
        target = Path("/etc") / os.readlink("/etc/localtime")
    except OSError:  # Windows, no zone configured, or a copied file rather than a link
        return SystemLocalTime()
    parts = target.parts
    if "zoneinfo" in parts:
        key = "/".join(parts[len(parts) - parts[::-1].index("zoneinfo") :])
        zone = _zone_or_none(key)
        if zone is not None:
            return zone
    return SystemLocalTime()


def _zone_or_none(key: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def timezone_name(tz: tzinfo, now: datetime | None = None) -> str:
    """`Europe/Berlin` for a ZoneInfo, else the system's name for the zone (e.g. `CET`)."""
    if isinstance(tz, ZoneInfo):
        return tz.key
    moment = now or datetime.now(tz)
    return moment.tzname() or moment.strftime("UTC%z")


def execution_time_limit(times: Sequence[time]) -> timedelta:
    """How long one run may take: an hour, or less when runs are closer together than that."""
    return min(DEFAULT_TIME_LIMIT, smallest_gap(times))


def systemd_units(times: Sequence[time], project_dir: Path, python: Path) -> tuple[str, str]:
    """The text of assetsync.service and assetsync.timer for these times.

    The service runs the project's Python on scheduled_sync.py from the project folder; the tool
    reads its settings from the .env there itself, so the units hold no secrets and need no
    EnvironmentFile=.
    """
    script = project_dir / SYNC_SCRIPT
    exec_start = " ".join(_systemd_argument(str(part)) for part in (python, script))
    service = "\n".join(
        [
            f"# {SERVICE_FILE}: one assetsync run (written by `assetsync schedule --systemd`).",
            f"# Settings and secrets stay in {project_dir / '.env'}, which the tool reads itself.",
            "# Per user: copy both files to ~/.config/systemd/user/, then",
            f"#   systemctl --user daemon-reload && systemctl --user enable --now {TIMER_FILE}",
            '#   loginctl enable-linger "$USER"    (so it also runs while you are logged out)',
            "# System-wide: copy both to /etc/systemd/system/, add User=<account> under [Service], then",
            f"#   systemctl daemon-reload && systemctl enable --now {TIMER_FILE}",
            "",
            "[Unit]",
            "Description=assetsync: sync Snipe-IT hardware into PostgreSQL",
            "Wants=network-online.target",
            "After=network-online.target",
            "",
            "[Service]",
            "Type=oneshot",
            f"WorkingDirectory={_systemd_escape(str(project_dir))}",
            f"ExecStart={exec_start}",
            "# A hung run is stopped, at the latest when the next one is due (Task Scheduler's",
            "# ExecutionTimeLimit); the timer never starts a second run while one is going.",
            f"TimeoutStartSec={_systemd_timespan(execution_time_limit(times))}",
            "",
        ]
    )
    timer = "\n".join(
        [
            f"# {TIMER_FILE}: starts {SERVICE_FILE} at {', '.join(format_time(at) for at in times)}"
            " local time,",
            "# daylight saving time included (written by `assetsync schedule --systemd`).",
            "",
            "[Unit]",
            f"Description=assetsync sync at {', '.join(format_time(at) for at in times)}",
            "",
            "[Timer]",
            *(f"OnCalendar={expression}" for expression in on_calendar(times)),
            "# A run missed while the machine was off or asleep starts as soon as it is back.",
            "Persistent=true",
            f"Unit={SERVICE_FILE}",
            "",
            "[Install]",
            "WantedBy=timers.target",
            "",
        ]
    )
    return service, timer


def on_calendar(times: Sequence[time]) -> list[str]:
    """OnCalendar= expressions: one (`*-*-* 08,12,16,20:00:00`) when the times share their
    minute, otherwise one per time."""
    minutes = {at.minute for at in times}
    if len(minutes) == 1:
        hours = ",".join(f"{at.hour:02d}" for at in times)
        return [f"*-*-* {hours}:{minutes.pop():02d}:00"]
    return [f"*-*-* {at.hour:02d}:{at.minute:02d}:00" for at in times]


def cron_line(times: Sequence[time], project_dir: Path, python: Path) -> str:
    """A crontab entry (one line per distinct minute) that runs the sync at these times.

    e.g. `0 8,12,16,20 * * * cd /srv/as && /srv/as/.venv/bin/python /srv/as/scheduled_sync.py`.
    cron uses the system time zone and has no catch-up for missed runs; the tool's own lock
    keeps two runs from overlapping.
    """
    command = " ".join(
        [
            "cd",
            shlex.quote(str(project_dir)),
            "&&",
            shlex.quote(str(python)),
            shlex.quote(str(project_dir / SYNC_SCRIPT)),
        ]
    )
    # cron turns an unescaped % into a newline before the shell ever sees the command.
    command = command.replace("%", r"\%")
    hours_by_minute: dict[int, list[int]] = {}
    for at in sorted(times):
        hours_by_minute.setdefault(at.minute, []).append(at.hour)
    return "\n".join(
        f"{minute} {','.join(str(hour) for hour in hours)} * * * {command}"
        for minute, hours in sorted(hours_by_minute.items())
    )


def _systemd_escape(value: str) -> str:
    # systemd expands %-specifiers in unit values; %% keeps a % literal.
    return value.replace("%", "%%")


def _systemd_argument(value: str) -> str:
    """One ExecStart= word: quoted when it holds blanks or quotes, with systemd's escapes."""
    # ExecStart= also expands $VARIABLES; $$ keeps a $ literal.
    escaped = _systemd_escape(value).replace("$", "$$")
    if value and not re.search(r"[\s\"'\\;]", value):
        return escaped
    escaped = escaped.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _systemd_timespan(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}min"
    return f"{seconds}s"
