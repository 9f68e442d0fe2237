"""OpenID Connect discovery and the public keys of this authorization server."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from backend.api.dependencies import SettingsDep
from backend.identity.authorize_request import SUPPORTED_SCOPES
from backend.identity.dependencies import SigningKeyDep
from backend.identity.keys import ALGORITHM
from backend.identity.pkce import METHOD_S256
from backend.models.person import ASSURANCE_CARD, ASSURANCE_LEVELS

router = APIRouter(tags=["identity"])


@router.get("/.well-known/openid-configuration")
def openid_configuration(settings: SettingsDep) -> dict[str, Any]:
    issuer = settings.issuer
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "revocation_endpoint": f"{issuer}/revoke",
        "jwks_uri": f"{issuer}/jwks.json",
        "userinfo_endpoint": f"{issuer}/me",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": [METHOD_S256],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": list(SUPPORTED_SCOPES),
        "subject_types_supported": ["public"],
        # `acr_values=email` at /authorize opens the email sign-in (when enabled).
        "acr_values_supported": (list(ASSURANCE_LEVELS) if settings.email_login_enabled
                                 else [ASSURANCE_CARD]),
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr",
                             "name"],
        "authorization_response_iss_parameter_supported": True,
    }


@router.get("/jwks.json")
def jwks(key: SigningKeyDep) -> dict[str, Any]:
    return key.jwks()
