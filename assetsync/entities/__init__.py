"""Every record type assetsync syncs, declared once; `ENTITIES` is the order a run reads them in.

Hardware comes first: it is the one every run syncs, and the others only enrich it.
"""

from __future__ import annotations

from collections.abc import Sequence

from assetsync.entities.catalog import CATEGORIES, MANUFACTURERS, MODELS, STATUS_LABELS, SUPPLIERS
from assetsync.entities.hardware import HARDWARE
from assetsync.entities.model import Column, Entity
from assetsync.entities.people import COMPANIES, DEPARTMENTS, USERS
from assetsync.entities.places import LOCATIONS

ENTITIES: tuple[Entity, ...] = (
    HARDWARE,
    USERS,
    LOCATIONS,
    COMPANIES,
    DEPARTMENTS,
    MODELS,
    CATEGORIES,
    MANUFACTURERS,
    STATUS_LABELS,
    SUPPLIERS,
)
BY_NAME = {e.name: e for e in ENTITIES}
ENTITY_NAMES: tuple[str, ...] = tuple(BY_NAME)


def select(names: Sequence[str]) -> tuple[Entity, ...]:
    """The named entities in run order, hardware always included; ValueError names an unknown one."""
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise ValueError(", ".join(unknown))
    wanted = {"hardware", *names}
    return tuple(BY_NAME[name] for name in ENTITY_NAMES if name in wanted)


__all__ = ["BY_NAME", "ENTITIES", "ENTITY_NAMES", "HARDWARE", "Column", "Entity", "select"]
