""".env.example and docs/configuration.md, written from the declaration of `Settings`.

Regenerate both after adding or changing a setting:

    python -m assetsync.settings_docs

tests/test_settings_docs.py fails while either file differs from what this writes.
"""

from __future__ import annotations

import textwrap
from itertools import groupby

from assetsync.config import PROJECT_DIR, SPECS
from assetsync.settings_spec import Spec

ENV_EXAMPLE = PROJECT_DIR / ".env.example"
CONFIGURATION_MD = PROJECT_DIR / "docs" / "configuration.md"
WIDTH = 100


def render_env_example() -> str:
    lines = [
        "# assetsync settings. Copy this file to .env next to scheduled_sync.py and fill in the first three.",
        "# Real environment variables win over this file. Never commit your .env.",
        "# Written by `python -m assetsync.settings_docs` from assetsync/config.py; edit that, not this.",
    ]
    for section, group in groupby(SPECS.values(), key=lambda spec: spec.section):
        lines += ["", f"# --- {section} ".ljust(WIDTH, "-")]
        for spec in group:
            lines += textwrap.wrap(spec.meaning, WIDTH, initial_indent="# ", subsequent_indent="# ")
            lines.append(_assignment(spec))
    return "\n".join(lines) + "\n"


def _assignment(spec: Spec) -> str:
    if spec.required_for is not None:
        # A placeholder in <angle brackets> only describes the value; the line stays empty.
        value = "" if spec.example.startswith("<") else spec.example
        return f"{spec.name}={value}"
    return f"#{spec.name}={spec.default}"


def render_configuration_md() -> str:
    lines = [
        "# Configuration",
        "",
        "<!-- Written by `python -m assetsync.settings_docs` from assetsync/config.py; edit that. -->",
        "",
        "Every setting is an environment variable, or a line `NAME=value` in the `.env` file next to",
        "`scheduled_sync.py` (copy `.env.example`); a real environment variable wins over `.env`.",
        "`assetsync config` shows each effective value and where it came from, secrets masked.",
        "A bad value stops `sync`, `check`, `config`, `runs`, `status` and `serve` with a message naming",
        "the variable, and exit code 2.",
    ]
    for section, group in groupby(SPECS.values(), key=lambda spec: spec.section):
        heading = f"## {section[0].upper()}{section[1:]}"
        lines += ["", heading, "", "| Setting | Default | Meaning |", "|---|---|---|"]
        for spec in group:
            default = f"`{spec.default}`" if spec.default else "(none)"
            meaning = spec.meaning.replace("|", "\\|")  # a bare | would end the table cell
            secret = " **Secret**: masked in every output." if spec.secret else ""
            lines.append(f"| `{spec.name}` | {default} | {meaning}{secret} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ENV_EXAMPLE.write_text(render_env_example(), "utf-8", newline="\n")
    CONFIGURATION_MD.write_text(render_configuration_md(), "utf-8", newline="\n")
    print(f"wrote {ENV_EXAMPLE} and {CONFIGURATION_MD}")


if __name__ == "__main__":
    main()
