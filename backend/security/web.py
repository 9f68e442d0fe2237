"""Wiring of the web hardening into the FastAPI app (called by `backend.app.create_app`)."""

from __future__ import annotations

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from backend.security import openapi
from backend.security.headers import SecurityHeaders
from backend.settings import Settings


def install_web_security(app: FastAPI, settings: Settings) -> None:
    """Security headers and no-store on every answer; the client address from
    `X-Forwarded-For` only when the peer is one of `settings.trusted_proxies` (right to
    left, the first address that is not a trusted proxy); the completed OpenAPI."""
    docs = {path for path in (app.docs_url, app.redoc_url) if path}
    if app.docs_url and app.swagger_ui_oauth2_redirect_url:
        docs.add(app.swagger_ui_oauth2_redirect_url)
    app.add_middleware(SecurityHeaders, settings=settings, no_csp_paths=docs)
    if settings.trusted_proxies:
        # Outermost, so everything inside sees the client's address in `request.client`.
        app.add_middleware(ProxyHeadersMiddleware,
                           trusted_hosts=list(settings.trusted_proxies))
    openapi.install(app)
