"""The kiosk's booking check-in: 「予約のある方（QRコードで受付）」 on the 整理券 screen, then
the screen that reads the booking's QR code (camera, picture or the typed text under it: the
shared block `app.shell.views.code_entry`), says in a plain sentence under the input why a
code was not checked in, and shows the booking checked in: what and when, and its waiting
number huge when its counter has a queue. Render `CheckInState` only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.design.widgets import big_button, icon, quiet_button
from app.features.numbers.check_in import (
    BOOKING_NOT_FOUND,
    CHECK_IN_ROUTE,
    CODE_OUTDATED,
    INVALID_CODE,
    NO_CODE_IN_PICTURE,
    NO_KEY,
    NOT_AT_THIS_KIOSK,
    NOT_TODAY,
    OFFLINE,
    WRONG_STATUS,
    BookingCheckIn,
    CheckInState,
)
from app.features.numbers.state import ROUTE
from app.features.numbers.views.common import big_text, language, time_text, warning
from app.features.points.api import decode_qr, pick_qr_text
from app.shell.context import ViewContext
from app.shell.view_actions import now
from app.shell.views.blocks import plain
from app.shell.views.code_entry import CodeEntryTexts, code_entry


def refusal_text(ctx: ViewContext, refusal: str) -> str:
    """Why the code was not checked in, and what to do (the state's refusal codes)."""
    t = ctx.t
    if refusal == NOT_TODAY:
        return t("This booking is for another day.")
    if refusal == CODE_OUTDATED:
        return t("The time of this booking has changed. Please show the new code in the app.")
    if refusal == NOT_AT_THIS_KIOSK:
        return t("Please check this booking in at another counter.")
    if refusal == INVALID_CODE:
        return t("This is not the code of a booking. Please show the QR code on your "
                 "booking's screen.")
    if refusal == BOOKING_NOT_FOUND:
        return t("This booking was not found. Please ask a member of staff.")
    if refusal == WRONG_STATUS:
        return t("This booking cannot be checked in (it may have been cancelled). Please ask "
                 "a member of staff.")
    if refusal == NO_CODE_IN_PICTURE:
        return t("No QR code could be read in this picture.")
    if refusal == OFFLINE:
        return t("Cannot connect. Please ask a member of staff.")
    if refusal == NO_KEY:
        return t("Bookings cannot be checked in on this device. Please ask a member of staff.")
    return t("The booking could not be checked in. Please ask a member of staff.")


# --- on the 整理券 screen ----------------------------------------------------------------------
def check_in_button(ctx: ViewContext, state: CheckInState) -> ft.Control:
    """「予約のある方（QRコードで受付）」: opens the check-in screen, empty."""
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    label = t("Booked? Check in with your QR code")

    def open_screen() -> None:
        state.clear()  # nothing of the last person
        ctx.navigate(CHECK_IN_ROUTE)

    handler = now(ctx, open_screen)
    body = ft.Container(
        content=ft.Row([ft.Icon(icon("QR_CODE_SCANNER"), size=m.tile_icon_size * 0.6,
                                color=p.primary),
                        ft.Text(label, size=m.title_size * 1.1, weight=ft.FontWeight.BOLD,
                                color=p.on_surface, expand=True)],
                       spacing=m.body_size * 0.6),
        bgcolor=p.surface, border=ft.Border.all(3, p.primary),
        border_radius=ft.BorderRadius.all(16), padding=ft.Padding.all(m.body_size),
        ink=True, on_click=handler, expand=True)
    return ft.Row([ft.Semantics(content=body, label=label, button=True,
                                identifier="numbers-check-in", container=True,
                                exclude_semantics=True, on_tap=handler, expand=True)],
                  key="numbers-check-in")


# --- the check-in screen ---------------------------------------------------------------------
def check_in_body(ctx: ViewContext, state: CheckInState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    if state.checked_in is not None:
        return _checked_in(ctx, state, state.checked_in)
    back = ft.Container(quiet_button(t("Back"), m, p, _finish(ctx, state),
                                     "numbers-check-in-back", "ARROW_BACK"),
                        key="numbers-check-in-back")
    if state.key_refused:
        return [warning(ctx, refusal_text(ctx, NO_KEY), "numbers-check-in-refusal"), back]
    controls: list[ft.Control] = [
        plain(ctx, t("Hold the QR code on your booking's screen up to the camera."),
              "numbers-check-in-hint", bold=True),
    ]
    if ctx.state.connection.offline:
        controls.append(warning(ctx, refusal_text(ctx, OFFLINE), "numbers-check-in-offline"))
    texts = CodeEntryTexts(ids="numbers-check-in", key="numbers-check-in",
                           typed_label=t("Or type the text under the QR (TRS1.…)"),
                           open_label=t("Check in with this code"), open_icon="HOW_TO_REG")
    controls.extend(code_entry(ctx, state, texts, state.busy, decode_qr, pick_qr_text))
    if state.refusal is not None:
        controls.append(warning(ctx, refusal_text(ctx, state.refusal),
                                "numbers-check-in-refusal"))
    controls.append(back)
    return controls


def _when(ctx: ViewContext, booking: BookingCheckIn) -> str | None:
    if booking.slot_start is None:
        return None
    start = time_text(ctx, booking.slot_start)
    if booking.slot_end is None:
        return start
    return f"{start}–{time_text(ctx, booking.slot_end)}"


def _checked_in(ctx: ViewContext, state: CheckInState,
                booking: BookingCheckIn) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    lines: list[ft.Control] = [
        ft.Semantics(key="numbers-check-in-done", identifier="numbers-check-in-done",
                     live_region=True, container=True,
                     content=ft.Text(t("You are checked in."), size=m.body_size * 2,
                                     weight=ft.FontWeight.BOLD, color=p.primary,
                                     text_align=ft.TextAlign.CENTER)),
        big_text(ctx, booking.title[language(ctx)], "numbers-check-in-title", 1.3),
    ]
    when = _when(ctx, booking)
    if when is not None:
        lines.append(big_text(ctx, t("Your booked time: {time}", time=when),
                              "numbers-check-in-time", 1.2, bold=False))
    lines.append(big_text(ctx, t("Booking number: {number}", number=booking.number),
                          "numbers-check-in-booking", 1.0, bold=False))
    ticket = booking.ticket
    if ticket is not None:
        if ticket.name is not None:
            lines.append(big_text(ctx, ticket.name[language(ctx)],
                                  "numbers-check-in-counter", 1.3))
        lines.append(big_text(ctx, t("Your number"), "numbers-check-in-label", 1.2,
                              bold=False))
        lines.append(ft.Semantics(
            key="numbers-check-in-number", identifier="numbers-check-in-number",
            label=t("Your number is {number}", number=ticket.number), container=True,
            exclude_semantics=True,
            content=ft.Text(str(ticket.number), size=m.body_size * 7,
                            weight=ft.FontWeight.BOLD, color=p.on_surface,
                            text_align=ft.TextAlign.CENTER)))
        lines.append(big_text(ctx, t("When it is your time, we will call you in turn."),
                              "numbers-check-in-come", 1.2))
        if ticket.ahead is not None:
            lines.append(big_text(ctx, t("People ahead of you: {count}", count=ticket.ahead),
                                  "numbers-check-in-ahead", 1.3))
    else:
        lines.append(big_text(ctx, t("Please go to the place of your booking."),
                              "numbers-check-in-go", 1.2))
    return [
        ft.Container(
            key="numbers-check-in-result", bgcolor=p.surface,
            border=ft.Border.all(2, p.outline), border_radius=ft.BorderRadius.all(16),
            padding=ft.Padding.all(m.body_size), alignment=ft.Alignment.CENTER,
            content=ft.Column(lines, horizontal_alignment=ft.CrossAxisAlignment.CENTER,
                              spacing=m.body_size * 0.5)),
        ft.Container(key="numbers-check-in-finish", alignment=ft.Alignment.CENTER,
                     content=big_button(t("Finish"), "CHECK", m, p, _finish(ctx, state),
                                        "numbers-check-in-finish")),
    ]


def _finish(ctx: ViewContext, state: CheckInState) -> Callable[[Any], None]:
    """「終わる」 (or 「戻る」): back to the 整理券 screen, nothing of this person kept."""
    def done() -> None:
        state.clear()
        ctx.navigate(ROUTE)

    return now(ctx, done)
