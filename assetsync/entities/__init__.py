"""Every record type assetsync syncs, declared once; `ENTITIES` is the order a run reads them in.

Hardware comes first: it is the one every run syncs, and the others only enrich it.
"""

from __future__ import annotations

from collections.abc import Sequence

from assetsync.entities.catalog import CATEGORIES, MANUFACTURERS, MODELS, STATUS_LABELS, SUPPLIERS
from assetsync.entities.hardware import HARDWARE
from assetsync.entities.licenses import LICENSE_SEATS, LICENSES, LICENSES_WITH_KEYS
from assetsync.entities.model import Column, Entity
from assetsync.entities.people import COMPANIES, DEPARTMENTS, USERS
from assetsync.entities.places import LOCATIONS
from assetsync.entities.stock import ACCESSORIES, COMPONENTS, CONSUMABLES

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
    LICENSES,
    LICENSE_SEATS,  # after licenses: its seats are read per license the run just listed
    ACCESSORIES,
    CONSUMABLES,
    COMPONENTS,
)
BY_NAME = {e.name: e for e in ENTITIES}
ENTITY_NAMES: tuple[str, ...] = tuple(BY_NAME)


def select(names: Sequence[str], *, license_keys: bool = False) -> tuple[Entity, ...]:
    """The named entities in run order, hardware always included, and the parent of a child (seats
    come with their licenses); `license_keys` picks the licenses declaration that stores product
    keys. ValueError names an unknown entity."""
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise ValueError(", ".join(unknown))
    wanted = {"hardware", *names}
    wanted |= {parent for n in names if (parent := BY_NAME[n].parent) is not None}
    chosen = (BY_NAME[name] for name in ENTITY_NAMES if name in wanted)
    return tuple(LICENSES_WITH_KEYS if e is LICENSES and license_keys else e for e in chosen)


__all__ = [
    "BY_NAME",
    "ENTITIES",
    "ENTITY_NAMES",
    "HARDWARE",
    "LICENSES",
    "LICENSE_SEATS",
    "Column",
    "Entity",
    "select",
]
