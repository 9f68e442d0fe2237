"""The reservations tile's server side (予約, docs/reservations.md): being built (issue 16).
The tables are in place; the app still shows a placeholder screen."""

from __future__ import annotations

from datetime import timedelta

from backend.jobs import PeriodicJob
from backend.tiles.reservations import cli
from backend.tiles.reservations import routes as booking_routes
from backend.tiles.reservations.handlers import RESERVATIONS
from backend.tiles.reservations.kiosks import check_in as kiosk_check_in
from backend.tiles.reservations.kiosks import cli as kiosk_cli
from backend.tiles.reservations.kiosks import routes as kiosk_routes
from backend.tiles.reservations.kiosks.bootstrap import register_bootstrap_kiosk
from backend.tiles.reservations.kiosks.models import KioskDevice
from backend.tiles.reservations.models import (
    QueueCounterDay,
    QueueTicket,
    ReservationBooking,
    ReservationBookingEvent,
    ReservationCounter,
    ReservationResource,
    ReservationSlot,
)
from backend.tiles.reservations.my_data import (
    DELETION_REASON,
    bookings_export,
    cancel_open_bookings,
)
from backend.tiles.reservations.offers import expire_offers
from backend.tiles.reservations.queue import routes as queue_routes
from backend.tiles.reservations.queue import staff_routes as queue_staff_routes
from backend.tiles.reservations.reminders import send_reminders
from backend.tiles.reservations.resources.publish import (
    RESERVATION_RESOURCES,
    RESERVATION_SLOTS,
)
from backend.tiles.reservations.settings import ReservationsSettings
from backend.tiles.reservations.slots import move_slot_window
from backend.tiles.reservations.staff import routes as reservation_staff_routes
from backend.tiles.reservations.startup import load_resources
from backend.tiles.spec import (
    Deletion,
    DeletionPolicy,
    ExportPart,
    HomeHint,
    ServerPart,
    TileSpec,
)

# The slot window moves with the days: the new day's slots appear within the hour after
# midnight (Asia/Tokyo), as well as at every start (`load_resources`).
SLOTS_JOB = PeriodicJob("slot-window", every=timedelta(hours=1), run=move_slot_window,
                        first_after=timedelta(minutes=10))
# Offers on the waiting list nobody answered in time pass on to the next waiter.
OFFERS_JOB = PeriodicJob("offer-expiry", every=timedelta(minutes=5), run=expire_offers,
                         first_after=timedelta(minutes=1))
# Reminders the day before, from 18:00 Tokyo, to the in-app inbox (reminders.py).
REMINDERS_JOB = PeriodicJob("booking-reminders", every=timedelta(minutes=15),
                            run=send_reminders, first_after=timedelta(minutes=2))

TILE = TileSpec(
    id="reservations",
    server=ServerPart.BUILT,
    summary="Being built: the tables are in place; the app's tile is a placeholder.",
    models=(ReservationResource, ReservationSlot, ReservationBooking, ReservationBookingEvent,
            ReservationCounter, QueueTicket, QueueCounterDay, KioskDevice),
    home=HomeHint(order=20),
    routers=(queue_routes.router, booking_routes.router, kiosk_routes.router,
             kiosk_check_in.router),
    staff_routers=(queue_staff_routes.router, reservation_staff_routes.router),
    sync_collections=(RESERVATION_RESOURCES, RESERVATION_SLOTS, RESERVATIONS),
    startup=(load_resources, register_bootstrap_kiosk),
    settings=ReservationsSettings,
    commands={cli.COMMAND: cli.main, **kiosk_cli.COMMANDS},
    jobs=(SLOTS_JOB, OFFERS_JOB, REMINDERS_JOB),
    export=(ExportPart("reservations", bookings_export),),
    deletion=DeletionPolicy(Deletion.DELETE, DELETION_REASON, delete=cancel_open_bookings),
)
