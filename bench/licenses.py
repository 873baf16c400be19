"""License seats against Snipe-IT's throttle: selective reads against reading every license each run.

No endpoint lists every seat: a license's seats cost a request (more above 500 seats), so reading
them all is 600+ requests at 600 licenses, over five minutes at Snipe-IT's default 120 requests a
minute. assetsync reads a license's seats only when the activity log names it, its counts changed,
or the daily sweep is due (shared/docs §5.3). This measures, against a fake Snipe-IT in its own
process (throttled, activity log on) and one fresh database: the first load, a no-change run, a
run after seat changes (checkouts and check-ins made through the fake's control endpoint), and the
daily sweep; then "every license each run" (ASSETSYNC_SEAT_SWEEP_HOURS=0): a no-change run and a
run after as many changes again. Every sync is `scheduled_sync.py --json` as a child process; each
starts with a full throttle window, as a scheduled run hours after the last one would. After every
run the stored seats must equal the fake's (ids, licenses, users, assets), or the bench fails.

\b
Example:
    python bench/licenses.py                                    # about 30 minutes (the throttle)
    python bench/licenses.py --licenses 20 --seats 200 --rate-limit 0 --out -   # a quick look
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from cases import BENCH_DIR, WORK_DIR, command, wait_out_window
from infra import BenchError, FakeServer, PgCluster, run_main, run_measured, started_cluster
from report import commit, machine, publish

START, END = "<!-- licenses:start -->", "<!-- licenses:end -->"
DB = "lic"
RUNS_PER_DAY = 4  # ASSETSYNC_SYNC_TIMES' default: 08:00, 12:00, 16:00, 20:00


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Case:
    """One measured sync: wall seconds, the fake's requests, and what the sync said of its seats."""

    label: str
    seconds: float
    requests: int  # counted by the fake
    reported: int  # the sync's own `requests`
    seat_requests: int
    licenses_read: int
    reasons: dict[str, int]
    throttle_wait: float | None
    refused: int = 0  # 429s the fake sent
    seats: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python bench/licenses.py", description=(__doc__ or "").split("\n\\b")[0]
    )
    parser.add_argument("--licenses", type=int, default=600, help="licenses (default 600)")
    parser.add_argument("--seats", type=int, default=20_000, help="seats over all licenses (default 20000)")
    parser.add_argument("--assets", type=int, default=200, help="hardware estate (default 200)")
    parser.add_argument("--changes", type=int, default=10, help="seat changes per case, half checkouts (10)")
    parser.add_argument("--rate-limit", type=int, default=120, help="requests per window; 0: no throttle")
    parser.add_argument("--rate-window", type=float, default=60.0, help="throttle window in seconds (60)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds one sync may take (1800)")
    parser.add_argument("--out", default=str(BENCH_DIR / "results.md"), help="'-' to write nothing")
    return parser.parse_args(argv)


def fake_seats(fake: FakeServer) -> dict[int, tuple[int, int | None, int | None]]:
    return {int(r[0]): (int(r[1]), r[2], r[3]) for r in fake._control("GET", "seats")["seats"]}


def check_seats(pg: PgCluster, fake: FakeServer, label: str) -> int:
    """The stored live seats must be the fake's: same ids, licenses, users and assets."""
    with pg.admin(DB) as conn:
        rows = conn.execute(
            "SELECT id, license_id, assigned_user_id, assigned_asset_id FROM snipeit.license_seats "
            "WHERE removed_at IS NULL"
        ).fetchall()
    held = {int(r[0]): (int(r[1]), r[2], r[3]) for r in rows}
    want = fake_seats(fake)
    if held != want:
        wrong = sorted(i for i in held.keys() & want.keys() if held[i] != want[i])
        raise BenchError(
            f"after {label}: the seat table differs from the fake's seats: {len(held)} stored, {len(want)} "
            f"served; {len(held.keys() - want.keys())} extra, {len(want.keys() - held.keys())} missing, "
            f"{len(wrong)} with another license, user or asset (first: "
            f"{[(i, held[i], want[i]) for i in wrong[:3]]})"
        )
    return len(held)


def sync(pg: PgCluster, fake: FakeServer, args: argparse.Namespace, label: str, **env_extra: str) -> Case:
    cmd, env = command("assetsync", fake, pg.dsn(DB), WORK_DIR / "licenses" / re.sub(r"\W+", "_", label))
    env.update(ASSETSYNC_ENTITIES="all", ASSETSYNC_ACTIVITY="true", SNIPEIT_RATE_WINDOW=str(args.rate_window))
    env.update(env_extra)
    before = fake.stats()
    run = run_measured(cmd, env=env, timeout=args.timeout)
    if run.returncode != 0:
        raise BenchError(f"{label}: assetsync failed ({run.returncode}): {run.stderr[-2000:]}")
    out = json.loads(run.stdout.strip().splitlines()[-1])
    seats = out.get("seats") or {}
    wait = out.get("throttle_wait_seconds")
    after = fake.stats()
    case = Case(
        label=label,
        seconds=run.wall_s,
        requests=after["requests"] - before["requests"],
        reported=int(out.get("requests") or 0),
        seat_requests=int(seats.get("requests") or 0),
        licenses_read=int(seats.get("licenses_read") or 0),
        reasons=dict(seats.get("reasons") or {}),
        throttle_wait=float(wait) if wait is not None else None,
        refused=after["count_429"] - before["count_429"],
        extra={"why_sweep": seats.get("why_sweep"), "listed": seats.get("licenses_listed")},
    )
    case.seats = check_seats(pg, fake, label)
    log(
        f"{label}: {case.seconds:.1f} s, {case.requests} requests ({case.seat_requests} for seats), "
        f"{case.licenses_read} licenses read {case.reasons}, throttle wait {case.throttle_wait}, "
        f"{case.refused} 429s"
    )
    if args.rate_limit:
        wait_out_window(args.rate_window)  # the next run starts with a full window, as hours later
    return case


def change_seats(fake: FakeServer, changes: int, seed: int) -> list[int]:
    body = {"checkouts": changes - changes // 2, "checkins": changes // 2, "seed": seed}
    touched = [int(i) for i in fake._control("POST", "seats", body)["licenses"]]
    log(f"{changes} seat changes on licenses {touched}")
    return touched


def measure(pg: PgCluster, args: argparse.Namespace) -> dict[str, Case]:
    extra = ["--licenses", str(args.licenses), "--seats", str(args.seats)]
    if args.rate_limit:
        extra += ["--rate-limit", str(args.rate_limit), "--rate-window", str(args.rate_window)]
    every = {"ASSETSYNC_SEAT_SWEEP_HOURS": "0"}
    out: dict[str, Case] = {}
    with FakeServer(args.assets, *extra) as fake:
        pg.create_db(DB)
        out["first"] = sync(pg, fake, args, "first load")
        out["nochange"] = sync(pg, fake, args, "no change")
        touched = change_seats(fake, args.changes, 11)
        out["changes"] = sync(pg, fake, args, "seat changes")
        out["changes"].extra["touched"] = len(touched)
        out["sweep"] = sync(pg, fake, args, "sweep", **every)
        out["every_nochange"] = sync(pg, fake, args, "every license, no change", **every)
        touched = change_seats(fake, args.changes, 12)
        out["every_changes"] = sync(pg, fake, args, "every license, seat changes", **every)
        out["every_changes"].extra["touched"] = len(touched)
    pg.drop_db(DB)
    return out


def _cell(c: Case | None) -> str:
    return "—" if c is None else f"{c.requests} / {c.seat_requests} / {c.seconds:.1f}"


def _wait(c: Case | None) -> str:
    if c is None:
        return "—"
    wait = "-" if c.throttle_wait is None else f"{c.throttle_wait:.1f}"
    return f"{wait} ({c.refused})"


def _read(c: Case) -> str:
    why = ", ".join(f"{n} {reason}" for reason, n in sorted(c.reasons.items()))
    return f"{c.licenses_read} ({why})" if why else "0"


def render(args: argparse.Namespace, r: dict[str, Case], pg_version: str, elapsed: float) -> str:
    first, nochange, changes, sweep = r["first"], r["nochange"], r["changes"], r["sweep"]
    every_nc, every_ch = r["every_nochange"], r["every_changes"]
    throttle = f"{args.rate_limit} requests per {args.rate_window:g} s" if args.rate_limit else "none"
    half = args.changes - args.changes // 2
    rows = [
        ("first load", first, first, "the same run: a first load reads every license"),
        ("no change", nochange, every_nc, ""),
        (
            f"{args.changes} seat changes ({half} checkouts, {args.changes // 2} check-ins)",
            changes,
            every_ch,
            "",
        ),
        ("daily sweep (ASSETSYNC_SEAT_SWEEP_HOURS, no change)", sweep, None, "every run is one"),
    ]
    # A day of RUNS_PER_DAY scheduled runs: assetsync sweeps once and reads selectively otherwise.
    ours = sweep.requests + (RUNS_PER_DAY - 1) * changes.requests
    theirs = RUNS_PER_DAY * every_ch.requests
    lines = [
        START,
        "",
        "## License seats against the throttle",
        "",
        f"`python bench/licenses.py --licenses {args.licenses} --seats {args.seats} --assets {args.assets} "
        f"--rate-limit {args.rate_limit}` on {time.strftime('%Y-%m-%d %H:%M %Z')}, took {elapsed / 60:.1f} "
        f"min. Machine: {machine()}; PostgreSQL {pg_version}; assetsync at `{commit()}`. Fake Snipe-IT in "
        f"its own process: {args.licenses} licenses with {args.seats:,} seats ({first.extra['listed']} live "
        f"licenses listed), {args.assets} assets and the default small estate, throttle {throttle}, the "
        "activity log on; all record types synced. One fresh database, one run per figure (single runs: "
        "with the throttle the seconds follow the requests). Each sync starts with a full throttle window. "
        "Requests are the fake's count for the whole run (hardware, other entities, activity, seats); seat "
        "requests are the sync's `seats.requests`; the wait is the sync's `throttle_wait_seconds`, the 429s "
        "the fake's count. Seat changes go through `POST /__fake__/seats`, which "
        "logs each against its license as Snipe-IT does. After every run the seat table held exactly the "
        f"fake's live seats ({every_ch.seats:,} at the end; ids, licenses, users and assets compared).",
        "",
        "| case | assetsync: requests / seat requests / s | licenses read (why) | "
        "waited on throttle s (429s) | every license each run: requests / seat requests / s | "
        "waited on throttle s (429s) | note |",
        "|---|---:|---|---:|---:|---:|---|",
    ]
    for label, ours_c, theirs_c, note in rows:
        lines.append(
            f"| {label} | {_cell(ours_c)} | {_read(ours_c)} | {_wait(ours_c)} | {_cell(theirs_c)} | "
            f"{_wait(theirs_c)} | {note} |"
        )
    lines += [
        "",
        f"What the selective reads bought: after {args.changes} seat changes a run made "
        f"{changes.requests} requests ({changes.seat_requests} for seats; the changes touched "
        f"{changes.extra['touched']} licenses, it read {changes.licenses_read}) in {changes.seconds:.1f} s, "
        f"against {every_ch.requests} requests in {every_ch.seconds:.1f} s reading every license; with "
        f"nothing changed {nochange.requests} against {every_nc.requests}. Over a day of {RUNS_PER_DAY} "
        f"scheduled runs (one of them the sweep) that is about {ours:,} requests against {theirs:,}: "
        "the rest of the throttle budget stays with the people using Snipe-IT's pages and its other API "
        "clients.",
        "",
        END,
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.time()
    with started_cluster() as pg:
        results = measure(pg, args)
        text = render(args, results, pg.version(), time.time() - started)
    publish(text, args.out, log, begin=START, end=END)
    return 0


if __name__ == "__main__":
    run_main(main)
