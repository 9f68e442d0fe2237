"""Validation of the upstream provider's ID token (OIDC Core §3.1.3.7)."""

from __future__ import annotations

import secrets
from typing import Any

import jwt

# Asymmetric algorithms only: `none` and the HMAC family (HS*) are never accepted.
ACCEPTED_ALGORITHMS = ("ES256", "RS256", "PS256")
LEEWAY_S = 60


class UpstreamIdTokenError(Exception):
    """The upstream ID token is forged, expired, for someone else or replayed."""


def key_for(header: dict[str, Any], jwks: dict[str, Any]) -> Any | None:
    """The verification key the JWKS holds for the token's `kid` (and algorithm)."""
    keys = [k for k in jwks.get("keys", []) if isinstance(k, dict)]
    kid = header.get("kid")
    for jwk in keys:
        if kid is not None and jwk.get("kid") != kid:
            continue
        if jwk.get("use", "sig") != "sig":
            continue
        try:
            return jwt.PyJWK(jwk, algorithm=header.get("alg")).key
        except jwt.PyJWTError:
            continue
    return None


def unverified_header(id_token: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError as exc:
        raise UpstreamIdTokenError(f"malformed ID token: {exc}") from exc
    if header.get("alg") not in ACCEPTED_ALGORITHMS:
        raise UpstreamIdTokenError(f"ID token algorithm {header.get('alg')!r} is not accepted")
    return header


def validate_id_token(id_token: str, key: Any, issuer: str, client_id: str,
                      nonce: str) -> dict[str, Any]:
    """Signature, iss, aud (and azp), exp/iat with a small leeway, nonce."""
    try:
        claims = jwt.decode(
            id_token,
            key,
            algorithms=list(ACCEPTED_ALGORITHMS),
            audience=client_id,
            issuer=issuer,
            leeway=LEEWAY_S,
            options={"require": ["iss", "sub", "aud", "exp", "iat", "nonce"]},
        )
    except jwt.PyJWTError as exc:
        raise UpstreamIdTokenError(f"ID token rejected: {exc}") from exc
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise UpstreamIdTokenError("ID token has several audiences but azp is not this client")
    if not secrets.compare_digest(str(claims["nonce"]), nonce):
        raise UpstreamIdTokenError("ID token nonce does not match this login")
    if not isinstance(claims["sub"], str) or not claims["sub"]:
        raise UpstreamIdTokenError("ID token has no subject")
    return claims
