"""`refresh_reuse_grace_seconds` / TSUYAMA_REFRESH_REUSE_GRACE_SECONDS (docs/identity.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.settings import Settings

VARIABLE = "TSUYAMA_REFRESH_REUSE_GRACE_SECONDS"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (VARIABLE, "DATABASE_URL", "TSUYAMA_ENV", "TSUYAMA_DATA_DIR",
                 "TSUYAMA_SIGNING_KEY_FILE", "TSUYAMA_UPSTREAM_ISSUER", "TSUYAMA_DEV_IDP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def test_the_grace_defaults_to_two_minutes(tmp_path: Path) -> None:
    assert Settings.from_env(tmp_path).refresh_reuse_grace_seconds == 120
    assert Settings(database_url="sqlite://").refresh_reuse_grace_seconds == 120


@pytest.mark.parametrize(("raw", "seconds"), [("0", 0), ("30", 30), (" 600 ", 600)])
def test_the_grace_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                              raw: str, seconds: int) -> None:
    monkeypatch.setenv(VARIABLE, raw)
    assert Settings.from_env(tmp_path).refresh_reuse_grace_seconds == seconds


@pytest.mark.parametrize("raw", ["two minutes", "1.5"])
def test_a_grace_that_is_no_number_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                              raw: str) -> None:
    monkeypatch.setenv(VARIABLE, raw)
    with pytest.raises(ValueError, match=VARIABLE):
        Settings.from_env(tmp_path)


@pytest.mark.parametrize("seconds", [-1, 601, 86400])
def test_a_grace_out_of_range_is_refused(seconds: int) -> None:
    with pytest.raises(ValueError, match=VARIABLE):
        Settings(database_url="sqlite://", refresh_reuse_grace_seconds=seconds)
