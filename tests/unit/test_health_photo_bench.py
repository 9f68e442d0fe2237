"""`python -m tests.bench meal_photo` still produces its figures (recorded in
docs/benchmarks.md; timings are never asserted). In-process on a few meals so it stays quick;
the command itself is `tests.bench.__main__`, shared by every benchmark."""

from __future__ import annotations

from tests.bench import __main__ as bench_main
from tests.bench.meal_photo import run


def test_the_meal_photo_benchmark_is_listed() -> None:
    assert bench_main.BENCHMARKS["meal_photo"] == "tests.bench.meal_photo"


def test_the_meal_photo_benchmark_reports_its_figures() -> None:
    result = run(repeat=1, count=3, hard=4, memory_meals=2)
    assert result["benchmark"] == "meal_photo"
    assert result["meals"] == 3 and result["photos_timed"] == 3
    for key in ("p50_s", "p95_s", "max_s"):
        assert isinstance(result[key], float) and result[key] > 0, key
    assert result["p50_s"] <= result["p95_s"] <= result["max_s"]
    for key in ("precision", "recall", "hint_top3", "mine_top1", "hard_precision",
                "hard_recall", "dark_recall"):
        assert 0.0 <= result[key] <= 1.0, key
    assert result["true_regions"] >= 3
    assert result["recall"] > 0.5 and result["precision"] > 0.5
    assert result["nothing_regions"] == 0 and result["cat_regions"] == 0
