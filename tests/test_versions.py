"""`assetsync --version` and `assetsync check` carry the versions a support request needs."""

from __future__ import annotations

import platform
import re
import tomllib
from importlib import metadata

from click.testing import CliRunner

from assetsync import __version__
from assetsync.cli import cli
from assetsync.config import PROJECT_DIR
from assetsync.versions import core_dependencies


def test_core_dependencies_are_pyproject_s() -> None:
    declared = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text("utf-8"))["project"]["dependencies"]
    names = [re.match(r"[A-Za-z0-9._-]+", line)[0] for line in declared]  # type: ignore[index]
    assert core_dependencies() == names


def test_version_names_python_and_each_installed_dependency() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert f"assetsync {__version__}, Python {platform.python_version()}" in result.output
    for name in core_dependencies():
        assert f"{name} {metadata.version(name)}" in result.output
    assert re.search(r"libpq \d+\.\d+ \((binary|c|python)\)", result.output)


def test_check_starts_with_the_versions() -> None:
    result = CliRunner().invoke(cli, ["check"], env={"DATABASE_URL": "", "SNIPEIT_TOKEN": ""})
    first = result.output.splitlines()[0]
    assert first.startswith(f"assetsync {__version__}, Python {platform.python_version()}")
    assert f"click {metadata.version('click')}" in result.output
