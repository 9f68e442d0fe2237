"""Validation of the app's `GET /authorize` request.

Errors found before the client and its redirect URI are known to be good are shown to the
user (never redirected: that would make the server an open redirector). Later errors go
back to the app's redirect URI (RFC 6749 §4.1.2.1).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from backend.identity.clients import RegisteredClient
from backend.identity.pkce import METHOD_S256, is_valid_challenge

SUPPORTED_SCOPES = ("openid", "profile", "offline_access")
DEVICE_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_MAX_STATE = 500
_MAX_NONCE = 255
_MAX_UI_LOCALES = 64
_MAX_LOGIN_HINT = 254
# `acr_values` asking for the backend's own email sign-in instead of the upstream provider.
ACR_EMAIL = "email"


class UnsafeAuthorizeError(Exception):
    """Unknown client or unregistered redirect URI: answer with an error page, not a redirect."""


class RedirectableAuthorizeError(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


@dataclass(frozen=True)
class AuthorizeRequest:
    client_id: str
    redirect_uri: str
    state: str
    nonce: str
    scope: str
    code_challenge: str
    device_id: str | None
    ui_locales: str | None
    # OIDC Core §3.1.2.1: requested ACRs (voluntary; only "email" changes anything) and a
    # hint of the login name (kept as given, shown pre-filled on the email page).
    acr_values: tuple[str, ...] = ()
    login_hint: str | None = None

    @property
    def wants_email_login(self) -> bool:
        return ACR_EMAIL in self.acr_values


def check_client_and_redirect(
    params: Mapping[str, str], clients: Mapping[str, RegisteredClient]
) -> tuple[RegisteredClient, str]:
    client_id = params.get("client_id", "")
    client = clients.get(client_id)
    if client is None:
        raise UnsafeAuthorizeError(f"unknown client_id {client_id[:64]!r}")
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri:
        raise UnsafeAuthorizeError("redirect_uri is required")
    if not client.allows_redirect(redirect_uri):
        raise UnsafeAuthorizeError("redirect_uri is not registered for this client")
    return client, redirect_uri


def parse_authorize_request(params: Mapping[str, str], client: RegisteredClient,
                            redirect_uri: str) -> AuthorizeRequest:
    """The validated request; raises `RedirectableAuthorizeError` (client already checked)."""

    def fail(error: str, description: str) -> RedirectableAuthorizeError:
        return RedirectableAuthorizeError(error, description)

    if params.get("response_type") != "code":
        raise fail("unsupported_response_type", "response_type must be code")
    state = params.get("state", "")
    if not state or len(state) > _MAX_STATE:
        raise fail("invalid_request", f"state is required (at most {_MAX_STATE} characters)")
    nonce = params.get("nonce", "")
    if not nonce or len(nonce) > _MAX_NONCE:
        raise fail("invalid_request", f"nonce is required (at most {_MAX_NONCE} characters)")
    requested = params.get("scope", "").split()
    if "openid" not in requested:
        raise fail("invalid_scope", "scope must include openid")
    scope = " ".join(s for s in SUPPORTED_SCOPES if s in requested)
    method = params.get("code_challenge_method", "")
    challenge = params.get("code_challenge", "")
    if method != METHOD_S256:
        raise fail("invalid_request", "code_challenge_method must be S256 (plain is refused)")
    if not is_valid_challenge(challenge):
        raise fail("invalid_request", "code_challenge must be the base64url SHA-256 of a verifier")
    device_id = params.get("device_id") or None
    if device_id is not None and not DEVICE_ID_PATTERN.fullmatch(device_id):
        raise fail("invalid_request", "device_id must be 1-128 characters of A-Z a-z 0-9 . _ -")
    ui_locales = (params.get("ui_locales") or "")[:_MAX_UI_LOCALES] or None
    acr_values = tuple(params.get("acr_values", "").split()[:8])
    login_hint = (params.get("login_hint") or "")[:_MAX_LOGIN_HINT] or None
    return AuthorizeRequest(
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        state=state,
        nonce=nonce,
        scope=scope,
        code_challenge=challenge,
        device_id=device_id,
        ui_locales=ui_locales,
        acr_values=acr_values,
        login_hint=login_hint,
    )
