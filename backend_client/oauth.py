"""OAuth 2.0 for native apps (RFC 8252) against the backend: PKCE S256, state, nonce, tokens.

Plain functions and dataclasses, no Flet: the app's login flow and the tests share them.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import jwt

from backend_client.clock import local_now
from backend_client.errors import BackendProtocolError

APP_CLIENT_ID = "tsuyama-portal-app"
APP_SCOPES = ("openid", "profile")
ID_TOKEN_ALGORITHMS = ["ES256"]
# Refresh a little before expiry so a request never leaves with a token about to lapse.
EXPIRY_MARGIN = timedelta(seconds=30)
# Tolerance of the ID token's iat/nbf/exp against the server-time estimate.
ID_TOKEN_LEEWAY = timedelta(seconds=60)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def new_device_id() -> str:
    """A random id for this installation; refresh tokens are bound to it."""
    return "dev_" + secrets.token_urlsafe(24)


@dataclass(frozen=True)
class LoginRequest:
    """One login attempt: what the app must remember between /authorize and the callback."""

    redirect_uri: str
    device_id: str
    state: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    code_verifier: str = field(default_factory=lambda: secrets.token_urlsafe(64))
    acr_values: str | None = None  # "email": the email-only sign-in for visitors

    @property
    def code_challenge(self) -> str:
        return _b64url(hashlib.sha256(self.code_verifier.encode("ascii")).digest())

    def authorize_url(self, backend_url: str, language: str = "ja",
                      client_id: str = APP_CLIENT_ID) -> str:
        query = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(APP_SCOPES),
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256",
            "device_id": self.device_id,
            "ui_locales": language,
        }
        if self.acr_values:
            query["acr_values"] = self.acr_values
        return f"{backend_url.rstrip('/')}/authorize?{urlencode(query)}"


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    expires_at: datetime
    id_token: str | None = None
    scope: str = ""

    @classmethod
    def from_json(cls, data: Any, now: datetime | None = None) -> TokenSet:
        if not isinstance(data, dict):
            raise BackendProtocolError("token response: expected a JSON object")
        access = data.get("access_token")
        token_type = str(data.get("token_type", "")).lower()
        expires_in = data.get("expires_in")
        if not isinstance(access, str) or not access or token_type != "bearer":
            raise BackendProtocolError("token response: missing bearer access_token")
        if not isinstance(expires_in, int) or isinstance(expires_in, bool) or expires_in <= 0:
            raise BackendProtocolError("token response: expires_in must be a positive integer")
        refresh = data.get("refresh_token")
        id_token = data.get("id_token")
        return cls(
            access_token=access,
            refresh_token=refresh if isinstance(refresh, str) and refresh else None,
            expires_at=(now or local_now()) + timedelta(seconds=expires_in),
            id_token=id_token if isinstance(id_token, str) else None,
            scope=str(data.get("scope", "")),
        )

    def expired(self, now: datetime | None = None) -> bool:
        return (now or local_now()) >= self.expires_at - EXPIRY_MARGIN


def verify_id_token(
    id_token: str, jwks: dict[str, Any], issuer: str, nonce: str,
    client_id: str = APP_CLIENT_ID, *, now: datetime | None = None,
    leeway: timedelta = ID_TOKEN_LEEWAY,
) -> dict[str, Any]:
    """Checks the ID token's signature (backend JWKS), issuer, audience, nonce, and its
    iat/nbf/exp against `now`: the server's time as the device estimates it
    (`ServerClock.now()`), so a device whose own clock is off can still log in. Without
    `now`, the device's clock."""
    try:
        header = jwt.get_unverified_header(id_token)
        keys = {k.get("kid"): k for k in jwks.get("keys", []) if isinstance(k, dict)}
        jwk = keys.get(header.get("kid"))
        if jwk is None or header.get("alg") not in ID_TOKEN_ALGORITHMS:
            raise BackendProtocolError("ID token signed with an unknown key or algorithm")
        key = jwt.PyJWK(jwk).key
        # PyJWT would compare the times with the device's clock: checked below instead.
        claims = jwt.decode(
            id_token, key, algorithms=ID_TOKEN_ALGORITHMS, audience=client_id, issuer=issuer,
            options={"require": ["exp", "iat", "sub", "aud", "iss", "nonce"],
                     "verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
    except jwt.PyJWTError as exc:
        raise BackendProtocolError(f"ID token rejected: {exc}") from exc
    check_token_times(claims, now or local_now(), leeway)
    if not secrets.compare_digest(str(claims.get("nonce")), nonce):
        raise BackendProtocolError("ID token rejected: nonce does not match this login")
    return claims


def check_token_times(claims: dict[str, Any], now: datetime,
                      leeway: timedelta = ID_TOKEN_LEEWAY) -> None:
    """iat and nbf not after `now` + leeway, exp after `now` − leeway (as PyJWT does)."""
    moment = now.timestamp()
    margin = leeway.total_seconds()
    times: dict[str, float] = {}
    for name in ("iat", "nbf", "exp"):
        value = claims.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BackendProtocolError(f"ID token rejected: {name} must be a number")
        times[name] = float(value)
    if "exp" not in times or "iat" not in times:
        raise BackendProtocolError("ID token rejected: exp and iat are required")
    if times["exp"] <= moment - margin:
        raise BackendProtocolError("ID token rejected: it has expired (by the server's time)")
    for name in ("iat", "nbf"):
        if name in times and times[name] > moment + margin:
            raise BackendProtocolError(
                f"ID token rejected: not yet valid ({name}, by the server's time)")
