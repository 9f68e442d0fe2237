"""Identity state of one app, created on first use and kept on `app.state.identity`.

`create_app` only includes the routers; everything else the identity code needs is derived
from `app.state.settings`, `app.state.engine` and `app.state.signing_key` here:

- `app.state.upstream_transport` (optional): the httpx transport for calls to the upstream
  provider; tests set `httpx.ASGITransport(app=app)` so the dev IdP is reached in-process.
- `app.state.clock` (optional): a `() -> datetime` for tests (see `backend.identity.clock`).
- `app.state.is_access_token_revoked`: installed here (database check) unless already set.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import httpx
from fastapi import FastAPI

from backend.identity.clients import RegisteredClient, registered_clients
from backend.identity.keys import SigningKey
from backend.identity.revocation import revocation_check
from backend.identity.upstream.provider_client import UpstreamClient
from backend.settings import Settings

_lock = threading.Lock()


class IdentityNotConfigured(RuntimeError):
    """No upstream provider is configured (production without TSUYAMA_UPSTREAM_ISSUER)."""


@dataclass
class IdentityRuntime:
    clients: dict[str, RegisteredClient]
    upstream_client_key: SigningKey
    upstream: UpstreamClient | None


def _create(app: FastAPI) -> IdentityRuntime:
    settings: Settings = app.state.settings
    if settings.upstream_client_key_path is not None:
        client_key = SigningKey.load_or_create(settings.upstream_client_key_path, create=False)
    else:
        client_key = app.state.signing_key
    upstream = (
        UpstreamClient(settings.upstream_issuer, settings.upstream_client_id, client_key)
        if settings.upstream_issuer
        else None
    )
    return IdentityRuntime(
        clients=registered_clients(settings),
        upstream_client_key=client_key,
        upstream=upstream,
    )


def identity_runtime(app: FastAPI) -> IdentityRuntime:
    runtime: IdentityRuntime | None = getattr(app.state, "identity", None)
    if runtime is None:
        with _lock:
            runtime = getattr(app.state, "identity", None)
            if runtime is None:
                runtime = _create(app)
                app.state.identity = runtime
    return runtime


def install_revocation_check(app: FastAPI) -> None:
    """Point `app.state.is_access_token_revoked` at the database unless a test set it."""
    if getattr(app.state, "is_access_token_revoked", None) is None:
        app.state.is_access_token_revoked = revocation_check(app.state.engine)


def upstream_client(app: FastAPI) -> UpstreamClient:
    upstream = identity_runtime(app).upstream
    if upstream is None:
        raise IdentityNotConfigured(
            "no upstream identity provider is configured (TSUYAMA_UPSTREAM_ISSUER)"
        )
    return upstream


def upstream_transport(app: FastAPI) -> httpx.AsyncBaseTransport | None:
    return getattr(app.state, "upstream_transport", None)
