"""Puts the reservations staff screens together for one session: per department that may own
resources a day's list, a check-in-by-code screen and the queue caller, each over its own
state (a clerk of two departments keeps two of each). `STAFF_SCREENS` goes into the tile's
`FeatureSpec`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from app.features.reservations.staff import views
from app.features.reservations.staff.caller_state import REFRESH_SECONDS, CallerState
from app.features.reservations.staff.checkin_state import CheckInState
from app.features.reservations.staff.day_state import DayState
from app.features.reservations.staff.repository import BackendReservationsStaff
from app.i18n.formatting import city_today
from app.services import AppServices
from app.shell.context import ViewContext
from app.shell.feature_spec import StaffScreen

# Department id → its name as the screen titles say it (English message ids); the
# departments of the demo resources and of the city's counters.
DEPARTMENTS: dict[str, str] = {
    "citizens": "Citizens Division",
    "children": "Children's Division",
    "care": "Elderly Care and Welfare Division",
    "health": "Health Promotion Division",
}
TICK_SECONDS = 1.0


def _services(ctx: ViewContext) -> AppServices:
    if ctx.services is None:
        raise RuntimeError("the staff screens need the session's services")
    return ctx.services


def _source(ctx: ViewContext, services: AppServices) -> BackendReservationsStaff:
    return BackendReservationsStaff(services.backend, services.account.access_token,
                                    "kiosk" if ctx.kiosk else "counter")


def _owner(services: AppServices) -> str:
    me = services.account.me
    return me.common_id if me is not None else ""


def day_state(ctx: ViewContext, department: str) -> DayState:
    services = _services(ctx)
    return services.feature_state(
        f"reservations-day:{department}:{_owner(services)}",
        lambda: DayState(_source(ctx, services), department, city_today))


def checkin_state(ctx: ViewContext, department: str) -> CheckInState:
    services = _services(ctx)
    return services.feature_state(
        f"reservations-checkin:{department}:{_owner(services)}",
        lambda: CheckInState(_source(ctx, services), department,
                             lambda: day_state(ctx, department).reload()))


def caller_state(ctx: ViewContext, department: str) -> CallerState:
    services = _services(ctx)
    return services.feature_state(
        f"reservations-caller:{department}:{_owner(services)}",
        lambda: CallerState(_source(ctx, services), department,
                            services.backend.server_clock.now))


async def _run(ctx: ViewContext, load: Any) -> None:
    await load()
    ctx.refresh()


def _prepare_day(department: str) -> Callable[[ViewContext], None]:
    def prepare(ctx: ViewContext) -> None:
        state = day_state(ctx, department)
        if state.claim_resources_load():
            ctx.run_task(_run, ctx, state.load_resources)
        elif state.claim_day_load():
            ctx.run_task(_run, ctx, state.load_day)

    return prepare


def _prepare_caller(department: str) -> Callable[[ViewContext], None]:
    def prepare(ctx: ViewContext) -> None:
        state = caller_state(ctx, department)
        if not state.refreshing:
            state.refreshing = True
            ctx.run_task(_keep_caller_fresh, ctx, state)

    return prepare


async def _keep_caller_fresh(ctx: ViewContext, state: CallerState) -> None:
    """While the caller screen is open: its counters once, then the tickets every
    `REFRESH_SECONDS` (numbers taken meanwhile appear)."""
    route = ctx.state.route
    try:
        if not state.counters_read:
            await state.load_counters()
            ctx.refresh()
        while ctx.state.route == route:
            if state.due(REFRESH_SECONDS) and not ctx.state.connection.offline:
                await state.load_screen()
                ctx.refresh()
            await asyncio.sleep(TICK_SECONDS)
    finally:
        state.refreshing = False


def _screens(department: str) -> tuple[StaffScreen, ...]:
    name = DEPARTMENTS[department]
    return (
        StaffScreen(id=f"day-{department}", title=f"Reservations of the day: {name}",
                    department=department,
                    build_view=lambda ctx: views.day_body(ctx, day_state(ctx, department)),
                    prepare=_prepare_day(department), icon="EVENT_NOTE",
                    description="Each slot with its bookings: check in, did not come, "
                                "capacity, close or add a slot."),
        StaffScreen(id=f"check-in-{department}", title=f"Check in a booking: {name}",
                    department=department,
                    build_view=lambda ctx: views.checkin_body(ctx,
                                                              checkin_state(ctx, department)),
                    icon="QR_CODE_SCANNER",
                    description="Scan the resident's booking code to check them in."),
        StaffScreen(id=f"queue-{department}", title=f"Waiting numbers: {name}",
                    department=department,
                    build_view=lambda ctx: views.caller_body(ctx,
                                                             caller_state(ctx, department)),
                    prepare=_prepare_caller(department), icon="CAMPAIGN",
                    description="Call the next number, skip, done; numbers for walk-ins."),
    )


STAFF_SCREENS: tuple[StaffScreen, ...] = tuple(
    screen for department in DEPARTMENTS for screen in _screens(department))
