"""The development identity provider's check of the backend's `private_key_jwt` assertion."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from backend.identity.upstream.client_assertion import CLIENT_ASSERTION_TYPE

MAX_ASSERTION_LIFETIME_S = 300
LEEWAY_S = 30


class ClientAuthenticationError(Exception):
    pass


def verify_client_assertion(
    form: Mapping[str, str],
    client_id: str,
    client_public_key: ec.EllipticCurvePublicKey,
    audiences: list[str],
) -> dict:
    """Claims of a valid assertion by `client_id`; raises `ClientAuthenticationError`."""
    if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
        raise ClientAuthenticationError("private_key_jwt client authentication is required")
    assertion = form.get("client_assertion", "")
    if not assertion:
        raise ClientAuthenticationError("client_assertion is missing")
    try:
        claims = jwt.decode(
            assertion,
            client_public_key,
            algorithms=["ES256"],
            audience=audiences,
            issuer=client_id,
            leeway=LEEWAY_S,
            options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]},
        )
    except jwt.PyJWTError as exc:
        raise ClientAuthenticationError(f"client_assertion rejected: {exc}") from exc
    if claims["sub"] != client_id:
        raise ClientAuthenticationError("client_assertion sub must equal the client id")
    if form.get("client_id") not in (None, "", client_id):
        raise ClientAuthenticationError("client_id does not match the client assertion")
    if claims["exp"] - claims["iat"] > MAX_ASSERTION_LIFETIME_S:
        raise ClientAuthenticationError("client_assertion lives longer than 5 minutes")
    claims["exp_datetime"] = datetime.fromtimestamp(claims["exp"], UTC)
    return claims
