"""The catalogue the assets point into: models, categories, manufacturers, status labels, suppliers."""

from __future__ import annotations

from assetsync.entities.model import (
    Column,
    Entity,
    blank,
    common_dates,
    flag,
    months,
    notes,
    number,
    ref_columns,
    row_id,
    text,
)

MODELS = Entity(
    name="models",
    endpoint="models",
    table="models",
    label="model",
    permission="models.view",
    passes=(("default", {}), ("deleted", {"status": "deleted"})),
    # `remaining` is assets_count - min_amt: it moves with every asset of the model.
    volatile=frozenset({"available_actions", "remaining"}),
    columns=(
        Column("id", "bigint NOT NULL", row_id()),
        Column("name", "text", text("name")),
        Column("model_number", "text", text("model_number")),
        *ref_columns("category"),
        *ref_columns("manufacturer"),
        *ref_columns("fieldset"),
        *ref_columns("depreciation"),
        Column("eol_months", "integer", months("eol")),
        Column("min_amt", "integer", number("min_amt")),
        Column("requestable", "boolean", flag("requestable")),
        Column("notes", "text", notes()),
        *common_dates(deleted=True),
    ),
)

CATEGORIES = Entity(
    name="categories",
    endpoint="categories",
    table="categories",
    label="category",
    permission="categories.view",
    volatile=frozenset({"available_actions", "item_count"}),
    columns=(
        Column("id", "bigint NOT NULL", row_id()),
        Column("name", "text", text("name")),
        # Translated into the token user's locale ("Asset" in en-US).
        Column("category_type", "text", text("category_type")),
        Column("has_eula", "boolean", flag("has_eula")),
        Column("use_default_eula", "boolean", flag("use_default_eula")),
        Column("require_acceptance", "boolean", flag("require_acceptance")),
        Column("checkin_email", "boolean", flag("checkin_email")),
        Column("notes", "text", notes()),
        *common_dates(),
    ),
)

MANUFACTURERS = Entity(
    name="manufacturers",
    endpoint="manufacturers",
    table="manufacturers",
    label="manufacturer",
    permission="manufacturers.view",
    passes=(("default", {}), ("deleted", {"deleted": "true"})),
    columns=(
        Column("id", "bigint NOT NULL", row_id()),
        Column("name", "text", text("name")),
        Column("url", "text", blank("url")),
        Column("support_url", "text", blank("support_url")),
        Column("warranty_lookup_url", "text", blank("warranty_lookup_url")),
        Column("support_phone", "text", blank("support_phone")),
        Column("support_email", "text", blank("support_email")),
        Column("notes", "text", notes()),
        *common_dates(deleted=True),
    ),
)

STATUS_LABELS = Entity(
    name="status_labels",
    endpoint="statuslabels",
    table="status_labels",
    label="status label",
    permission="statuslabels.view",
    columns=(
        Column("id", "bigint NOT NULL", row_id()),
        Column("name", "text", text("name")),
        Column("status_type", "text", text("type")),  # deployable, pending, archived, undeployable
        Column("color", "text", blank("color")),
        Column("show_in_nav", "boolean", flag("show_in_nav")),
        Column("default_label", "boolean", flag("default_label")),
        Column("notes", "text", blank("notes")),  # plain e() text here, '' when empty
        *common_dates(),
    ),
)

SUPPLIERS = Entity(
    name="suppliers",
    endpoint="suppliers",
    table="suppliers",
    label="supplier",
    permission="suppliers.view",
    # /suppliers ignores sort=id (a line break in its allow-list); names are unique, so this order is
    # deterministic.
    sort=("name", "asc"),
    columns=(
        Column("id", "bigint NOT NULL", row_id()),
        Column("name", "text", text("name")),
        Column("address", "text", blank("address")),
        Column("address2", "text", blank("address2")),
        Column("city", "text", blank("city")),
        Column("state", "text", blank("state")),
        Column("country", "text", blank("country")),
        Column("zip", "text", blank("zip")),  # always '' in the list (left out of its query)
        Column("phone", "text", blank("phone")),
        Column("fax", "text", blank("fax")),
        Column("email", "text", blank("email")),
        Column("contact", "text", blank("contact")),
        Column("url", "text", blank("url")),
        Column("notes", "text", notes()),
        *common_dates(),
    ),
)
