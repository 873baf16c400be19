"""Endpoints only this fake has, for benchmarks and scripts (token required, never throttled).

- ``GET /__fake__/stats``: requests served, 429s sent, the throttle windows, and the requests
  being answered at once over time.
- ``GET /__fake__/ids``: ``{"all", "live"}`` asset ids; ``?entity=users`` (or another entity) for its
  records, ``live`` being the rows not soft-deleted.
- ``POST /__fake__/churn``: ``{"changed", "soft_deleted", "purged", "new", "seed"}`` as shares of the
  live assets, plus optional ``"users": {"changed", "soft_deleted", "new"}`` as shares of live users.
  Answers the counts (with a ``"users"`` object when users churned).
- ``POST /__fake__/activity``: ``{"add": N}`` writes N new activity entries (user updates);
  answers ``{"total", "highest_id"}``.
- ``GET /__fake__/seats``: ``{"seats": [[id, license_id, assigned_user_id, assigned_asset_id], ...]}``,
  every seat of a live license.
- ``POST /__fake__/seats``: ``{"checkouts": n, "checkins": m, "seed": s}`` frees m taken seats and
  checks n free ones out to live users, logged as Snipe-IT logs them; answers
  ``{"licenses", "checkouts", "checkins"}`` (license ids touched, seat ids changed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from .estate_records import ENTITIES
from .handler import Reply, RequestInfo
from .state import now_utc

if TYPE_CHECKING:
    from .server import FakeSnipeIT


def _bad(message: str, status: int = 400) -> Reply:
    return Reply(status, {"status": "error", "messages": message, "payload": None})


def control_reply(fake: FakeSnipeIT, info: RequestInfo) -> Reply:
    if info.path == "/__fake__/stats" and info.method == "GET":
        return Reply(200, _stats(fake))
    if info.path == "/__fake__/ids" and info.method == "GET":
        entity = info.params.get("entity", "hardware")
        if entity == "hardware":
            return Reply(200, {"all": sorted(fake.all_ids()), "live": sorted(fake.live_ids())})
        if entity not in ENTITIES:
            return _bad(f"unknown entity {entity!r}")
        return Reply(200, {"all": fake.estate.all_ids(entity), "live": fake.estate.live_ids(entity)})
    if info.path == "/__fake__/churn" and info.method == "POST":
        try:
            spec = orjson.loads(info.body or b"{}")
            counts: dict[str, Any] = dict(
                fake.churn(
                    changed=float(spec.get("changed", 0)),
                    soft_deleted=float(spec.get("soft_deleted", 0)),
                    purged=float(spec.get("purged", 0)),
                    new=float(spec.get("new", 0)),
                    seed=int(spec.get("seed", 2)),
                )
            )
            users = spec.get("users")
            if users:
                counts["users"] = fake.estate.churn_users(
                    changed=float(users.get("changed", 0)),
                    soft_deleted=float(users.get("soft_deleted", 0)),
                    new=float(users.get("new", 0)),
                    seed=int(spec.get("seed", 2)),
                )
        except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError) as exc:
            return _bad(f"bad churn request: {exc}")
        return Reply(200, counts)
    if info.path == "/__fake__/activity" and info.method == "POST":
        try:
            add = int(orjson.loads(info.body or b"{}").get("add", 0))
        except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError) as exc:
            return _bad(f"bad activity request: {exc}")
        for n in range(add):
            meta = {"jobtitle": {"old": "a", "new": f"b{n}"}}
            fake.activity.write(action="update", item_type="user", item_id=1 + n % 50, item_name=f"user {n}",
                                created_at=now_utc(), log_meta=meta)  # fmt: skip
        return Reply(200, {"total": fake.activity.total(), "highest_id": fake.activity.highest_id()})
    if info.path == "/__fake__/seats" and info.method == "GET":
        return Reply(200, {"seats": fake.all_seats()})
    if info.path == "/__fake__/seats" and info.method == "POST":
        try:
            spec = orjson.loads(info.body or b"{}")
            n, m, seed = (int(spec.get(k, d)) for k, d in (("checkouts", 0), ("checkins", 0), ("seed", 1)))
            return Reply(200, fake.random_seat_changes(n, m, seed))
        except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError) as exc:
            return _bad(f"bad seats request: {exc}")
    return _bad("unknown fake control endpoint", 404)


def _stats(fake: FakeSnipeIT) -> dict[str, Any]:
    with fake._lock:
        first = fake.windows[0][0] if fake.windows else 0.0
        return {
            "requests": sum(1 for r in fake.requests if not r.path.startswith("/__fake__/")),
            "count_429": fake.count_429,
            "rate_limit": fake.rate_limit_per_window,
            "rate_window": fake.rate_window_seconds,
            # [seconds since the first window, counted, refused]
            "windows": [[round(w[0] - first, 4), int(w[1]), int(w[2])] for w in fake.windows],
            "max_in_flight": fake.max_in_flight,
            # [seconds since the first request, requests being answered] at every change
            "in_flight": [[round(t - fake.in_flight_log[0][0], 4), n] for t, n in fake.in_flight_log],
        }
