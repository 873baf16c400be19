"""The one map from a Snipe-IT hardware row to a row of `assets` (unescape, money, dates, hash).

A new Snipe-IT field is one entry in `COLUMNS` plus one line in `to_record`. Every value that
Snipe-IT could not render becomes NULL with a warning; a row never fails the sync.
"""

from __future__ import annotations

import functools
import html
import logging
import re
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import orjson
import xxhash
from psycopg.types.json import Jsonb

log = logging.getLogger("assetsync")

# (column, SQL type). The order is the COPY order; store.py builds its DDL from this list.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "bigint NOT NULL"),
    ("asset_tag", "text"),
    ("name", "text"),
    ("serial", "text"),
    ("model_id", "bigint"),
    ("model_name", "text"),
    ("model_number", "text"),
    ("category_id", "bigint"),
    ("category_name", "text"),
    ("manufacturer_id", "bigint"),
    ("manufacturer_name", "text"),
    ("status_id", "bigint"),
    ("status_name", "text"),
    ("status_type", "text"),
    ("company_id", "bigint"),
    ("company_name", "text"),
    ("location_id", "bigint"),
    ("location_name", "text"),
    ("rtd_location_id", "bigint"),
    ("rtd_location_name", "text"),
    ("supplier_id", "bigint"),
    ("supplier_name", "text"),
    ("assigned_to_type", "text"),
    ("assigned_to_id", "bigint"),
    ("assigned_to_name", "text"),
    ("purchase_date", "date"),
    ("purchase_cost", "numeric(20,2)"),
    ("order_number", "text"),
    ("warranty_months", "integer"),
    ("notes", "text"),
    ("byod", "boolean"),
    ("requestable", "boolean"),
    ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
    ("last_checkout", "timestamptz"),
    ("last_checkin", "timestamptz"),
    ("expected_checkin", "date"),
    ("last_audit_date", "timestamptz"),
    ("next_audit_date", "date"),
    ("asset_eol_date", "date"),
    ("deleted_at", "timestamptz"),
    ("custom_fields", "jsonb NOT NULL"),
    ("raw", "jsonb NOT NULL"),
    ("content_hash", "bytea NOT NULL"),
)
COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _ in COLUMNS)

# Keys that change on their own (with the clock or with who asks), so they must not count as a
# change: hashing them would rewrite every row on every run.
VOLATILE_KEYS = frozenset({"age", "book_value", "available_actions", "user_can_checkout", "eol"})

_TAG = re.compile(r"<[^>]*>")
_BR = re.compile(r"<br\s*/?>", re.I)
_MONEY = re.compile(r"^-?[\d.,\s']*\d$")
_INT_PREFIX = re.compile(r"^\s*(-?\d+)")
# "1,234.56" and "1234.56", the common forms: only the commas go.
_PLAIN_MONEY = re.compile(r"-?\d{1,3}(?:,\d{3}){0,5}\.\d{2}|-?\d{1,18}\.\d{2}")
_SEPARATORS = re.compile(r"[.,]")
_AMOUNT = re.compile(r"-?\d{1,18}(\.\d{2})?")


class Problems:
    """Counts values that could not be read, logging the first few of each kind in full."""

    def __init__(self, detail_limit: int = 5) -> None:
        self.counts: Counter[str] = Counter()
        self._limit = detail_limit

    def note(self, kind: str, asset_id: Any, field: str, value: Any) -> None:
        self.counts[kind] += 1
        if self.counts[kind] <= self._limit:
            log.warning("Asset %s: %s %r in %s stored as NULL", asset_id, kind, _short(value), field)

    def summary(self) -> None:
        for kind, count in sorted(self.counts.items()):
            if count > self._limit:
                log.warning("%d values in all were stored as NULL for being %s", count, kind)


def _short(value: Any) -> Any:
    return value[:80] + "..." if isinstance(value, str) and len(value) > 80 else value


Unescape = Callable[[str], str]


def text(value: Any, unescape: Unescape = html.unescape) -> str | None:
    """Snipe-IT escapes every string with e(); undo it exactly once. '' stays ''."""
    if type(value) is str:  # the common case first: this runs about 20 times per asset
        return unescape(value) if "&" in value else value
    if value is None:
        return None
    if not isinstance(value, str):
        if isinstance(value, dict | list):
            return None
        value = str(value)
    return unescape(value) if "&" in value else value


def plain_notes(value: Any) -> str | None:
    """`notes` is Parsedown inline HTML since v6.2: drop the tags, then unescape once."""
    if not isinstance(value, str):
        return text(value)
    if "<" in value:
        value = _TAG.sub("", _BR.sub("\n", value))
    return html.unescape(value) if "&" in value else value


def ref_name(obj: Any, key: str = "name", unescape: Unescape = html.unescape) -> str | None:
    return text(obj.get(key), unescape) if isinstance(obj, dict) else None


_NO_REF: tuple[None, None] = (None, None)


def ref(obj: Any, unescape: Unescape = html.unescape) -> tuple[int | None, str | None]:
    """(id, name) of a related record such as {"id": 3, "name": "Laptops"}, in one call."""
    if not isinstance(obj, dict):
        return _NO_REF
    value, name = obj.get("id"), obj.get("name")
    if type(name) is str:  # nine of these per asset: the common case inline, not through text()
        if "&" in name:
            name = unescape(name)
    else:
        name = text(name, unescape)
    return (value if type(value) is int else None), name


def flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in (1, "1", "true"):
        return True
    if value in (0, "0", "false", ""):
        return False
    return None


def _digest(data: bytes) -> bytes:
    # xxh3-128: a change detector, not a signature, and ten times faster than md5 on a 2 KB row.
    return xxhash.xxh3_128_digest(data)


def hash_and_raw(row: dict[str, Any]) -> tuple[bytes, bytes]:
    """The content hash (of the row's JSON without the volatile keys: equal hashes mean nothing
    changed) and the row's whole JSON (for `raw`), from one serialisation.

    The keys are hashed in the order Snipe-IT sends them (sorting cost more than the rest of the
    hash; a reordering upstream only rewrites rows once). `raw` is the hashed text with the
    volatile keys appended: jsonb keeps no key order, so it stores the same document.
    """
    stable = dict(row)  # a C-level copy and a few pops: cheaper than a comprehension over the row
    volatile = {key: stable.pop(key) for key in VOLATILE_KEYS if key in stable}
    body = orjson.dumps(stable)
    digest = _digest(body)
    if volatile:
        tail = orjson.dumps(volatile)
        body = tail if body == b"{}" else body[:-1] + b"," + tail[1:]
    return digest, body


def _as_is(data: Any) -> Any:
    """The `dumps` of a Jsonb holding JSON text that is already made."""
    return data


class RowMapper:
    """Turns rows into COPY tuples; remembers what could not be read in `problems`."""

    def __init__(self, problems: Problems | None = None) -> None:
        self.problems = problems or Problems()
        # Names of models, locations, companies and users repeat across thousands of assets, and
        # html.unescape runs a Python callback per entity: remembering recent answers saves a fifth
        # of the row building. Only short strings are kept, so the memory stays small.
        cached = functools.lru_cache(maxsize=4096)(html.unescape)

        def unescape(value: str) -> str:
            return cached(value) if len(value) <= 256 else html.unescape(value)

        self._unescape: Unescape = unescape
        self._months: dict[str, int] = {}

    def when(self, obj: Any, key: str, asset_id: Any, field: str) -> str | None:
        """A {datetime|date, formatted} object (`key` names which) as the zone-less ISO text
        (the zone is set per session)."""
        if obj is None or obj == "":
            return None
        raw = obj.get(key) if isinstance(obj, dict) else obj
        if isinstance(raw, str):
            try:
                # Validate here: one impossible date in COPY would abort the whole load.
                if key == "date":
                    date.fromisoformat(raw)
                    return raw
                datetime.fromisoformat(raw)
                return raw.replace("T", " ")
            except ValueError:
                pass
        self.problems.note("an unreadable date", asset_id, field, raw)
        return None

    def money(self, value: Any, asset_id: Any) -> str | None:
        """'1,234.56', '1.234,56' and the pre-v5.2 '1234.56' all become '1234.56'."""
        if value is None or value == "":
            return None
        if type(value) is str and _PLAIN_MONEY.fullmatch(value):
            return value.replace(",", "") if "," in value else value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f"{value:.2f}"
        if isinstance(value, str):
            cleaned = value.strip().replace("\u00a0", "").replace(" ", "").replace("'", "")
            if _MONEY.match(cleaned):
                last_dot, last_comma = cleaned.rfind("."), cleaned.rfind(",")
                mark = max(last_dot, last_comma)
                # Snipe-IT always prints two decimals, so the mark is the one before the last two
                # digits; any other separator groups thousands.
                if mark != -1 and len(cleaned) - mark - 1 == 2:
                    whole = _SEPARATORS.sub("", cleaned[:mark])
                    result = f"{whole}.{cleaned[mark + 1 :]}"
                else:
                    result = _SEPARATORS.sub("", cleaned)
                if _AMOUNT.fullmatch(result):
                    return result
        self.problems.note("an unreadable amount", asset_id, "purchase_cost", value)
        return None

    def months(self, value: Any, asset_id: Any) -> int | None:
        """'36 months' (and older bare numbers) become 36."""
        if value is None or value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        known = self._months.get(value) if type(value) is str else None
        if known is not None:
            return known
        match = _INT_PREFIX.match(str(value))
        if match and abs(int(match.group(1))) < 2**31:
            months = int(match.group(1))
            if type(value) is str and len(self._months) < 1000:
                self._months[value] = months  # "36 months" recurs across thousands of assets
            return months
        self.problems.note("an unreadable month count", asset_id, "warranty_months", value)
        return None

    def custom_fields(self, value: Any) -> Jsonb:
        """Keyed by db column (`_snipeit_mac_address_1`), which survives a label rename."""
        out: dict[str, str | None] = {}
        if isinstance(value, dict):
            for label, spec in value.items():
                if isinstance(spec, dict):
                    column = spec.get("field") or label
                    out[str(column)] = text(spec.get("value"), self._unescape)
        return Jsonb(out, orjson.dumps)

    def to_record(self, row: dict[str, Any], hashed: tuple[bytes, bytes] | None = None) -> tuple[Any, ...]:
        """Build the COPY tuple for one row (in `COLUMN_NAMES` order); `hashed` is
        `hash_and_raw(row)` when the caller has it already."""
        get = row.get
        aid = row["id"]
        status, assigned = get("status_label"), get("assigned_to")
        u = self._unescape
        when = self.when
        digest, raw = hashed or hash_and_raw(row)
        return (
            aid,
            text(get("asset_tag"), u),
            text(get("name"), u),
            text(get("serial"), u),
            *ref(get("model"), u),
            text(get("model_number"), u),
            *ref(get("category"), u),
            *ref(get("manufacturer"), u),
            *ref(status, u),
            ref_name(status, "status_type", u),
            *ref(get("company"), u),
            *ref(get("location"), u),
            *ref(get("rtd_location"), u),
            *ref(get("supplier"), u),
            ref_name(assigned, "type", u),
            *ref(assigned, u),
            when(get("purchase_date"), "date", aid, "purchase_date"),
            self.money(get("purchase_cost"), aid),
            text(get("order_number"), u),
            self.months(get("warranty_months"), aid),
            plain_notes(get("notes")),
            flag(get("byod")),
            flag(get("requestable")),
            when(get("created_at"), "datetime", aid, "created_at"),
            when(get("updated_at"), "datetime", aid, "updated_at"),
            when(get("last_checkout"), "datetime", aid, "last_checkout"),
            when(get("last_checkin"), "datetime", aid, "last_checkin"),
            when(get("expected_checkin"), "date", aid, "expected_checkin"),
            when(get("last_audit_date"), "datetime", aid, "last_audit_date"),
            when(get("next_audit_date"), "date", aid, "next_audit_date"),
            when(get("asset_eol_date"), "date", aid, "asset_eol_date"),
            when(get("deleted_at"), "datetime", aid, "deleted_at"),
            self.custom_fields(get("custom_fields")),
            # UTF-8 JSON as orjson made it: no round trip through str for psycopg to encode again.
            Jsonb(raw, _as_is),
            digest,
        )
