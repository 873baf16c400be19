"""The declaration of Settings is the one source: .env.example, the docs and redaction follow it."""

from __future__ import annotations

from dataclasses import fields

import pytest

from assetsync.config import SPECS, Settings, load_settings
from assetsync.settings_docs import (
    CONFIGURATION_MD,
    ENV_EXAMPLE,
    render_configuration_md,
    render_env_example,
)
from assetsync.sync import make_redactor

REGENERATE = "run `python -m assetsync.settings_docs` and commit the result"
BASE = {
    "DATABASE_URL": "postgresql://sync:pw-database-1@db:5432/reporting",
    "SNIPEIT_API_URL": "https://assets.example.com",
    "SNIPEIT_TOKEN": "tok-0123456789abcdef",
}


def test_env_example_is_written_from_the_declaration() -> None:
    assert ENV_EXAMPLE.read_text("utf-8") == render_env_example(), REGENERATE


def test_configuration_doc_is_written_from_the_declaration() -> None:
    assert CONFIGURATION_MD.read_text("utf-8") == render_configuration_md(), REGENERATE


def test_every_field_is_a_declared_setting_with_a_unique_name() -> None:
    assert list(SPECS) == [f.name for f in fields(Settings)]
    names = [spec.name for spec in SPECS.values()]
    assert len(set(names)) == len(names)
    assert all(spec.meaning.strip() for spec in SPECS.values())


def test_env_example_lists_every_setting_once() -> None:
    lines = ENV_EXAMPLE.read_text("utf-8").splitlines()
    for spec in SPECS.values():
        assigned = [line for line in lines if line.lstrip("#").startswith(f"{spec.name}=")]
        assert len(assigned) == 1, spec.name


def test_the_example_file_loads_once_its_token_is_filled_in() -> None:
    env: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    settings = load_settings({**env, "SNIPEIT_TOKEN": "x" * 20})
    assert settings.api_url == "https://assets.example.com/api/v1" and settings.schema == "snipeit"


@pytest.mark.parametrize("name", [spec.name for spec in SPECS.values() if spec.secret])
def test_every_secret_is_kept_out_of_repr_and_scrubbed_from_messages(name: str) -> None:
    value = "Secret-Value-0123456789"
    if name == "DATABASE_URL":
        value = f"postgresql://sync:{value}@db:5432/reporting"
    elif name.endswith("_URL"):  # webhook and heartbeat: the secret is the path
        value = f"https://hooks.example.com/workflows/{value}"
    settings = load_settings({**BASE, name: value})
    assert "Secret-Value-0123456789" not in repr(settings)
    assert "Secret-Value-0123456789" not in make_redactor(settings)(f"the value was {value}")
