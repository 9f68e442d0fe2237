"""Puts the transit tile together for one session: its state over the device's saved
timetables and the city's feeds, the reads the shell starts before a render (`prepare`),
and the screen (the views only render the state)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from app.features.transit import views
from app.features.transit.favourites_repository import Favourites
from app.features.transit.repository import TransitRepository
from app.features.transit.state import TransitState
from app.i18n.formatting import CITY_TIMEZONE
from app.services import AppServices
from app.shell.context import ViewContext
from backend_client.transit import TransitClient

FEATURE_ROUTE = "/transit"


def _services(ctx: ViewContext) -> AppServices:
    if ctx.services is None:
        raise RuntimeError("the transit tile needs the session's services")
    return ctx.services


def city_now() -> datetime:
    return datetime.now(ZoneInfo(CITY_TIMEZONE)).replace(tzinfo=None)


def transit_state(ctx: ViewContext) -> TransitState:
    services = _services(ctx)

    def folder() -> Path | None:
        try:
            return services.public.folder("transit")
        except OSError:
            return None

    return services.feature_state("transit", lambda: _new_state(ctx, services, folder))


def _new_state(ctx: ViewContext, services: AppServices,
               folder: Callable[[], Path | None]) -> TransitState:
    state = TransitState(
        TransitRepository(folder, TransitClient(services.backend)),
        Favourites(services.device, lambda: services.account.signed_in,
                   services.local_settings("tsuyama-portal.transit.favourites")),
        city_now, ctx.refresh)
    # The city's map tiles (a URL template with {z}/{x}/{y}); none: a plain background.
    state.map_tiles_url = os.environ.get("TSUYAMA_MAP_TILES_URL", "").strip()
    return state


def prepare(ctx: ViewContext) -> None:
    """The saved timetables and the city's feeds on the first visit."""
    state = transit_state(ctx)
    if state.claim_load():
        ctx.run_task(_load, ctx, state)


async def _load(ctx: ViewContext, state: TransitState) -> None:
    await state.load()
    for feed_id in list(state.networks):
        await state.load_realtime(feed_id)
    ctx.refresh()


def build_view(ctx: ViewContext) -> list[Any]:
    return views.transit_body(ctx, transit_state(ctx))
