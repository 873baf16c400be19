"""Which alerts a finished run raises: from its exit code, the failures before it in sync_runs
(repeat at most once per ASSETSYNC_ALERT_REPEAT_HOURS, recovery on the first success), and its
suspicious-activity facts compared with the last successful run's."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from assetsync import exitcodes
from assetsync.alerts.events import BRAKED, FAILED, RECOVERED, SUCCEEDED, SUSPICIOUS
from assetsync.config import Settings
from assetsync.store import FailureStreak

FAILURE_CODES = {exitcodes.FAILED: FAILED, exitcodes.BRAKE: BRAKED, exitcodes.CONFIG: FAILED}
# Exit 5 (log file not writable) is a sync that succeeded; the log line says the rest.
SUCCESS_CODES = (exitcodes.OK, exitcodes.LOG_UNWRITABLE)


def decide(
    settings: Settings, exit_code: int, streak: FailureStreak | None, now: datetime, findings: list[str]
) -> list[str]:
    """The events to raise, in order. `streak` is None when sync_runs could not be read: a failure
    is then alerted anyway. Lock-busy (3) and interrupted (130) runs raise nothing."""
    if exit_code in FAILURE_CODES:
        if streak is None or _repeat_due(streak, now, settings.alert_repeat_hours):
            return [FAILURE_CODES[exit_code]]
        return []
    if exit_code not in SUCCESS_CODES:
        return []
    events: list[str] = []
    if streak is not None and streak.failures:
        events.append(RECOVERED)
    elif settings.alert_on == "always":
        events.append(SUCCEEDED)
    if findings:
        events.append(SUSPICIOUS)
    return events


def _repeat_due(streak: FailureStreak, now: datetime, hours: float) -> bool:
    """The first failure after a success alerts; then the first failure in each later window of
    `hours` since that first one (sync_runs says which windows already had a failing run)."""
    if not streak.failures or streak.first_started is None or streak.last_started is None:
        return True
    window = timedelta(hours=hours)
    return (now - streak.first_started) // window > (streak.last_started - streak.first_started) // window


def findings(settings: Settings, watch: dict[str, Any], last_watch: dict[str, Any] | None) -> list[str]:
    """What looks wrong about a successful run, one sentence each (empty: nothing)."""
    out: list[str] = []
    share = settings.change_alert
    live = int(watch.get("live") or 0)
    moved = int(watch.get("moved") or 0)
    if live and moved / live > share:
        out.append(
            f"{moved} of {live} live assets ({moved / live:.0%}) changed assignee, status or location "
            f"in one run, more than ASSETSYNC_CHANGE_ALERT ({share:.0%}); check Snipe-IT's activity report"
        )
    lost: dict[str, int] = watch.get("lost") or {}
    gone = sorted(name for name, count in lost.items() if live and count / live > share)
    if gone:
        worst = max(lost[name] for name in gone)
        out.append(
            f"{worst} of {live} assets no longer have field(s) they had: {', '.join(gone)}; "
            "did the API token's user lose a permission?"
        )
    before = (last_watch or {}).get("token_user")
    now_user = watch.get("token_user")
    if before is not None and now_user is not None and before != now_user:
        out.append(
            f"the API token now belongs to Snipe-IT user id {now_user}; the last successful run's "
            f"belonged to user id {before}. If nobody changed SNIPEIT_TOKEN, revoke the token"
        )
    return out
