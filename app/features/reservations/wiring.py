"""Puts the reservations tile together for one session: its state over the device's stores
and the network routes, the reads the shell starts before a render (`prepare`), the
session-long reminder loop with its home notes, and the screen (the views only render the
state)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.device.files import save_bytes
from app.features.points import api as points_api
from app.features.reservations import views
from app.features.reservations.queue.state import parse_queue_route
from app.features.reservations.queue.wiring import build_queue, prepare_queue
from app.features.reservations.reminder_delivery import BookingReminderDelivery
from app.features.reservations.repository import (
    BackendPeople,
    BackendReservations,
    LocalReservations,
)
from app.features.reservations.routes import ROUTE, Screen, parse
from app.features.reservations.state import ReservationsState
from app.i18n.translator import load_translator
from app.services import AppServices
from app.shell.context import ViewContext
from backend_client.reservations import ReservationsClient


def _services(ctx: ViewContext) -> AppServices:
    if ctx.services is None:
        raise RuntimeError("the reservations tile needs the session's services")
    return ctx.services


def reservations_state(ctx: ViewContext) -> ReservationsState:
    """The signed-in resident's reservations state for this session."""
    services = _services(ctx)
    account = services.account
    owner = account.me.common_id if account.me is not None else ""

    def profile() -> Mapping[str, Any] | None:
        me = account.me
        return me.raw if account.signed_in and me is not None else None

    def age() -> int | None:
        return account.me.age if account.me is not None else None

    return services.feature_state(
        f"reservations:{owner}",
        lambda: ReservationsState(
            LocalReservations(services.public, services.device,
                              BackendPeople(services.backend, account.access_token, age),
                              profile),
            BackendReservations(services.backend, account.access_token),
            services.backend.server_clock.now, save_file=save_bytes))


def reminder_delivery(ctx: ViewContext) -> BookingReminderDelivery:
    """The session's booking reminders (over whoever is signed in at the time)."""
    services = _services(ctx)

    def translate(message: str, **params: object) -> str:
        return load_translator(ctx.state.settings.language)(message, **params)

    return services.feature_state(
        "reservations-reminders",
        lambda: BookingReminderDelivery(
            lambda: reservations_state(ctx),
            services.local_settings("tsuyama-portal.reservations.delivered"),
            services.notifier, services.backend.server_clock.now, translate))


async def reminders_background(ctx: ViewContext) -> None:
    """Booking reminders for the whole session (notifications, home-screen notes)."""
    delivery = reminder_delivery(ctx)

    def changed() -> None:
        # Re-render for new home notes, or for data read again while the tile is open.
        if delivery.notes_changed or ctx.state.route.startswith(ROUTE):
            ctx.refresh()

    await delivery.run(lambda: ctx.state.settings.language, changed)


def home_notes(ctx: ViewContext) -> list[str]:
    if ctx.services is None:  # a screen built without a session (unit tests)
        return []
    return reminder_delivery(ctx).home_notes(ctx.state.settings.language)


class _NoBulkyFees:
    """`FeePayment` pays reservation fees through `pay`; it never pays a bulky-waste one."""

    async def pay_bulky_fee(self, number: str, *, pin: str,
                            idempotency_key: str) -> dict[str, Any]:
        raise RuntimeError("not a bulky-waste fee")


def fee_payment(services: AppServices) -> points_api.FeePayment:
    """The signed-in resident's payments of booking fees (by booking id) this session."""
    client = ReservationsClient(services.backend)

    async def pay(booking_id: str, pin: str, key: str) -> dict[str, Any]:
        return await client.pay_fee_with_points(await services.account.access_token(),
                                                booking_id, pin=pin, idempotency_key=key)

    me = services.account.me
    owner = str(me.common_id) if me is not None else ""
    return services.feature_state(f"points-reservation-fees:{owner}",
                                  lambda: points_api.FeePayment(_NoBulkyFees(), pay=pay))


def prepare(ctx: ViewContext) -> None:
    """Before a render: read the stores when they changed, and whom the resident may book
    for."""
    if parse_queue_route(ctx.state.route) is not None:
        prepare_queue(ctx)  # the waiting-number screen (整理券) has its own state
        return
    state = reservations_state(ctx)
    state.language = ctx.state.settings.language
    if state.claim_load():
        ctx.run_task(_load, ctx, state)
    elif state.claim_household():
        ctx.run_task(_load_household, ctx, state)
    where = parse(ctx.state.route)
    if where.screen is Screen.RESOURCE:
        state.open_resource(where.id)


def build_view(ctx: ViewContext) -> list[Any]:
    if parse_queue_route(ctx.state.route) is not None:
        return build_queue(ctx)
    services = _services(ctx)
    fees = fee_payment(services) if services.account.signed_in else None
    return views.reservations_body(ctx, reservations_state(ctx), fees)


async def _load(ctx: ViewContext, state: ReservationsState) -> None:
    await state.load()
    ctx.refresh()


async def _load_household(ctx: ViewContext, state: ReservationsState) -> None:
    await state.load_household()
    ctx.refresh()
