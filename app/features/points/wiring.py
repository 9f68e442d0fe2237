"""Puts the points tile together for one session: its state over the device's store and the
city's server, the reads the shell starts before a render (`prepare`), the countdown of the
customer code, and the screen (the views only render the state)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from app.features.points import views
from app.features.points.repository import LocalWallet, ServerPoints
from app.features.points.state import PointsState, Screen
from app.services import AppServices
from app.shell.context import ViewContext

FEATURE_ROUTE = "/points"


def _services(ctx: ViewContext) -> AppServices:
    if ctx.services is None:
        raise RuntimeError("the points tile needs the session's services")
    return ctx.services


def points_state(ctx: ViewContext) -> PointsState:
    services = _services(ctx)
    shell = ctx.state
    return services.feature_state(
        "points",
        lambda: PointsState(
            LocalWallet(services.device),
            ServerPoints(services.backend, services.account, services.device),
            lambda: datetime.now(UTC),
            services.backend.server_clock.now,  # the server set the code's expiry
            lambda: shell.connection.offline),
    )


def prepare(ctx: ViewContext) -> None:
    """A read of the device's wallet on the first visit and after each sync or local write;
    the countdown while a customer code is on screen."""
    state = points_state(ctx)
    if state.claim_load():
        ctx.run_task(_load, ctx, state)
    code = state.code
    if (state.screen is Screen.MY_CODE and code.code is not None and not code.ticking
            and not code.expired):
        state.code.ticking = True
        ctx.run_task(_tick, ctx, state)


def build_view(ctx: ViewContext) -> list[Any]:
    return views.points_body(ctx, points_state(ctx))


async def _load(ctx: ViewContext, state: PointsState) -> None:
    await state.load()
    if state.acting_for is not None:
        await state.load_other()
    ctx.refresh()


async def _tick(ctx: ViewContext, state: PointsState) -> None:
    """Re-renders once a second while the code counts down on the open screen."""
    try:
        while (state.screen is Screen.MY_CODE and state.code.code is not None
               and ctx.state.route.startswith(FEATURE_ROUTE)):
            ctx.refresh()
            if state.code.expired:
                break
            await asyncio.sleep(1)
    finally:
        state.code.ticking = False
