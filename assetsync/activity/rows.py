"""One activity entry from /reports/activity as the row of `activity` (columns in COPY order).

The API presents `action_type` translated (`create` comes back as `create new`); `action` is the
normalized verb from `ACTIONS`. Names (the item's, the target's, the ones inside log_meta) are
rendered live by Snipe-IT and drift when a record is renamed, so the change hash leaves them out:
an entry is rewritten only when what was logged changed (a note, the meta's values, a date).
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import xxhash
from psycopg.types.json import Jsonb

from assetsync.fields import RowReader, ref_id, text

Row = dict[str, Any]

# Presented action_type (en-US) -> action. Snipe-IT's raw values and their en-US spellings both
# appear here, so a value stored either way reads the same.
ACTIONS = {
    "checkout": "checkout",
    "checkin from": "checkin",
    "checkin": "checkin",
    "create new": "create",
    "create": "create",
    "update": "update",
    "delete": "delete",
    "restore": "restore",
    "restored": "restore",
    "audit": "audit",
    "requested": "request",
    "request canceled": "request_cancel",
    "accepted": "accept",
    "declined": "decline",
    "uploaded": "upload",
    "note added": "note",
    "merged": "merge",
    "added seats": "add_seats",
    "deleted seats": "delete_seats",
    "2fa reset": "2fa_reset",
}
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "bigint NOT NULL"),
    ("action_type", "text"),
    ("action", "text"),
    ("item_type", "text"),
    ("item_id", "bigint"),
    ("item_name", "text"),
    ("target_type", "text"),
    ("target_id", "bigint"),
    ("target_name", "text"),
    ("created_by_id", "bigint"),
    ("created_by_name", "text"),
    ("location_id", "bigint"),
    ("note", "text"),
    ("log_meta", "jsonb"),
    ("action_date", "timestamptz"),
    ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
    ("action_source", "text"),
    ("remote_ip", "text"),
    ("raw", "jsonb NOT NULL"),
    ("content_hash", "bytea NOT NULL"),
)
# "[id: 5] Boston HQ": the id is what was logged, the name is today's.
_FK_VALUE = re.compile(r"^\[id: (\d+)\] ")


def action_of(action_type: str | None) -> str | None:
    """The normalized verb; an unknown spelling (a newer Snipe-IT, another locale) is kept as sent."""
    if action_type is None:
        return None
    return ACTIONS.get(action_type.lower(), action_type.lower())


def withhold_license_key(row: Row) -> Row:
    """The entry without the license's product key, which travels in entries about a license too
    (`item.serial`, and `log_meta`'s `serial` when the key was edited); kept only with
    ASSETSYNC_STORE_LICENSE_KEYS=true."""
    item = row.get("item")
    if not (isinstance(item, dict) and item.get("type") == "license"):
        return row
    row = {**row, "item": {k: v for k, v in item.items() if k != "serial"}}
    meta = row.get("log_meta")
    if isinstance(meta, dict) and "serial" in meta:
        row["log_meta"] = {k: v for k, v in meta.items() if k != "serial"}
    return row


def record(row: Row, reader: RowReader) -> tuple[Any, ...]:
    """The COPY tuple of one entry, in `COLUMNS` order."""
    u, rid = reader.unescape, row["id"]
    item, target, by = _obj(row.get("item")), _obj(row.get("target")), _obj(row.get("created_by"))
    action_type = row.get("action_type")
    meta = _meta(row.get("log_meta"), u)
    values = (
        rid,
        action_type,
        action_of(action_type),
        item.get("type"),
        ref_id(item) if item else None,
        text(item.get("name"), u),
        target.get("type"),
        ref_id(target) if target else None,
        text(target.get("name"), u),
        ref_id(by) if by else None,
        text(by.get("name"), u),
        ref_id(row.get("location")),
        text(row.get("note"), u),
        Jsonb(meta) if meta is not None else None,
        reader.when(row.get("action_date"), "datetime", rid, "action_date"),
        reader.when(row.get("created_at"), "datetime", rid, "created_at"),
        reader.when(row.get("updated_at"), "datetime", rid, "updated_at"),
        row.get("action_source"),
        row.get("remote_ip"),
    )
    stable = (*values[:4], values[4], values[6], values[7], values[9], values[11], values[12],
              _without_names(meta), *values[14:])  # fmt: skip
    body = orjson.dumps(row)
    digest = xxhash.xxh3_128_digest(orjson.dumps(stable, default=str))
    return (*values, Jsonb(body.decode(), _as_is), digest)


def _as_is(data: Any) -> Any:
    return data


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _meta(value: Any, u: Any) -> dict[str, Any] | None:
    """log_meta with every value unescaped once; `[]` (nothing left to show) is an empty object."""
    if value is None:
        return None
    if not isinstance(value, dict):
        return {}
    return {
        k: {s: text(v, u) if isinstance(v, str) else v for s, v in d.items()} if isinstance(d, dict) else d
        for k, d in value.items()
    }


def _without_names(meta: dict[str, Any] | None) -> Any:
    """The meta as logged: `[id: N] name` values reduced to their ids (the names are today's)."""
    if meta is None:
        return None
    return {k: {s: _logged(v) for s, v in d.items()} if isinstance(d, dict) else d for k, d in meta.items()}


def _logged(value: Any) -> Any:
    found = _FK_VALUE.match(value) if isinstance(value, str) else None
    return int(found.group(1)) if found else value
