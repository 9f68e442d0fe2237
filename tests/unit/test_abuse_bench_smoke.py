"""`python -m tests.bench abuse` still runs and prints its figures (recorded in
docs/benchmarks.md; timings are not asserted). Run in its own process, as a developer runs
it, for two seconds of refusing."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_abuse_benchmark_prints_its_figures() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "tests.bench", "abuse", "--seconds", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    lines = completed.stdout.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[-1])
    assert result["benchmark"] == "abuse"
    assert result["backend_alive"] is True
    for key in ("healthz_p50_ms", "healthz_p99_ms", "healthz_idle_p99_ms", "refuse_s"):
        assert isinstance(result[key], int | float) and result[key] >= 0, key
    assert result["healthz_p50_ms"] <= result["healthz_p99_ms"] <= result["healthz_max_ms"]
    assert result["healthz_requests"] > 0
    # The oversized bodies were refused 413 and the malformed ones 400; nothing crashed.
    assert result["statuses"].get("413", 0) > 0
    assert result["statuses"].get("400", 0) > 0
    assert not any(status.startswith("5") for status in result["statuses"])


def test_seconds_option_is_only_for_abuse() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "tests.bench", "sync", "--seconds", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert completed.returncode != 0
    assert "--seconds only applies" in completed.stderr
