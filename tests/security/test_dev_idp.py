"""The development identity provider: its page, its request checks, and a token endpoint that
insists on the backend's private_key_jwt assertion and PKCE."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx
import jwt
import pytest
from fastapi import FastAPI

from backend.identity.dev_idp.login_page import BANNER
from backend.identity.dev_idp.personas import PERSONAS
from backend.identity.keys import SigningKey
from backend.identity.pkce import new_code_verifier, s256_challenge
from backend.identity.upstream.client_assertion import (
    CLIENT_ASSERTION_TYPE,
    build_client_assertion,
)
from tests.identity_helpers import BASE_URL, query_of, upstream_login

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_enough]

ISSUER = f"{BASE_URL}/dev-idp"
TOKEN_ENDPOINT = f"{ISSUER}/token"
CLIENT_ID = "tsuyama-portal-backend"
CALLBACK = f"{BASE_URL}/auth/upstream/callback"


def authorize_params(verifier: str, **overrides: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": CALLBACK,
        "scope": "openid name address birthdate gender",
        "state": "s-123",
        "nonce": "n-456",
        "code_challenge": s256_challenge(verifier),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


async def dev_code(client: httpx.AsyncClient, verifier: str, persona: str = "dev-taro") -> str:
    """Press the persona's button on the page (its form carries the CSRF token)."""
    response = await upstream_login(
        client, f"{ISSUER}/authorize?{urlencode(authorize_params(verifier))}", persona)
    assert response.status_code == 303
    back = query_of(response)
    assert back["state"] == "s-123" and back["iss"] == ISSUER
    return back["code"]


def token_form(code: str, verifier: str, assertion: str | None) -> dict[str, str]:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
            "code_verifier": verifier, "client_id": CLIENT_ID}
    if assertion is not None:
        form.update(client_assertion_type=CLIENT_ASSERTION_TYPE, client_assertion=assertion)
    return form


def assertion_with(key: SigningKey, **claims: object) -> str:
    now = datetime.now(UTC)
    values: dict[str, object] = {
        "iss": CLIENT_ID, "sub": CLIENT_ID, "aud": TOKEN_ENDPOINT, "jti": uuid.uuid4().hex,
        "iat": int(now.timestamp()), "exp": int((now + timedelta(minutes=2)).timestamp()),
    }
    values.update(claims)
    return jwt.encode(values, key.private_key, algorithm="ES256", headers={"kid": key.kid})


async def test_the_page_offers_a_button_per_persona(client: httpx.AsyncClient) -> None:
    response = await client.get("/dev-idp/authorize", params=authorize_params("v" * 43))
    assert response.status_code == 200
    page = response.text
    assert '<html lang="ja">' in page
    assert BANNER == "開発用の認証サービスです（本番では使用されません）"
    assert BANNER in page
    assert len(re.findall(r'<form method="post"', page)) == len(PERSONAS)
    for persona in PERSONAS:
        assert f'<button type="submit">{persona.name}</button>' in page


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "someone-else"},
        {"redirect_uri": "https://attacker.example/cb"},
        {"code_challenge_method": "plain"},
        {"code_challenge": None},
        {"nonce": None},
        {"state": None},
        {"response_type": "token"},
    ],
)
async def test_the_page_refuses_bad_requests(client: httpx.AsyncClient,
                                             overrides: dict[str, str | None]) -> None:
    response = await client.get("/dev-idp/authorize",
                                params=authorize_params("v" * 43, **overrides))
    assert response.status_code == 400


async def test_token_with_a_valid_assertion(client: httpx.AsyncClient,
                                            identity: FastAPI) -> None:
    verifier = new_code_verifier()
    code = await dev_code(client, verifier, "dev-ichiro")
    assertion = build_client_assertion(identity.state.signing_key, CLIENT_ID, TOKEN_ENDPOINT)
    response = await client.post("/dev-idp/token", data=token_form(code, verifier, assertion))
    assert response.status_code == 200, response.text
    id_token = response.json()["id_token"]
    jwks = (await client.get("/dev-idp/jwks.json")).json()
    claims = jwt.decode(id_token, jwt.PyJWK(jwks["keys"][0]).key, algorithms=["ES256"],
                        audience=CLIENT_ID, issuer=ISSUER)
    assert claims["sub"] == "dev-ichiro" and claims["tsuyama_role"] == "staff"
    assert claims["nonce"] == "n-456" and claims["acr"] == "card"
    assert claims["birthdate"] == "1979-10-20"
    # The code is single use.
    again = build_client_assertion(identity.state.signing_key, CLIENT_ID, TOKEN_ENDPOINT)
    replay = await client.post("/dev-idp/token", data=token_form(code, verifier, again))
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


async def test_token_needs_a_client_assertion(client: httpx.AsyncClient,
                                              identity: FastAPI) -> None:
    verifier = new_code_verifier()
    code = await dev_code(client, verifier)
    response = await client.post("/dev-idp/token", data=token_form(code, verifier, None))
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    "forge",
    [
        lambda key: assertion_with(SigningKey.generate()),  # another key
        lambda key: assertion_with(key, aud="https://elsewhere.example/token"),
        lambda key: assertion_with(key, iss="intruder", sub="intruder"),
        lambda key: assertion_with(key, sub="intruder"),
        lambda key: assertion_with(key, exp=int(datetime.now(UTC).timestamp()) - 120),
        lambda key: assertion_with(key, exp=int(datetime.now(UTC).timestamp()) + 3600),
        lambda key: "not.a.jwt",
        lambda key: jwt.encode({"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": TOKEN_ENDPOINT},
                               "s" * 32, algorithm="HS256"),
    ],
)
async def test_token_refuses_forged_assertions(client: httpx.AsyncClient, identity: FastAPI,
                                               forge) -> None:
    verifier = new_code_verifier()
    code = await dev_code(client, verifier)
    response = await client.post(
        "/dev-idp/token", data=token_form(code, verifier, forge(identity.state.signing_key))
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


async def test_token_refuses_a_replayed_assertion_and_a_wrong_verifier(
    client: httpx.AsyncClient, identity: FastAPI
) -> None:
    verifier = new_code_verifier()
    code = await dev_code(client, verifier)
    assertion = build_client_assertion(identity.state.signing_key, CLIENT_ID, TOKEN_ENDPOINT)
    wrong = await client.post("/dev-idp/token",
                              data=token_form(code, new_code_verifier(), assertion))
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    replayed = await client.post("/dev-idp/token", data=token_form(code, verifier, assertion))
    assert replayed.status_code == 401
