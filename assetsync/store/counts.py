"""What a merge did to one table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class MergeCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    soft_deleted: int = 0
    restored: int = 0
    removed: int = 0

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.removed
