"""The day's list of a resource: resource picker, the day with previous / next, each slot
(time, places, capacity field, close with a reason after a confirm dialog) with its bookings
(number, name, status; check-in and no-show), and the add-a-slot form. Render `DayState`
only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import flet as ft

from app.design.widgets import big_button, destructive_button, quiet_button
from app.features.reservations.staff.day_state import DayState, slot_key
from app.features.reservations.staff.state import Load, StaffBookingRow, StaffSlotRow
from app.features.reservations.staff.views.common import (
    clock_text,
    message,
    name_text,
    refusal_text,
    status_text,
    text,
)
from app.i18n.formatting import format_date_long
from app.shell.confirmation import Confirmation
from app.shell.context import ViewContext
from app.shell.controlled_inputs import controlled_text_field
from app.shell.view_actions import act, now
from app.shell.views.common import line_card, section_heading

DONE: dict[str, str] = {
    "check_in": "Checked in.",
    "no_show": "Recorded as did not come.",
    "capacity": "Saved. Residents see the new places after their next sync.",
    "close": "The slot is closed; the booked residents are told.",
    "add": "The slot was added.",
}


def day_body(ctx: ViewContext, state: DayState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    controls: list[ft.Control] = [section_heading(ctx, t("Reservations: the day's list"))]
    if state.resources_load is Load.LOADED and not state.own_resources:
        controls.append(text(ctx, t("Your department has nothing to book."), "day-none"))
        return controls
    options = [ft.DropdownOption(key=r.id, text=name_text(ctx, r.title)
                                 + (f" ({t('withdrawn')})" if r.withdrawn else ""))
               for r in state.own_resources]

    def choose(e: ft.Event[ft.Dropdown]) -> None:
        state.choose_resource(e.control.value or "")
        ctx.refresh()

    # On a line of its own, as wide as its longest choice: a resource's title is long
    # ("子育て支援課 窓口予約（児童手当・保育の相談）") and a fixed width cut it off. Flutter's
    # dropdown button says neither its label nor its choice to a screen reader: the
    # Semantics around it does.
    chosen = state.resource
    said = t("What is booked") + (f": {name_text(ctx, chosen.title)}" if chosen else "")
    picker = ft.Dropdown(key="day-resource", label=t("What is booked"), options=options,
                         value=state.resource_id or None, on_select=choose,
                         text_size=m.body_size, expanded_insets=ft.Padding.all(0))
    controls.append(ft.Semantics(content=picker, identifier="reservations-day-resource",
                                 label=said))
    controls.append(ft.Row([
        quiet_button(t("Previous day"), m, p, now(ctx, lambda: state.shift_day(-1)),
                     "reservations-day-previous", "CHEVRON_LEFT"),
        text(ctx, format_date_long(state.day, ctx.locale), "day-date", bold=True),
        quiet_button(t("Next day"), m, p, now(ctx, lambda: state.shift_day(1)),
                     "reservations-day-next", "CHEVRON_RIGHT"),
    ], wrap=True, spacing=m.body_size, key="day-picker",
        vertical_alignment=ft.CrossAxisAlignment.CENTER))
    controls.extend(_outcome(ctx, state, ""))
    if state.day_load is Load.LOADING and not state.slots:
        controls.append(ft.Row([ft.ProgressRing(), text(ctx, t("Loading…"))], key="day-loading"))
    elif state.day_load is Load.LOADED and not state.slots:
        controls.append(text(ctx, t("No slots on this day."), "day-no-slots"))
    controls.extend(_slot(ctx, state, slot) for slot in state.slots)
    controls.extend(_new_slot(ctx, state))
    return controls


def _outcome(ctx: ViewContext, state: DayState, where: str) -> list[ft.Control]:
    if state.outcome_at != where or not state.outcome:
        return []
    key = f"day-outcome-{where or 'top'}"
    if state.refusal is not None:
        return [message(ctx, refusal_text(ctx, state.refusal), key, warning=True)]
    done = DONE.get(state.outcome)
    return [message(ctx, ctx.t(done), key)] if done else []


def _slot(ctx: ViewContext, state: DayState, slot: StaffSlotRow) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    key = slot_key(slot.start)
    when = f"{clock_text(slot.start)}–{clock_text(slot.end)}"
    lines: list[ft.Control] = [
        text(ctx, when, bold=True, scale=1.1),
        text(ctx, t("{booked} of {capacity} places booked, {waiting} waiting",
                    booked=slot.booked, capacity=slot.capacity, waiting=slot.waiting)),
    ]
    if slot.closed:
        lines.append(text(ctx, t("Closed: {reason}", reason=slot.closed_reason or "—"),
                          bold=True))
    lines.extend(_outcome(ctx, state, key))
    lines.extend(_booking(ctx, state, booking) for booking in slot.bookings)
    if not slot.closed:
        capacity = controlled_text_field(
            ctx.fields, key=f"capacity-{state.resource_id}-{key}",
            revision=state.revision,
            text=state.capacity_text.get(key, str(slot.capacity)),
            on_text=lambda value: state.set_capacity_text(slot.start, value),
            label=t("Capacity at {time}", time=when), keyboard_type=ft.KeyboardType.NUMBER,
            width=m.body_size * 12, text_size=m.body_size)
        reason = controlled_text_field(
            ctx.fields, key=f"reason-{state.resource_id}-{key}",
            revision=state.revision,
            text=state.reason_text.get(key, ""),
            on_text=lambda value: state.set_reason_text(slot.start, value),
            label=t("Why the slot at {time} is closed", time=when),
            width=m.body_size * 24, text_size=m.body_size)
        lines.append(ft.Row([capacity, big_button(
            t("Save the capacity"), "SAVE", m, p,
            act(ctx, lambda: state.save_capacity(slot.start),
                lambda: state.set_capacity_text(slot.start, capacity.value or "")),
            f"reservations-capacity-{key}")], wrap=True, spacing=m.body_size))
        lines.append(ft.Row([reason, destructive_button(
            t("Close this slot"), m, p,
            _close(ctx, state, slot.start, when, lambda: reason.value or ""),
            f"reservations-close-{key}", "EVENT_BUSY")], wrap=True, spacing=m.body_size))
    return ft.Container(key=f"slot-{key}", content=line_card(ctx, lines))


def _booking(ctx: ViewContext, state: DayState, booking: StaffBookingRow) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    who = booking.name or "—"
    if booking.booker_name:
        who += " " + t("(booked by {name})", name=booking.booker_name)
    status = status_text(ctx, booking.status)
    if booking.position is not None and booking.status == "waiting":
        status += f" ({booking.position})"
    row: list[ft.Control] = [text(ctx, f"{booking.number}　{who}　{status}", bold=True)]
    buttons: list[ft.Control] = []
    busy = state.busy.partition(":")
    # Only what the city would accept on this day: check-in today, no-show from today back.
    if booking.status == "booked" and state.checks_in:
        buttons.append(big_button(
            t("Please wait…") if busy == ("check_in", ":", booking.id) else t("Check in"),
            "HOW_TO_REG", m, p, act(ctx, lambda: state.check_in(booking.id)),
            f"reservations-check-in-{booking.id}"))
    if booking.status == "booked" and state.records_no_shows:
        buttons.append(quiet_button(t("Did not come"), m, p,
                                    act(ctx, lambda: state.no_show(booking.id)),
                                    f"reservations-no-show-{booking.id}", "PERSON_OFF"))
    if buttons:
        row.append(ft.Row(buttons, wrap=True, spacing=m.body_size))
    row.extend(_outcome(ctx, state, booking.id))
    return ft.Container(key=f"booking-{booking.id}", content=ft.Column(row, spacing=4),
                        padding=ft.Padding.only(left=m.body_size))


def _close(ctx: ViewContext, state: DayState, start: datetime, when: str,
           typed: Callable[[], str]) -> Callable[[object], None]:
    t = ctx.t
    close = act(ctx, lambda: state.close_slot(start))

    def handler(event: object) -> None:
        state.set_reason_text(start, typed())
        refusal = state.close_refusal(start)
        if refusal is not None:
            state.refuse_close(start, refusal)
            ctx.refresh()
            return
        ctx.confirm(Confirmation(
            title=t("Close the slot at {time}?", time=when),
            message=t("Every booking in it is cancelled, each person is told with your "
                      "reason and fees are given back. This cannot be undone."),
            confirm_label=t("Close this slot"), on_confirm=lambda: close(event),
            destructive=True, identifier="reservations-close-slot"))

    return handler


def _new_slot(ctx: ViewContext, state: DayState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    if state.resource is None or state.resource.withdrawn:
        return []
    start = controlled_text_field(
        ctx.fields, key=f"new-slot-time-{state.resource_id}", revision=state.revision,
        text=state.new_time_text,
        on_text=lambda value: state.set_new_slot(time_text=value),
        label=t("Start (HH:MM)"), width=m.body_size * 10, text_size=m.body_size)
    capacity = controlled_text_field(
        ctx.fields, key=f"new-slot-capacity-{state.resource_id}",
        revision=state.revision,
        text=state.new_capacity_text,
        on_text=lambda value: state.set_new_slot(capacity_text=value),
        label=t("Places (empty: {capacity})", capacity=state.resource.capacity),
        keyboard_type=ft.KeyboardType.NUMBER, width=m.body_size * 12, text_size=m.body_size)

    def typed() -> None:
        state.set_new_slot(time_text=start.value or "", capacity_text=capacity.value or "")

    return [
        ft.Container(section_heading(ctx, t("Add a slot on this day")), key="new-slot-heading"),
        ft.Row([start, capacity, big_button(t("Add"), "ADD", m, p,
                                            act(ctx, state.add_slot, typed),
                                            "reservations-add-slot")],
               wrap=True, spacing=m.body_size, key="new-slot"),
        *_outcome(ctx, state, "new"),
    ]
