"""Check-in by the booking's code: camera, picture or typed; then the booking checked in
(number, name, time) and its waiting number when the counter has a queue. Render
`CheckInState` only."""

from __future__ import annotations

import flet as ft

from app.design.widgets import quiet_button
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
from app.shell.view_actions import now
from app.shell.views.code_entry import CodeEntryTexts, code_entry
from app.shell.views.common import line_card, section_heading


def checkin_body(ctx: ViewContext, state: CheckInState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    texts = CodeEntryTexts(ids="reservations-checkin", key="checkin",
                           typed_label=t("Or type the text under the QR (TRS1.…)"),
                           open_label=t("Check in with this code"), open_icon="HOW_TO_REG")
    controls: list[ft.Control] = [
        section_heading(ctx, t("Check in a booking")),
        text(ctx, t("Ask the resident to show the booking's code in the app, then scan it."),
             "checkin-help", scale=0.9),
        *code_entry(ctx, state, texts, state.busy, decode_qr, pick_qr_text),
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
