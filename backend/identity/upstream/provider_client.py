"""HTTP calls to the upstream provider: discovery, JWKS and the token endpoint.

The transport is `app.state.upstream_transport` when set (tests route these calls back into
the same app with `httpx.ASGITransport`), otherwise the real network. Discovery and JWKS are
cached; the JWKS is fetched again when an ID token names a key it does not have (key
rotation), at most once a minute.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from backend.identity.keys import SigningKey
from backend.identity.upstream.client_assertion import (
    CLIENT_ASSERTION_TYPE,
    build_client_assertion,
)
from backend.identity.upstream.id_token_validation import (
    UpstreamIdTokenError,
    key_for,
    unverified_header,
    validate_id_token,
)

DISCOVERY_TTL_S = 3600.0
JWKS_REFRESH_MIN_INTERVAL_S = 60.0
HTTP_TIMEOUT_S = 10.0
UPSTREAM_SCOPE = "openid name address birthdate gender"
_REQUIRED_METADATA = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


class UpstreamError(Exception):
    """The upstream provider could not be reached or answered something unusable."""


class UpstreamClient:
    def __init__(self, issuer: str, client_id: str, client_key: SigningKey) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.client_key = client_key
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._jwks: dict[str, Any] | None = None
        self._jwks_at = 0.0

    @staticmethod
    def _http(transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=transport, timeout=HTTP_TIMEOUT_S)

    async def _get_json(self, url: str, transport: httpx.AsyncBaseTransport | None) -> Any:
        try:
            async with self._http(transport) as http:
                response = await http.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise UpstreamError(f"GET {url} failed: {exc}") from exc

    async def metadata(self, transport: httpx.AsyncBaseTransport | None) -> dict[str, Any]:
        if self._metadata is not None and time.monotonic() - self._metadata_at < DISCOVERY_TTL_S:
            return self._metadata
        document = await self._get_json(f"{self.issuer}/.well-known/openid-configuration",
                                        transport)
        if not isinstance(document, dict) or any(
            not isinstance(document.get(name), str) for name in _REQUIRED_METADATA
        ):
            raise UpstreamError("upstream discovery document lacks required endpoints")
        if document["issuer"].rstrip("/") != self.issuer:
            raise UpstreamError(
                f"upstream discovery names issuer {document['issuer']!r}, expected "
                f"{self.issuer!r}"
            )
        self._metadata, self._metadata_at = document, time.monotonic()
        return document

    async def _jwks_document(self, transport: httpx.AsyncBaseTransport | None,
                             refresh: bool) -> dict[str, Any]:
        stale = time.monotonic() - self._jwks_at >= JWKS_REFRESH_MIN_INTERVAL_S
        if self._jwks is None or (refresh and stale):
            metadata = await self.metadata(transport)
            document = await self._get_json(metadata["jwks_uri"], transport)
            if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
                raise UpstreamError("upstream JWKS is not a key set")
            self._jwks, self._jwks_at = document, time.monotonic()
        return self._jwks

    async def authorization_url(self, transport: httpx.AsyncBaseTransport | None,
                                params: dict[str, str]) -> str:
        endpoint = (await self.metadata(transport))["authorization_endpoint"]
        return str(httpx.URL(endpoint, params=params))

    async def exchange_code(self, transport: httpx.AsyncBaseTransport | None, code: str,
                            code_verifier: str, redirect_uri: str) -> dict[str, Any]:
        """POST the code to the upstream token endpoint with private_key_jwt; the JSON."""
        token_endpoint = (await self.metadata(transport))["token_endpoint"]
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
            "client_id": self.client_id,
            "client_assertion_type": CLIENT_ASSERTION_TYPE,
            "client_assertion": build_client_assertion(
                self.client_key, self.client_id, token_endpoint
            ),
        }
        try:
            async with self._http(transport) as http:
                response = await http.post(token_endpoint, data=form,
                                           headers={"Accept": "application/json"})
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise UpstreamError(f"upstream token request failed: {exc}") from exc
        if response.status_code != 200 or not isinstance(body, dict):
            error = body.get("error") if isinstance(body, dict) else None
            raise UpstreamError(
                f"upstream token endpoint answered {response.status_code} ({error})"
            )
        if not isinstance(body.get("id_token"), str):
            raise UpstreamError("upstream token response has no id_token")
        return body

    async def verified_id_token_claims(self, transport: httpx.AsyncBaseTransport | None,
                                       id_token: str, nonce: str) -> dict[str, Any]:
        header = unverified_header(id_token)
        key = key_for(header, await self._jwks_document(transport, refresh=False))
        if key is None:  # perhaps the provider rotated its keys
            key = key_for(header, await self._jwks_document(transport, refresh=True))
        if key is None:
            raise UpstreamIdTokenError("ID token signed with a key the upstream JWKS lacks")
        return validate_id_token(id_token, key, self.issuer, self.client_id, nonce)
