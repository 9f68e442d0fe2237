"""The waiting-number queue's caller: the counter, the number served and how many wait,
「次の方を呼ぶ」, per called ticket done / skip, today's tickets, and a walk-in number for
someone without the app shown big. Render `CallerState` only."""

from __future__ import annotations

import flet as ft

from app.design.widgets import big_button, destructive_button, quiet_button
from app.features.reservations.staff.caller_state import CallerState
from app.features.reservations.staff.state import QueueTicket
from app.features.reservations.staff.views.common import (
    message,
    name_text,
    refusal_text,
    status_text,
    text,
)
from app.shell.context import ViewContext
from app.shell.view_actions import act, now
from app.shell.views.common import line_card, section_heading


def caller_body(ctx: ViewContext, state: CallerState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    controls: list[ft.Control] = [section_heading(ctx, t("Waiting numbers: the caller"))]
    if state.counters_read and not state.counters:
        controls.append(text(ctx, t("Your department has no counter with waiting numbers."),
                             "caller-none"))
        return controls
    if len(state.counters) > 1:
        def choose(e: ft.Event[ft.Dropdown]) -> None:
            state.choose_counter(e.control.value or "")
            ctx.refresh()

        controls.append(ft.Dropdown(
            key="caller-counter", label=t("Counter"), value=state.counter or None,
            options=[ft.DropdownOption(key=c, text=name_text(ctx, n)) for c, n in state.counters],
            on_select=choose, text_size=m.body_size, width=m.body_size * 24))
    if state.refusal is not None:
        controls.append(message(ctx, refusal_text(ctx, state.refusal), "caller-refusal",
                                warning=True))
    screen = state.screen
    if screen is not None:
        controls.append(text(ctx, name_text(ctx, screen.name), "caller-name", bold=True,
                             scale=1.2))
        controls.append(text(ctx, t("Now serving: {number}", number=screen.serving)
                             if screen.serving is not None
                             else t("Nobody has been called yet today."), "caller-serving",
                             bold=True, scale=1.3))
        controls.append(text(ctx, t("{count} waiting", count=screen.waiting), "caller-waiting"))
    controls.append(ft.Row([
        big_button(t("Please wait…") if state.busy == "call" else t("Call the next person"),
                   "CAMPAIGN", m, p, act(ctx, state.call_next), "reservations-caller-call"),
        quiet_button(t("Number for a walk-in"), m, p, act(ctx, state.issue_walk_in),
                     "reservations-caller-walk-in", "CONFIRMATION_NUMBER"),
    ], wrap=True, spacing=m.body_size, key="caller-buttons"))
    if state.walk_in is not None:
        controls.append(_walk_in(ctx, state, state.walk_in))
    controls.extend(_called(ctx, state, ticket) for ticket in state.open_called)
    if screen is not None and screen.tickets:
        controls.append(ft.Container(section_heading(ctx, t("Today's numbers")),
                                     key="caller-list-heading"))
        order = {n: i for i, n in enumerate(screen.call_order)}
        for ticket in screen.tickets:
            extra = (t("(appointment {number})", number=ticket.booking_number)
                     if ticket.appointment and ticket.booking_number else "")
            place = (t("{count} ahead", count=order[ticket.number])
                     if ticket.number in order else "")
            controls.append(text(ctx, f"{ticket.number}　{status_text(ctx, ticket.status)}"
                                 f"　{extra}　{place}".rstrip(), f"caller-ticket-{ticket.number}"))
    return controls


def _called(ctx: ViewContext, state: CallerState, ticket: QueueTicket) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    lines: list[ft.Control] = [
        text(ctx, t("Called: {number}", number=ticket.number), bold=True, scale=1.6),
    ]
    if ticket.appointment and ticket.booking_number:
        lines.append(text(ctx, t("Appointment {number}", number=ticket.booking_number)))
    lines.append(ft.Row([
        big_button(t("Served"), "TASK_ALT", m, p,
                   act(ctx, lambda: state.done(ticket.number)),
                   f"reservations-caller-done-{ticket.number}"),
        destructive_button(t("Did not come (skip)"), m, p,
                           act(ctx, lambda: state.skip(ticket.number)),
                           f"reservations-caller-skip-{ticket.number}", "SKIP_NEXT"),
    ], wrap=True, spacing=m.body_size))
    return ft.Container(key=f"caller-called-{ticket.number}", content=line_card(ctx, lines))


def _walk_in(ctx: ViewContext, state: CallerState, ticket: QueueTicket) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    return ft.Semantics(key="caller-walk-in", live_region=True, container=True,
                        content=line_card(ctx, [
        text(ctx, t("Waiting number for the visitor"), bold=True),
        ft.Text(str(ticket.number), size=m.body_size * 6, weight=ft.FontWeight.BOLD,
                color=p.on_surface, key="caller-walk-in-number"),
        text(ctx, t("Write this number down or print this screen for the visitor.")),
        quiet_button(t("Close"), m, p, now(ctx, state.close_walk_in),
                     "reservations-caller-walk-in-close", "CLOSE"),
    ]))
