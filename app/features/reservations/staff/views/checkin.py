"""Check-in by the booking's code: camera, picture or typed; then the booking checked in
(number, name, time) and its waiting number when the counter has a queue. Render
`CheckInState` only."""

from __future__ import annotations

import flet as ft

from app.design.widgets import big_button, quiet_button
from app.features.points.api import decode_qr, pick_qr_text
from app.features.reservations.staff.checkin_state import CheckInState
from app.features.reservations.staff.views.common import (
    clock_text,
    message,
    refusal_text,
    status_text,
    text,
)
from app.shell.context import ViewContext
from app.shell.controlled_inputs import controlled_text_field
from app.shell.view_actions import act, now
from app.shell.views.common import line_card, section_heading


def checkin_body(ctx: ViewContext, state: CheckInState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette

    async def camera() -> None:
        found = await ctx.scan_code(decode_qr)
        if found:
            await state.scan(found)

    async def picture() -> None:
        try:
            found = await pick_qr_text()
        except ValueError as exc:
            state.no_code_in_picture(str(exc))
            return
        if found:
            await state.scan(found)

    field = controlled_text_field(
        ctx.fields, key="checkin-code", text=state.code_text, revision=state.revision,
        on_text=state.set_code_text, label=t("Or type the text under the QR (TRS1.…)"),
        text_size=m.body_size, multiline=False, autocorrect=False, width=m.body_size * 40,
        enable_suggestions=False, capitalization=ft.TextCapitalization.CHARACTERS)
    controls: list[ft.Control] = [
        section_heading(ctx, t("Check in a booking")),
        text(ctx, t("Ask the resident to show the booking's code in the app, then scan it."),
             "checkin-help", scale=0.9),
        ft.Row([
            big_button(t("Please wait…") if state.busy else t("Scan with the camera"),
                       "QR_CODE_SCANNER", m, p, act(ctx, camera),
                       "reservations-checkin-camera"),
            quiet_button(t("Read the code from a picture"), m, p, act(ctx, picture),
                         "reservations-checkin-picture", "IMAGE_SEARCH"),
        ], wrap=True, spacing=m.body_size, key="checkin-buttons"),
        ft.Semantics(content=field, identifier="reservations-checkin-code",
                     key="checkin-code-field"),
        ft.Container(big_button(t("Check in with this code"), "HOW_TO_REG", m, p,
                                act(ctx, state.scan_typed,
                                    lambda: state.set_code_text(field.value or "")),
                                "reservations-checkin-open"), key="checkin-open"),
    ]
    if state.refusal is not None:
        controls.append(message(ctx, refusal_text(ctx, state.refusal), "checkin-refusal",
                                warning=True))
    checked = state.checked_in
    if checked is not None:
        booking = checked.booking
        lines: list[ft.Control] = [
            text(ctx, t("Checked in."), "checkin-done", bold=True, scale=1.2),
            text(ctx, f"{booking.number}　{booking.name or '—'}", bold=True),
            text(ctx, t("Booked time: {time}", time=clock_text(booking.slot_start))),
            text(ctx, t("Status: {status}", status=status_text(ctx, booking.status))),
        ]
        if checked.ticket is not None:
            lines.append(text(ctx, t("Waiting number: {number}", number=checked.ticket.number),
                              "checkin-ticket", bold=True, scale=2.0))
        lines.append(quiet_button(t("Next person"), m, p, now(ctx, state.clear),
                                  "reservations-checkin-next", "PERSON_ADD"))
        controls.append(ft.Semantics(key="checkin-result", live_region=True, container=True,
                                     content=line_card(ctx, lines)))
    return controls
