"""Write the hashed lock files from pyproject.toml, or check that they still agree with it.

    python scripts/lock.py            # after changing dependencies in pyproject.toml
    python scripts/lock.py --upgrade  # take the newest versions pyproject.toml allows
    python scripts/lock.py --check    # CI: fail when a lock no longer matches pyproject.toml

One resolution covers Windows and Linux (uv's --universal keeps the environment markers, such as
tzdata for psycopg on Windows) for Python 3.11 and newer, with the hashes of every wheel. An
existing lock's pins are kept unless --upgrade is given, so --check passes until pyproject.toml
changes in a way the pinned versions no longer satisfy. Needs uv (in the test extra).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Lock file -> the extras it installs on top of the core (servers install `serve`).
LOCKS: dict[str, tuple[str, ...]] = {"requirements.txt": (), "requirements-serve.txt": ("serve",)}
COMMAND = "python scripts/lock.py"


def compile_lock(output: Path, extras: tuple[str, ...], *, upgrade: bool) -> None:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        sys.exit('scripts/lock.py needs uv: python -m pip install -e ".[test]"')
    args = [
        uv, "pip", "compile", str(PROJECT_DIR / "pyproject.toml"),
        "--universal", "--generate-hashes", "--python-version", "3.11",
        "--custom-compile-command", COMMAND, "--quiet", "-o", str(output),
    ]  # fmt: skip
    for extra in extras:
        args += ["--extra", extra]
    if upgrade:
        args.append("--upgrade")
    # From the project folder, so the header names pyproject.toml, not an absolute path.
    subprocess.run(args, check=True, cwd=PROJECT_DIR)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="compare instead of writing")
    mode.add_argument("--upgrade", action="store_true", help="move every pin to the newest allowed")
    options = parser.parse_args()
    if not options.check:
        for name, extras in LOCKS.items():
            compile_lock(PROJECT_DIR / name, extras, upgrade=options.upgrade)
        return 0
    stale = []
    with tempfile.TemporaryDirectory() as scratch:
        for name, extras in LOCKS.items():
            fresh = Path(scratch) / name
            shutil.copyfile(PROJECT_DIR / name, fresh)  # its pins are the preference
            compile_lock(fresh, extras, upgrade=False)
            if fresh.read_text("utf-8") != (PROJECT_DIR / name).read_text("utf-8"):
                stale.append(name)
    for name in stale:
        print(f"{name} does not match pyproject.toml; run `{COMMAND}` and commit the result")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
