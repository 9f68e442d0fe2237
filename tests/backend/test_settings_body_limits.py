"""`body_limit_bytes` / TSUYAMA_BODY_LIMIT_BYTES and `push_body_limit_bytes` /
TSUYAMA_PUSH_BODY_LIMIT_BYTES (docs/api-input-policy.md), and that the app uses them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI

from backend.settings import Settings
from tests.backend.asgi_client import asgi_client

DEFAULT = "TSUYAMA_BODY_LIMIT_BYTES"
PUSH = "TSUYAMA_PUSH_BODY_LIMIT_BYTES"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (DEFAULT, PUSH, "DATABASE_URL", "TSUYAMA_ENV", "TSUYAMA_DATA_DIR",
                 "TSUYAMA_SIGNING_KEY_FILE", "TSUYAMA_UPSTREAM_ISSUER", "TSUYAMA_DEV_IDP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def test_the_limits_default_to_256_kib_and_2_mib(tmp_path: Path) -> None:
    for settings in (Settings.from_env(tmp_path), Settings(database_url="sqlite://")):
        assert settings.body_limit_bytes == 256 * 1024
        assert settings.push_body_limit_bytes == 2 * 1024 * 1024


def test_the_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    monkeypatch.setenv(DEFAULT, " 65536 ")
    monkeypatch.setenv(PUSH, "4194304")
    settings = Settings.from_env(tmp_path)
    assert (settings.body_limit_bytes, settings.push_body_limit_bytes) == (65536, 4194304)


@pytest.mark.parametrize(("name", "raw"), [(DEFAULT, "256k"), (PUSH, "1.5"), (DEFAULT, "100"),
                                           (PUSH, str(65 * 1024 * 1024))])
def test_a_limit_that_is_no_number_or_out_of_range_is_refused(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, raw: str) -> None:
    monkeypatch.setenv(name, raw)
    with pytest.raises(ValueError, match=name):
        Settings.from_env(tmp_path)


@pytest.mark.anyio
async def test_the_app_uses_the_configured_limit(tmp_path: Path,
                                                 make_app: Callable[..., FastAPI]) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'b.sqlite3'}", body_limit_bytes=16 * 1024,
                   load_demo_data=False)
    async with asgi_client(app) as client:
        small = await client.post("/me/consents", json={"purpose": "x" * 15_000})
        large = await client.post("/me/consents", json={"purpose": "x" * 17_000})
    assert small.status_code == 401  # read, then refused for want of a login
    assert large.status_code == 413
    assert "16 KiB" in large.json()["detail"][0]["msg"]
