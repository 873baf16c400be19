"""The benchmark's markdown: one table per estate size, the throttle and latency cases, the targets."""

from __future__ import annotations

import argparse
import math
import os
import platform
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cases import CHURN, PROJECT_DIR, Result

BEGIN = "<!-- bench/run.py output begins -->"
END = "<!-- bench/run.py output ends -->"
SCENARIOS = (("first", "first load"), ("nochange", "no-change re-sync"), ("churn", "churn"))
TOOL_ORDER = ("floor", "assetsync", "dlt-insert_values", "dlt-csv", "naive")


@dataclass
class SizeResults:
    size: int
    results: dict[tuple[str, str], Result] = field(default_factory=dict)
    throttle: dict[str, Any] = field(default_factory=dict)

    def get(self, scenario: str, tool: str) -> Result | None:
        return self.results.get((scenario, tool))

    def wall(self, scenario: str, tool: str) -> float | None:
        r = self.get(scenario, tool)
        return r.median("wall_s") if r else None

    def best_dlt(self, scenario: str) -> tuple[str, float] | None:
        walls = [(t, self.wall(scenario, t)) for t in ("dlt-insert_values", "dlt-csv")]
        found = [(t, w) for t, w in walls if w is not None]
        return min(found, key=lambda tw: tw[1]) if found else None


def _num(value: float | None, fmt: str = ".2f") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, fmt)


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}x"


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}"
    )


def commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(PROJECT_DIR), "log", "-1", "--format=%h %s"], capture_output=True, text=True
        )
        return out.stdout.strip() or "?"
    except OSError:
        return "?"


def size_table(sr: SizeResults) -> list[str]:
    floor = sr.wall("first", "floor")
    lines = [
        f"### {sr.size:,} assets",
        "",
        "| scenario | tool | wall s | x floor | x dlt best | peak RSS MB | rows ins | rows upd | rows del "
        "| WAL MB | ids = server |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for scenario, label in SCENARIOS:
        best = sr.best_dlt(scenario)
        for tool in TOOL_ORDER:
            r = sr.get(scenario, tool)
            if r is None:
                continue
            wall = r.median("wall_s")
            ids = "yes" if r.ids_ok else f"**no** ({r.ids_note})"
            upd = f"{r.median('updated'):,.0f}"
            if scenario == "churn" and r.runs and "really_changed" in r.runs[0].extra:
                upd += f" (changed: {r.median_extra('really_changed'):,.0f})"
            lines.append(
                f"| {label} | {tool} | {wall:.2f} | {_ratio(wall, floor)} | "
                f"{_ratio(wall, best[1] if best else None)} | {r.median('rss_mb'):.0f} | "
                f"{r.median('inserted'):,.0f} | {upd} | {r.median('deleted'):,.0f} | "
                f"{r.median('wal_bytes') / 2**20:,.1f} | {ids} |"
            )
    floor_r = sr.get("first", "floor")
    if floor_r:
        fx = floor_r.median_extra
        lines += [
            "",
            f"Floor = download {fx('fetch_s'):.2f} s + COPY {fx('copy_s'):.2f} s ({fx('requests'):.0f} "
            f"requests, {fx('bytes') / 2**20:,.0f} MB of JSON); the floor process's own wall time was "
            f"{fx('process_s'):.2f} s.",
        ]
    lines += _latency_lines(sr) + _throttle_lines(sr) + _estate_lines(sr)
    return lines


def estate_figures(sr: SizeResults) -> dict[str, float] | None:
    """Whole estate against hardware alone (medians), and the floor of the extra pages."""
    names = {
        "floor": ("estate-first", "floor"),
        "floor_extra": ("estate-first", "floor-estate"),
        "first": ("estate-first", "assetsync"),
        "first_estate": ("estate-first", "assetsync-estate"),
        "nochange": ("estate-nochange", "assetsync"),
        "nochange_estate": ("estate-nochange", "assetsync-estate"),
    }
    walls = {key: sr.wall(*where) for key, where in names.items()}
    if any(w is None for w in walls.values()):
        return None
    return {k: float(v) for k, v in walls.items() if v is not None}


def _estate_lines(sr: SizeResults) -> list[str]:
    f = estate_figures(sr)
    if f is None:
        return []
    extra = sr.get("estate-first", "floor-estate")
    assert extra is not None
    return [
        "",
        f"**Whole estate** (the same {sr.size:,} assets plus users and the other record types on one "
        f"fake; floor of the other lists' pages: {extra.median_extra('requests'):.0f} requests, "
        f"{extra.median_extra('rows'):,.0f} rows):",
        "",
        "| case | hardware only s | whole estate s | the estate adds s | floor of the added pages s |",
        "|---|---:|---:|---:|---:|",
        f"| first load | {f['first']:.2f} ({f['first'] / f['floor']:.2f}x its floor) "
        f"| {f['first_estate']:.2f} | {f['first_estate'] - f['first']:.2f} | {f['floor_extra']:.2f} |",
        f"| no-change | {f['nochange']:.2f} | {f['nochange_estate']:.2f} | "
        f"{f['nochange_estate'] - f['nochange']:.2f} | |",
    ]


def _latency_lines(sr: SizeResults) -> list[str]:
    fetch, ours = sr.get("latency", "floor-fetch"), sr.get("latency", "assetsync")
    if not fetch or not ours:
        return []
    pure = fetch.median_extra("fetch_s")
    total = ours.median("wall_s")
    return [
        "",
        f"**Latency** (fake adds a delay to every list page): pure fetch time (requests loop, no parsing) "
        f"{pure:.2f} s; assetsync first load {total:.2f} s = **{total / pure:.2f}x** the pure fetch time.",
    ]


def _throttle_lines(sr: SizeResults) -> list[str]:
    r = sr.get("throttled", "assetsync")
    if not r:
        return []
    t = sr.throttle
    return [
        "",
        f"**Throttled** (fake allows {t['limit']} requests per {t['window']:g} s window = "
        f"{t['limit'] / t['window']:.2f} req/s; client told SNIPEIT_RATE_WINDOW={t['window']:g}): "
        f"achieved {r.median_extra('achieved_rps'):.2f} req/s = **{r.median_extra('share'):.0%}** of the "
        f"allowed rate over {r.median_extra('windows'):.0f} windows; 429s received: "
        f"{', '.join(str(x.extra['count_429']) for x in r.runs)} (at most "
        f"{max(x.extra['max_429_per_window'] for x in r.runs)} in one window); every run succeeded; "
        f"wall {r.median('wall_s'):.1f} s; ids = server: {'yes' if r.ids_ok else 'no'}.",
    ]


def scaling_table(all_results: list[SizeResults]) -> list[str]:
    if len(all_results) < 2:
        return []
    lines = [
        "### Scaling (assetsync)",
        "",
        "| assets | first load s | no-change s | churn s | floor s | peak RSS MB (first / no-change) |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for sr in all_results:
        first, nochange = sr.get("first", "assetsync"), sr.get("nochange", "assetsync")
        lines.append(
            f"| {sr.size:,} | {_num(sr.wall('first', 'assetsync'))} | "
            f"{_num(sr.wall('nochange', 'assetsync'))} | {_num(sr.wall('churn', 'assetsync'))} | "
            f"{_num(sr.wall('first', 'floor'))} | "
            f"{_num(first.median('rss_mb') if first else None, '.0f')} / "
            f"{_num(nochange.median('rss_mb') if nochange else None, '.0f')} |"
        )
    return lines


def targets(all_results: list[SizeResults]) -> list[str]:
    big = max(all_results, key=lambda s: s.size)
    rows: list[tuple[str, str, bool | None]] = []

    def check(name: str, measured: str, ok: bool | None) -> None:
        rows.append((name, measured, ok))

    floor, first = big.wall("first", "floor"), big.wall("first", "assetsync")
    nochange = big.wall("nochange", "assetsync")
    best_first, best_nochange = big.best_dlt("first"), big.best_dlt("nochange")
    if floor and first:
        check(f"first load ≤ 1.3x floor ({big.size:,})", f"{first / floor:.2f}x", first / floor <= 1.3)
    if best_first and first:
        check(
            "first load ≥ 5x faster than dlt's best format",
            f"{best_first[1] / first:.1f}x ({best_first[0]})",
            best_first[1] / first >= 5,
        )
    nc = big.get("nochange", "assetsync")
    if nc and first and nochange:
        upd, wal = nc.median("updated"), nc.median("wal_bytes") / 2**20
        check("no-change: 0 rows updated", f"{upd:.0f}", upd == 0)
        check("no-change: < 1 MB WAL", f"{wal:.2f} MB", wal < 1)
        check("no-change no slower than first load", f"{nochange:.2f} s vs {first:.2f} s", nochange <= first)
    if best_nochange and nochange:
        check(
            "no-change ≥ 5x faster than dlt",
            f"{best_nochange[1] / nochange:.1f}x ({best_nochange[0]})",
            best_nochange[1] / nochange >= 5,
        )
    est = estate_figures(big)
    if est:
        check(
            f"estate bench: hardware-only first load ≤ 1.3x floor ({big.size:,})",
            f"{est['first'] / est['floor']:.2f}x",
            est["first"] / est["floor"] <= 1.3,
        )
        added = est["first_estate"] - est["first"]
        check(
            "the other record types cost no more than their pages' fetch and COPY",
            f"{added:.2f} s vs {est['floor_extra']:.2f} s",
            added <= est["floor_extra"],
        )
    ch = big.get("churn", "assetsync")
    if ch:
        pairs = [(r.updated, r.extra["really_changed"]) for r in ch.runs]
        check(
            "churn: rows updated = rows really changed",
            ", ".join(f"{u:,}/{c:,}" for u, c in pairs),
            all(u == c for u, c in pairs),
        )
    by_size = {sr.size: sr for sr in all_results}
    small = by_size.get(big.size // 10)
    if small:
        for scenario in ("first", "nochange"):
            a, b = small.get(scenario, "assetsync"), big.get(scenario, "assetsync")
            if a and b:
                grow = b.median("rss_mb") - a.median("rss_mb")
                check(
                    f"peak RSS {big.size:,} ≤ {small.size:,} + 30 MB ({scenario})",
                    f"+{grow:.1f} MB",
                    grow <= 30,
                )
    th = big.get("throttled", "assetsync")
    if th:
        share = th.median_extra("share")
        worst = max(r.extra["max_429_per_window"] for r in th.runs)
        check("throttled: ≥ 90% of the allowed rate", f"{share:.0%}", share >= 0.9)
        check("throttled: ≤ one 429 per window, no failed run", f"max {worst} per window", worst <= 1)
    lat_f, lat_a = big.get("latency", "floor-fetch"), big.get("latency", "assetsync")
    if lat_f and lat_a:
        ratio = lat_a.median("wall_s") / lat_f.median_extra("fetch_s")
        check("latency: total ≤ 1.2x pure fetch time", f"{ratio:.2f}x", ratio <= 1.2)
    for sr in all_results:
        ten = by_size.get(sr.size * 10)
        if ten:
            for scenario in ("first", "nochange"):
                smaller, larger = sr.wall(scenario, "assetsync"), ten.wall(scenario, "assetsync")
                if smaller and larger:
                    check(
                        f"linear: {ten.size:,} vs {sr.size:,} ≤ 11x ({scenario})",
                        f"{larger / smaller:.1f}x",
                        larger / smaller <= 11,
                    )
    if not rows:
        return []
    lines = ["### Targets", "", "| target | measured | met |", "|---|---|---|"]
    for name, measured, ok in rows:
        lines.append(f"| {name} | {measured} | {'yes' if ok else '**no**'} |")
    return lines


def render(
    all_results: list[SizeResults], *, args: argparse.Namespace, pg_version: str, elapsed_s: float
) -> str:
    churn = ", ".join(f"{k.replace('_', ' ')} {v:.1%}" for k, v in CHURN.items())
    lines = [
        BEGIN,
        "",
        f"Run of `python bench/run.py --assets {args.assets} --runs {args.runs}"
        f"{' --skip-dlt' if 'dlt' not in args.case_set else ''}` on {time.strftime('%Y-%m-%d %H:%M %Z')}, "
        f"took {elapsed_s / 60:.1f} min.",
        "",
        f"- Machine: {machine()}; client, fake Snipe-IT and PostgreSQL share it.",
        f"- PostgreSQL {pg_version} (throw-away cluster, autovacuum off, explicit CHECKPOINT before and "
        "VACUUM ANALYZE after each load); assetsync at " + f"`{commit()}`.",
        f"- Figures are medians of {args.runs} runs, each in fresh state (a new database, or a copy of the "
        f"tool's own loaded database; a freshly started fake for churn: {churn}).",
        "- wall s: the whole child process (interpreter start to exit), except the floor: its download "
        "time plus its COPY time. Peak RSS: the child's ru_maxrss from wait4. Rows: the target table's "
        "n_tup_ins/upd/del deltas in pg_stat_user_tables, read once the tool's sessions have ended (checked "
        "against a calibration write at start). WAL: pg_current_wal_lsn() difference around the run.",
        "- ids = server: the tool's table holds exactly the ids the fake holds (assetsync: rows not "
        "marked removed).",
        "",
    ]
    for sr in all_results:
        lines += [*size_table(sr), ""]
    lines += [*scaling_table(all_results), ""]
    lines += [*targets(all_results), "", END]
    return "\n".join(lines) + "\n"


def write_results(path: Path, text: str, *, begin: str = BEGIN, end: str = END) -> None:
    """Replace the generated part of results.md (between `begin` and `end`), keeping whatever is
    written around it."""
    old = path.read_text() if path.exists() else ""
    if begin in old and end in old:
        head, rest = old.split(begin, 1)
        tail = rest.split(end, 1)[1]
        new = head + text.rstrip("\n") + tail
    else:
        new = (old.rstrip("\n") + "\n\n" if old else "# Benchmark results\n\n") + text
    path.write_text(new)


def publish(text: str, out: str, log: Callable[[str], None], *, begin: str = BEGIN, end: str = END) -> None:
    """Print the section and, unless `out` is '-', write it into that file between its markers."""
    print(text)
    if out != "-":
        write_results(Path(out), text, begin=begin, end=end)
        log(f"Wrote {out}")
