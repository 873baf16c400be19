"""Run the fake in its own process: ``python -m assetsync.fake_snipeit --assets 100000 --port 0``.

Prints ``READY <api_url>`` once it accepts requests, then serves until SIGTERM or SIGINT.
``--activity`` gives it an activity log of that many old entries. ``--users`` / ``--records`` size
the other entities (e.g. 20000 users and 3000 other records), ``--licenses`` / ``--seats`` the licenses
and their seats in all (e.g. 600 licenses, 20000 seats, a few licenses much bigger than the rest);
with any of them, the estate is generated and rendered before READY, otherwise on first request.
"""

from __future__ import annotations

import argparse
import dataclasses
import signal
import sys
import threading
from types import FrameType

from .data import generate_assets
from .estate_records import EstateSize
from .server import FakeSnipeIT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assetsync.fake_snipeit", description=__doc__)
    parser.add_argument("--assets", type=int, default=500, help="number of generated assets (default 500)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--archived-share", type=float, default=0.03)
    parser.add_argument("--deleted-share", type=float, default=0.02)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--token", default="test-token")
    parser.add_argument("--max-results", type=int, default=500, help="MAX_RESULTS page cap (default 500)")
    parser.add_argument("--rate-limit", type=int, default=None, help="requests per window (default: none)")
    parser.add_argument("--rate-window", type=float, default=60.0, help="throttle window in seconds")
    parser.add_argument("--rate-limit-style", choices=("v8.1.4", "newer"), default="v8.1.4")
    parser.add_argument("--page-delay", type=float, default=0.0, help="seconds added to each list response")
    parser.add_argument("--digit-separator", choices=("1,234.56", "1.234,56", "plain"), default="1,234.56")
    parser.add_argument("--snipeit-version", default="v8.1.4", help="what GET /api/v1/version reports")
    parser.add_argument("--show-archived-in-list", action="store_true")
    parser.add_argument("--users", type=int, default=None, help="users in the estate (default 120)")
    parser.add_argument(
        "--records", type=int, default=None, help="records over the 8 other entities (default about 110)"
    )
    parser.add_argument("--licenses", type=int, default=None, help="licenses (default 40)")
    parser.add_argument("--seats", type=int, default=None, help="seats over all licenses (default 8 each)")
    parser.add_argument("--activity", type=int, default=0, help="old activity log entries (default 0)")
    args = parser.parse_args(argv)

    assets = generate_assets(
        args.assets, seed=args.seed, archived_share=args.archived_share, deleted_share=args.deleted_share
    )
    size = None
    if args.users is not None or args.records is not None:
        users = EstateSize().users if args.users is None else args.users
        size = EstateSize(users=users) if args.records is None else EstateSize.scaled(users, args.records)
    if args.licenses is not None or args.seats is not None:
        licenses = EstateSize.licenses if args.licenses is None else args.licenses
        seats = licenses * 8 if args.seats is None else args.seats
        size = dataclasses.replace(size or EstateSize(), licenses=licenses, seats=seats)
    fake = FakeSnipeIT(
        assets,
        token=args.token,
        max_results=args.max_results,
        version=args.snipeit_version,
        digit_separator=args.digit_separator,
        rate_limit_per_window=args.rate_limit,
        rate_window_seconds=args.rate_window,
        rate_limit_style=args.rate_limit_style,
        page_delay=args.page_delay,
        show_archived_in_list=args.show_archived_in_list,
        host=args.host,
        port=args.port,
        estate=size,
        estate_seed=args.seed,
    )
    fake.activity.generate(args.activity)  # made from their ids on demand: nothing to warm
    fake.warm()  # render up front so the first sync pass times the client, not the fake
    if size is not None:
        fake.estate.warm()
    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    fake.start()
    print(f"READY {fake.api_url}", flush=True)
    while not done.wait(0.5):  # a timed wait keeps the main thread responsive to signals everywhere
        pass
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
