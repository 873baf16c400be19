"""The status page at `/`: one HTML page, drawn here, that static/status.js keeps up to date.

Everything it needs comes from the app itself (no CDN, no build step), so it works on a server
without internet access. Times are written in UTC with their ISO value; the script shows them in
the viewer's own zone. Nothing secret is on it: the token is typed by the viewer and never echoed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from html import escape
from itertools import pairwise

from assetsync import __version__
from assetsync.serve import chart
from assetsync.serve.models import Health, RunRecord, ScheduleState

PAGE_ROWS = 20
DAY_SECONDS = 86400.0


@dataclass
class PageData:
    schedule: ScheduleState
    health: Health
    runs: list[RunRecord]  # newest first
    runs_error: str | None  # why the run history could not be read, scrubbed
    stale_after: float | None  # seconds; see stale_after()
    token_required: bool
    scheduling: bool  # False with ASSETSYNC_SCHEDULER=off: this process never schedules
    docs_url: str | None
    openapi_url: str | None


def stale_after(times: Sequence[time], run_timeout: float) -> float | None:
    """How old the last success may grow before the page calls it overdue.

    The longest gap between two sync times (across midnight too), plus one run's time limit,
    since the next run may still be going. None without sync times: nothing is expected.
    """
    if not times:
        return None
    seconds = sorted(t.hour * 3600 + t.minute * 60 + t.second for t in times)
    gaps = [float(b - a) for a, b in pairwise(seconds)]
    gaps.append(seconds[0] + DAY_SECONDS - seconds[-1])
    return max(gaps) + run_timeout


def age_text(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "less than a minute"
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    parts = [f"{days} d"] if days else []
    parts += [f"{hours} h"] if hours or days else []
    return " ".join([*parts, f"{mins} min"])


def render(data: PageData) -> str:
    stale = data.stale_after if data.stale_after is not None else ""
    scheduling = "on" if data.scheduling else "off"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>assetsync status</title>
<link rel="stylesheet" href="static/status.css">
</head>
<body data-stale-after="{stale}" data-page-rows="{PAGE_ROWS}" data-scheduling="{scheduling}">
<header>
<h1>assetsync status</h1>
<p id="zone-note">Times are in UTC.</p>
</header>
<main>
{_health(data)}
{_act(data)}
<section aria-labelledby="runs-heading">
<h2 id="runs-heading">Recent runs</h2>
{_runs_table(data)}
</section>
<section aria-labelledby="chart-heading">
<h2 id="chart-heading">The last runs (up to {chart.RUNS})</h2>
<figure id="chart">{chart.render(data.runs[: chart.RUNS])}</figure>
</section>
</main>
<footer>{_footer(data)}</footer>
<script src="static/status.js" defer></script>
</body>
</html>
"""


def _health(data: PageData) -> str:
    schedule, last = data.schedule, data.health.last_success
    if last is None:
        success = '<span class="badge warn">None yet</span> no successful sync is recorded'
        verdict = "warn"
    else:
        overdue = data.stale_after is not None and last.age_seconds > data.stale_after
        verdict = "bad" if overdue else "ok"
        badge = "Overdue" if overdue else "On time"
        success = (
            f'<span class="badge {verdict}">{badge}</span> run {last.run_id}, {_time(last.finished_at)} '
            f'(<span id="age">{age_text(last.age_seconds)}</span> ago)'
        )
    scheduler = scheduler_text(schedule, data.scheduling)
    times = ", ".join(schedule.times) or "none (ASSETSYNC_SYNC_TIMES)"
    nexts = "".join(f"<li>{_time(t)}</li>" for t in schedule.next_runs) or "<li>none</li>"
    database = data.health.database
    return f"""<section aria-labelledby="health-heading">
<h2 id="health-heading">Health</h2>
<dl class="facts">
<dt>Last successful sync</dt><dd id="last-success" class="{verdict}">{success}</dd>
<dt>Scheduler</dt><dd id="scheduler">{escape(scheduler)}</dd>
<dt>Sync times</dt><dd id="sync-times">{escape(times)} ({escape(schedule.timezone)}, the server's zone)</dd>
<dt>Next runs</dt><dd><ul id="next-runs">{nexts}</ul></dd>
<dt>Database</dt><dd id="database" class="{"ok" if database == "ok" else "bad"}">{escape(database)}</dd>
</dl>
</section>"""


def scheduler_text(schedule: ScheduleState, scheduling: bool) -> str:
    # Kept in step with schedulerText() in static/status.js.
    state = schedule.state if scheduling else "off in this process (ASSETSYNC_SCHEDULER=off)"
    return state + (" (a sync is running)" if schedule.sync_running else "")


def _act(data: PageData) -> str:
    token = (
        '<label for="token">Control token (ASSETSYNC_SERVE_TOKEN)</label>'
        '<input id="token" type="password" autocomplete="off" spellcheck="false">'
        if data.token_required
        else ""
    )
    return f"""<section aria-labelledby="act-heading">
<h2 id="act-heading">Start a sync</h2>
<form id="sync-form">{token}<button id="sync-now" type="submit">Sync now</button></form>
<p id="progress" role="status" aria-live="polite"></p>
</section>"""


def _runs_table(data: PageData) -> str:
    if data.runs_error is not None:
        why = escape(data.runs_error)
        body = f'<tr><td colspan="9" class="bad">The run history cannot be read: {why}</td></tr>'
    elif not data.runs:
        body = '<tr><td colspan="9">No runs yet.</td></tr>'
    else:
        body = "\n".join(_run_row(r) for r in data.runs[:PAGE_ROWS])
    return f"""<div class="table-wrap">
<table id="runs">
<caption>Newest first; a run's number links to its JSON.</caption>
<thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Started</th>
<th scope="col">Duration</th><th scope="col">Fetched</th><th scope="col">Inserted</th>
<th scope="col">Updated</th><th scope="col">Removed</th><th scope="col">Error</th></tr></thead>
<tbody>
{body}
</tbody>
</table>
</div>"""


def _run_row(run: RunRecord) -> str:
    # Kept in step with row() in static/status.js, which redraws the rows from GET /sync/runs.
    numbers = "".join(f'<td class="num">{_count(n)}</td>' for n in (run.fetched, run.inserted, run.updated))
    duration = chart.duration_text(run.duration_seconds) if run.duration_seconds is not None else ""
    error = escape((run.error or "").strip().split("\n")[0])
    return (
        f'<tr><th scope="row"><a href="sync/runs/{run.id}">{run.id}</a></th>'
        f'<td><span class="badge {status_class(run.status)}">{escape(run.status)}</span></td>'
        f"<td>{_time(run.started_at)}</td><td>{duration}</td>{numbers}"
        f'<td class="num">{_count(run.removed)}</td><td class="error">{error}</td></tr>'
    )


def status_class(status: str) -> str:
    return {"success": "ok", "running": "info"}.get(status, "bad")


def _count(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def _time(when: datetime) -> str:
    # UTC until the script rewrites it in the viewer's zone (and for a browser without scripts).
    return f'<time datetime="{when.isoformat()}">{when.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC</time>'


def _footer(data: PageData) -> str:
    links = [f'<a href="{escape(data.docs_url)}">API docs</a>'] if data.docs_url else []
    if data.openapi_url:
        links.append(f'<a href="{escape(data.openapi_url)}">OpenAPI JSON</a>')
    links.append('<a href="sync/runs">runs as JSON</a>')
    return f"assetsync {escape(__version__)} · " + " · ".join(links)
