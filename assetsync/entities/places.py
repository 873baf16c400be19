"""Locations (sites, buildings, rooms), each with its parent."""

from __future__ import annotations

from assetsync.entities.model import (
    Column,
    Entity,
    common_dates,
    manager_name,
    notes,
    ref_columns,
    ref_id,
    row_id,
    text,
)

LOCATIONS = Entity(
    name="locations",
    endpoint="locations",
    table="locations",
    label="location",
    permission="locations.view",
    # `children` repeats the names of other locations (renamed there, not here), unescaped.
    volatile=frozenset({"available_actions", "children"}),
    columns=(
        Column("id", "bigint NOT NULL", row_id()),
        Column("name", "text", text("name")),
        *ref_columns("parent"),
        # `manager` is a whole user object here; its id and name are what a report needs.
        Column("manager_id", "bigint", ref_id("manager")),
        Column("manager_name", "text", manager_name()),
        *ref_columns("company"),
        Column("address", "text", text("address")),
        Column("address2", "text", text("address2")),
        Column("city", "text", text("city")),
        Column("state", "text", text("state")),
        Column("country", "text", text("country")),
        Column("zip", "text", text("zip")),
        Column("phone", "text", text("phone")),
        Column("fax", "text", text("fax")),
        Column("currency", "text", text("currency")),
        Column("ldap_ou", "text", text("ldap_ou")),
        Column("notes", "text", notes()),
        *common_dates(),
    ),
)
