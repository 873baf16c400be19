"""The status page's chart: the last runs' durations and changed rows, as inline SVG drawn here.

Drawn by the server so the page needs no chart library; every bar has a text title, the chart a
text summary, and failed runs are marked by a sign as well as a colour.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from assetsync.serve.models import RunRecord

RUNS = 30  # how many runs the chart shows
MIN_SLOTS = 10  # so that a short history does not draw a few very wide bars
WIDTH, PANEL_HEIGHT, GAP, LEFT, TOP = 640, 90, 34, 70, 22
HEIGHT = TOP + 2 * PANEL_HEIGHT + GAP + 24


def changed_rows(run: RunRecord) -> int:
    """What a run changed in the table: rows inserted, updated and marked removed."""
    return (run.inserted or 0) + (run.updated or 0) + (run.removed or 0)


def render(runs: Sequence[RunRecord]) -> str:
    """The SVG for `runs` (newest first, as sync_runs is read), drawn oldest to newest."""
    ordered = list(reversed(runs))
    if not ordered:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} 40" role="img" '
            'aria-label="No runs yet"><text x="8" y="24" class="note">No runs yet.</text></svg>'
        )
    failed = [r for r in ordered if r.status not in ("success", "running")]
    longest = max(ordered, key=lambda r: r.duration_seconds or 0)
    busiest = max(ordered, key=changed_rows)
    summary = (
        f"{len(ordered)} runs, from run {ordered[0].id} to run {ordered[-1].id}. Longest: run {longest.id}, "
        f"{duration_text(longest.duration_seconds or 0)}. Most changed rows: run {busiest.id}, "
        f"{changed_rows(busiest)}. {len(failed)} did not succeed"
        + (f" (runs {', '.join(str(r.id) for r in failed)})." if failed else ".")
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        'aria-labelledby="chart-title chart-desc" class="chart">',
        '<title id="chart-title">Duration and changed rows of the last runs</title>',
        f'<desc id="chart-desc">{escape(summary)}</desc>',
    ]
    parts += _panel(ordered, TOP, "Duration", lambda r: r.duration_seconds or 0.0, duration_text, "duration")
    parts += _panel(
        ordered,
        TOP + PANEL_HEIGHT + GAP,
        "Changed rows",
        lambda r: float(changed_rows(r)),
        lambda v: f"{v:,.0f} rows",
        "changed",
    )
    baseline = TOP + 2 * PANEL_HEIGHT + GAP
    parts.append(f'<text x="{LEFT}" y="{baseline + 18}" class="axis">run {ordered[0].id}</text>')
    parts.append(
        f'<text x="{WIDTH - 4}" y="{baseline + 18}" class="axis" text-anchor="end">'
        f"run {ordered[-1].id}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def _panel(
    runs: list[RunRecord],
    top: int,
    label: str,
    value: Callable[[RunRecord], float],
    fmt: Callable[[float], str],
    kind: str,
) -> list[str]:
    peak = max((value(r) for r in runs), default=0.0) or 1.0
    slot = (WIDTH - LEFT - 4) / max(len(runs), MIN_SLOTS)
    bar = max(slot * 0.7, 1.0)
    out = [
        f'<text x="0" y="{top - 8}" class="label">{escape(label)}</text>',
        f'<text x="{LEFT - 6}" y="{top + 10}" class="axis" text-anchor="end">{escape(fmt(peak))}</text>',
        f'<text x="{LEFT - 6}" y="{top + PANEL_HEIGHT}" class="axis" text-anchor="end">0</text>',
        f'<line x1="{LEFT}" y1="{top + PANEL_HEIGHT}" x2="{WIDTH - 4}" y2="{top + PANEL_HEIGHT}" '
        'class="base"/>',
    ]
    for i, run in enumerate(runs):
        v = value(run)
        h = max(PANEL_HEIGHT * v / peak, 1.0 if v else 0.0)
        x = LEFT + i * slot + (slot - bar) / 2
        ok = run.status in ("success", "running")
        tip = f"Run {run.id}: {fmt(v)} ({run.status})"
        out.append(
            f'<rect x="{x:.1f}" y="{top + PANEL_HEIGHT - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
            f'class="bar {kind}{"" if ok else " bad"}"><title>{escape(tip)}</title></rect>'
        )
        if not ok:  # the sign, not only the colour, says this run did not succeed
            out.append(
                f'<text x="{x + bar / 2:.1f}" y="{top + PANEL_HEIGHT - h - 3:.1f}" class="axis bad-mark" '
                'text-anchor="middle" aria-hidden="true">✕</text>'
            )
    return out


def duration_text(value: float) -> str:
    if value >= 60:
        return f"{int(value // 60)} min {int(value % 60)} s"
    return f"{value:.1f} s"
