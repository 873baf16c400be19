"""Fixtures of the fault suite: small timeouts and pages so every scenario is quick."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assetsync.fake_snipeit import FakeSnipeIT
from tests.conftest import make_env
from tests.faults.harness import Expect, Run, check


@pytest.fixture
def fenv(fake: FakeSnipeIT, db_dsn: str, tmp_path: Path) -> dict[str, str]:
    """Settings for a fault scenario: 20-row pages (several per pass), three retries, a run budget
    (make_env already makes waits and timeouts short)."""
    # The fake counts 120 requests a minute per user, like Snipe-IT. A scenario of several runs
    # with 20-row pages (pages read ahead, the activity log) comes near that, and the client would
    # rightly wait for the next window; these scenarios are about faults, not the throttle.
    fake.rate_limit_per_window = 1000
    return make_env(
        fake,
        db_dsn,
        tmp_path / "logs",
        SNIPEIT_PAGE_SIZE="20",
        SNIPEIT_MAX_RETRIES="3",
        ASSETSYNC_RUN_TIMEOUT="60",
    )


@pytest.fixture
def expect(fake: FakeSnipeIT, db_dsn: str) -> Expect:
    """The standard assertions of a scenario against this test's fake and database."""

    def bound(run: Run, **assertions: Any) -> None:
        check(run, dsn=db_dsn, fake=fake, **assertions)

    return bound
