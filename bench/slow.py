"""assetsync against a slow Snipe-IT: one page at a time against several in flight, side by side.

A real Snipe-IT takes seconds per list page; the fake is given a fixed latency per request (it
answers every request on its own thread, so concurrent requests wait concurrently). Every figure
comes from one run in fresh state: the first load into an empty database and a no-change run on a
copy of it, at each concurrency; the same with the fake throttled at 120 requests a minute; and at
zero latency against the figures of bench/results.md. Writes its own section of bench/results.md.

\b
Example:
    python bench/slow.py --assets 100000 --latencies 0.5,3
    python bench/slow.py --assets 2000 --latencies 0.2 --cases latency --out -
"""

from __future__ import annotations

import argparse
import sys
import time
from itertools import pairwise
from pathlib import Path

from cases import Bench, Run, throttle_figures, wait_out_window
from infra import BenchError, FakeServer, PgCluster, run_main
from report import commit, machine, publish

BEGIN = "<!-- bench/slow.py output begins -->"
END = "<!-- bench/slow.py output ends -->"
ALL_CASES = ("latency", "throttled", "zero")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python bench/slow.py", description=(__doc__ or "").split("\n\\b")[0]
    )
    parser.add_argument("--assets", type=int, default=100_000, help="estate size (default 100000)")
    parser.add_argument("--latencies", default="0.5,3", help="seconds per request, comma-separated (0.5,3)")
    parser.add_argument("--levels", default="1,4", help="SNIPEIT_CONCURRENCY values compared (1,4)")
    parser.add_argument("--cases", default=",".join(ALL_CASES), help=f"any of {','.join(ALL_CASES)}")
    parser.add_argument("--rate-limit", type=int, default=120, help="throttled case: requests per window")
    parser.add_argument("--rate-window", type=float, default=60.0, help="throttled case: window seconds")
    parser.add_argument("--throttle-latency", type=float, default=0.5, help="throttled case: s per request")
    parser.add_argument("--timeline", type=float, default=3.0, help="latency whose default run is drawn")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds one run may take (1800)")
    parser.add_argument(
        "--out", default=str(Path(__file__).with_name("results.md")), help="'-' to write nothing"
    )
    args = parser.parse_args(argv)
    args.latency_list = [float(x) for x in args.latencies.split(",") if x.strip()]
    args.level_list = [int(x) for x in args.levels.split(",") if x.strip()]
    args.case_set = {c.strip() for c in args.cases.split(",") if c.strip()}
    if args.case_set - set(ALL_CASES):
        parser.error(f"unknown case(s); choose from {', '.join(ALL_CASES)}")
    return args


def one_run(
    bench: Bench,
    fake: FakeServer,
    db: str,
    level: int,
    template: str | None,
    ids: set[int],
    env: dict[str, str] | None = None,
) -> Run:
    before = fake.stats()
    env_extra = {"SNIPEIT_CONCURRENCY": str(level), **(env or {})}
    run = bench.run_once("assetsync", fake, db, template=template, expect_ids=ids, env_extra=env_extra)
    after = fake.stats()
    run.extra["in_flight"] = after["in_flight"][len(before["in_flight"]) :]
    run.extra["fake_max_in_flight"] = max((n for _, n in run.extra["in_flight"]), default=0)
    return run


def first_and_nochange(bench: Bench, fake: FakeServer, levels: list[int], tag: str) -> dict[str, Run]:
    """First load and no-change run at each level: {"first@1": Run, "nochange@1": Run, ...}."""
    ids = fake.all_ids()
    out: dict[str, Run] = {}
    for level in levels:
        db = f"s_{tag}_{level}"
        out[f"first@{level}"] = run = one_run(bench, fake, db, level, None, ids)
        log(f"{tag}: first load at concurrency {level}: {run.wall_s:.1f} s")
        bench.keep_as_template(db, f"{db}_tpl")
        out[f"nochange@{level}"] = run = one_run(bench, fake, f"{db}_nc", level, f"{db}_tpl", ids)
        log(f"{tag}: no-change at concurrency {level}: {run.wall_s:.1f} s")
        bench.pg.drop_db(f"{db}_nc")
        bench.pg.drop_db(f"{db}_tpl")
    return out


def throttled(bench: Bench, fake: FakeServer, levels: list[int], window: float) -> dict[str, Run]:
    ids = fake.all_ids()
    out: dict[str, Run] = {}
    for level in levels:
        before = fake.stats()
        env = {"SNIPEIT_RATE_WINDOW": str(window)}
        run = one_run(bench, fake, f"s_thr_{level}", level, None, ids, env)
        run.extra.update(throttle_figures(fake.stats(), len(before["windows"]), before["count_429"]))
        out[f"first@{level}"] = run
        log(f"throttled: first load at concurrency {level}: {run.wall_s:.1f} s, {run.extra['share']:.0%}")
        bench.pg.drop_db(f"s_thr_{level}")
        wait_out_window(window)
    return out


def timeline(events: list[list[float]], width: int = 40) -> list[str]:
    """Requests the fake was answering, time-weighted per slice of the run, as a text bar chart."""
    if len(events) < 2:
        return []
    start, end = events[0][0], events[-1][0]
    step = max((end - start) / width, 1e-6)
    lines = []
    for k in range(width):
        lo, hi = start + k * step, start + (k + 1) * step
        area = 0.0
        for (t0, n), (t1, _) in pairwise(events):
            a, b = max(t0, lo), min(t1, hi)
            if b > a:
                area += n * (b - a)
        mean = area / step
        lines.append(f"    {lo - start:7.1f} s | {'#' * round(mean * 4):<24} {mean:.1f}")
    return lines


def _row(label: str, level: int, r: Run) -> str:
    x = r.extra
    return (
        f"| {label} | {level} | {r.wall_s:.1f} | {x.get('requests', 0)} | {x.get('fake_max_in_flight', 0)} | "
        f"{float(x.get('concurrency') or 0):.1f} | {float(x.get('server_wait_seconds') or 0):.1f} | "
        f"{float(x.get('throttle_wait_seconds') or 0):.1f} | {r.rss_mb:.0f} | "
        f"{'yes' if r.ids_ok else '**no**'} |"
    )


HEADER = [
    "| run | concurrency | wall s | requests | most in flight (fake) | in flight on average | "
    "waiting on server s | waiting for throttle s | peak RSS MB | ids = server |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
]


def render(args: argparse.Namespace, results: dict[str, dict[str, Run]], elapsed: float) -> str:
    lo, hi = min(args.level_list), max(args.level_list)
    lines = [
        BEGIN,
        "",
        f"Run of `python bench/slow.py --assets {args.assets} --latencies {args.latencies} --levels "
        f"{args.levels}` on {time.strftime('%Y-%m-%d %H:%M %Z')}, took {elapsed / 60:.1f} min; one run per "
        f"figure. Machine: {machine()}. assetsync at `{commit()}`.",
        "",
    ]
    targets: list[tuple[str, str, bool]] = []
    for key, runs in results.items():
        lines += [f"#### {key}", "", *HEADER]
        for label in ("first", "nochange"):
            for level in args.level_list:
                r = runs.get(f"{label}@{level}")
                if r is not None:
                    lines.append(_row("first load" if label == "first" else "no-change", level, r))
        lines.append("")
        for label in ("first", "nochange"):
            a, b = runs.get(f"{label}@{lo}"), runs.get(f"{label}@{hi}")
            if a is None or b is None:
                continue
            speedup = a.wall_s / b.wall_s
            if key.startswith("latency"):
                targets.append(
                    (
                        f"{key}, {label}: concurrency {hi} ≥ 3x faster than {lo}",
                        f"{speedup:.2f}x",
                        speedup >= 3,
                    )
                )
            elif key.startswith("throttled"):
                targets.append(
                    (
                        f"{key}: concurrency {hi} no slower than {lo}",
                        f"{b.wall_s:.1f} s vs {a.wall_s:.1f} s",
                        b.wall_s <= a.wall_s * 1.02,
                    )
                )
            else:
                lines.append(
                    f"{label}: concurrency {hi} takes {1 / speedup:.2f}x the time of concurrency {lo}."
                )
        if key.startswith("throttled"):
            for level in args.level_list:
                r = runs.get(f"first@{level}")
                if r is None:
                    continue
                x = r.extra
                lines.append(
                    f"- concurrency {level}: {x['achieved_rps']:.2f} req/s of {x['allowed_rps']:.2f} "
                    f"allowed = **{x['share']:.0%}** over {x['windows']} windows; "
                    f"429s: {x['count_429']} (at most {x['max_429_per_window']} in one window)."
                )
            b = runs.get(f"first@{hi}")
            if b is not None:
                targets.append(
                    (
                        f"{key}: ≥ 90% of the allowed rate (concurrency {hi})",
                        f"{b.extra['share']:.0%}",
                        b.extra["share"] >= 0.9,
                    )
                )
                targets.append(
                    (
                        f"{key}: ≤ one 429 per window (concurrency {hi})",
                        f"max {b.extra['max_429_per_window']}",
                        b.extra["max_429_per_window"] <= 1,
                    )
                )
        lines.append("")
    drawn = results.get(f"latency {args.timeline:g} s", {}).get(f"first@{hi}")
    if drawn is not None:
        lines += [
            f"Requests the fake was answering during the first load at {args.timeline:g} s per request, "
            f"concurrency {hi} (time-weighted mean per slice; # = 0.25):",
            "",
            "```",
            *timeline(drawn.extra["in_flight"]),
            "```",
            "",
        ]
    if targets:
        lines += ["| target | measured | met |", "|---|---|---|"]
        lines += [f"| {n} | {m} | {'yes' if ok else '**no**'} |" for n, m, ok in targets]
        lines.append("")
    lines.append(END)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bindir = PgCluster.find_bindir()
    if bindir is None:
        raise BenchError("no PostgreSQL server binaries found; install PostgreSQL or set PG_BINDIR")
    pg = PgCluster(bindir)
    started = time.time()
    results: dict[str, dict[str, Run]] = {}
    try:
        pg.start()
        bench = Bench(pg, log, timeout=args.timeout)
        if "zero" in args.case_set:
            with FakeServer(args.assets) as fake:
                results["zero latency"] = first_and_nochange(bench, fake, args.level_list, "zero")
        if "latency" in args.case_set:
            for latency in args.latency_list:
                with FakeServer(args.assets, "--page-delay", str(latency)) as fake:
                    key = f"latency {latency:g} s"
                    results[key] = first_and_nochange(
                        bench, fake, args.level_list, key.replace(" ", "_").replace(".", "_")
                    )
        if "throttled" in args.case_set:
            extra = ("--page-delay", str(args.throttle_latency), "--rate-limit", str(args.rate_limit),
                     "--rate-window", str(args.rate_window))  # fmt: skip
            with FakeServer(args.assets, *extra) as fake:
                key = (
                    f"throttled {args.rate_limit}/{args.rate_window:g} s, "
                    f"{args.throttle_latency:g} s per request"
                )
                results[key] = throttled(bench, fake, args.level_list, args.rate_window)
    finally:
        pg.stop()
    text = render(args, results, time.time() - started)
    publish(text, args.out, log, begin=BEGIN, end=END)
    return 0


if __name__ == "__main__":
    run_main(main)
