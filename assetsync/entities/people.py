"""Users, companies and departments."""

from __future__ import annotations

from assetsync.entities.model import (
    Column,
    Entity,
    common_dates,
    day,
    flag,
    manager_name,
    notes,
    ref_columns,
    ref_id,
    row_id,
    stamp,
    text,
)

USERS = Entity(
    name="users",
    endpoint="users",
    table="users",
    label="user",
    permission="users.view",
    # `deleted=true` lists only the soft-deleted users, whom old assets and activity still name.
    passes=(("default", {}), ("deleted", {"deleted": "true"})),
    key_column="username",
    history=True,
    columns=(
        Column("id", "bigint NOT NULL", row_id()),
        Column("username", "text", text("username")),
        Column("name", "text", text("name")),
        Column("first_name", "text", text("first_name")),
        Column("last_name", "text", text("last_name")),
        Column("email", "text", text("email")),
        Column("employee_num", "text", text("employee_num")),
        Column("jobtitle", "text", text("jobtitle")),
        Column("phone", "text", text("phone")),
        *ref_columns("department"),
        Column("manager_id", "bigint", ref_id("manager")),
        Column("manager_name", "text", manager_name()),
        *ref_columns("location"),
        *ref_columns("company"),
        Column("activated", "boolean", flag("activated")),
        Column("vip", "boolean", flag("vip")),
        Column("remote", "boolean", flag("remote")),
        Column("ldap_import", "boolean", flag("ldap_import")),
        Column("locale", "text", text("locale")),
        Column("website", "text", text("website")),
        Column("address", "text", text("address")),
        Column("city", "text", text("city")),
        Column("state", "text", text("state")),
        Column("country", "text", text("country")),
        Column("zip", "text", text("zip")),
        Column("start_date", "date", day("start_date")),
        Column("end_date", "date", day("end_date")),
        Column("last_login", "timestamptz", stamp("last_login")),
        Column("notes", "text", notes()),
        *common_dates(deleted=True),
    ),
)

COMPANIES = Entity(
    name="companies",
    endpoint="companies",
    table="companies",
    label="company",
    permission="companies.view",
    columns=(
        Column("id", "bigint NOT NULL", row_id()),
        Column("name", "text", text("name")),
        Column("phone", "text", text("phone")),
        Column("fax", "text", text("fax")),
        Column("email", "text", text("email")),
        Column("notes", "text", notes()),
        *common_dates(),
    ),
)

DEPARTMENTS = Entity(
    name="departments",
    endpoint="departments",
    table="departments",
    label="department",
    permission="departments.view",
    columns=(
        Column("id", "bigint NOT NULL", row_id()),
        Column("name", "text", text("name")),
        Column("phone", "text", text("phone")),
        Column("fax", "text", text("fax")),
        *ref_columns("company"),
        Column("manager_id", "bigint", ref_id("manager")),
        Column("manager_name", "text", manager_name()),
        *ref_columns("location"),
        Column("notes", "text", notes()),
        *common_dates(),
    ),
)
