"""The bulky-waste staff screens: slots per district and day, and the bookings list.

Render `BulkyStaffState` only: its reads are started by the shell (`wiring.prepare_*`), its
writes by the handlers below through `ctx.run_task`. Every slot, day and booking has a stable
key, so a re-render keeps the page where the staff member is working."""

from __future__ import annotations

from datetime import date

import flet as ft

from app.design.widgets import big_button
from app.features.waste.staff.state import (
    PAGE_SIZE,
    STATUSES,
    BulkyStaffState,
    Load,
    Refusal,
    StaffBooking,
    slot_key,
)
from app.i18n.formatting import format_day_short, format_yen
from app.shell.context import ViewContext
from app.shell.controlled_inputs import controlled_text_field
from app.shell.view_actions import act as _act
from app.shell.view_actions import now as _now
from app.shell.views.common import line_card, section_heading

STATUS_LABELS = {"booked": "Booked", "collected": "Collected", "cancelled": "Cancelled"}


def refusal_text(ctx: ViewContext, refusal: Refusal, area_name: str = "") -> str:
    t = ctx.t
    day = format_day_short(refusal.day, ctx.locale) if refusal.day else ""
    if refusal.code == "capacity_below_booked":
        return t("The capacity of {area} on {day} cannot be {capacity}: {booked} places are "
                 "already booked. Cancel bookings first or choose at least {booked}.",
                 area=area_name, day=day, capacity=refusal.capacity, booked=refusal.booked)
    if refusal.code == "invalid_capacity":
        return t("Enter a capacity from 0 to 1000.")
    if refusal.code == "invalid_day":
        return t("Enter the day as YYYY-MM-DD, for example 2026-12-15.")
    if refusal.code == "no_area":
        return t("Choose a district.")
    if refusal.code == "not_booked":
        return t("Only a booked collection can be marked collected.")
    if refusal.code == "outside_staff_scope":
        return t("This screen is for staff of the Environmental Services Division only.")
    if refusal.code == "offline":
        return t("The city's server cannot be reached. Please try again later.")
    return t("The city did not accept this: {reason}", reason=refusal.detail)


def _message(ctx: ViewContext, text: str, key: str, warning: bool = False) -> ft.Control:
    m, p = ctx.metrics, ctx.palette
    return ft.Semantics(key=key, live_region=True, container=True, content=ft.Container(
        bgcolor=p.surface, border=ft.Border.all(3 if warning else 1,
                                                p.banner if warning else p.primary),
        border_radius=ft.BorderRadius.all(8), padding=ft.Padding.all(m.body_size * 0.6),
        content=ft.Text(text, size=m.body_size, color=p.on_surface,
                        weight=ft.FontWeight.BOLD if warning else None)))




# --- slots ------------------------------------------------------------------------------


def slots_body(ctx: ViewContext, state: BulkyStaffState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    controls: list[ft.Control] = [
        section_heading(ctx, t("Bulky-waste collection slots")),
        ft.Row([
            ft.Text(t("{first} to {last}", first=format_day_short(state.first_day, ctx.locale),
                      last=format_day_short(state.last_day, ctx.locale)),
                    size=m.body_size, color=p.on_surface),
            big_button(t("Previous two weeks"), "CHEVRON_LEFT", m, p,
                       _now(ctx, lambda: state.shift_period(-14))),
            big_button(t("Next two weeks"), "CHEVRON_RIGHT", m, p,
                       _now(ctx, lambda: state.shift_period(14))),
        ], wrap=True, spacing=m.body_size, key="slots-period"),
    ]
    controls.extend(_slot_outcome(ctx, state, ""))
    if state.slots_load is Load.LOADING and not state.slots:
        controls.append(ft.Row([ft.ProgressRing(), ft.Text(t("Loading…"), size=m.body_size)],
                               key="slots-loading"))
    elif state.slots_load is Load.LOADED and not state.slots:
        controls.append(ft.Text(t("No collection slots in these two weeks."),
                                size=m.body_size, color=p.on_surface, key="slots-none"))
    for day, slots in state.slots_by_day():
        controls.append(ft.Text(format_day_short(day, ctx.locale), size=m.body_size * 1.05,
                                weight=ft.FontWeight.BOLD, color=p.on_surface,
                                key=f"day-{day.isoformat()}"))
        for slot in slots:
            controls.append(_slot_row(ctx, state, slot.area_id, day, slot.capacity,
                                      slot.booked))
    controls.extend(_new_slot(ctx, state))
    return controls


def _slot_outcome(ctx: ViewContext, state: BulkyStaffState, at: str) -> list[ft.Control]:
    """The last save's outcome where it belongs (`state.slot_outcome_at`): in the row or
    form whose button was pressed, so it shows by the button however long the list."""
    if state.slot_outcome_at != at:
        return []
    key = f"outcome-{at or 'top'}"
    if state.slot_refusal is not None:
        refusal = state.slot_refusal
        return [_message(ctx, refusal_text(ctx, refusal, state.area_name(refusal.area_id)),
                         key, warning=True)]
    if state.slot_saved:
        return [_message(ctx, ctx.t("Saved. Residents see the new places after their next "
                                    "sync."), key)]
    return []


def _slot_row(ctx: ViewContext, state: BulkyStaffState, area_id: str, day: date,
              capacity: int, booked: int) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    key = slot_key(area_id, day)
    area = state.area_name(area_id)
    day_text = format_day_short(day, ctx.locale)
    field = controlled_text_field(
        ctx.fields, key=f"capacity-{key}", revision=state.revision,
        text=state.capacity_text.get(key, str(capacity)),
        on_text=lambda text: state.set_capacity_text(area_id, day, text),
        label=t("Capacity of {area} on {day}", area=area, day=day_text),
        keyboard_type=ft.KeyboardType.NUMBER, width=m.body_size * 14,
        text_size=m.body_size)
    full = booked >= capacity
    return ft.Container(key=f"slot-{key}", content=line_card(ctx, [
        ft.Text(area, size=m.body_size, weight=ft.FontWeight.BOLD, color=p.on_surface),
        ft.Text(t("{booked} of {capacity} places booked", booked=booked, capacity=capacity)
                + (" " + t("(full)") if full else ""), size=m.body_size, color=p.on_surface),
        # Above the field: where the field and its button were, so it is in sight even at
        # the foot of the window.
        *_slot_outcome(ctx, state, key),
        ft.Row([field, big_button(
            t("Save the capacity of {area} on {day}", area=area, day=day_text), "SAVE", m, p,
            _act(ctx, lambda: state.save_capacity(area_id, day),
                 lambda: state.set_capacity_text(area_id, day, field.value or "")))],
            wrap=True, spacing=m.body_size),
    ]))


def _new_slot(ctx: ViewContext, state: BulkyStaffState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    options = [ft.DropdownOption(key=area_id, text=name) for area_id, name in state.areas]

    def choose(e: ft.Event[ft.Dropdown]) -> None:
        state.set_new_slot(area_id=e.control.value or "")

    day_field = controlled_text_field(
        ctx.fields, key="new-slot-day", revision=state.revision, text=state.new_day_text,
        on_text=lambda text: state.set_new_slot(day_text=text), label=t("Day (YYYY-MM-DD)"),
        width=m.body_size * 12, text_size=m.body_size)
    capacity_field = controlled_text_field(
        ctx.fields, key="new-slot-capacity", revision=state.revision,
        text=state.new_capacity_text,
        on_text=lambda text: state.set_new_slot(capacity_text=text), label=t("Capacity"),
        keyboard_type=ft.KeyboardType.NUMBER, width=m.body_size * 8, text_size=m.body_size)

    def typed() -> None:
        state.set_new_slot(day_text=day_field.value or "",
                           capacity_text=capacity_field.value or "")

    return [
        ft.Container(section_heading(ctx, t("Add a collection day")), key="new-slot-heading"),
        ft.Row([
            ft.Dropdown(key="new-slot-area", label=t("District"), options=options,
                        value=state.new_area or None, on_select=choose,
                        text_size=m.body_size, width=m.body_size * 14),
            day_field,
            capacity_field,
            big_button(t("Add"), "ADD", m, p, _act(ctx, state.create_slot, typed)),
        ], wrap=True, spacing=m.body_size, key="new-slot",
           vertical_alignment=ft.CrossAxisAlignment.CENTER),
        *_slot_outcome(ctx, state, "new"),
        ft.Text(t("A slot with bookings cannot get fewer places than it has bookings."),
                size=m.body_size * 0.9, color=p.on_surface, key="new-slot-note"),
    ]


# --- bookings ---------------------------------------------------------------------------


def bookings_body(ctx: ViewContext, state: BulkyStaffState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    controls: list[ft.Control] = [
        section_heading(ctx, t("Bulky-waste bookings")),
        ft.Text(t("Purpose of this read (shown to each resident in their access log): "
                  "{purpose}", purpose=state.purpose), size=m.body_size * 0.9,
                color=p.on_surface, key="purpose"),
        *_filters(ctx, state),
    ]
    if state.bookings_refusal is not None:
        controls.append(_message(ctx, refusal_text(ctx, state.bookings_refusal),
                                 "bookings-refusal", warning=True))
    elif state.collected_last:
        controls.append(_message(ctx, t("Booking {number} is marked collected.",
                                        number=state.collected_last), "collected-done"))
    page = state.page
    if state.bookings_load is Load.LOADING and page is None:
        controls.append(ft.Row([ft.ProgressRing(), ft.Text(t("Loading…"), size=m.body_size)],
                               key="bookings-loading"))
    if page is not None:
        first = page.offset + 1 if page.total else 0
        controls.append(ft.Text(
            t("{first}–{last} of {total} bookings", first=first,
              last=page.offset + len(page.bookings), total=page.total),
            size=m.body_size, color=p.on_surface, key="bookings-count"))
        for booking in page.bookings:
            controls.append(_booking_card(ctx, state, booking))
        controls.append(ft.Row([
            *([big_button(t("Previous page"), "CHEVRON_LEFT", m, p,
                          _now(ctx, state.previous_page))] if state.has_previous_page else []),
            *([big_button(t("Next page"), "CHEVRON_RIGHT", m, p, _now(ctx, state.next_page))]
              if state.has_next_page else []),
            big_button(t("Download CSV"), "DOWNLOAD", m, p, _act(ctx, state.download_csv)),
        ], wrap=True, spacing=m.body_size, key="bookings-pages"))
        controls.append(ft.Text(t("{size} bookings a page; the CSV has every booking the "
                                  "filters match.", size=PAGE_SIZE),
                                size=m.body_size * 0.9, color=p.on_surface, key="pages-note"))
    return controls


def _filters(ctx: ViewContext, state: BulkyStaffState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    areas = [ft.DropdownOption(key="", text=t("All districts"))] + [
        ft.DropdownOption(key=area_id, text=name) for area_id, name in state.areas]
    statuses = [ft.DropdownOption(key="", text=t("Any status"))] + [
        ft.DropdownOption(key=status, text=t(STATUS_LABELS[status])) for status in STATUSES]
    day_text = state.day_filter.isoformat() if state.day_filter else ""

    def day_typed(text: str) -> None:
        if not text.strip() or len(text.strip()) == 10:
            state.set_day_filter(text)
            ctx.refresh()

    def area_chosen(e: ft.Event[ft.Dropdown]) -> None:
        state.set_area_filter(e.control.value or None)
        ctx.refresh()

    def status_chosen(e: ft.Event[ft.Dropdown]) -> None:
        state.set_status_filter(e.control.value or None)
        ctx.refresh()

    return [ft.Row([
        controlled_text_field(ctx.fields, key="filter-day", text=day_text, on_text=day_typed,
                              label=t("Collection day (YYYY-MM-DD)"), width=m.body_size * 13,
                              text_size=m.body_size),
        ft.Dropdown(key="filter-area", label=t("District"), options=areas,
                    value=state.area_filter or "", on_select=area_chosen,
                    text_size=m.body_size, width=m.body_size * 14),
        ft.Dropdown(key="filter-status", label=t("Status"), options=statuses,
                    value=state.status_filter or "", on_select=status_chosen,
                    text_size=m.body_size, width=m.body_size * 12),
    ], wrap=True, spacing=m.body_size, key="bookings-filters"),
        ft.Text(t("Showing: {status}", status=t(STATUS_LABELS[state.status_filter])
                  if state.status_filter else t("Any status")),
                size=m.body_size * 0.9, color=p.on_surface, key="filter-shown")]


def _booking_card(ctx: ViewContext, state: BulkyStaffState, booking: StaffBooking
                  ) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    items = "、".join(f"{name}×{quantity}" for name, quantity in booking.items)
    lines: list[ft.Control] = [
        ft.Text(t("No. {number}", number=booking.number), size=m.body_size,
                weight=ft.FontWeight.BOLD, color=p.on_surface),
        ft.Text(f"{format_day_short(booking.day, ctx.locale)}　"
                f"{booking.area_name or state.area_name(booking.area_id)}",
                size=m.body_size, color=p.on_surface),
        ft.Text(items, size=m.body_size, color=p.on_surface),
        ft.Text(t("Fee: {fee}", fee=format_yen(booking.total_fee, ctx.locale)) + "　"
                + t(STATUS_LABELS.get(booking.status, booking.status)),
                size=m.body_size, color=p.on_surface),
    ]
    if booking.status == "booked":
        lines.append(big_button(t("Mark {number} collected", number=booking.number),
                                "TASK_ALT", m, p,
                                _act(ctx, lambda: state.mark_collected(booking.number))))
    return ft.Container(key=f"booking-{booking.number}", content=line_card(ctx, lines))
