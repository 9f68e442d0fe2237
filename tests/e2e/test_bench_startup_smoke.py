"""The start-up benchmark still runs end to end (its figures go to docs/benchmarks.md)."""

import pytest

from tests.bench import startup

pytestmark = pytest.mark.e2e


def test_startup_benchmark_produces_every_figure(browser):
    result = startup.run(repeat=1, browser=browser)
    assert result["rounds"] == 1
    for key in ("app_first_frame_s", "bare_first_frame_s"):
        assert result[key] > 0
    assert result["first_frame_ratio"] == pytest.approx(
        result["app_first_frame_s"] / result["bare_first_frame_s"], rel=0.01)
    for key in ("backend_cold_start_s", "backend_warm_start_s", "app_http_ready_s",
                "bare_http_ready_s"):
        figure = result[key]
        assert 0 < figure["min"] <= figure["median"] <= figure["max"]
    assert result["app_http_ready_s"]["median"] < result["app_first_frame_s"]
    assert result["bare_http_ready_s"]["median"] < result["bare_first_frame_s"]
