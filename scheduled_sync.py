"""Entry point for Windows Task Scheduler (and cron): runs one sync, exits with its code.

Task Scheduler starts programs in C:\\Windows\\System32, so everything (the .env file, the logs
folder, the package itself) is found from this file's own folder, never from the current one.
"""

from __future__ import annotations

import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from assetsync.cli import cli  # noqa: E402

if __name__ == "__main__":
    cli(["sync", *sys.argv[1:]], prog_name="scheduled_sync.py")
