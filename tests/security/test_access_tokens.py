"""Access tokens the API refuses: tampered, foreign key, alg none or HS256, expired, an ID
token instead of an access token."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from fastapi import FastAPI

from backend.identity.access_tokens import issue_access_token
from backend.identity.keys import SigningKey
from tests.identity_helpers import BASE_URL, login, unverified_claims
from tests.security.conftest import WHOAMI_PATH

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_enough]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def with_bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def refused(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get(WHOAMI_PATH, headers=with_bearer(token))
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_flipped_payload_byte_is_refused(client: httpx.AsyncClient,
                                                 identity: FastAPI) -> None:
    tokens = await login(client, "dev-taro")
    header, payload, signature = tokens.access_token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw[len(raw) // 2] ^= 0x01
    await refused(client, ".".join((header, b64(bytes(raw)), signature)))
    assert (await client.get(WHOAMI_PATH, headers=tokens.auth_header)).status_code == 200


async def test_a_token_signed_by_another_key_is_refused(client: httpx.AsyncClient,
                                                        identity: FastAPI) -> None:
    tokens = await login(client, "dev-taro")
    other = SigningKey.generate()
    forged = issue_access_token(other, BASE_URL, tokens.common_id, device_id="test-device")
    await refused(client, forged)
    # Even when the forger copies our key id into the header.
    claims = unverified_claims(tokens.access_token)
    same_kid = jwt.encode(claims, other.private_key, algorithm="ES256",
                          headers={"kid": identity.state.signing_key.kid})
    await refused(client, same_kid)


async def test_alg_none_and_hs256_are_refused(client: httpx.AsyncClient,
                                              identity: FastAPI) -> None:
    tokens = await login(client, "dev-taro")
    claims = unverified_claims(tokens.access_token)
    kid = identity.state.signing_key.kid
    header = b64(json.dumps({"alg": "none", "typ": "at+jwt", "kid": kid}).encode())
    await refused(client, f"{header}.{b64(json.dumps(claims).encode())}.")
    public_jwk = json.dumps(identity.state.signing_key.public_jwk()).encode()
    header = b64(json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": kid}).encode())
    body = b64(json.dumps(claims).encode())
    mac = hmac.new(public_jwk, f"{header}.{body}".encode(), hashlib.sha256).digest()
    await refused(client, f"{header}.{body}.{b64(mac)}")


async def test_an_expired_token_is_refused(client: httpx.AsyncClient,
                                           identity: FastAPI) -> None:
    tokens = await login(client, "dev-taro")
    expired = issue_access_token(
        identity.state.signing_key, BASE_URL, tokens.common_id,
        now=datetime.now(UTC) - timedelta(hours=1),
    )
    await refused(client, expired)


async def test_an_id_token_is_not_an_access_token(client: httpx.AsyncClient,
                                                  identity: FastAPI) -> None:
    tokens = await login(client, "dev-taro")
    await refused(client, tokens.id_token)


async def test_a_token_for_another_issuer_is_refused(client: httpx.AsyncClient,
                                                     identity: FastAPI) -> None:
    tokens = await login(client, "dev-taro")
    other_issuer = issue_access_token(identity.state.signing_key, "https://other.example",
                                      tokens.common_id)
    await refused(client, other_issuer)
