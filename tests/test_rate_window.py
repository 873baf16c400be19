"""SNIPEIT_RATE_WINDOW: the client paces itself to the server's throttle window, not a fixed minute."""

from __future__ import annotations

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
