"""The reservations tile's screens (render only): what can be booked with my bookings, one
resource (days, slots, rules, booking), one booking (actions, calendar file, check-in QR).
Which one is shown follows the route (routes.py)."""

from __future__ import annotations

import flet as ft

from app.features.points.api import FeePayment
from app.features.reservations.routes import Screen, parse
from app.features.reservations.state import ReservationsState
from app.features.reservations.views.booking import booking_screen
from app.features.reservations.views.browse import browse_screen
from app.features.reservations.views.resource import resource_screen
from app.shell.context import ViewContext

__all__ = ["reservations_body"]


def reservations_body(ctx: ViewContext, state: ReservationsState,
                      fees: FeePayment | None = None) -> list[ft.Control]:
    where = parse(ctx.state.route)
    if where.screen is Screen.RESOURCE:
        return resource_screen(ctx, state, where.id)
    if where.screen is Screen.BOOKING:
        return booking_screen(ctx, state, where.id, fees)
    return browse_screen(ctx, state)
