"""`python -m tests.bench waste_search` still runs and prints its figures (recorded in
docs/benchmarks.md; timings are not asserted). Run in its own process, as a developer runs it,
on a small index so it stays quick."""

import json
import subprocess
import sys
from pathlib import Path

from tests.bench.waste_search import QUERIES, bench_items, load_base_items

ROOT = Path(__file__).resolve().parents[2]


def test_waste_search_benchmark_prints_its_figures() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "tests.bench", "waste_search", "--items", "600", "--repeat", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    lines = completed.stdout.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert result["benchmark"] == "waste_search"
    assert result["items"] == 600
    assert result["queries"] == len(QUERIES) >= 100
    assert result["searches"] == len(QUERIES)
    for key in ("build_ms", "p50_ms", "p95_ms", "max_ms"):
        assert isinstance(result[key], int | float) and result[key] >= 0, key
    assert result["p50_ms"] <= result["p95_ms"] <= result["max_ms"]
    assert 0 < result["top_hit_share"] <= 1


def test_items_option_is_only_for_waste_search() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "tests.bench", "sync", "--items", "10"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert completed.returncode != 0
    assert "--items only applies" in completed.stderr


def test_bench_items_are_deterministic_and_distinct() -> None:
    first = bench_items(2500)
    assert len(first) == 2500
    assert first == bench_items(2500)
    assert len({item["id"] for item in first}) == 2500
    base = load_base_items()
    assert first[: len(base)] == base
    generated = first[len(base):]
    assert all(item["name"] not in {b["name"] for b in base} for item in generated)
