"""The activity log benchmark: backfill against its floor, peak memory, and an incremental run.

For each log size: a fake Snipe-IT (own process) with that many activity entries and a small
estate; the floor (bench/activity_floor.py: every page fetched and copied as (id, raw) in one
streaming COPY); a first sync with ASSETSYNC_ACTIVITY=false on a fresh database (the rest of a
run); a first sync with the activity on (the backfill), its wall time and peak RSS; then 100 new
entries and one more sync (its requests and seconds). Every sync is `scheduled_sync.py` as a
child process; peak RSS is the child's ru_maxrss.

    python bench/activity.py --entries 100000,1000000 [--out bench/results.md | -]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from cases import BENCH_DIR, WORK_DIR, command
from infra import BenchError, FakeServer, Measured, PgCluster, run_main, run_measured, started_cluster
from report import publish

START, END = "<!-- activity:start -->", "<!-- activity:end -->"
ESTATE = 200  # assets: small, so the run is mostly the log


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def sync(fake: FakeServer, dsn: str, name: str, **env_extra: str) -> tuple[Measured, dict[str, Any]]:
    cmd, env = command("assetsync", fake, dsn, WORK_DIR / name)
    env.update(env_extra)
    run = run_measured(cmd, env=env)
    if run.returncode != 0:
        raise BenchError(f"assetsync failed ({run.returncode}): {run.stderr[-2000:]}")
    return run, json.loads(run.stdout.strip().splitlines()[-1])


def measure(pg: PgCluster, entries: int) -> dict[str, Any]:
    out: dict[str, Any] = {"entries": entries}
    with FakeServer(ESTATE, "--activity", str(entries)) as fake:
        floor = run_measured(
            [
                sys.executable,
                str(BENCH_DIR / "activity_floor.py"),
                fake.api_url,
                fake.TOKEN,
                pg.create_db("a_floor"),
            ]
        )
        if floor.returncode != 0:
            raise BenchError(f"the floor failed: {floor.stderr[-2000:]}")
        out["floor"] = json.loads(floor.stdout.strip().splitlines()[-1])
        log(f"{entries}: floor {out['floor']['seconds']:.1f} s")
        rest, _ = sync(fake, pg.create_db("a_rest"), "rest", ASSETSYNC_ACTIVITY="false")
        out["rest_s"] = rest.wall_s
        dsn = pg.create_db("a_sync")
        backfill, result = sync(fake, dsn, "backfill")
        with pg.admin("a_sync") as conn:
            row = conn.execute("SELECT count(*) FROM snipeit.activity").fetchone()
        if not row or row[0] != entries:
            raise BenchError(f"the backfill stored {row} entries, not {entries}")
        out.update(backfill_s=backfill.wall_s, backfill_rss_mb=backfill.peak_rss_mb, backfill_result=result)
        log(f"{entries}: backfill {backfill.wall_s:.1f} s, {backfill.peak_rss_mb:.0f} MB")
        fake._control("POST", "activity", {"add": 100})
        before = fake.stats()["requests"]
        incremental, result = sync(fake, dsn, "incremental")
        out.update(
            incremental_s=incremental.wall_s,
            incremental_requests=fake.stats()["requests"] - before,
            incremental_activity_pages=(result.get("activity") or {}).get("pages"),
            incremental_inserted=(result.get("activity") or {}).get("inserted"),
        )
        for name in ("a_floor", "a_rest", "a_sync"):
            pg.drop_db(name)
    return out


def render(results: list[dict[str, Any]], pg_version: str) -> str:
    lines = [
        START,
        "",
        "## Activity log",
        "",
        f"`python bench/activity.py` on {time.strftime('%Y-%m-%d')}, PostgreSQL {pg_version}; one run each. "
        f"Fake Snipe-IT in its own process with {ESTATE} assets and the log's entries made on demand. "
        "`floor`: every page fetched and COPYed as (id, raw) in one streaming COPY. `rest`: a first "
        "sync with ASSETSYNC_ACTIVITY=false (hardware and the other entities). `backfill`: a first "
        "sync with the log; `backfill - rest` is the log's share. Peak RSS is the sync process's. "
        "The incremental run's requests are the whole run's (hardware and entities included), the "
        "activity pages in brackets. One run each on a 2-core machine shared with other work: single "
        "figures are noisy; the flat peak RSS and the one activity page of an incremental run are "
        "the robust ones.",
        "",
        "| entries | floor s | backfill s | rest s | log's share s | x floor | peak RSS MB | "
        "incremental (100 new) s | its requests (activity pages) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        share = r["backfill_s"] - r["rest_s"]
        lines.append(
            f"| {r['entries']:,} | {r['floor']['seconds']:.1f} | {r['backfill_s']:.1f} | {r['rest_s']:.1f} | "
            f"{share:.1f} | {share / r['floor']['seconds']:.2f} | {r['backfill_rss_mb']:.0f} | "
            f"{r['incremental_s']:.1f} | {r['incremental_requests']} ({r['incremental_activity_pages']}) |"
        )
    lines += ["", END]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python bench/activity.py", description=__doc__)
    parser.add_argument("--entries", default="100000,1000000")
    parser.add_argument("--out", default=str(BENCH_DIR / "results.md"), help="'-' to write nothing")
    args = parser.parse_args()
    sizes = [int(s.replace("_", "")) for s in args.entries.split(",") if s.strip()]
    with started_cluster() as pg:
        results = [measure(pg, n) for n in sizes]
        text = render(results, pg.version())
    publish(text, args.out, log, begin=START, end=END)
    return 0


if __name__ == "__main__":
    run_main(main)
