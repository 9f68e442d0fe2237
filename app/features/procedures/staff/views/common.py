"""What both procedures staff screens show the same way: status names, refusals in words,
field values as text, an outcome message and the button handlers. Render only."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import flet as ft

from app.features.procedures.staff.state import FieldLine, Localized, Refusal
from app.i18n.formatting import CITY_TIMEZONE, format_date_long
from app.shell.context import ViewContext

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

# Status → English message id (docs/procedures.md §2; the resident side uses the same ids).
STATUS_LABELS: dict[str, str] = {
    "received": "Received",
    "counter": "At the counter",
    "reviewing": "Under review",
    "returned": "Returned for changes",
    "completed": "Completed",
    "rejected": "Rejected",
    "withdrawn": "Withdrawn",
}
# Identity documents → English message ids.
DOCUMENT_LABELS: dict[str, str] = {
    "my_number_card": "My Number card",
    "driver_licence": "Driver's licence",
    "passport": "Passport",
    "other": "Other document",
}
# Refusal codes → English message ids (the screen's own and the backend's).
REFUSALS: dict[str, str] = {
    "handoff_forged": "This code is forged or damaged: it is not a counter code the city "
                      "issued. Scan it again or type the text under the QR.",
    "malformed_code": "This is not a counter code (it starts with TPH1.). Check what was "
                      "read or typed.",
    "no_code_in_picture": "No QR code could be read in this picture.",
    "handoff_expired": "This code has expired (it lives 10 minutes). Ask the resident to "
                       "show a new code in the app.",
    "handoff_replayed": "This code was used already or is no longer valid. Ask the resident "
                        "to show a new code in the app.",
    "handoff_other_resident": "This code is another resident's: the person it was issued to "
                              "may no longer act for the person the form is for.",
    "outside_staff_scope": "This procedure belongs to another department. Send the resident "
                           "to that counter (the code stays valid).",
    "submission_not_at_counter": "This application is no longer waiting for the counter.",
    "no_reason": "Write the reason: the resident reads it.",
    "reason_too_long": "The reason is too long (2,000 characters at most).",
    "not_allowed": "This status cannot be set from the current one.",
    "wrong_move": "The status changed meanwhile; read the application again.",
    "no_document": "Choose the identity document you checked.",
    "identity_first": "Check the identity document first.",
    "identity_check_required": "Check the identity document first.",
    "handoff_not_scanned": "Scan the resident's code first.",
    "pdf_first": "Print the form (PDF) first.",
    "not_found": "This application was not found, or it is not your department's.",
    "submission_not_found": "This application was not found, or it is not your "
                            "department's.",
    "offline": "The city's server cannot be reached. Please try again later.",
}
OTHER_RESIDENT_HERE = ("The screen holds another resident's application. Complete it or "
                       "press 'Next person' first, then ask for a new code.")


def status_text(ctx: ViewContext, status: str) -> str:
    return ctx.t(STATUS_LABELS.get(status, status))


def localized(ctx: ViewContext, text: Localized) -> str:
    return text.text("ja" if ctx.locale.startswith("ja") else "en")


def refusal_text(ctx: ViewContext, refusal: Refusal) -> str:
    if refusal.code == "handoff_other_resident" and refusal.detail == "app":
        return ctx.t(OTHER_RESIDENT_HERE)
    message = REFUSALS.get(refusal.code)
    if message is not None:
        return ctx.t(message)
    return ctx.t("The city did not accept this: {reason}", reason=refusal.detail or
                 refusal.code)


def read_refusal_text(ctx: ViewContext, refusal: Refusal) -> str:
    """Why a list or an application could not be read."""
    if refusal.code == "outside_staff_scope":
        return ctx.t("This screen is for the staff of this department only.")
    return refusal_text(ctx, refusal)


def moment_text(ctx: ViewContext, moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(CITY_TIMEZONE))
    return f"{format_date_long(local.date(), ctx.locale)} {local:%H:%M}"


def day_text(ctx: ViewContext, day: date | None) -> str:
    return format_date_long(day, ctx.locale) if day is not None else ""


def value_text(ctx: ViewContext, line: FieldLine) -> str:
    """A field's value as text: the option's label, yes/no, the members one a line."""
    if line.shown is not None:
        return localized(ctx, line.shown)
    return _plain(ctx, line.value)


def _plain(ctx: ViewContext, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return ctx.t("Yes") if value else ctx.t("No")
    if isinstance(value, list):
        return "\n".join(_plain(ctx, item) for item in value) or "—"
    if isinstance(value, str) and _DAY.fullmatch(value):
        return format_date_long(date.fromisoformat(value), ctx.locale)
    if isinstance(value, dict):
        name, birthdate = value.get("name"), value.get("birthdate")
        if isinstance(name, str):
            return (f"{name}（{_plain(ctx, birthdate)}）" if isinstance(birthdate, str)
                    else name)
        return "、".join(f"{k}: {_plain(ctx, v)}" for k, v in value.items())
    return str(value)


def message(ctx: ViewContext, text: str, key: str, warning: bool = False) -> ft.Control:
    """An outcome, read out by screen readers; a refusal framed in the banner colour."""
    m, p = ctx.metrics, ctx.palette
    return ft.Semantics(key=key, live_region=True, container=True, content=ft.Container(
        bgcolor=p.surface, border=ft.Border.all(3 if warning else 1,
                                                p.banner if warning else p.primary),
        border_radius=ft.BorderRadius.all(8), padding=ft.Padding.all(m.body_size * 0.6),
        content=ft.Text(text, size=m.body_size, color=p.on_surface,
                        weight=ft.FontWeight.BOLD if warning else None)))




def text(ctx: ViewContext, value: str, key: str | None = None, *, bold: bool = False,
         scale: float = 1.0) -> ft.Text:
    m, p = ctx.metrics, ctx.palette
    return ft.Text(value, size=m.body_size * scale, color=p.on_surface, key=key,
                   weight=ft.FontWeight.BOLD if bold else None)
