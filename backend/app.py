"""FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from email.utils import format_datetime

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.api import (
    access_log,
    auth_logout,
    consents,
    delegations,
    health,
    me,
    oidc_authorize,
    oidc_discovery,
    oidc_token,
    people,
    staff,
    sync,
)
from backend.db import make_engine
from backend.http.input_guard import install_input_guard
from backend.identity.clock import Clock, utc_now
from backend.identity.dev_idp import router as dev_idp
from backend.identity.email_login import dev_mailbox
from backend.identity.email_login import router as email_login
from backend.identity.email_login.mailer import mailer_for
from backend.identity.keys import SigningKey
from backend.identity.refresh_tokens import revoke_families_of_person
from backend.jobs import start_jobs, stop_jobs
from backend.schema import upgrade_to_head
from backend.security.openapi import docs_options
from backend.security.web import install_web_security
from backend.services.account_deletion import deletion_hooks
from backend.settings import Settings
from backend.tiles.registry import TileRegistry, tile_specs

logger = logging.getLogger(__name__)


def _revoke_logins_of(engine: Engine) -> Callable[[str], None]:
    """An account-deletion hook: every refresh token family of the person is revoked."""

    def revoke(person_id: str) -> None:
        with Session(engine) as session:
            revoke_families_of_person(session, person_id, datetime.now(UTC))
            session.commit()

    return revoke


def _include_tile_routers(app: FastAPI, tiles: TileRegistry) -> None:
    """Every tile's routes (resident, public and staff ones), in registry order."""
    for spec in tiles:
        for router in (*spec.routers, *spec.staff_routers):
            app.include_router(router)


class DateHeader:
    """Every answer carries the server's time in `Date` (RFC 9110 §6.6.1): the app checks the
    times of the tokens it receives against it, not against its own clock, which can be off
    by days. uvicorn's own Date header is switched off (`backend/__main__.py`), so there is
    one; an in-process test transport gets one too. The time is `app.state.clock` if a test
    moved it."""

    def __init__(self, app: ASGIApp, clock: Clock) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_date(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"date" for name, _ in headers):
                    moment = self.clock().astimezone(UTC)
                    headers.append((b"date", format_datetime(moment, usegmt=True).encode()))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_date)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app: connect, migrate to head and (if enabled) load demo data right away.

    The work happens here rather than in the lifespan so tests driving the app through
    `httpx.ASGITransport` (which runs no lifespan) see a ready database. The lifespan runs
    the tiles' periodic jobs (`backend/jobs.py`) and disposes the engine on shutdown.
    """
    settings = settings or Settings.from_env()
    tiles = tile_specs()
    if settings.is_production and settings.database_kind == "sqlite":
        logger.warning(
            "TSUYAMA_ENV=production with a SQLite database: fine for a single machine, "
            "use PostgreSQL (DATABASE_URL=postgresql://...) for a real deployment"
        )
    engine = make_engine(settings.database_url)
    try:
        upgrade_to_head(engine)
        for spec in tiles:  # demo notices, waste content, bulky-waste slots...
            for loader in spec.startup:
                loader(engine, settings)
    except BaseException:
        engine.dispose()
        raise

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        jobs = start_jobs(((f"{spec.id}.{job.name}", job) for spec in tiles
                           for job in spec.jobs), engine, settings)
        try:
            yield
        finally:
            await stop_jobs(jobs)
            engine.dispose()

    app = FastAPI(title="Tsuyama Portal backend", version="0.1.0", lifespan=lifespan,
                  **docs_options(settings))  # no /docs, /redoc, /openapi.json in production
    install_input_guard(app, settings)  # body limit, input policy, error shape
    app.add_middleware(DateHeader, clock=lambda: utc_now(app))
    install_web_security(app, settings)  # headers, no-store, trusted proxies, OpenAPI
    app.state.settings = settings
    app.state.engine = engine
    app.state.signing_key = SigningKey.load_or_create(
        settings.signing_key_path, create=not settings.is_production
    )
    if settings.email_login_enabled:
        # SMTP in production (Settings requires it); the dev mailbox in development.
        app.state.mailer = mailer_for(settings)
    deletion_hooks(app.state).append(_revoke_logins_of(engine))
    app.include_router(health.router)
    app.include_router(me.router)
    app.include_router(consents.router)
    app.include_router(delegations.router)
    app.include_router(access_log.router)
    app.include_router(people.router)
    app.include_router(staff.router)
    _include_tile_routers(app, tiles)
    app.include_router(sync.router)
    app.include_router(oidc_discovery.router)
    app.include_router(oidc_authorize.router)
    app.include_router(oidc_token.router)
    app.include_router(auth_logout.router)
    if settings.email_login_enabled:
        app.include_router(email_login.router)
    if settings.dev_idp_enabled:  # development only: Settings refuses it in production
        app.include_router(dev_idp.router)
    if settings.email_login_enabled and settings.dev_mailbox_enabled:  # development only too
        app.include_router(dev_mailbox.router)
    return app
