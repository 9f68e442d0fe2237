"""PKCE (RFC 7636), S256 only."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

METHOD_S256 = "S256"
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # base64url of a SHA-256 digest


def new_code_verifier() -> str:
    return secrets.token_urlsafe(64)  # 86 characters


def s256_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def is_valid_challenge(challenge: str) -> bool:
    return bool(_CHALLENGE.fullmatch(challenge))


def verifier_matches(verifier: str | None, challenge: str) -> bool:
    """True when `verifier` is well formed and its S256 transform equals `challenge`."""
    if not verifier or not _VERIFIER.fullmatch(verifier):
        return False
    return secrets.compare_digest(s256_challenge(verifier), challenge)
