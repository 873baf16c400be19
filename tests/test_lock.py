"""The sync lock: free the moment a run ends, and probed without being kept."""

from __future__ import annotations

import psycopg

from assetsync.config import Settings
from assetsync.store import Store
from assetsync.sync import run_sync


def test_the_lock_is_free_the_moment_a_run_returns(settings: Settings, db_dsn: str) -> None:
    # PostgreSQL alone frees a closed session's lock a moment after the close: a run (or a
    # `serve` request) started right then was told another sync was running.
    with psycopg.connect(db_dsn, autocommit=True) as probe:
        for _ in range(3):
            assert run_sync(settings).status == "success"
            assert Store(probe, settings.schema).lock_is_free()


def test_lock_probe_sees_a_holder_and_does_not_keep_the_lock(settings: Settings, db_dsn: str) -> None:
    with psycopg.connect(db_dsn, autocommit=True) as probe, psycopg.connect(db_dsn, autocommit=True) as other:
        assert Store(probe, settings.schema).lock_is_free()
        Store(other, settings.schema).try_lock()  # the probe released it: this must succeed
        assert not Store(probe, settings.schema).lock_is_free()
        Store(other, settings.schema).release_locks()
        assert Store(probe, settings.schema).lock_is_free()
    assert run_sync(settings).status == "success"
