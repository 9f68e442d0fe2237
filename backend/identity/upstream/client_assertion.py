"""`private_key_jwt` client authentication (OIDC Core §9, RFC 7523)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt

from backend.identity.keys import ALGORITHM, SigningKey

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CLIENT_ASSERTION_TTL = timedelta(minutes=2)


def build_client_assertion(key: SigningKey, client_id: str, audience: str) -> str:
    """A one-time JWT proving the backend holds the key registered for `client_id`:
    iss = sub = client_id, aud = the upstream token endpoint, a fresh jti, exp ≤ 5 min."""
    now = datetime.now(UTC)
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "jti": uuid.uuid4().hex,
        "iat": int(now.timestamp()),
        "exp": int((now + CLIENT_ASSERTION_TTL).timestamp()),
    }
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM,
                      headers={"kid": key.kid, "typ": "JWT"})
