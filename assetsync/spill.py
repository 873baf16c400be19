"""Rows parked in a temporary file until they can be written, so memory stays flat however many."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from itertools import groupby
from types import TracebackType
from typing import IO, Any

import orjson


class RowSpill:
    """Pages of rows written to an anonymous temporary file, read back page by page in the order
    they were added.

    The first load copies into the table through one open COPY, so rows that must replace ones
    already copied (a list read again) wait until that COPY ends; a list read again can be most of
    the estate, so they wait on disk, not in memory. The file is deleted when closed (or, should the
    process die, by the operating system)."""

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self.rows = 0

    def add(self, rows: list[dict[str, Any]], seq: int) -> None:
        if not rows:
            return
        if self._file is None:
            # Opened on first use (most runs never need it) and closed by close(), not a with-block.
            self._file = tempfile.TemporaryFile(prefix="assetsync-")  # noqa: SIM115
        write = self._file.write
        for row in rows:
            # One JSON line each: orjson escapes every newline inside strings.
            write(orjson.dumps((seq, row)))
            write(b"\n")
        self.rows += len(rows)

    def pages(self) -> Iterator[tuple[int, Iterator[dict[str, Any]]]]:
        """(seq, rows) per page added, each page's rows read lazily from the file."""
        if self._file is None:
            return
        self._file.seek(0)
        lines = (orjson.loads(line) for line in self._file)
        for seq, group in groupby(lines, key=lambda item: item[0]):
            yield seq, (row for _, row in group)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> RowSpill:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
