"""Puts the waiting-number screen together for one session: one state per counter and
signed-in person over the backend's `/queue/*` routes, the polling loop while the screen is
open (`prepare` starts it; leaving the route ends it), and the screen.

The tile's `prepare`/`build_view` call `prepare_queue(ctx)` / `build_queue(ctx)` when
`parse_queue_route(ctx.state.route)` names a counter."""

from __future__ import annotations

import asyncio
from typing import Any

from app.features.reservations.queue import views
from app.features.reservations.queue.repository import BackendQueue
from app.features.reservations.queue.state import (
    QueueScreenState,
    parse_queue_route,
    queue_route,
)
from app.services import AppServices
from app.shell.context import ViewContext

TICK_SECONDS = 1.0  # how often the loop looks whether a read is due


def _services(ctx: ViewContext) -> AppServices:
    if ctx.services is None:
        raise RuntimeError("the queue screen needs the session's services")
    return ctx.services


def queue_state(ctx: ViewContext, counter: str) -> QueueScreenState:
    services = _services(ctx)
    account = services.account
    owner = account.me.common_id if account.me is not None else ""
    return services.feature_state(
        f"reservations-queue:{counter}:{owner}",
        lambda: QueueScreenState(
            BackendQueue(services.backend, account.access_token, lambda: account.signed_in),
            counter, services.backend.server_clock.now))


def prepare_queue(ctx: ViewContext) -> None:
    """Starts the polling loop of the counter on screen (once)."""
    counter = parse_queue_route(ctx.state.route)
    if counter is None:
        return
    state = queue_state(ctx, counter)
    if not state.polling:
        state.polling = True
        ctx.run_task(_keep_polling, ctx, state)


def build_queue(ctx: ViewContext) -> list[Any]:
    counter = parse_queue_route(ctx.state.route)
    if counter is None:
        return []
    return views.queue_body(ctx, queue_state(ctx, counter))


async def _keep_polling(ctx: ViewContext, state: QueueScreenState) -> None:
    """While the screen is open: the counter read every `POLL_SECONDS` when online;
    offline, the screen re-rendered so the data's age stays true."""
    route = queue_route(state.counter)
    try:
        while ctx.state.route == route:
            online = not ctx.state.connection.offline
            if state.due() or not online:
                await state.poll(online=online)
                ctx.refresh()
            await asyncio.sleep(TICK_SECONDS)
    finally:
        state.polling = False
