"""Every command has --help with an Example block, and the README documents every command."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from assetsync.cli import cli
from assetsync.config import PROJECT_DIR

COMMANDS = sorted(cli.commands)


def test_the_operating_commands_are_registered() -> None:
    assert {"sync", "check", "status", "runs", "demo"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_help_has_examples_kept_as_written(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output, f"`assetsync {name} --help` has no Example block"
    written = (cli.commands[name].help or "").split("Example:", 1)[1]
    examples = [line.strip() for line in written.splitlines() if line.strip()]
    assert examples, f"`assetsync {name} --help` has an empty Example block"
    shown = [line.strip() for line in result.output.splitlines()]
    # One command per line: without a \b line before the block, click rewraps it into one.
    for example in examples:
        assert example in shown, f"{example!r} is not on a line of its own in --help"


@pytest.mark.parametrize("name", COMMANDS)
def test_readme_documents_every_command(name: str) -> None:
    readme = (PROJECT_DIR / "README.md").read_text("utf-8")
    assert f"assetsync {name}" in readme, f"README.md does not mention `assetsync {name}`"


def test_short_help_option() -> None:
    assert "Usage:" in CliRunner().invoke(cli, ["-h"]).output
