"""What the reservations staff screens show the same way: statuses and refusals in words,
names in the screen's language, an outcome message. Render only."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import flet as ft

from app.features.reservations.staff.state import Refusal
from app.i18n.formatting import CITY_TIMEZONE
from app.shell.context import ViewContext

STATUS_LABELS: dict[str, str] = {
    "booked": "Booked", "waiting": "Waiting list", "offered": "Place offered",
    "cancelled": "Cancelled", "checked_in": "Checked in", "no_show": "Did not come",
    "closed": "Closed by the city",
    # queue tickets
    "called": "Called", "done": "Served", "skipped": "Skipped",
}
REFUSALS: dict[str, str] = {
    "malformed_code": "This is not a booking code (it starts with TRS1.). Check what was "
                      "read or typed.",
    "no_code_in_picture": "No QR code could be read in this picture.",
    "invalid_code": "This booking code cannot be read: it is damaged or not the city's.",
    "code_outdated": "The booking was moved: ask the resident to show its new code.",
    "not_today": "This booking is not for today.",
    "wrong_status": "The booking's status does not allow this (see its status).",
    "not_begun": "The booked time has not begun yet: a no-show is recorded after it starts.",
    "booking_not_found": "This booking was not found, or it is not your department's.",
    "resource_not_found": "This was not found, or it is not your department's.",
    "capacity_below_booked": "More places are already booked than that capacity.",
    "slot_closed": "This slot is closed.",
    "slot_exists": "A slot already starts at that time.",
    "slot_in_past": "A new slot must start in the future.",
    "resource_withdrawn": "This resource was withdrawn: no new slots.",
    "invalid_capacity": "Enter a capacity from 0 to 1000 (at least 1 for a new slot).",
    "invalid_time": "Enter the start as HH:MM, for example 14:30.",
    "no_reason": "Write why the slot is closed: the booked residents read it.",
    "reason_too_long": "The reason is too long (500 characters at most).",
    "queue_empty": "Nobody is waiting.",
    "ticket_not_found": "There is no ticket with that number today.",
    "wrong_ticket_status": "This ticket's status does not allow this.",
    "counter_not_found": "This counter was not found, or it is not your department's.",
    "offline": "The city's server cannot be reached. Please try again later.",
}


def name_text(ctx: ViewContext, name: tuple[str, str]) -> str:
    return name[0] if ctx.locale.startswith("ja") else name[1]


def status_text(ctx: ViewContext, status: str) -> str:
    return ctx.t(STATUS_LABELS.get(status, status))


def refusal_text(ctx: ViewContext, refusal: Refusal) -> str:
    if refusal.code == "capacity_below_booked" and isinstance(refusal.info.get("booked"), int):
        return ctx.t("{booked} places are already booked: choose at least {booked}.",
                     booked=refusal.info["booked"])
    message = REFUSALS.get(refusal.code)
    if message is not None:
        return ctx.t(message)
    return ctx.t("The city did not accept this: {reason}", reason=refusal.detail or
                 refusal.code)


def clock_text(moment: datetime | None) -> str:
    return moment.astimezone(ZoneInfo(CITY_TIMEZONE)).strftime("%H:%M") if moment else ""


def text(ctx: ViewContext, value: str, key: str | None = None, *, bold: bool = False,
         scale: float = 1.0) -> ft.Text:
    m, p = ctx.metrics, ctx.palette
    return ft.Text(value, size=m.body_size * scale, color=p.on_surface, key=key,
                   weight=ft.FontWeight.BOLD if bold else None)


def message(ctx: ViewContext, value: str, key: str, warning: bool = False) -> ft.Control:
    """An outcome, read out by screen readers; a refusal framed in the banner colour."""
    m, p = ctx.metrics, ctx.palette
    return ft.Semantics(key=key, live_region=True, container=True, content=ft.Container(
        bgcolor=p.surface, border=ft.Border.all(3 if warning else 1,
                                                p.banner if warning else p.primary),
        border_radius=ft.BorderRadius.all(8), padding=ft.Padding.all(m.body_size * 0.6),
        content=text(ctx, value, bold=warning)))
