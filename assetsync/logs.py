"""Daily log files (logs/sync_YYYYMMDD.log), console echo, secret scrubbing and retention."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

from assetsync.redact import RedactingFilter, Redactor

LOGGER_NAME = "assetsync"
_DAILY_LOG = re.compile(r"^sync_(\d{8})\.log$")
_FORMAT = "%(asctime)s %(levelname)-7s %(message)s"

log = logging.getLogger(LOGGER_NAME)


def daily_log_path(log_dir: Path, day: date | None = None) -> Path:
    """The log file of a day: `sync_YYYYMMDD.log`, named by the local date."""
    return log_dir / f"sync_{(day or datetime.now().date()):%Y%m%d}.log"


@dataclass
class LogSetup:
    """What `open_run_log` managed to set up; `file_error` says why the file is missing."""

    path: Path | None
    file_error: str | None = None
    handlers: list[logging.Handler] = field(default_factory=list)


class _SafeFileHandler(logging.FileHandler):
    """A file handler that remembers write failures (disk full) instead of printing tracebacks."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, mode="a", encoding="utf-8", delay=False)
        self.failure: str | None = None

    def handleError(self, record: logging.LogRecord) -> None:
        self._fail(sys.exc_info()[1])

    def flush(self) -> None:
        try:
            super().flush()
        except OSError as exc:
            self._fail(exc)

    def close(self) -> None:
        # Closing flushes what is still buffered; on a full disk that raises again, and an error
        # escaping here would turn a finished sync into a crash with a traceback.
        try:
            super().close()
        except OSError as exc:
            self._fail(exc)

    def _fail(self, exc: BaseException | None) -> None:
        if self.failure is None:
            self.failure = f"could not write to {self.baseFilename}: {exc}"
            sys.stderr.write(f"assetsync: WARNING {self.failure}; logging to the console only\n")


@contextmanager
def open_run_log(
    log_dir: Path, redactor: Redactor, *, console: TextIO | None = sys.stderr, verbose: bool = False
) -> Iterator[LogSetup]:
    """Attach today's log file (append) and a console echo to the assetsync logger for one run."""
    log.setLevel(logging.DEBUG)
    log.propagate = False
    scrub = RedactingFilter(redactor)
    formatter = logging.Formatter(_FORMAT)
    setup = LogSetup(path=None)
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        path = daily_log_path(log_dir)
        file_handler = _SafeFileHandler(path)
        file_handler.setLevel(logging.DEBUG)
        file_handler.setFormatter(formatter)
        file_handler.addFilter(scrub)
        setup.handlers.append(file_handler)
        setup.path = path
    except OSError as exc:
        setup.file_error = f"cannot write the log file in {log_dir}: {exc.strerror or exc}"
    if console is not None or setup.file_error:
        stream = console if console is not None else sys.stderr
        console_handler = logging.StreamHandler(stream)
        console_handler.setLevel(logging.DEBUG if verbose else logging.INFO)
        console_handler.setFormatter(formatter)
        console_handler.addFilter(scrub)
        setup.handlers.append(console_handler)
    for handler in setup.handlers:
        log.addHandler(handler)
    try:
        if setup.file_error:
            log.warning(
                "%s; logging to the console only (check ASSETSYNC_LOG_DIR and permissions)", setup.file_error
            )
        yield setup
    finally:
        for handler in setup.handlers:
            log.removeHandler(handler)
            handler.close()
            if isinstance(handler, _SafeFileHandler) and handler.failure and not setup.file_error:
                setup.file_error = handler.failure


def prune_old_logs(log_dir: Path, keep_days: int, *, today: date | None = None) -> list[Path]:
    """Delete `sync_YYYYMMDD.log` files older than keep_days; never touch any other file."""
    if keep_days <= 0 or not log_dir.is_dir():
        return []
    current = today or datetime.now().date()
    removed: list[Path] = []
    for entry in sorted(log_dir.iterdir()):
        match = _DAILY_LOG.match(entry.name)
        if not match or not entry.is_file() or entry.is_symlink():
            continue
        try:
            day = datetime.strptime(match.group(1), "%Y%m%d").date()
        except ValueError:
            continue
        if (current - day).days > keep_days:
            try:
                entry.unlink()
                removed.append(entry)
            except OSError as exc:
                log.warning("Could not delete old log %s: %s", entry.name, exc)
    return removed
