"""Reading values, and the hardware declaration: one Snipe-IT row -> one `assets` row."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import orjson
import pytest
from psycopg.types.json import Jsonb

from assetsync.entities import HARDWARE
from assetsync.fields import RowReader, plain_notes, text

ROWS = json.loads((Path(__file__).parent / "data" / "snipeit-rows.json").read_text("utf-8"))["rows"]


def record(row: dict[str, Any], mapper: RowReader | None = None) -> dict[str, Any]:
    values = HARDWARE.record(row, mapper or RowReader())
    return {name: written(value) for name, value in zip(HARDWARE.column_names, values, strict=True)}


def written(value: Any) -> Any:
    """What COPY receives: psycopg writes a Jsonb value by calling its dumps function."""
    if isinstance(value, Jsonb):
        assert value.dumps is not None  # the mapper names the dumps of every Jsonb it makes
        return value.dumps(value.obj)
    return value


def test_realistic_laptop_row_maps_every_column() -> None:
    rec = record(ROWS[0])
    expected = {
        "id": 1042,
        "asset_tag": "LT-01042",
        "name": "Design & Marketing MacBook",
        "serial": "C02XK1ABJGH5",
        "model_id": 12,
        "model_name": 'MacBook Pro 14" (2023)',
        "model_number": "MPHE3LL/A",
        "category_id": 3,
        "category_name": "Laptops",
        "manufacturer_id": 1,
        "manufacturer_name": "Apple",
        "status_id": 2,
        "status_name": "Ready to Deploy",
        "status_type": "deployable",
        "company_id": 1,
        "company_name": "Acme Corp",
        "location_id": 5,
        "location_name": "Boston HQ",
        "rtd_location_id": 5,
        "rtd_location_name": "Boston HQ",
        "supplier_id": 4,
        "supplier_name": "CDW",
        "assigned_to_type": "user",
        "assigned_to_id": 87,
        "assigned_to_name": "Jane O'Brien",
        "purchase_date": "2023-06-01",
        "purchase_cost": "2499.00",
        "order_number": "PO-2023-0611",
        "warranty_months": 36,
        "notes": "Issued with USB-C dock & 65W charger. Do not reimage",
        "byod": False,
        "requestable": False,
        "created_at": "2023-06-01 14:03:12",
        "updated_at": "2025-04-28 09:41:57",
        "last_checkout": "2023-06-05 09:15:00",
        "last_checkin": None,
        "expected_checkin": None,
        "last_audit_date": "2025-01-15 00:00:00",
        "next_audit_date": "2026-01-15",
        "asset_eol_date": "2026-06-01",
        "deleted_at": None,
    }
    computed = {"custom_fields", "raw", "content_hash"}
    # Every column by name: a column declared without a line here fails this test.
    assert set(HARDWARE.column_names) == set(expected) | computed
    assert {name: rec[name] for name in expected} == expected
    assert orjson.loads(rec["custom_fields"]) == {}
    assert orjson.loads(rec["raw"]) == ROWS[0]
    assert rec["content_hash"] == HARDWARE.hash_and_raw(ROWS[0])[0]


def test_custom_fields_are_keyed_by_db_column_and_unescaped() -> None:
    fields = orjson.loads(record(ROWS[1])["custom_fields"])
    assert fields["_snipeit_mac_address_1"] == "A4:30:7A:1B:22:9F"
    assert all(key.startswith("_snipeit_") for key in fields)


def test_mostly_null_row_and_entities() -> None:
    rec = record(ROWS[2])
    assert rec["name"] == 'R&D spare dock "loaner" <unlabeled>'
    assert rec["serial"] == ""
    assert rec["purchase_cost"] is None
    assert rec["assigned_to_id"] is None


def test_unescape_happens_exactly_once() -> None:
    assert text("AT&amp;amp;T") == "AT&amp;T"
    assert plain_notes("<em>x</em> &lt;b&gt;") == "x <b>"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1,234.56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1234.56", "1234.56"),
        ("7,00", "7.00"),
        ("1,234,567.00", "1234567.00"),
        ("-12.50", "-12.50"),
        ("-1,234.56", "-1234.56"),
        ("999,999,999,999,999,999.99", "999999999999999999.99"),
        ("1,000,000,000,000,000,000.00", None),  # more digits than numeric(20,2) holds
        ("1,23.45", "123.45"),  # not a thousands grouping: the general reader decides
        (" 1,234.56 ", "1234.56"),
        (None, None),
        ("", None),
        ("abc", None),
    ],
)
def test_money_in_every_separator_style(value: Any, expected: Any) -> None:
    assert RowReader().money(value, 1) == expected


def test_unreadable_values_become_null_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    row = dict(ROWS[0])
    row["purchase_date"] = "2023-02-30 (Invalid date value.)"
    row["updated_at"] = {"datetime": "0000-00-00 00:00:00", "formatted": "?"}
    row["purchase_cost"] = "lots"
    mapper = RowReader()
    with caplog.at_level(logging.WARNING, logger="assetsync"):
        rec = record(row, mapper)
    assert rec["purchase_date"] is None and rec["updated_at"] is None and rec["purchase_cost"] is None
    assert mapper.problems.counts["an unreadable date"] == 2
    assert "Invalid date value" in caplog.text


def test_month_counts_are_remembered_and_bad_ones_still_reported() -> None:
    mapper = RowReader()
    assert [mapper.months("36 months", 1) for _ in range(3)] == [36, 36, 36]
    assert mapper.months("12 Monate", 2) == 12
    assert [mapper.months("soon", 3) for _ in range(2)] == [None, None]
    assert mapper.problems.counts["an unreadable month count"] == 2


@pytest.mark.parametrize("volatile", [{}, {"age": "3 years", "book_value": "12.00"}])
def test_raw_is_the_whole_row_and_hashed_like_content_hash(volatile: dict[str, Any]) -> None:
    row = {k: v for k, v in ROWS[0].items() if k not in HARDWARE.volatile} | volatile
    digest, raw = HARDWARE.hash_and_raw(row)
    assert orjson.loads(raw) == row
    assert digest == record(row)["content_hash"]
    assert orjson.loads(record(row)["raw"]) == row


def test_volatile_fields_do_not_change_the_hash_but_real_changes_do() -> None:
    base = record(ROWS[0])["content_hash"]
    drift = dict(ROWS[0], age="2 years ago", book_value="10.00", available_actions={"checkout": False})
    assert record(drift)["content_hash"] == base
    assert record(dict(ROWS[0], name="Renamed"))["content_hash"] != base


def test_custom_fields_as_list_unknown_and_missing_fields_never_fail() -> None:
    row = {"id": 5, "custom_fields": [], "brand_new_field": {"x": 1}}
    rec = record(row)
    assert rec["id"] == 5
    assert orjson.loads(rec["custom_fields"]) == {}
    assert orjson.loads(rec["raw"])["brand_new_field"] == {"x": 1}
