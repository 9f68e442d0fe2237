"""The start-up benchmark still runs end to end (its figures go to docs/benchmarks.md)."""

import pytest

from tests.bench import startup

pytestmark = pytest.mark.e2e


def test_startup_benchmark_produces_every_figure(browser):
    result = startup.run(repeat=1, browser=browser)
    for key in ("backend_cold_start_s", "backend_warm_start_s", "app_http_ready_s",
                "app_first_frame_s"):
        figure = result[key]
        assert 0 < figure["min"] <= figure["median"] <= figure["max"]
    assert result["app_http_ready_s"]["median"] < result["app_first_frame_s"]["median"]
