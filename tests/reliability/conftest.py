"""A real `python -m backend` for the reliability tests, once per database kind and folder,
and logged-in devices that talk to it over loopback HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from tests.identity_helpers import TokenSet, login
from tests.support.running_backend import RunningBackend, running_backend

__all__ = ["Device", "RunningBackend", "backend", "signed_in"]

TOKEN_MAX_AGE_S = 8 * 60  # access tokens live 10 minutes; a soak run logs in again


@pytest.fixture(
    scope="package",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def backend(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBackend]:
    with running_backend(request.param,
                         tmp_path_factory.mktemp(f"backend-{request.param}")) as running:
        yield running


@dataclass
class Device:
    """A persona signed in on one device id over real HTTP; `token()` logs in again when
    the access token is about to expire (soak runs last longer than a token)."""

    backend_url: str
    persona: str
    device_id: str
    tokens: TokenSet | None = None
    _issued: float = field(default=0.0)

    async def token(self) -> str:
        if self.tokens is None or time.monotonic() - self._issued > TOKEN_MAX_AGE_S:
            async with httpx.AsyncClient(base_url=self.backend_url, follow_redirects=False,
                                         timeout=20) as client:
                self.tokens = await login(client, self.persona, device_id=self.device_id)
            self._issued = time.monotonic()
        return self.tokens.access_token

    @property
    def person_id(self) -> str:
        assert self.tokens is not None, "call token() first"
        return self.tokens.common_id


async def signed_in(backend_url: str, persona: str, device_id: str) -> Device:
    device = Device(backend_url, persona, device_id)
    await device.token()
    return device
