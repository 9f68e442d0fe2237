"""The tile's main screen: my bookings (upcoming first), then what can be booked by
category (窓口, 施設, 講座)."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.features.reservations.catalogue import KIND_LABELS, ResourceEntry
from app.features.reservations.records import Booking
from app.features.reservations.routes import booking_route, resource_route
from app.features.reservations.state import Load, ReservationsState
from app.features.reservations.views.common import counts_age, status_badge, when
from app.shell.context import ViewContext
from app.shell.views.blocks import badge, card, heading, message, plain


def browse_screen(ctx: ViewContext, state: ReservationsState) -> list[ft.Control]:
    t = ctx.t
    controls: list[ft.Control] = []
    if state.message_on(ctx.state.route):
        controls.append(message(ctx, t(state.message, **state.message_params),
                                "reservations-done"))
    if state.load_state is Load.FAILED:
        controls.append(message(ctx, t("The reservations stored on this device cannot be "
                                       "read. Please try again later."),
                                "reservations-failed", alert=True))
        return controls
    if state.load_state in (Load.IDLE, Load.LOADING) and not state.resources:
        controls.append(ft.Row([ft.ProgressRing(), plain(ctx, t("Loading…"))], key="loading"))
        return controls
    bookings = state.my_bookings()
    if bookings:
        controls.append(heading(ctx, t("My bookings"), "my-bookings-heading"))
        controls += [_booking_card(ctx, b) for b in bookings]
    controls.append(heading(ctx, t("Book"), "resources-heading"))
    controls += counts_age(ctx, state, "reservations-updated")
    for kind, entries in state.groups().items():
        controls.append(plain(ctx, t(KIND_LABELS.get(kind, kind)), f"kind-{kind}", bold=True))
        controls += [_resource_card(ctx, entry) for entry in entries]
    return controls


def _resource_card(ctx: ViewContext, entry: ResourceEntry) -> ft.Control:
    t, lang = ctx.t, ctx.t.lang
    lines: list[ft.Control] = [plain(ctx, entry.title_in(lang), bold=True)]
    if entry.demo:
        lines.append(badge(ctx, t("Demo")))
    lines.append(plain(ctx, entry.summary_in(lang), small=True))
    lines.append(plain(ctx, t("Place: {place}", place=entry.place_in(lang)), small=True))

    def open_(_: object) -> None:
        ctx.navigate(resource_route(entry.id))

    return _opens(card(ctx, lines, f"resource-card-{entry.id}", on_click=open_),
                  f"resource-{entry.id}", open_)


def _booking_card(ctx: ViewContext, booking: Booking) -> ft.Control:
    t, lang = ctx.t, ctx.t.lang
    lines: list[ft.Control] = [
        ft.Row([status_badge(ctx, booking, f"booking-status-{booking.id}"),
                plain(ctx, booking.title_in(lang), bold=True)], wrap=True),
        plain(ctx, when(ctx, booking.slot_start), small=True)]
    if booking.number:
        lines.append(plain(ctx, t("Booking number: {number}", number=booking.number),
                           small=True))
    if booking.refusal is not None:
        lines.append(message(ctx, t("The city did not accept this: {reason}",
                                    reason=booking.refusal), f"booking-refusal-{booking.id}",
                             alert=True))

    def open_(_: object) -> None:
        ctx.navigate(booking_route(booking.id))

    return _opens(card(ctx, lines, f"booking-card-{booking.id}", on_click=open_),
                  f"booking-{booking.id}", open_)


def _opens(content: ft.Control, identifier: str, on_tap: Any) -> ft.Control:
    """A card a screen reader announces as one button (the status badge inside it is a
    node of its own, which otherwise leaves the card a plain group) and a test finds by
    `identifier`."""
    return ft.Semantics(key=identifier, identifier=identifier, button=True, container=True,
                        on_tap=on_tap, content=content)
