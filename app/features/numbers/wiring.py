"""Puts the kiosk's 整理券 tile together for one session: one state over the kiosk routes
with the device's key, the polling loop while `/numbers` or `/numbers/<counter>` is open
(`prepare` starts it; leaving them, or a kiosk reset, ends it), the two screens, and the
booking check-in by QR code at `/numbers/booking/check-in` (its own state, never polled)."""

from __future__ import annotations

import asyncio
from typing import Any

from app.features.numbers import views
from app.features.numbers.check_in import CheckInState, is_check_in_route
from app.features.numbers.repository import kiosk_numbers
from app.features.numbers.state import ROUTE, NumbersState, parse_ticket_route
from app.services import AppServices
from app.shell.context import ViewContext

TICK_SECONDS = 1.0  # how often the loop looks whether a read is due
STATE_KEY = "numbers"
CHECK_IN_KEY = "numbers-check-in"


def _services(ctx: ViewContext) -> AppServices:
    if ctx.services is None:
        raise RuntimeError("the numbers tile needs the session's services")
    return ctx.services


def numbers_state(ctx: ViewContext) -> NumbersState:
    """The session's state (dropped by a kiosk reset: `AppServices.reset_for_next_user`)."""
    services = _services(ctx)
    return services.feature_state(STATE_KEY, lambda: NumbersState(
        kiosk_numbers(services.backend, services.kiosk_key),
        services.backend.server_clock.now))


def check_in_state(ctx: ViewContext) -> CheckInState:
    """The session's check-in screen (dropped by a kiosk reset, like `numbers_state`)."""
    services = _services(ctx)
    return services.feature_state(CHECK_IN_KEY, lambda: CheckInState(
        kiosk_numbers(services.backend, services.kiosk_key)))


def _on_tile(route: str) -> bool:
    """A screen that reads the counters: the list or a number (not the check-in)."""
    path = route.split("?", 1)[0]
    return ((path == ROUTE or path.startswith(f"{ROUTE}/"))
            and not is_check_in_route(route))


def prepare(ctx: ViewContext) -> None:
    """Starts the polling loop of the open screen (once)."""
    if not _on_tile(ctx.state.route):
        return
    state = numbers_state(ctx)
    if not state.polling:
        state.polling = True
        ctx.run_task(_keep_polling, ctx, state)


def build_view(ctx: ViewContext) -> list[Any]:
    if is_check_in_route(ctx.state.route):
        return views.check_in_body(ctx, check_in_state(ctx))
    state = numbers_state(ctx)
    counter = parse_ticket_route(ctx.state.route)
    if counter is not None and state.ticket is not None and state.ticket.counter == counter:
        return views.ticket_body(ctx, state)
    # Also a reloaded /numbers/<counter>: no number.
    return views.board_body(ctx, state, check_in_state(ctx))


async def _keep_polling(ctx: ViewContext, state: NumbersState) -> None:
    """While a screen of the tile is open and this state is the session's: the list read
    every `POLL_SECONDS` when online; offline, the screen re-rendered so it says so."""
    try:
        while _on_tile(ctx.state.route) and numbers_state(ctx) is state:
            online = not ctx.state.connection.offline
            if state.due() or (not online and not state.offline):
                await state.poll(online=online)
                ctx.refresh()
            await asyncio.sleep(TICK_SECONDS)
    finally:
        state.polling = False
