"""Smoke test of the benchmark harness (bench/run.py) on a tiny estate; the real runs are by hand."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from assetsync.config import PROJECT_DIR


def test_bench_run_smoke(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    proc = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "bench" / "run.py"), "--assets", "300", "--runs", "1",
         "--skip-dlt", "--rate-window", "1", "--page-delay", "0.02", "--out", str(out)],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text()
    rows = {tuple(c.strip() for c in line.split("|")[1:3]): line for line in text.splitlines()
            if line.startswith("| ")}  # fmt: skip
    expected = [
        ("first load", "floor"), ("first load", "assetsync"), ("first load", "naive"),
        ("no-change re-sync", "assetsync"), ("no-change re-sync", "naive"), ("churn", "assetsync"),
    ]  # fmt: skip
    for key in expected:
        assert key in rows, f"{key} missing from:\n{text}"
        assert rows[key].rstrip().endswith("| yes |"), rows[key]  # the tool holds the server's ids
    # Columns: scenario, tool, wall, x floor, x dlt, RSS, rows ins, rows upd, rows del, WAL, ids.
    cells = [c.strip() for c in rows["no-change re-sync", "assetsync"].split("|")]
    assert cells[7:10] == ["0", "0", "0"], cells  # a no-change run rewrites nothing
    churn = re.fullmatch(r"([\d,]+) \(changed: ([\d,]+)\)", rows["churn", "assetsync"].split("|")[8].strip())
    assert churn, rows["churn", "assetsync"]
    updated, changed = churn.groups()
    assert updated == changed != "0"
    assert "**Throttled**" in text and "**Latency**" in text
    # The whole estate beside hardware alone, both holding the server's assets.
    estate = re.search(r"\| first load \| ([\d.]+) \(([\d.]+)x its floor\) \| ([\d.]+) \|", text)
    assert estate, text
    assert float(estate.group(1)) > 0 and float(estate.group(3)) > 0
    assert "### Targets" in text


def test_slow_server_bench_smoke(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    proc = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "bench" / "slow.py"), "--assets", "1200", "--latencies", "0.05",
         "--timeline", "0.05", "--rate-limit", "4", "--rate-window", "1", "--throttle-latency", "0.02",
         "--out", str(out)],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text()
    for section in ("#### zero latency", "#### latency 0.05 s", "#### throttled 4/1 s, 0.02 s per request"):
        assert section in text, text
    rows = [line for line in text.splitlines() if line.startswith(("| first load |", "| no-change |"))]
    assert len(rows) == 10 and all(r.rstrip().endswith("| yes |") for r in rows), rows
    assert "```" in text and "| target | measured | met |" in text


def test_licenses_bench_smoke(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    proc = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "bench" / "licenses.py"), "--licenses", "20", "--seats", "200",
         "--assets", "50", "--rate-limit", "0", "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text()
    assert "<!-- licenses:start -->" in text and "<!-- licenses:end -->" in text
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in text.splitlines() if line.startswith("| ") and "/" in line}  # fmt: skip
    first, nochange = rows["first load"], rows["no change"]
    changes = next(v for k, v in rows.items() if k.startswith("10 seat changes"))
    seat_requests = [int(cells[0].split(" / ")[1]) for cells in (first, nochange, changes)]
    assert seat_requests[0] >= 19 and seat_requests[1] == 0 and 0 < seat_requests[2] < seat_requests[0]
    assert int(nochange[3].split(" / ")[1]) == seat_requests[0]  # every license, each run
    assert "seat table held exactly the fake's live seats" in text
