"""The first-visit benchmark still runs end to end and gives every figure (its numbers go to
docs/benchmarks.md); unthrottled here to be quick, and nothing is asserted on time."""

import pytest

from tests.bench import first_visit

pytestmark = pytest.mark.e2e


def test_first_visit_benchmark_produces_every_figure(browser):
    result = first_visit.run(repeat=1, browser=browser, down_mbit=1000.0)
    assert result["benchmark"] == "first_visit" and result["rounds"] == 1
    assert isinstance(result["bytes"], int) and result["bytes"] > 0
    for key in ("readable_s", "home_s", "font_s", "tofu_s"):
        assert isinstance(result[key], float) and result[key] >= 0
    assert result["readable_s"] == max(result["home_s"], result["font_s"])
    assert isinstance(result["requests"], int) and result["requests"] > 0
    assert isinstance(result["outside_hosts"], list)
    assert isinstance(result["fonts"], list) and result["fonts"]
    assert result["compressed_bytes"] + result["uncompressed_bytes"] <= result["bytes"]
    assert all({"path", "bytes", "encoding"} <= set(r) for r in result["largest"])
