"""The reservations tile's server side (予約, docs/reservations.md): being built (issue 16).
The tables are in place; the app still shows a placeholder screen."""

from __future__ import annotations

from backend.tiles.reservations.models import (
    QueueCounterDay,
    QueueTicket,
    ReservationBooking,
    ReservationBookingEvent,
    ReservationCounter,
    ReservationResource,
    ReservationSlot,
)
from backend.tiles.spec import HomeHint, ServerPart, TileSpec

TILE = TileSpec(
    id="reservations",
    server=ServerPart.BUILT,
    summary="Being built: the tables are in place; the app's tile is a placeholder.",
    models=(ReservationResource, ReservationSlot, ReservationBooking, ReservationBookingEvent,
            ReservationCounter, QueueTicket, QueueCounterDay),
    home=HomeHint(order=20),
)
