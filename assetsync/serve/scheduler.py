"""The scheduled runs of `assetsync serve`: one APScheduler cron job at the daily sync times."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, time, tzinfo
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from tzlocal import get_localzone

from assetsync.serve.launcher import LauncherClosedError, SyncBusyError, SyncLauncher

log = logging.getLogger("assetsync.serve")

JOB_ID = "assetsync-sync"


def local_zone() -> tzinfo:
    """The machine's zone, in which the sync times are read (as Task Scheduler and cron do)."""
    return get_localzone()


class SyncScheduler:
    """Fires a sync at each of `times` (local time, every day), through the launcher.

    `times` normally comes from ASSETSYNC_SYNC_TIMES (minutes); seconds are honoured too, which
    lets the tests schedule a run a few seconds ahead.
    """

    def __init__(self, launcher: SyncLauncher, times: Sequence[time]) -> None:
        self.launcher = launcher
        self.times = tuple(sorted(set(times)))
        # coalesce: a run missed while the machine slept happens once on waking, not once per
        # missed time; misfire_grace_time=None: however late (like Task Scheduler's "run as soon
        # as possible after a missed start"); max_instances=1: the job itself only hands over.
        self._scheduler: Any = BackgroundScheduler(
            timezone=local_zone(),
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self._trigger: Any = None
        if self.times:
            crons = [
                CronTrigger(hour=t.hour, minute=t.minute, second=t.second, timezone=self.timezone)
                for t in self.times
            ]
            self._trigger = crons[0] if len(crons) == 1 else OrTrigger(crons)
            self._scheduler.add_job(self._fire, self._trigger, id=JOB_ID, name="assetsync sync")

    @property
    def timezone(self) -> tzinfo:
        """The zone the times are read in: the machine's local zone."""
        zone: tzinfo = self._scheduler.timezone
        return zone

    @property
    def timezone_name(self) -> str:
        return str(getattr(self.timezone, "key", None) or self.timezone)

    def start(self) -> None:
        if not self._scheduler.running:
            self._scheduler.start()

    def shutdown(self) -> None:
        """Stop firing; a sync already running is the launcher's business."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    @property
    def running(self) -> bool:
        """True when a scheduled run will happen (started, not paused, with at least one time)."""
        return self.next_run() is not None

    def pause(self) -> None:
        """Stop the scheduled runs until resume(); a running sync is not touched."""
        if self._trigger is not None:
            self._scheduler.pause_job(JOB_ID)
            log.info("Scheduled syncs paused")

    def resume(self) -> None:
        """Resume the scheduled runs from now on (times missed while paused are not made up)."""
        if self._trigger is not None:
            self._scheduler.resume_job(JOB_ID)
            log.info("Scheduled syncs resumed; next at %s", self.next_run())

    def next_run(self) -> datetime | None:
        if not self._scheduler.running or self._trigger is None:
            return None
        job = self._scheduler.get_job(JOB_ID)
        when: datetime | None = job.next_run_time if job is not None else None
        return when

    def next_runs(self, count: int) -> list[datetime]:
        """The next `count` fire times, as the trigger computes them; empty when not running."""
        first = self.next_run()
        if first is None:
            return []
        runs = [first]
        while len(runs) < count:
            following: datetime | None = self._trigger.get_next_fire_time(runs[-1], runs[-1])
            if following is None:
                break
            runs.append(following)
        return runs

    def _fire(self) -> None:
        try:
            self.launcher.start("schedule")
        except SyncBusyError as exc:
            log.warning("Scheduled sync skipped: %s", exc)
        except LauncherClosedError:
            pass
