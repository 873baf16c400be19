"""Rows parked on disk during a first load: returned page by page, unchanged, without piling up in memory."""

from __future__ import annotations

import tracemalloc
from typing import Any

from assetsync.spill import RowSpill


def page(start: int, size: int = 500) -> list[dict[str, Any]]:
    return [
        {
            "id": i,
            "name": f"Laptop {i}\nsecond line, tab\there, \u00e9\u2013\U0001f4bb",
            "notes": "x" * 2000,
            "model": {"id": i % 7, "name": 'MacBook "Pro"'},
            "custom_fields": {"MAC": {"field": "_snipeit_mac_1", "value": None}},
            "byod": i % 2 == 0,
            "purchase_cost": 12.5,
        }
        for i in range(start, start + size)
    ]


def test_pages_come_back_in_order_with_their_page_numbers_and_rows_unchanged() -> None:
    with RowSpill() as spill:
        spill.add(page(0, 3), 4)
        spill.add([], 5)
        spill.add(page(3, 2), 9)
        spill.add(page(5, 1), 9)  # two pages with one number read back as one: same meaning
        back = [(seq, list(rows)) for seq, rows in spill.pages()]
    assert back == [(4, page(0, 3)), (9, page(3, 2) + page(5, 1))]
    assert spill.rows == 6


def test_nothing_added_reads_back_nothing() -> None:
    with RowSpill() as spill:
        assert list(spill.pages()) == []
        assert spill.rows == 0


def test_memory_stays_flat_however_many_rows_are_added() -> None:
    tracemalloc.start()
    try:
        with RowSpill() as spill:
            for n in range(40):  # 20,000 rows of about 2 KB: over 40 MB as JSON
                spill.add(page(n * 500), n)
            _, peak = tracemalloc.get_traced_memory()
            read_back = sum(1 for _, rows in spill.pages() for _ in rows)
    finally:
        tracemalloc.stop()
    assert read_back == 20_000
    assert peak < 8 * 2**20, f"{peak / 2**20:.1f} MB traced while adding"
