"""SNIPEIT_RATE_WINDOW: the client paces itself to the server's throttle window, not a fixed minute."""

from __future__ import annotations

import time

import pytest

from assetsync.config import ConfigError, load_settings
from assetsync.sync import make_client

BASE = {"DATABASE_URL": "postgresql://u:p@h/db", "SNIPEIT_API_URL": "https://x.example", "SNIPEIT_TOKEN": "t"}


def test_rate_window_defaults_to_laravels_minute() -> None:
    settings = load_settings(BASE)
    assert settings.rate_window == 60.0
    assert make_client(settings, deadline=None).limiter.window == 60.0


def test_rate_window_setting_reaches_the_limiter() -> None:
    settings = load_settings({**BASE, "SNIPEIT_RATE_WINDOW": "4.5"})
    assert make_client(settings, deadline=None).limiter.window == 4.5


@pytest.mark.parametrize("bad", ["0", "-3", "soon"])
def test_rate_window_must_be_positive_seconds(bad: str) -> None:
    with pytest.raises(ConfigError, match="SNIPEIT_RATE_WINDOW"):
        load_settings({**BASE, "SNIPEIT_RATE_WINDOW": bad})


def test_a_window_the_server_began_late_is_waited_out_without_a_429() -> None:
    """The server starts its window when the first request reaches it, which may be well after the
    client sent it (a busy server, a proxy): the client counts the window from the answer, so the
    request after its pause does not land in the old window."""
    from assetsync.fake_snipeit import FakeSnipeIT, RequestInfo, generate_assets
    from assetsync.snipeit import SnipeITClient

    with FakeSnipeIT(
        generate_assets(20, seed=2), token="t" * 20, rate_limit_per_window=4, rate_window_seconds=1.5
    ) as fake:
        delayed: list[str] = []

        def first_arrives_late(info: RequestInfo) -> None:
            if not delayed:
                delayed.append(info.path)
                time.sleep(0.4)

        fake.add_hook(first_arrives_late)
        client = SnipeITClient(fake.api_url, "t" * 20, rate_window=1.5)
        for _ in range(6):  # a window's budget of 4, a pause, then the next window
            client.get("hardware", {"limit": 5, "offset": 0})
        assert delayed and fake.count_429 == 0
        assert client.limiter.stats.throttle_wait > 0.9  # it did pause for the window
