"""Accessories, consumables and components: counted stock, one row per item.

Who has checked each one out is a list per item (like seats, one request per item); it is not
read yet: these tables answer what is in stock, where, and what it cost.
"""

from __future__ import annotations

from assetsync.entities.model import (
    Column,
    Entity,
    common_dates,
    day,
    money,
    notes,
    number,
    ref_columns,
    row_id,
    text,
)


def _related() -> tuple[Column, ...]:
    """The records every stock item points at, each as `<name>_id` and `<name>_name`."""
    return tuple(
        c for key in ("company", "manufacturer", "supplier", "category", "location") for c in ref_columns(key)
    )


def _bought() -> tuple[Column, ...]:
    return (
        Column("order_number", "text", text("order_number")),
        Column("purchase_date", "date", day("purchase_date")),
        Column("purchase_cost", "numeric(20,2)", money("purchase_cost")),
    )


ACCESSORIES = Entity(
    name="accessories",
    endpoint="accessories",
    table="accessories",
    label="accessory",
    permission="accessories.view",
    columns=(
        Column("id", "bigint NOT NULL", row_id()),
        Column("name", "text", text("name")),
        *_related(),
        Column("model_number", "text", text("model_number")),
        Column("qty", "integer", number("qty")),
        Column("min_qty", "integer", number("min_qty")),
        Column("remaining_qty", "integer", number("remaining_qty")),
        *_bought(),
        Column("notes", "text", notes()),
        *common_dates(),
    ),
)

CONSUMABLES = Entity(
    name="consumables",
    endpoint="consumables",
    table="consumables",
    label="consumable",
    permission="consumables.view",
    columns=(
        Column("id", "bigint NOT NULL", row_id()),
        Column("name", "text", text("name")),
        *_related(),
        Column("model_number", "text", text("model_number")),
        Column("item_no", "text", text("item_no")),
        Column("qty", "integer", number("qty")),
        Column("min_amt", "integer", number("min_amt")),
        Column("remaining", "integer", number("remaining")),
        *_bought(),
        Column("notes", "text", notes()),
        *common_dates(),
    ),
)

COMPONENTS = Entity(
    name="components",
    endpoint="components",
    table="components",
    label="component",
    permission="components.view",
    columns=(
        Column("id", "bigint NOT NULL", row_id()),
        Column("name", "text", text("name")),
        *_related(),
        Column("serial", "text", text("serial")),
        Column("qty", "integer", number("qty")),
        Column("min_amt", "integer", number("min_amt")),
        Column("remaining", "integer", number("remaining")),
        *_bought(),
        Column("notes", "text", notes()),
        *common_dates(),
    ),
)
