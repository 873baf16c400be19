"""Software licenses and their seats.

There is no list of all seats: they are read per license (`/licenses/{id}/seats`), and only for
the licenses that can have changed (see assetsync/seats/). Every license row carries the counts
and dates that tell which ones those are (`fingerprint`).
"""

from __future__ import annotations

import dataclasses

from assetsync.entities.model import (
    Column,
    Entity,
    blank,
    common_dates,
    day,
    flag,
    money,
    notes,
    nothing,
    number,
    ref_columns,
    row_id,
    stamp,
    text,
    unmasked,
)

_KEY = "product_key"

LICENSES = Entity(
    name="licenses",
    endpoint="licenses",
    table="licenses",
    label="license",
    permission="licenses.view",
    # `deleted=true` lists only the soft-deleted licenses.
    passes=(("default", {}), ("deleted", {"deleted": "true"})),
    # `free_seats_count` is the license's own figure, not a caller-dependent subquery: it is part of
    # the row's content (the usage report reads it), so the hash keeps every key but the actions.
    volatile_counts=False,
    # A reporting database is read by many people: product keys stay out of it (and out of `raw`
    # and the hash) unless ASSETSYNC_STORE_LICENSE_KEYS=true (`with_keys`).
    withheld=frozenset({_KEY}),
    # Seat checkouts move `free_seats_count` but not `updated_at` (seats do not touch their license).
    fingerprint=("seats", "free_seats_count", "updated_at", "deleted_at"),
    columns=(
        Column("id", "bigint NOT NULL", row_id()),
        Column("name", "text", text("name")),
        *ref_columns("company"),
        *ref_columns("manufacturer"),
        *ref_columns("category"),
        *ref_columns("supplier"),
        Column(_KEY, "text", nothing()),
        Column("order_number", "text", text("order_number")),
        Column("purchase_order", "text", text("purchase_order")),
        Column("purchase_date", "date", day("purchase_date")),
        # `purchase_cost` is formatted for the token user's locale; this one is the raw decimal.
        Column("purchase_cost", "numeric(20,2)", money("purchase_cost_numeric")),
        Column("expiration_date", "date", day("expiration_date")),
        Column("termination_date", "date", day("termination_date")),
        Column("seats", "integer", number("seats")),
        Column("free_seats_count", "integer", number("free_seats_count")),
        Column("reassignable", "boolean", flag("reassignable")),
        Column("maintained", "boolean", flag("maintained")),
        Column("license_name", "text", text("license_name")),
        Column("license_email", "text", text("license_email")),
        Column("notes", "text", notes()),
        *common_dates(deleted=True),
    ),
)


def with_keys(licenses: Entity) -> Entity:
    """The licenses declaration that stores product keys (a key Snipe-IT masks is NULL)."""
    columns = tuple(
        dataclasses.replace(c, read=unmasked(_KEY)) if c.name == _KEY else c for c in licenses.columns
    )
    return dataclasses.replace(licenses, withheld=frozenset(), columns=columns)


LICENSES_WITH_KEYS = with_keys(LICENSES)

LICENSE_SEATS = Entity(
    name="license_seats",
    endpoint="licenses/{id}/seats",
    table="license_seats",
    label="license seat",
    permission="licenses.view",
    parent="licenses",
    indexed=("license_id", "assigned_user_id", "assigned_asset_id"),
    # Who held a seat, and since when: every assignment a merge replaces is kept.
    history=True,
    key_column="id",
    columns=(
        Column("id", "bigint NOT NULL", row_id()),
        Column("license_id", "bigint", number("license_id")),
        *ref_columns("assigned_user"),
        # "<name> (<asset tag>) - <model>", as Snipe-IT shows it.
        *ref_columns("assigned_asset"),
        *ref_columns("location"),
        Column("reassignable", "boolean", flag("reassignable")),
        Column("notes", "text", blank("notes")),  # '' when there are none
        # Moves on checkout and checkin: for an assigned seat, roughly when it was assigned.
        Column("updated_at", "timestamptz", stamp("updated_at")),
    ),
)
