"""One booking: status, number, time (Asia/Tokyo), place; actions: change (another slot of
the same resource), cancel (asked first), accept/decline an offered place, the .ics file,
the check-in QR code (big) and the fee paid with points."""

from __future__ import annotations

import flet as ft

from app.account.qr_image import qr_png
from app.design.widgets import big_button, destructive_button, quiet_button
from app.features.points import api as points_api
from app.features.points.api import FeePayment
from app.features.reservations.records import Booking
from app.features.reservations.routes import ROUTE
from app.features.reservations.state import SENT_MESSAGES, ReservationsState
from app.features.reservations.views.common import status_badge, until, when
from app.i18n.formatting import format_yen
from app.shell.confirmation import Confirmation
from app.shell.context import ViewContext
from app.shell.views.blocks import card, heading, message, plain


def booking_screen(ctx: ViewContext, state: ReservationsState, booking_id: str,
                   fees: FeePayment | None) -> list[ft.Control]:
    t, lang, m, p = ctx.t, ctx.t.lang, ctx.metrics, ctx.palette
    booking = state.booking(booking_id)
    back = quiet_button(t("Back to reservations"), m, p, lambda _: ctx.navigate(ROUTE),
                        "booking-back")
    if booking is None:
        return [message(ctx, t("This booking is not on this device yet."), "booking-missing",
                        alert=True), back]
    controls: list[ft.Control] = [heading(ctx, booking.title_in(lang), "booking-heading"),
                                  status_badge(ctx, booking, "booking-status")]
    if state.message_on(ctx.state.route) and not (
            state.message in SENT_MESSAGES and not booking.waiting):
        # "... will be sent to the city" stays only while something waits to be sent.
        controls.append(message(ctx, t(state.message, **state.message_params),
                                "booking-message"))
    lines = [plain(ctx, t("Time: {time}", time=when(ctx, booking.slot_start)), bold=True)]
    if booking.number:
        lines.append(plain(ctx, t("Booking number: {number}", number=booking.number),
                           "booking-number", bold=True))
    if booking.place_in(lang):
        lines.append(plain(ctx, t("Place: {place}", place=booking.place_in(lang))))
    if booking.position is not None and booking.status == "waiting":
        lines.append(plain(ctx, t("Position on the waiting list: {position}",
                                  position=str(booking.position))))
    if booking.offered_until is not None and booking.status == "offered":
        lines.append(plain(ctx, t("Please answer by {time}.",
                                  time=when(ctx, booking.offered_until)), bold=True))
    if booking.changeable_until is not None and booking.status == "booked":
        lines.append(plain(ctx, t("Changes and cancellation online until {time}.",
                                  time=until(ctx, booking.changeable_until)), small=True))
    controls.append(card(ctx, lines, "booking-facts"))
    if booking.refusal is not None:
        controls.append(message(ctx, t("The city did not accept this: {reason}",
                                       reason=booking.refusal), "booking-refusal", alert=True))
    if booking.refused_change is not None:
        controls.append(message(ctx, t("Your last change was not accepted: {reason}",
                                       reason=booking.refused_change[2]),
                                "booking-refused-change", alert=True))
    controls += _actions(ctx, state, booking)
    controls += _change(ctx, state, booking)
    controls += _checkin(ctx, state, booking)
    controls += _fee(ctx, booking, fees)
    controls.append(back)
    return controls


def _actions(ctx: ViewContext, state: ReservationsState, booking: Booking
             ) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    online = not ctx.state.connection.offline
    now = state.now()
    buttons: list[ft.Control] = []

    async def answer(accept: bool) -> None:
        await state.answer_offer(booking, accept)
        ctx.refresh()

    async def calendar() -> None:
        await state.save_calendar(booking, online=not ctx.state.connection.offline)
        ctx.refresh()

    async def cancel() -> None:
        await state.cancel(booking)
        ctx.refresh()

    if booking.may_answer_offer(now):
        buttons.append(big_button(t("Accept the place"), "CHECK", m, p,
                                  lambda _: ctx.run_task(answer, True), "booking-accept"))
        buttons.append(quiet_button(t("Decline"), m, p, lambda _: ctx.run_task(answer, False),
                                    "booking-decline"))
    if booking.may_change(now):
        def toggle(_: object) -> None:
            state.start_change(booking)
            ctx.refresh()
        buttons.append(quiet_button(t("Change the time"), m, p, toggle, "booking-change"))
    if booking.number and booking.status not in ("pending", "refused") and online:
        buttons.append(quiet_button(t("Add to calendar (.ics)"), m, p,
                                    lambda _: ctx.run_task(calendar), "booking-ics"))
    if booking.may_cancel():
        def ask(_: object) -> None:
            ctx.confirm(Confirmation(
                title=t("Cancel this booking?"),
                message=t("Your place goes to someone else. A fee paid with points is "
                          "refunded."),
                confirm_label=t("Cancel the booking"), on_confirm=cancel,
                identifier="booking-cancel"))
        buttons.append(destructive_button(t("Cancel the booking"), m, p, ask,
                                          "booking-cancel"))
    return [ft.Row(buttons, wrap=True, spacing=m.body_size * 0.5, key="booking-actions")]


def _change(ctx: ViewContext, state: ReservationsState, booking: Booking
            ) -> list[ft.Control]:
    t = ctx.t
    if state.changing != booking.id:
        return []
    choices = state.change_choices(booking)
    if not choices:
        return [plain(ctx, t("No other time has a free place."), "change-none")]

    async def move(index: int) -> None:
        await state.change(booking, choices[index])
        ctx.refresh()

    chips: list[ft.Control] = [ft.Chip(label=ft.Text(when(ctx, slot.start)), key=f"change-{index}",
                     on_click=lambda _, i=index: ctx.run_task(move, i))
             for index, slot in enumerate(choices)]
    return [plain(ctx, t("Choose the new time. If it is taken first, you keep this one."),
                  bold=True), ft.Row(chips, wrap=True, key="change-choices")]


def _checkin(ctx: ViewContext, state: ReservationsState, booking: Booking
             ) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    if not booking.has_qr:
        return []
    checkin = state.checkin_for(booking.id)

    async def show() -> None:
        await state.show_checkin(booking, online=not ctx.state.connection.offline)
        ctx.refresh()

    controls: list[ft.Control] = [heading(ctx, t("Check-in QR code"), "checkin-heading")]
    if checkin.problem:
        controls.append(message(ctx, t(checkin.problem, **(checkin.problem_params or {})),
                                "checkin-problem", alert=True))
    if not checkin.code:
        controls.append(big_button(t("Show the QR code"), "QR_CODE", m, p,
                                   lambda _: ctx.run_task(show), "checkin-show"))
        return controls
    side = min(m.body_size * 22, 420)
    controls.append(plain(ctx, t("Show this QR code at the counter or the kiosk."),
                          bold=True))
    controls.append(ft.Container(
        key="checkin-qr", alignment=ft.Alignment.CENTER, bgcolor="#FFFFFF",
        padding=ft.Padding.all(m.body_size),
        content=ft.Semantics(label=t("Check-in QR code"), identifier="checkin-qr-image",
                             image=True, container=True,
                             content=ft.Image(src=qr_png(checkin.code), width=side,
                                              height=side, fit=ft.BoxFit.CONTAIN,
                                              filter_quality=ft.FilterQuality.NONE))))
    return controls


def _fee(ctx: ViewContext, booking: Booking, fees: FeePayment | None) -> list[ft.Control]:
    if booking.fee_amount <= 0 or booking.status in ("pending", "refused"):
        return []
    t = ctx.t
    bid = booking.id
    controls: list[ft.Control] = [plain(ctx, t("Fee: {amount}", amount=format_yen(
        booking.fee_amount, ctx.locale)), "booking-fee", bold=True)]
    receipt = fees.receipts.get(bid) if fees is not None else None
    if booking.fee_paid_at is not None or receipt is not None:
        controls.append(message(ctx, t("Paid."), "booking-fee-paid"))
        return controls
    if not booking.fee_due:
        return controls
    if not booking.points_payable or fees is None:
        controls.append(plain(ctx, t("Please pay the fee at the counter."),
                              "booking-fee-counter"))
        return controls
    controls += points_api.fee_payment_controls(ctx, fees, bid, booking.fee_amount, "booking")
    return controls
