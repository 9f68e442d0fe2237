"""OAuth 2.0 error responses (RFC 6749 §5.2) and the no-store headers of token responses."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    """An error the token or revocation endpoint answers with `{"error": ...}`."""

    def __init__(self, error: str, description: str, status_code: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status_code = status_code


def invalid_grant(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


def invalid_client(description: str) -> OAuthError:
    return OAuthError("invalid_client", description, status_code=401)


def token_json(content: dict[str, Any], status_code: int = 200,
               headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(content, status_code=status_code, headers={**NO_STORE, **(headers or {})})


def error_json(error: OAuthError) -> JSONResponse:
    headers = {}
    if error.status_code == 401:
        headers["WWW-Authenticate"] = 'Basic realm="tsuyama-portal", error="invalid_client"'
    return token_json(
        {"error": error.error, "error_description": error.description},
        status_code=error.status_code,
        headers=headers,
    )
