"""Fixtures for the identity and security tests: a wired development app, a movable clock
and a protected test route."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.identity.dependencies import CurrentPerson
from tests.identity_helpers import identity_client, make_identity_app

WHOAMI_PATH = "/test-only/whoami"


@dataclass
class FakeClock:
    """`app.state.clock`: the real time plus an offset the test moves forward."""

    offset: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


def add_whoami_route(app: FastAPI) -> None:
    """A route that needs a valid, unrevoked access token of an active person."""

    def whoami(person: CurrentPerson) -> dict[str, Any]:
        return {"common_id": person.id, "role": person.role,
                "assurance_level": person.assurance_level}

    app.add_api_route(WHOAMI_PATH, whoami, methods=["GET"])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_identity(clock: FakeClock) -> Iterator[Callable[..., FastAPI]]:
    """`make_identity(database_url, **settings)`: a development app wired for login, with the
    fake clock and the whoami route; disposed afterwards."""
    apps: list[FastAPI] = []

    def make(url: str, **overrides: Any) -> FastAPI:
        app = make_identity_app(url, **overrides)
        app.state.clock = clock
        add_whoami_route(app)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.state.engine.dispose()


@pytest.fixture
def identity(make_identity: Callable[..., FastAPI], database_url: str) -> FastAPI:
    return make_identity(database_url)


@pytest.fixture
async def client(identity: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with identity_client(identity) as http:
        yield http
