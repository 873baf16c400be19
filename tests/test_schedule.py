"""The sync schedule: parsing the setting, next runs across DST, systemd/cron output, the CLI."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time as _time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from assetsync.cli import cli, schedule_command
from assetsync.schedule import (
    DEFAULT_SYNC_TIMES,
    SETTING,
    SystemLocalTime,
    cron_line,
    execution_time_limit,
    local_timezone,
    next_runs,
    on_calendar,
    parse_sync_times,
    smallest_gap,
    sync_times_from,
    systemd_units,
    timezone_name,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
DEFAULT = parse_sync_times(DEFAULT_SYNC_TIMES)


def hhmm(*values: str) -> tuple[time, ...]:
    return tuple(time.fromisoformat(value) for value in values)


def wall(run: datetime) -> str:
    """A run as `YYYY-MM-DD HH:MM+HH:MM`, wall clock and offset, for compact asserts."""
    return run.isoformat(sep=" ", timespec="minutes")


# --- parse_sync_times ----------------------------------------------------------------------


def test_default_is_four_daily_times() -> None:
    assert hhmm("08:00", "12:00", "16:00", "20:00") == DEFAULT


def test_times_are_sorted_and_deduplicated_and_blanks_ignored() -> None:
    assert parse_sync_times(" 20:00, 08:00,12:00,08:00 ,, ") == hhmm("08:00", "12:00", "20:00")
    assert parse_sync_times("00:00,23:59") == hhmm("00:00", "23:59")


ARABIC_INDIC_0800 = "\u0660\u0668:\u0660\u0660"  # digits that int() accepts but HH:mm must not


@pytest.mark.parametrize(
    "text", ["8:00", "24:00", "12:60", "noon", "08:00;12:00", "0800", "08:00:00", ARABIC_INDIC_0800]
)
def test_malformed_time_names_the_setting_and_the_form(text: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_sync_times(text)
    message = str(error.value)
    assert SETTING in message
    assert "HH:mm" in message
    assert f"{SETTING}={DEFAULT_SYNC_TIMES}" in message


@pytest.mark.parametrize("text", ["", " ", ",", " , "])
def test_empty_setting_is_an_error(text: str) -> None:
    with pytest.raises(ValueError, match=SETTING):
        parse_sync_times(text)


def test_more_times_than_task_scheduler_triggers_is_an_error() -> None:
    many = ",".join(f"{hour:02d}:{minute:02d}" for hour in range(24) for minute in (0, 20, 40))
    with pytest.raises(ValueError, match="at most 48"):
        parse_sync_times(many)


def test_unset_or_empty_setting_means_the_default() -> None:
    assert sync_times_from({}) == DEFAULT
    assert sync_times_from({SETTING: "  "}) == DEFAULT
    assert sync_times_from({SETTING: "07:30"}) == hhmm("07:30")


def test_smallest_gap_counts_the_wrap_to_the_next_day() -> None:
    assert smallest_gap(DEFAULT) == timedelta(hours=4)
    assert smallest_gap(hhmm("06:00")) == timedelta(hours=24)
    assert smallest_gap(hhmm("00:15", "12:00", "23:30")) == timedelta(minutes=45)
    assert execution_time_limit(DEFAULT) == timedelta(hours=1)
    assert execution_time_limit(hhmm("08:00", "08:20")) == timedelta(minutes=20)


# --- next_runs -------------------------------------------------------------------------------


def test_next_runs_are_strictly_after_now_and_roll_over_to_the_next_day() -> None:
    now = datetime(2025, 6, 2, 12, 0, tzinfo=BERLIN)
    runs = next_runs(DEFAULT, now, 5)
    assert [wall(run) for run in runs] == [
        "2025-06-02 16:00+02:00",
        "2025-06-02 20:00+02:00",
        "2025-06-03 08:00+02:00",
        "2025-06-03 12:00+02:00",
        "2025-06-03 16:00+02:00",
    ]
    assert all(run.tzinfo is BERLIN for run in runs)
    assert next_runs(DEFAULT, now, 0) == []


def test_default_times_keep_their_wall_clock_across_spring_forward_in_berlin() -> None:
    # 2025-03-30: clocks jump from 02:00 CET to 03:00 CEST.
    runs = next_runs(DEFAULT, datetime(2025, 3, 29, 19, 0, tzinfo=BERLIN), 5)
    assert [wall(run) for run in runs] == [
        "2025-03-29 20:00+01:00",
        "2025-03-30 08:00+02:00",
        "2025-03-30 12:00+02:00",
        "2025-03-30 16:00+02:00",
        "2025-03-30 20:00+02:00",
    ]
    # Wall clock kept means the real gap 20:00 -> 08:00 is one hour short that night. (Timestamps:
    # subtracting two datetimes with the same tzinfo would compare wall clocks only.)
    assert runs[1].timestamp() - runs[0].timestamp() == 11 * 3600


def test_default_times_keep_their_wall_clock_across_fall_back_in_new_york() -> None:
    # 2025-11-02: clocks fall back from 02:00 EDT to 01:00 EST.
    runs = next_runs(DEFAULT, datetime(2025, 11, 1, 21, 0, tzinfo=NEW_YORK), 2)
    assert [wall(run) for run in runs] == ["2025-11-02 08:00-05:00", "2025-11-02 12:00-05:00"]
    day_before = next_runs(DEFAULT, datetime(2025, 11, 1, 7, 0, tzinfo=NEW_YORK), 1)[0]
    assert wall(day_before) == "2025-11-01 08:00-04:00"
    assert runs[0].timestamp() - day_before.timestamp() == 25 * 3600


def test_a_time_skipped_by_spring_forward_runs_once_after_the_jump_berlin() -> None:
    # 02:30 does not exist on 2025-03-30 in Berlin; it runs at 03:30 CEST (as far after the jump
    # as it lay after the start of the gap), once, and merges with a configured 03:30.
    times = hhmm("01:30", "02:30", "03:30", "08:00")
    runs = next_runs(times, datetime(2025, 3, 30, 0, 0, tzinfo=BERLIN), 4)
    assert [wall(run) for run in runs] == [
        "2025-03-30 01:30+01:00",
        "2025-03-30 03:30+02:00",
        "2025-03-30 08:00+02:00",
        "2025-03-31 01:30+02:00",
    ]
    next_day = next_runs(hhmm("02:30"), datetime(2025, 3, 30, 12, 0, tzinfo=BERLIN), 1)
    assert [wall(run) for run in next_day] == ["2025-03-31 02:30+02:00"]


def test_a_time_skipped_by_spring_forward_runs_once_after_the_jump_new_york() -> None:
    # 2025-03-09: 02:00 EST jumps to 03:00 EDT; 02:15 becomes 03:15 and stays before 03:45.
    runs = next_runs(hhmm("02:15", "03:45"), datetime(2025, 3, 9, 0, 0, tzinfo=NEW_YORK), 3)
    assert [wall(run) for run in runs] == [
        "2025-03-09 03:15-04:00",
        "2025-03-09 03:45-04:00",
        "2025-03-10 02:15-04:00",
    ]


@pytest.mark.parametrize(
    ("zone", "day", "at", "first"),
    [
        (BERLIN, datetime(2025, 10, 26), "02:30", "2025-10-26 02:30+02:00"),
        (NEW_YORK, datetime(2025, 11, 2), "01:30", "2025-11-02 01:30-04:00"),
    ],
)
def test_a_time_repeated_by_fall_back_runs_once_at_its_first_occurrence(
    zone: ZoneInfo, day: datetime, at: str, first: str
) -> None:
    runs = next_runs(hhmm(at), day.replace(tzinfo=zone), 2)
    assert wall(runs[0]) == first
    assert runs[1].date() == (day + timedelta(days=1)).date()


def test_next_runs_needs_an_aware_now_and_sane_arguments() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_runs(DEFAULT, datetime(2025, 1, 1, 9, 0), 1)
    with pytest.raises(ValueError):
        next_runs(DEFAULT, datetime(2025, 1, 1, 9, 0, tzinfo=BERLIN), -1)
    with pytest.raises(ValueError):
        next_runs((), datetime(2025, 1, 1, 9, 0, tzinfo=BERLIN), 1)


# --- the system's own zone (Windows has no IANA name without tzdata) ---------------------------


@pytest.fixture
def system_zone() -> Iterator[Callable[[str], None]]:
    """Switch the C library's zone with TZ + tzset for one test, then restore it."""
    if not hasattr(_time, "tzset"):
        pytest.skip("time.tzset is not available on this platform (Windows)")
    previous = os.environ.get("TZ")

    def use(name: str) -> None:
        os.environ["TZ"] = name
        _time.tzset()

    yield use
    if previous is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = previous
    _time.tzset()


@pytest.mark.parametrize(
    ("zone", "start", "times"),
    [
        ("Europe/Berlin", datetime(2025, 3, 29, 0, 0), "01:30,02:30,03:30,08:00,20:00"),
        ("Europe/Berlin", datetime(2025, 10, 25, 0, 0), "01:30,02:30,03:30,08:00,20:00"),
        ("America/New_York", datetime(2025, 3, 8, 0, 0), "01:30,02:15,03:45,08:00"),
        ("America/New_York", datetime(2025, 11, 1, 0, 0), "00:30,01:30,02:30,08:00"),
    ],
)
def test_system_local_time_agrees_with_zoneinfo(
    system_zone: Callable[[str], None], zone: str, start: datetime, times: str
) -> None:
    system_zone(zone)
    expected = next_runs(parse_sync_times(times), start.replace(tzinfo=ZoneInfo(zone)), 12)
    got = next_runs(parse_sync_times(times), start.replace(tzinfo=SystemLocalTime()), 12)
    assert [run.timestamp() for run in got] == [run.timestamp() for run in expected]
    assert [wall(run) for run in got] == [wall(run) for run in expected]
    # Converting an instant into the system zone gives the same wall clock (and fold) as zoneinfo.
    for run in expected:
        converted = run.astimezone(SystemLocalTime())
        assert (converted.replace(tzinfo=None), converted.fold) == (run.replace(tzinfo=None), run.fold)


def test_local_timezone_uses_tz_or_falls_back_to_the_system_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    zone = local_timezone()
    assert isinstance(zone, ZoneInfo)
    assert timezone_name(zone) == "America/New_York"
    monkeypatch.setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")  # a POSIX rule, not an IANA key
    assert isinstance(local_timezone(), SystemLocalTime)
    now = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
    assert timezone_name(SystemLocalTime(), now.astimezone(SystemLocalTime()))


# --- systemd and cron --------------------------------------------------------------------------


def test_on_calendar_is_one_line_when_the_times_share_their_minute() -> None:
    assert on_calendar(DEFAULT) == ["*-*-* 08,12,16,20:00:00"]
    assert on_calendar(hhmm("06:30", "18:30")) == ["*-*-* 06,18:30:00"]
    assert on_calendar(hhmm("07:30", "12:00")) == ["*-*-* 07:30:00", "*-*-* 12:00:00"]


def test_systemd_units_run_the_project_python_on_scheduled_sync() -> None:
    service, timer = systemd_units(DEFAULT, Path("/srv/assetsync"), Path("/srv/assetsync/.venv/bin/python"))
    lines = service.splitlines()
    assert "Type=oneshot" in lines
    assert "WorkingDirectory=/srv/assetsync" in lines
    assert "ExecStart=/srv/assetsync/.venv/bin/python /srv/assetsync/scheduled_sync.py" in lines
    assert "TimeoutStartSec=1h" in lines
    assert "After=network-online.target" in lines
    # The tool reads .env itself: no environment and no secrets in the unit.
    assert not any(line.startswith(("Environment", "ExecStart=-")) for line in lines)
    assert not re.search(r"TOKEN|PASSWORD|DATABASE_URL", service)
    timer_lines = timer.splitlines()
    assert "OnCalendar=*-*-* 08,12,16,20:00:00" in timer_lines
    assert "Persistent=true" in timer_lines
    assert "Unit=assetsync.service" in timer_lines
    assert "WantedBy=timers.target" in timer_lines


def test_systemd_units_quote_and_escape_awkward_paths() -> None:
    project = Path("/srv/asset sync 100%")
    service, timer = systemd_units(hhmm("07:30", "12:00"), project, project / ".venv/bin/py$thon")
    assert "WorkingDirectory=/srv/asset sync 100%%" in service.splitlines()
    assert (
        'ExecStart="/srv/asset sync 100%%/.venv/bin/py$$thon" "/srv/asset sync 100%%/scheduled_sync.py"'
        in service.splitlines()
    )
    assert timer.count("OnCalendar=") == 2


def test_systemd_units_pass_systemd_analyze(tmp_path: Path) -> None:
    project = tmp_path / "project dir"
    project.mkdir()
    (project / "scheduled_sync.py").write_text("", encoding="utf-8")
    service, timer = systemd_units(DEFAULT, project, Path(sys.executable))
    (tmp_path / "assetsync.service").write_text(service, encoding="utf-8")
    (tmp_path / "assetsync.timer").write_text(timer, encoding="utf-8")
    # What is asserted everywhere; systemd-analyze below adds systemd's own judgement.
    assert "OnCalendar=*-*-* 08,12,16,20:00:00" in timer.splitlines()
    assert "Persistent=true" in timer.splitlines()
    assert f"ExecStart={sys.executable} " in service
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here: unit content asserted, `verify` not run")
    verify = subprocess.run(
        [analyze, "verify", "assetsync.service", "assetsync.timer"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "ignoring" not in verify.stderr.lower(), verify.stderr
    calendar = subprocess.run(
        [analyze, "calendar", "--iterations=4", "*-*-* 08,12,16,20:00:00"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert calendar.returncode == 0, calendar.stderr
    elapses = [line for line in calendar.stdout.splitlines() if "elapse:" in line or "Iter." in line]
    assert sorted(re.findall(r" (\d\d:\d\d):00 ", " ".join(elapses))) == ["08:00", "12:00", "16:00", "20:00"]


def test_cron_line_runs_the_project_python_from_the_project_folder() -> None:
    line = cron_line(DEFAULT, Path("/srv/as"), Path("/srv/as/.venv/bin/python"))
    assert line == "0 8,12,16,20 * * * cd /srv/as && /srv/as/.venv/bin/python /srv/as/scheduled_sync.py"


def test_cron_line_quotes_paths_escapes_percent_and_splits_minutes() -> None:
    project = Path("/srv/asset sync 100%")
    text = cron_line(hhmm("07:30", "12:00", "16:30"), project, project / ".venv/bin/python")
    lines = text.splitlines()
    assert [line.split(" ", 5)[:5] for line in lines] == [
        ["0", "12", "*", "*", "*"],
        ["30", "7,16", "*", "*", "*"],
    ]
    assert lines[0].endswith(
        "cd '/srv/asset sync 100\\%' && '/srv/asset sync 100\\%/.venv/bin/python' "
        "'/srv/asset sync 100\\%/scheduled_sync.py'"
    )


# --- assetsync schedule --------------------------------------------------------------------------


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """`assetsync schedule` sees Berlin, on the Saturday before spring-forward, at 19:00."""
    now = datetime(2025, 3, 29, 19, 0, tzinfo=BERLIN)
    monkeypatch.setattr(schedule_command, "local_timezone", lambda: BERLIN)
    monkeypatch.setattr(schedule_command, "_now", lambda tz: now.astimezone(tz))
    return now


def run_cli(*args: str, times: str | None = "") -> tuple[int, str, str]:
    # An empty value overrides whatever a developer's .env holds and means "default".
    env = {SETTING: times} if times is not None else {}
    result = CliRunner().invoke(cli, ["schedule", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_schedule_shows_times_zone_next_runs_and_setup(fixed_clock: datetime) -> None:
    code, out, _ = run_cli("--count", "3")
    assert code == 0
    assert "Sync times (ASSETSYNC_SYNC_TIMES not set, default 08:00,12:00,16:00,20:00)" in out
    assert "08:00, 12:00, 16:00, 20:00" in out
    assert "Time zone: Europe/Berlin" in out
    assert "Next 3 runs:" in out
    assert "Sat 2025-03-29 20:00 CET (+0100)" in out
    assert "Sun 2025-03-30 08:00 CEST (+0200)" in out
    assert "Sun 2025-03-30 12:00 CEST (+0200)" in out
    assert "16:00 CEST" not in out
    assert "setup_sync_schedule.ps1" in out
    assert "--systemd" in out
    assert "--cron" in out


def test_schedule_json(fixed_clock: datetime) -> None:
    code, out, _ = run_cli("--json", times="16:00,08:00")
    assert code == 0
    payload = json.loads(out)
    assert payload["times"] == ["08:00", "16:00"]
    assert payload["timezone"] == "Europe/Berlin"
    assert len(payload["next_runs"]) == 8
    assert payload["next_runs"][:2] == ["2025-03-30T08:00:00+02:00", "2025-03-30T16:00:00+02:00"]
    assert all(datetime.fromisoformat(run) > fixed_clock for run in payload["next_runs"])


def test_schedule_systemd_prints_both_units_with_file_headers() -> None:
    code, out, _ = run_cli("--systemd")
    assert code == 0
    assert out.startswith("# file: assetsync.service\n")
    service, timer = out.split("# file: assetsync.timer\n")
    assert "Type=oneshot" in service
    assert f"WorkingDirectory={schedule_command.PROJECT_DIR}" in service
    assert f"{schedule_command.PROJECT_DIR / 'scheduled_sync.py'}" in service
    assert "OnCalendar=*-*-* 08,12,16,20:00:00" in timer
    assert "Persistent=true" in timer


def test_schedule_systemd_dir_writes_the_units(tmp_path: Path) -> None:
    target = tmp_path / "user units"
    code, out, _ = run_cli("--systemd-dir", str(target), times="07:30")
    assert code == 0
    assert "OnCalendar=*-*-* 07:30:00" in (target / "assetsync.timer").read_text(encoding="utf-8")
    assert "ExecStart=" in (target / "assetsync.service").read_text(encoding="utf-8")
    assert f"Wrote {target / 'assetsync.service'}" in out
    assert "enable --now assetsync.timer" in out


def test_schedule_cron_prints_the_crontab_line() -> None:
    code, out, _ = run_cli("--cron")
    assert code == 0
    line = out.strip()
    assert line.startswith("0 8,12,16,20 * * * cd ")
    assert line.endswith("scheduled_sync.py")
    assert "\n" not in line


def test_schedule_reads_the_setting(fixed_clock: datetime) -> None:
    code, out, _ = run_cli("--count", "1", times="21:15")
    assert code == 0
    assert "Sync times (ASSETSYNC_SYNC_TIMES): 21:15" in out
    assert "Sat 2025-03-29 21:15 CET" in out


def test_schedule_bad_setting_is_a_configuration_error() -> None:
    code, out, err = run_cli(times="8am")
    assert code == 2
    assert out == ""
    assert "configuration error" in err
    assert "ASSETSYNC_SYNC_TIMES" in err


def test_schedule_output_modes_exclude_each_other() -> None:
    code, _, err = run_cli("--json", "--cron")
    assert code == 2
    assert "Choose one of" in err
