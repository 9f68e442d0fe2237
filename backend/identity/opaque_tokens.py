"""Random opaque tokens (codes, refresh tokens, states) and the hashes stored for them."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 bits


def new_opaque_token() -> str:
    """A URL-safe random string carrying 256 bits."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """SHA-256 (hex) of a high-entropy token: what the database keeps instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
