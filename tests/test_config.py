"""Settings: where they come from, and one clear message per bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from assetsync.config import (
    ENV_FILE,
    PROJECT_DIR,
    ConfigError,
    load_environment,
    load_settings,
)
from assetsync.redact import Redactor, redact_dsn
from assetsync.setting_values import is_loopback

BASE = {
    "DATABASE_URL": "postgresql://sync:pw@db:5432/reporting",
    "SNIPEIT_API_URL": "https://assets.example.com",
    "SNIPEIT_TOKEN": "tok-123456",
}


def test_env_file_is_next_to_scheduled_sync_py_not_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scheduled_sync

    assert ENV_FILE.parent == Path(scheduled_sync.__file__).resolve().parent
    # Task Scheduler starts in C:\\Windows\\System32: a .env in the current folder must not count.
    (tmp_path / ".env").write_text("ASSETSYNC_SCHEMA=from_the_current_folder\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ASSETSYNC_SCHEMA", raising=False)
    assert load_environment().get("ASSETSYNC_SCHEMA") != "from_the_current_folder"


def test_real_environment_wins_over_the_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("SNIPEIT_TOKEN=from-file\nASSETSYNC_SCHEMA=fromfile\n", "utf-8")
    monkeypatch.setenv("SNIPEIT_TOKEN", "from-env")
    merged = load_environment(env_file)
    assert merged["SNIPEIT_TOKEN"] == "from-env"
    assert merged["ASSETSYNC_SCHEMA"] == "fromfile"


def test_defaults() -> None:
    settings = load_settings(BASE)
    assert settings.api_url == "https://assets.example.com/api/v1"
    assert settings.page_size == 500 and settings.schema == "snipeit" and settings.verify_tls
    assert settings.log_dir == PROJECT_DIR / "logs"
    assert "pw" not in repr(settings) and "tok-123456" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("SNIPEIT_PAGE_SIZE", "0", "SNIPEIT_PAGE_SIZE"),
        ("SNIPEIT_PAGE_SIZE", "1000", "1 to 500"),
        ("SNIPEIT_READ_TIMEOUT", "soon", "SNIPEIT_READ_TIMEOUT"),
        ("SNIPEIT_TIMEZONE", "Mars/Olympus", "IANA"),
        ("ASSETSYNC_SCHEMA", 'x"; DROP TABLE', "ASSETSYNC_SCHEMA"),
        ("ASSETSYNC_REMOVAL_BRAKE", "150%", "ASSETSYNC_REMOVAL_BRAKE"),
        ("SNIPEIT_VERIFY_TLS", "maybe", "true or false"),
        ("SNIPEIT_API_URL", "assets.example.com", "SNIPEIT_API_URL"),
        ("SNIPEIT_CA_BUNDLE", "/nonexistent/ca.pem", "SNIPEIT_CA_BUNDLE"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
        ("ASSETSYNC_SYNC_TIMES", "25:00", "ASSETSYNC_SYNC_TIMES"),
    ],
)
def test_malformed_settings_name_the_variable(name: str, value: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment.replace("(", r"\(")):
        load_settings({**BASE, name: value})


@pytest.mark.parametrize("missing", ["DATABASE_URL", "SNIPEIT_API_URL", "SNIPEIT_TOKEN"])
def test_missing_required_setting(missing: str) -> None:
    env = {k: v for k, v in BASE.items() if k != missing}
    with pytest.raises(ConfigError, match=f"{missing} is not set"):
        load_settings(env)


def test_share_and_percent_forms() -> None:
    assert load_settings({**BASE, "ASSETSYNC_REMOVAL_BRAKE": "25%"}).removal_brake == 0.25
    assert load_settings({**BASE, "ASSETSYNC_REMOVAL_BRAKE": "0.05"}).removal_brake == 0.05


def test_dsn_passwords_are_masked_in_every_form() -> None:
    assert "s3cret" not in redact_dsn("postgresql://u:s3cret@h:5432/d")
    assert "s3cret" not in redact_dsn("host=h user=u password=s3cret dbname=d")
    assert "s3 cret" not in redact_dsn("host=h password='s3 cret' dbname=d")
    assert "s3cret" not in redact_dsn("postgresql://u@h/d?password=s3cret")
    redact = Redactor(["tok-123456"])
    assert redact("Bearer tok-123456 for postgresql://a:b@c/d") == "Bearer *** for postgresql://a:***@c/d"


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8080", True),
        ("http://localhost/api/v1", True),
        ("http://[::1]:80", True),
        ("http://127.evil.example/api/v1", False),  # a name that merely starts like a loopback address
        ("http://assets.example.com", False),
    ],
)
def test_loopback_means_this_machine_only(url: str, local: bool) -> None:
    assert is_loopback(url) is local
