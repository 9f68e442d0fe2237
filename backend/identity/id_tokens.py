"""The ID tokens this backend issues to the app (ES256, signed with the signing key)."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import jwt

from backend.identity.keys import ALGORITHM, SigningKey

ID_TOKEN_TTL = timedelta(minutes=10)


def at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6: left half of the SHA-256 of the access token, base64url."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def issue_id_token(
    key: SigningKey,
    issuer: str,
    client_id: str,
    subject: str,
    nonce: str,
    auth_time: datetime,
    acr: str,
    name: str,
    access_token: str,
) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": issuer,
        "sub": subject,
        "aud": client_id,
        "iat": int(now.timestamp()),
        "exp": int((now + ID_TOKEN_TTL).timestamp()),
        "nonce": nonce,
        "auth_time": int(auth_time.timestamp()),
        "acr": acr,
        "name": name,
        "at_hash": at_hash(access_token),
    }
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM,
                      headers={"kid": key.kid, "typ": "JWT"})
