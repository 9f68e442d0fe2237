"""Puts the waste tile together for one session: its states over the device's stores, the
reads the shell starts before a render (`prepare`), the session-long reminder loop, the home
notes and the screen (the views only render the states)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.features.points import api as points_api
from app.features.waste import views
from app.features.waste.bulky import BulkyBooking
from app.features.waste.bulky_repository import LocalBulkyBookings
from app.features.waste.reminder_delivery import ReminderDelivery
from app.features.waste.repository import WasteRepository
from app.features.waste.state import Section, WasteState
from app.i18n.translator import load_translator
from app.services import AppServices
from app.shell.context import ViewContext

FEATURE_ROUTE = "/waste"


def _services(ctx: ViewContext) -> AppServices:
    if ctx.services is None:
        raise RuntimeError("the waste tile needs the session's services")
    return ctx.services


def waste_state(ctx: ViewContext) -> WasteState:
    services = _services(ctx)

    def household_address() -> str | None:
        account = services.account
        if not account.signed_in or account.me is None:
            return None
        raw = account.me.raw or {}
        address = raw.get("address")
        return address if isinstance(address, str) else None

    return services.feature_state(
        "waste",
        lambda: WasteState(
            WasteRepository(services.public, services.device,
                            services.local_settings("tsuyama-portal.waste")),
            household_address, lambda: datetime.now(UTC)),
    )


def bulky_state(ctx: ViewContext) -> BulkyBooking:
    services = _services(ctx)
    return services.feature_state(
        "waste-bulky",
        # The server's time: it decides which days can still be booked (the deadline).
        lambda: BulkyBooking(LocalBulkyBookings(services.public, services.device),
                             services.backend.server_clock.now),
    )


def reminder_delivery(ctx: ViewContext) -> ReminderDelivery:
    services = _services(ctx)

    def translate(message: str, **params: object) -> str:
        return load_translator(ctx.state.settings.language)(message, **params)

    return services.feature_state(
        "waste-reminders",
        lambda: ReminderDelivery(waste_state(ctx),
                                 services.local_settings("tsuyama-portal.waste.delivered"),
                                 services.notifier, lambda: datetime.now(UTC), translate),
    )


async def reminders_background(ctx: ViewContext) -> None:
    """Collection reminders for the whole session (notifications, home-screen notes)."""
    delivery = reminder_delivery(ctx)

    def changed() -> None:
        # Re-render for new home notes, or for data read again while the tile is open.
        if delivery.notes_changed or ctx.state.route.startswith(FEATURE_ROUTE):
            ctx.refresh()

    await delivery.run(lambda: ctx.state.settings.language, changed)


def home_notes(ctx: ViewContext) -> list[str]:
    if ctx.services is None:  # a screen built without a session (unit tests)
        return []
    delivery = reminder_delivery(ctx)
    return [delivery.message(r) for r in delivery.notes]


def prepare(ctx: ViewContext) -> None:
    """Before a render of the tile: read the content when it is new or changed, and the
    bookings when the bulky-waste section is open and the stores changed."""
    state = waste_state(ctx)
    language = ctx.state.settings.language
    if state.claim_load(language):
        ctx.run_task(_load_content, ctx, state, language)
    if state.section is Section.BULKY:
        bulky = bulky_state(ctx)
        if bulky.claim_load():
            ctx.run_task(_load_bookings, ctx, bulky, state)
    services = _services(ctx)
    if state.section is Section.CALENDAR and services.account.signed_in:
        progress = points_api.district_progress(services)
        if progress.claim_load():
            ctx.run_task(_load_progress, ctx, progress)


def build_view(ctx: ViewContext) -> list[Any]:
    services = _services(ctx)
    if not services.account.signed_in:
        return views.waste_body(ctx, waste_state(ctx), bulky_state(ctx))
    return views.waste_body(ctx, waste_state(ctx), bulky_state(ctx),
                            points_api.district_progress(services),
                            points_api.fee_payment(services))


async def _load_progress(ctx: ViewContext, progress: points_api.DistrictProgressState) -> None:
    await progress.load()
    ctx.refresh()


async def _load_content(ctx: ViewContext, state: WasteState, language: str) -> None:
    await state.load(language)
    ctx.refresh()


async def _load_bookings(ctx: ViewContext, bulky: BulkyBooking, waste: WasteState) -> None:
    await bulky.load({str(i.get("id")): i for i in waste.content.items},
                     {str(a.get("id")): a for a in waste.content.areas})
    ctx.refresh()
