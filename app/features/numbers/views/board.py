"""The kiosk's 整理券 screens: the counters as big buttons (the number being called, how many
wait, the list's time) under 「予約のある方（QRコードで受付）」, then the number taken, huge,
with how many are ahead and 「お呼びしています」 when the counter calls it. Render
`NumbersState` only; `wiring` starts the reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.design.widgets import big_button, icon
from app.features.numbers.check_in import CheckInState
from app.features.numbers.state import (
    BUSY,
    GONE,
    NO_KEY,
    OFFLINE,
    ROUTE,
    CounterNow,
    NumbersState,
    ticket_route,
)
from app.features.numbers.views.check_in import check_in_button
from app.features.numbers.views.common import big_text, language, time_text, warning
from app.shell.context import ViewContext
from app.shell.view_actions import act, now
from app.shell.views.blocks import plain


def problem_text(ctx: ViewContext, problem: str) -> str:
    """What a failed press says (the state's problem codes)."""
    t = ctx.t
    if problem == NO_KEY:
        return t("Numbers cannot be issued on this device. Please ask a member of staff.")
    if problem == BUSY:
        return t("Please wait a moment.")
    if problem == GONE:
        return t("This counter does not issue numbers now. The list has been updated.")
    if problem == OFFLINE:
        return t("Cannot connect. Please ask a member of staff.")
    return t("The number could not be issued. Please ask a member of staff.")


def _problems(ctx: ViewContext, state: NumbersState) -> list[ft.Control]:
    if state.key_refused:
        return [warning(ctx, problem_text(ctx, NO_KEY), "numbers-no-key")]
    shown: list[ft.Control] = []
    if state.offline or ctx.state.connection.offline:
        shown.append(warning(ctx, problem_text(ctx, OFFLINE), "numbers-offline"))
    if state.problem is not None:
        shown.append(warning(ctx, problem_text(ctx, state.problem), "numbers-problem"))
    return shown


# --- screen 1: the counters -----------------------------------------------------------------
def board_body(ctx: ViewContext, state: NumbersState,
               check_in: CheckInState | None = None) -> list[ft.Control]:
    """The counters; above them, with `check_in`, 「予約のある方（QRコードで受付）」."""
    t = ctx.t
    controls = _problems(ctx, state)
    if state.key_refused:
        return controls
    controls.insert(0, plain(ctx, t("Touch your counter to take a number."), "numbers-hint",
                             bold=True))
    if check_in is not None:
        controls.insert(0, check_in_button(ctx, check_in))
    if state.board is None:
        if not (state.offline or ctx.state.connection.offline):
            controls.append(plain(ctx, t("Loading…"), "numbers-loading"))
        return controls
    if not state.counters:
        controls.append(plain(ctx, t("No counter issues numbers on this device now."),
                              "numbers-none"))
    for counter in state.counters:
        controls.append(_counter_button(ctx, state, counter))
    as_of = state.as_of
    if as_of is not None:
        controls.append(plain(ctx, t("Numbers as of {time}", time=time_text(ctx, as_of)),
                              "numbers-as-of"))
    return controls


def _take(ctx: ViewContext, state: NumbersState, counter: str) -> Callable[[object], None]:
    async def take_and_show() -> None:
        taken = await state.take(counter, online=not ctx.state.connection.offline)
        path = ctx.state.route.split("?", 1)[0]
        if taken and (path == ROUTE or path.startswith(f"{ROUTE}/")):  # not reset meanwhile
            ctx.navigate(ticket_route(counter))

    return act(ctx, take_and_show)


def _counter_lines(ctx: ViewContext, counter: CounterNow) -> tuple[str, str]:
    t = ctx.t
    serving = (t("Now calling: No. {number}", number=counter.serving)
               if counter.serving is not None else t("No number is being called"))
    return serving, t("Waiting: {count}", count=counter.waiting)


def _counter_button(ctx: ViewContext, state: NumbersState, counter: CounterNow) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    name = counter.name[language(ctx)]
    serving, waiting = _counter_lines(ctx, counter)
    busy = state.taking == counter.counter
    handler = _take(ctx, state, counter.counter)
    lines: list[ft.Control] = [
        ft.Row([ft.Icon(icon("CONFIRMATION_NUMBER"), size=m.tile_icon_size * 0.6,
                        color=p.on_primary),
                ft.Text(name, size=m.title_size * 1.2, weight=ft.FontWeight.BOLD,
                        color=p.on_primary, expand=True)],
               spacing=m.body_size * 0.6),
    ]
    if busy:
        lines.append(ft.Text(t("Please wait…"), size=m.body_size * 1.2, color=p.on_primary))
    else:
        lines.append(ft.Row([ft.Text(line, size=m.body_size * 1.2, color=p.on_primary)
                             for line in (serving, waiting)],
                            wrap=True, spacing=m.body_size * 1.5))
    body = ft.Container(
        content=ft.Column(lines, spacing=m.body_size * 0.3, tight=True),
        bgcolor=p.primary, border=ft.Border.all(2, p.outline),
        border_radius=ft.BorderRadius.all(16), padding=ft.Padding.all(m.body_size),
        ink=True, on_click=handler, expand=True)
    # One node for assistive technology (and the tests): a button named by everything on it.
    return ft.Row([ft.Semantics(
        content=body, label=f"{name} {serving} {waiting}", button=True,
        identifier=f"numbers-counter-{counter.counter}", container=True,
        exclude_semantics=True, on_tap=handler, expand=True)],
        key=f"numbers-counter-{counter.counter}")


# --- screen 2: the number taken ---------------------------------------------------------------
def ticket_body(ctx: ViewContext, state: NumbersState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    ticket = state.ticket
    assert ticket is not None
    controls = _problems(ctx, state)
    lines: list[ft.Control] = [
        big_text(ctx, state.ticket_name()[language(ctx)], "numbers-ticket-counter", 1.6),
        big_text(ctx, t("Your number"), "numbers-ticket-label", 1.2, bold=False),
        ft.Semantics(key="numbers-ticket-number", identifier="numbers-ticket-number",
                     label=t("Your number is {number}", number=ticket.number),
                     container=True, exclude_semantics=True,
                     content=ft.Text(str(ticket.number), size=m.body_size * 7,
                                     weight=ft.FontWeight.BOLD, color=p.on_surface,
                                     text_align=ft.TextAlign.CENTER)),
    ]
    ahead = state.ahead
    if state.called:
        lines.append(warning(ctx, t("Your number is being called. Please come to the "
                                    "counter."), "numbers-called", scale=1.6))
    elif state.was_called:
        lines.append(big_text(ctx, t("This number has been called."), "numbers-was-called",
                              1.3))
    else:
        if ahead is not None:
            lines.append(big_text(ctx, t("People ahead of you: {count}", count=ahead),
                                  "numbers-ahead", 1.6))
        lines.append(big_text(ctx, t("Please come to the counter when your number is "
                                     "called."), "numbers-come", 1.1, bold=False))
    if ticket.issued_at is not None:
        issued = time_text(ctx, ticket.issued_at)
        lines.append(big_text(ctx, t("Issued at {time}", time=issued), "numbers-issued", 1.0,
                              bold=False))
    controls.append(ft.Container(
        key="numbers-ticket", bgcolor=p.surface, border=ft.Border.all(2, p.outline),
        border_radius=ft.BorderRadius.all(16), padding=ft.Padding.all(m.body_size),
        alignment=ft.Alignment.CENTER,
        content=ft.Column(lines, horizontal_alignment=ft.CrossAxisAlignment.CENTER,
                          spacing=m.body_size * 0.5)))
    controls.append(ft.Container(key="numbers-finish", alignment=ft.Alignment.CENTER,
                                 content=big_button(t("Finish"), "CHECK", m, p,
                                                    _finish(ctx, state), "numbers-finish")))
    return controls


def _finish(ctx: ViewContext, state: NumbersState) -> Callable[[Any], None]:
    def done() -> None:
        state.finish()
        ctx.navigate(ROUTE)

    return now(ctx, done)
