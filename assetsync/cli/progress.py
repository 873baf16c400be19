"""A one-line progress bar for `sync` in a terminal, redrawn below the log lines that scroll past."""

from __future__ import annotations

import threading
from typing import TextIO

from assetsync.fetch import PASSES, Page

PASS_NAMES = [name for name, _ in PASSES]
BAR_WIDTH = 20


class ProgressLine:
    """Draws the pass, pages and assets on one line of `out`, and passes log text through.

    Used as the console stream of the run's logging, so a log line first wipes the bar, is
    written, and the bar is drawn again under it. ASCII only: Windows consoles with a legacy
    code page cannot show block characters.
    """

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._shown = ""
        self._pages = 0
        self._per_pass: dict[str, int] = {}
        # Log lines also come from the page prefetch thread; one writer at a time keeps lines whole.
        self._lock = threading.Lock()

    def on_page(self, page: Page, assets_so_far: int) -> None:
        self._pages += 1
        done = self._per_pass[page.pass_name] = self._per_pass.get(page.pass_name, 0) + len(page.rows)
        share = min(1.0, done / page.total) if page.total else 1.0
        filled = round(share * BAR_WIDTH)
        number = PASS_NAMES.index(page.pass_name) + 1 if page.pass_name in PASS_NAMES else 0
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        with self._lock:
            self._draw(
                f"pass {number}/{len(PASS_NAMES)} {page.pass_name:<8} [{bar}] {share:4.0%}  "
                f"page {self._pages}  assets {assets_so_far:,}"
            )

    def finish(self) -> None:
        """Wipe the bar (the log's last line says how the run ended)."""
        with self._lock:
            self._wipe()
            self._shown = ""
            self._out.flush()

    # -- the stream interface logging needs ---------------------------------------------------------
    def write(self, text: str) -> int:
        with self._lock:
            self._wipe()
            self._out.write(text)
            if self._shown and text.endswith("\n"):
                self._out.write(self._shown)
            self._out.flush()
        return len(text)

    def flush(self) -> None:
        self._out.flush()

    def _draw(self, text: str) -> None:
        # Pad with spaces so a shorter line fully covers a longer one.
        self._out.write("\r" + text.ljust(len(self._shown)))
        self._out.flush()
        self._shown = text

    def _wipe(self) -> None:
        if self._shown:
            self._out.write("\r" + " " * len(self._shown) + "\r")
