"""Shared pytest configuration."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def require_or_skip(reason: str) -> None:
    """Skip the test, or fail it when `TSUYAMA_REQUIRE_ALL=1` (as in CI)."""
    if os.environ.get("TSUYAMA_REQUIRE_ALL") == "1":
        pytest.fail(reason)
    pytest.skip(reason)
