"""Settings.from_env: environment parsing and defaults."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from backend.settings import Settings

ENV_VARS = (
    "DATABASE_URL",
    "TSUYAMA_ENV",
    "TSUYAMA_DEMO_DATA",
    "TSUYAMA_DATA_DIR",
    "XDG_DATA_HOME",
    "TSUYAMA_SIGNING_KEY_FILE",
    "TSUYAMA_PUBLIC_URL",
    "TSUYAMA_UPSTREAM_ISSUER",
    "TSUYAMA_UPSTREAM_CLIENT_ID",
    "TSUYAMA_UPSTREAM_CLIENT_KEY_FILE",
    "TSUYAMA_DEV_IDP",
    "TSUYAMA_APP_REDIRECT_URIS",
    "TSUYAMA_STAFF_SUBJECTS",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def production(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TSUYAMA_ENV", "production")
    monkeypatch.setenv("TSUYAMA_SIGNING_KEY_FILE", str(tmp_path / "signing.pem"))
    client_key = tmp_path / "upstream-client.pem"
    client_key.touch()
    monkeypatch.setenv("TSUYAMA_UPSTREAM_ISSUER", "https://upstream.example")
    monkeypatch.setenv("TSUYAMA_UPSTREAM_CLIENT_ID", "tsuyama-city")
    monkeypatch.setenv("TSUYAMA_UPSTREAM_CLIENT_KEY_FILE", str(client_key))


def test_production_requires_a_signing_key_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TSUYAMA_ENV", "production")
    with pytest.raises(ValueError, match="TSUYAMA_SIGNING_KEY_FILE"):
        Settings.from_env(tmp_path)


def test_development_keeps_its_signing_key_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings.from_env(tmp_path)
    assert settings.signing_key_path == tmp_path.resolve() / "keys" / "signing-key.pem"


def test_public_url_is_the_issuer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert Settings.from_env(tmp_path, "http://127.0.0.1:9000").issuer == "http://127.0.0.1:9000"
    monkeypatch.setenv("TSUYAMA_PUBLIC_URL", "https://portal.city.tsuyama.example/")
    assert Settings.from_env(tmp_path).issuer == "https://portal.city.tsuyama.example"


def test_defaults_use_sqlite_inside_the_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "data" / "nested"

    settings = Settings.from_env(data_dir)

    assert data_dir.is_dir()
    assert settings.database_url == f"sqlite:///{data_dir.resolve() / 'backend.sqlite3'}"
    assert settings.database_kind == "sqlite"
    assert settings.environment == "development"
    assert settings.municipality_code == "332038"
    assert settings.load_demo_data is True


def test_data_dir_from_tsuyama_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TSUYAMA_DATA_DIR", str(tmp_path / "from-env"))
    settings = Settings.from_env()
    assert settings.database_url == f"sqlite:///{tmp_path / 'from-env' / 'backend.sqlite3'}"


def test_data_dir_honours_xdg_data_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    settings = Settings.from_env()
    expected = tmp_path / "xdg" / "tsuyama-portal" / "backend.sqlite3"
    assert settings.database_url == f"sqlite:///{expected}"
    assert expected.parent.is_dir()


def test_data_dir_defaults_to_local_share(tmp_path: Path) -> None:
    settings = Settings.from_env()
    expected = tmp_path / "home" / ".local" / "share" / "tsuyama-portal" / "backend.sqlite3"
    assert settings.database_url == f"sqlite:///{expected}"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://tsuyama@db.example:5432/portal",
        "postgres://tsuyama@db.example:5432/portal",
        "postgresql+psycopg://tsuyama@db.example:5432/portal",
    ],
)
def test_postgresql_url_uses_psycopg(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    settings = Settings.from_env(tmp_path / "unused")
    assert settings.database_url == "postgresql+psycopg://tsuyama@db.example:5432/portal"
    assert settings.database_kind == "postgresql"
    assert not (tmp_path / "unused").exists()


@pytest.mark.parametrize("url", ["mysql://root@localhost/portal", "portal.sqlite3"])
def test_unknown_database_scheme_is_rejected(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ValueError, match="Unsupported DATABASE_URL scheme"):
        Settings.from_env()


def test_production_disables_demo_data_by_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    production(monkeypatch, tmp_path)
    settings = Settings.from_env(tmp_path)
    assert settings.environment == "production"
    assert settings.load_demo_data is False


@pytest.mark.parametrize(
    ("environment", "flag", "expected"),
    [("production", "1", True), ("development", "0", False), ("development", "1", True)],
)
def test_demo_data_flag_overrides_the_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, environment: str, flag: str, expected: bool
) -> None:
    monkeypatch.setenv("TSUYAMA_ENV", environment)
    if environment == "production":
        production(monkeypatch, tmp_path)
    monkeypatch.setenv("TSUYAMA_DEMO_DATA", flag)
    assert Settings.from_env(tmp_path).load_demo_data is expected


def test_bad_demo_data_flag_is_rejected(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TSUYAMA_DEMO_DATA", "maybe")
    with pytest.raises(ValueError, match="TSUYAMA_DEMO_DATA"):
        Settings.from_env(tmp_path)


def test_unknown_environment_is_rejected(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TSUYAMA_ENV", "staging")
    with pytest.raises(ValueError, match="TSUYAMA_ENV"):
        Settings.from_env(tmp_path)


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = Settings.from_env(tmp_path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.environment = "production"  # type: ignore[misc]
