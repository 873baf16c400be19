"""Odd data from Snipe-IT: nulls, empty strings, bad dates, money styles, NUL, huge and unknown fields."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from assetsync import exitcodes
from assetsync.fake_snipeit import FakeAsset, FakeSnipeIT, RenderContext, generate_assets, render_row
from tests.conftest import TEST_RATE_LIMIT, TOKEN, make_env, query
from tests.faults.harness import EMPTY, NEW, OLD, check, checksum, sync

# Every key a v8.1.4 row has, but the id.
ROW_KEYS = [k for k in render_row(generate_assets(1)[0], RenderContext()) if k != "id"]
INVALID_DATE = "(Invalid date value.)"


def odd_fake(*odd: FakeAsset, **options: Any) -> FakeSnipeIT:
    """Sixty ordinary assets (ids 1-60) plus the odd ones (ids 100 and up)."""
    options.setdefault("rate_limit_per_window", TEST_RATE_LIMIT)  # two whole-estate runs in one window
    return FakeSnipeIT([*generate_assets(60, seed=21), *odd], token=TOKEN, **options)


@pytest.fixture
def odd_env(db_dsn: str, tmp_path: Path) -> Iterator[Any]:
    """Runs one scenario against a fake holding the given odd assets."""

    def run(*odd: FakeAsset, **options: Any) -> Any:
        fake = odd_fake(*odd, **options)
        fake.start()
        started.append(fake)
        return fake, make_env(fake, db_dsn, tmp_path / "logs", SNIPEIT_PAGE_SIZE="25")

    started: list[FakeSnipeIT] = []
    yield run
    for fake in started:
        fake.stop()


def stored(dsn: str, asset_id: int, *columns: str) -> tuple[Any, ...]:
    rows = query(dsn, f"SELECT {', '.join(columns)} FROM snipeit.assets WHERE id = %s", (asset_id,))
    assert rows, f"asset {asset_id} was not stored"
    return rows[0]


@pytest.mark.parametrize("empty", [None, ""], ids=["null", "empty-string"])
def test_every_field_null_or_empty(odd_env: Any, db_dsn: str, empty: Any) -> None:
    fake, env = odd_env(FakeAsset(id=100, raw_override=dict.fromkeys(ROW_KEYS, empty)))
    run = sync(env)
    check(run, code=0, says="Sync finished", dsn=db_dsn, fake=fake, state=NEW, recorded="success")
    name, cost, created, custom = stored(db_dsn, 100, "name", "purchase_cost", "created_at", "custom_fields")
    assert (name, cost, created, custom) == (empty, None, None, {})


@pytest.mark.parametrize("custom", [{}, []], ids=["object", "list"])
def test_custom_fields_empty_object_or_list(odd_env: Any, db_dsn: str, custom: Any) -> None:
    fake, env = odd_env(FakeAsset(id=100, asset_tag="ODD-1", raw_override={"custom_fields": custom}))
    check(sync(env), code=0, says="Sync finished", dsn=db_dsn, fake=fake, state=NEW)
    assert stored(db_dsn, 100, "custom_fields") == ({},)


def test_custom_field_renamed_between_two_syncs(odd_env: Any, db_dsn: str) -> None:
    mac = ("MAC Address", "_snipeit_mac_address_1", "AA:BB:CC:00:11:22", "MAC", "text")
    fake, env = odd_env(FakeAsset(id=100, asset_tag="ODD-1", custom_fields=[mac]))
    assert sync(env).exit_code == 0
    fake.update(100, custom_fields=[("Ethernet MAC", *mac[1:])])
    check(sync(env), code=0, says="Sync finished", dsn=db_dsn, fake=fake, state=NEW, recorded="success")
    custom, label = stored(db_dsn, 100, "custom_fields", "raw->'custom_fields' ? 'Ethernet MAC'")
    assert custom == {"_snipeit_mac_address_1": "AA:BB:CC:00:11:22"} and label is True


def test_invalid_date_values(odd_env: Any, db_dsn: str) -> None:
    bad_day = {"date": INVALID_DATE, "formatted": INVALID_DATE}
    bad_time = {"datetime": INVALID_DATE, "formatted": INVALID_DATE}
    odd = FakeAsset(
        id=100,
        asset_tag="ODD-1",
        raw_override={
            "purchase_date": bad_day,
            "created_at": bad_time,
            "last_checkout": INVALID_DATE,
            "next_audit_date": {"date": "0000-00-00", "formatted": "0000-00-00"},
            "updated_at": {"datetime": "2024-02-30 10:00:00", "formatted": "x"},
        },
    )
    fake, env = odd_env(odd)
    run = sync(env)
    check(run, code=0, says="unreadable date", dsn=db_dsn, fake=fake, state=NEW, recorded="success")
    assert stored(
        db_dsn, 100, "purchase_date", "created_at", "last_checkout", "next_audit_date", "updated_at"
    ) == (
        None,
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize("style", ["1,234.56", "1.234,56", "plain"])
def test_costs_in_every_separator_style(odd_env: Any, db_dsn: str, style: str) -> None:
    big = FakeAsset(id=100, asset_tag="ODD-1", purchase_cost=Decimal("1234567.89"))
    small = FakeAsset(id=101, asset_tag="ODD-2", purchase_cost=Decimal("0.50"))
    fake, env = odd_env(big, small, digit_separator=style)
    check(sync(env), code=0, says="Sync finished", dsn=db_dsn, fake=fake, state=NEW)
    costs = dict(query(db_dsn, "SELECT id, purchase_cost FROM snipeit.assets"))
    assert costs == {i: a.purchase_cost for i, a in fake.assets.items()}


def test_nul_and_invalid_surrogates_in_strings(odd_env: Any, db_dsn: str) -> None:
    odd = FakeAsset(
        id=100,
        asset_tag="ODD-\x00-1",
        name="Lap\x00top \ud800 broken",
        notes="tail \udfff",
        custom_fields=[("Ports", "_snipeit_ports_8", "HDMI\x00USB", "ANY", "text")],
        extra={"future\x00key": "value \x00"},
    )
    fake, env = odd_env(odd)
    run = sync(env)
    check(run, code=0, says="Sync finished", dsn=db_dsn, fake=fake, state=NEW, recorded="success")
    tag, name, notes, custom = stored(db_dsn, 100, "asset_tag", "name", "notes", "custom_fields")
    assert (tag, name, notes) == ("ODD--1", "Laptop \ufffd broken", "tail \ufffd")
    assert custom == {"_snipeit_ports_8": "HDMIUSB"}


def test_one_megabyte_notes(odd_env: Any, db_dsn: str) -> None:
    notes = ("A very long note & more. " * 41_000)[:1_000_000]
    fake, env = odd_env(FakeAsset(id=100, asset_tag="ODD-1", notes=notes))
    check(sync(env), code=0, says="Sync finished", dsn=db_dsn, fake=fake, state=NEW, recorded="success")
    assert stored(db_dsn, 100, "notes") == (notes,)


def test_unknown_new_fields_from_a_newer_snipeit(odd_env: Any, db_dsn: str) -> None:
    extra = {"eol_explicit": True, "warranty_provider": {"id": 3, "name": "Apple"}, "tags": ["a", "b"]}
    odd = [FakeAsset(id=100 + n, asset_tag=f"ODD-{n}", extra=extra) for n in range(3)]
    fake, env = odd_env(*odd)
    check(sync(env), code=0, says="Sync finished", dsn=db_dsn, fake=fake, state=NEW, recorded="success")
    assert stored(db_dsn, 101, "raw->'warranty_provider'->>'name'", "raw->'tags'") == ("Apple", ["a", "b"])


def test_missing_fields_from_an_older_snipeit(odd_env: Any, db_dsn: str) -> None:
    gone = {"custom_fields", "purchase_cost", "status_label", "notes", "byod", "requestable", "deleted_at"}
    odd = [FakeAsset(id=100 + n, asset_tag=f"ODD-{n}", omit=gone) for n in range(3)]
    # No status label: the default list would hide them, so make that Snipe-IT show them.
    fake, env = odd_env(*odd, show_archived_in_list=True)
    for a in odd:
        fake.update(a.id, status_label=(2, "Ready to Deploy", "deployable"))
    check(sync(env), code=0, says="Sync finished", dsn=db_dsn, fake=fake, state=NEW, recorded="success")
    assert stored(db_dsn, 101, "status_id", "purchase_cost", "byod", "custom_fields") == (
        None,
        None,
        None,
        {},
    )


def test_an_id_sent_as_a_string_is_stored_as_a_number(odd_env: Any, db_dsn: str) -> None:
    fake, env = odd_env(FakeAsset(id=100, asset_tag="ODD-1", raw_override={"id": "100"}))
    check(sync(env), code=0, says="Sync finished", dsn=db_dsn, fake=fake, state=NEW, recorded="success")
    assert stored(db_dsn, 100, "asset_tag", "raw->'id'") == ("ODD-1", 100)


@pytest.mark.parametrize("bad_id", ["100abc", 100.5, None, "\u00b2", "-7", True], ids=repr)
def test_an_id_that_is_not_a_whole_number_fails_loudly(odd_env: Any, db_dsn: str, bad_id: Any) -> None:
    fake, env = odd_env(FakeAsset(id=100, asset_tag="ODD-1", raw_override={"id": bad_id}))
    run = sync(env)
    check(
        run,
        code=exitcodes.FAILED,
        says="id is not a whole number",
        dsn=db_dsn,
        fake=fake,
        state=OLD,
        before=EMPTY,
        recorded="failed",
    )


def test_odd_rows_next_to_ordinary_ones_across_two_syncs(odd_env: Any, db_dsn: str) -> None:
    odd = [
        FakeAsset(id=100, raw_override=dict.fromkeys(ROW_KEYS)),
        FakeAsset(id=101, asset_tag="ODD-2", name="\x00", extra={"new": {"deep": [None]}}),
        FakeAsset(id=102, asset_tag="ODD-3", purchase_cost=Decimal("12.00"), created_at=datetime(2020, 1, 1)),
    ]
    fake, env = odd_env(*odd)
    assert sync(env).exit_code == 0
    before = checksum(db_dsn)
    run = sync(env)
    check(run, code=0, says="unchanged 63", dsn=db_dsn, fake=fake, state=OLD, before=before)
