"""Discovery, JWKS, the dev IdP's mounting and the identity settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from backend.settings import Settings
from tests.identity_helpers import BASE_URL, identity_client

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_enough]


async def test_discovery_document_describes_the_authorization_server(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/.well-known/openid-configuration")
    assert response.status_code == 200
    doc = response.json()
    assert doc["issuer"] == BASE_URL
    assert doc["authorization_endpoint"] == f"{BASE_URL}/authorize"
    assert doc["token_endpoint"] == f"{BASE_URL}/token"
    assert doc["revocation_endpoint"] == f"{BASE_URL}/revoke"
    assert doc["jwks_uri"] == f"{BASE_URL}/jwks.json"
    assert doc["userinfo_endpoint"] == f"{BASE_URL}/me"
    assert doc["response_types_supported"] == ["code"]
    assert doc["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["id_token_signing_alg_values_supported"] == ["ES256"]
    assert doc["token_endpoint_auth_methods_supported"] == ["none"]
    assert "openid" in doc["scopes_supported"]


async def test_jwks_publishes_the_signing_key(client: httpx.AsyncClient,
                                              identity: FastAPI) -> None:
    response = await client.get("/jwks.json")
    assert response.status_code == 200
    assert response.json() == identity.state.signing_key.jwks()
    (key,) = response.json()["keys"]
    assert key["kty"] == "EC" and key["crv"] == "P-256" and "d" not in key


async def test_dev_idp_is_mounted_in_development(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/dev-idp/.well-known/openid-configuration")).json()
    assert doc["issuer"] == f"{BASE_URL}/dev-idp"
    assert doc["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    keys = (await client.get("/dev-idp/jwks.json")).json()["keys"]
    assert keys and keys[0]["alg"] == "ES256"


async def test_dev_idp_is_not_mounted_in_production(
    make_app: Callable[..., FastAPI], tmp_path: Path
) -> None:
    app = make_app(
        f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        environment="production",
        public_url=BASE_URL,
        upstream_issuer="https://upstream.example",
        upstream_client_id="tsuyama-city",
    )
    async with identity_client(app) as http:
        for path in ("/dev-idp/.well-known/openid-configuration", "/dev-idp/authorize",
                     "/dev-idp/jwks.json"):
            assert (await http.get(path)).status_code == 404
        assert (await http.post("/dev-idp/token", data={})).status_code in (404, 405)
        assert (await http.get("/.well-known/openid-configuration")).status_code == 200


def test_dev_idp_with_production_settings_is_refused() -> None:
    with pytest.raises(ValueError, match="development identity provider"):
        Settings(database_url="sqlite://", environment="production", dev_idp_enabled=True,
                 upstream_issuer="https://upstream.example")


def test_development_defaults_point_at_the_dev_idp() -> None:
    settings = Settings(database_url="sqlite://", public_url="http://127.0.0.1:8123/")
    assert settings.dev_idp_enabled is True
    assert settings.upstream_issuer == "http://127.0.0.1:8123/dev-idp"
    assert settings.upstream_client_id == "tsuyama-portal-backend"
    assert settings.upstream_client_key_path is None  # reuse the signing key
    assert settings.upstream_is_dev_idp


def test_production_defaults_switch_the_dev_idp_off() -> None:
    settings = Settings(database_url="sqlite://", environment="production",
                        upstream_issuer="https://upstream.example/")
    assert settings.dev_idp_enabled is False
    assert settings.upstream_issuer == "https://upstream.example"
    assert not settings.upstream_is_dev_idp


IDENTITY_ENV = (
    "DATABASE_URL", "TSUYAMA_ENV", "TSUYAMA_SIGNING_KEY_FILE", "TSUYAMA_PUBLIC_URL",
    "TSUYAMA_UPSTREAM_ISSUER", "TSUYAMA_UPSTREAM_CLIENT_ID", "TSUYAMA_UPSTREAM_CLIENT_KEY_FILE",
    "TSUYAMA_DEV_IDP", "TSUYAMA_APP_REDIRECT_URIS", "TSUYAMA_STAFF_SUBJECTS",
    "TSUYAMA_DEMO_DATA", "TSUYAMA_EMAIL_LOGIN", "TSUYAMA_SMTP_HOST", "TSUYAMA_SMTP_PORT",
    "TSUYAMA_SMTP_USER", "TSUYAMA_SMTP_PASSWORD_FILE", "TSUYAMA_SMTP_FROM", "TSUYAMA_DEV_MAILBOX",
)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in IDENTITY_ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _production_env(env: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    key = tmp_path / "client.pem"
    key.write_text("placeholder")
    env.setenv("TSUYAMA_ENV", "production")
    env.setenv("TSUYAMA_SIGNING_KEY_FILE", str(tmp_path / "signing.pem"))
    env.setenv("TSUYAMA_UPSTREAM_ISSUER", "https://upstream.example")
    env.setenv("TSUYAMA_UPSTREAM_CLIENT_ID", "tsuyama-city")
    env.setenv("TSUYAMA_UPSTREAM_CLIENT_KEY_FILE", str(key))
    return key


def test_production_env_reads_the_upstream_configuration(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key = _production_env(env, tmp_path)
    env.setenv("TSUYAMA_STAFF_SUBJECTS", "sub-a, sub-b,")
    env.setenv("TSUYAMA_APP_REDIRECT_URIS", "https://portal.example/oauth_callback")
    settings = Settings.from_env(tmp_path)
    assert settings.upstream_issuer == "https://upstream.example"
    assert settings.upstream_client_id == "tsuyama-city"
    assert settings.upstream_client_key_path == key
    assert settings.staff_subjects == ("sub-a", "sub-b")
    assert settings.app_redirect_uris == ("https://portal.example/oauth_callback",)
    assert settings.dev_idp_enabled is False


@pytest.mark.parametrize(
    "missing",
    ["TSUYAMA_UPSTREAM_ISSUER", "TSUYAMA_UPSTREAM_CLIENT_ID", "TSUYAMA_UPSTREAM_CLIENT_KEY_FILE"],
)
def test_production_env_without_upstream_fails_clearly(
    env: pytest.MonkeyPatch, tmp_path: Path, missing: str
) -> None:
    _production_env(env, tmp_path)
    env.delenv(missing)
    with pytest.raises(ValueError, match=missing):
        Settings.from_env(tmp_path)


def test_production_env_with_missing_client_key_file_fails(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _production_env(env, tmp_path).unlink()
    with pytest.raises(ValueError, match="does not exist"):
        Settings.from_env(tmp_path)


def test_production_env_refuses_the_dev_idp(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _production_env(env, tmp_path)
    env.setenv("TSUYAMA_DEV_IDP", "1")
    with pytest.raises(ValueError, match="development identity provider"):
        Settings.from_env(tmp_path)


def test_development_without_dev_idp_needs_an_upstream(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env.setenv("TSUYAMA_DEV_IDP", "0")
    with pytest.raises(ValueError, match="TSUYAMA_UPSTREAM_ISSUER"):
        Settings.from_env(tmp_path)
    env.setenv("TSUYAMA_UPSTREAM_ISSUER", "https://upstream.example")
    settings = Settings.from_env(tmp_path)
    assert settings.dev_idp_enabled is False
    assert settings.upstream_client_id == "tsuyama-portal-backend"
