"""The relying-party side: upstream ID token validation and the claims it honours."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from backend.identity.keys import SigningKey
from backend.identity.upstream.id_token_validation import (
    UpstreamIdTokenError,
    key_for,
    unverified_header,
    validate_id_token,
)
from backend.identity.upstream.profile import profile_from_claims
from backend.settings import Settings

ISSUER = "https://upstream.example"
CLIENT_ID = "tsuyama-city"
NONCE = "nonce-1"
KEY = SigningKey.generate()


def id_token(key: SigningKey = KEY, **overrides: Any) -> str:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": ISSUER, "sub": "subject-1", "aud": CLIENT_ID, "nonce": NONCE,
        "iat": int(now.timestamp()), "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key.private_key, algorithm="ES256", headers={"kid": key.kid})


def check(token: str, nonce: str = NONCE) -> dict[str, Any]:
    header = unverified_header(token)
    key = key_for(header, KEY.jwks())
    if key is None:
        raise UpstreamIdTokenError("no key")
    return validate_id_token(token, key, ISSUER, CLIENT_ID, nonce)


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_good_token_passes() -> None:
    assert check(id_token())["sub"] == "subject-1"
    assert check(id_token(aud=[CLIENT_ID, "other"], azp=CLIENT_ID))["sub"] == "subject-1"


@pytest.mark.parametrize(
    "token",
    [
        id_token(iss="https://evil.example"),
        id_token(aud="someone-else"),
        id_token(aud=[CLIENT_ID, "other"]),  # several audiences without azp
        id_token(nonce="another-login"),
        id_token(nonce=None),
        id_token(exp=int((datetime.now(UTC) - timedelta(minutes=5)).timestamp())),
        id_token(key=SigningKey.generate()),
        f"{b64({'alg': 'none', 'kid': KEY.kid})}.{b64({'iss': ISSUER, 'sub': 'x'})}.",
        jwt.encode({"iss": ISSUER, "sub": "x", "aud": CLIENT_ID, "nonce": NONCE},
                   "k" * 32, algorithm="HS256", headers={"kid": KEY.kid}),
        "garbage",
    ],
)
def test_bad_tokens_are_refused(token: str) -> None:
    with pytest.raises(UpstreamIdTokenError):
        check(token)


def test_role_and_email_assurance_only_from_the_dev_idp() -> None:
    claims = {"iss": ISSUER, "sub": "subject-1", "name": "X", "tsuyama_role": "staff",
              "acr": "email", "address": {"formatted": "岡山県津山市山北520"},
              "birthdate": "1990-01-31", "gender": "female"}
    national = Settings(database_url="sqlite://", environment="production",
                        upstream_issuer=ISSUER)
    profile = profile_from_claims(claims, national)
    assert (profile.role, profile.assurance_level) == ("resident", "card")
    assert profile.address == "岡山県津山市山北520"
    assert profile.birthdate is not None and profile.birthdate.isoformat() == "1990-01-31"

    listed = Settings(database_url="sqlite://", environment="production",
                      upstream_issuer=ISSUER, staff_subjects=("subject-1",))
    assert profile_from_claims(claims, listed).role == "staff"

    dev = Settings(database_url="sqlite://")
    dev_profile = profile_from_claims({**claims, "iss": dev.dev_idp_issuer}, dev)
    assert (dev_profile.role, dev_profile.assurance_level) == ("staff", "email")
