"""The kiosk's 整理券 screens: the counters as big buttons (the number being called, how many
wait, the list's time), then the number taken, huge, with how many are ahead and 「お呼びして
います」 when the counter calls it. Render `NumbersState` only; `wiring` starts the reads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import flet as ft
from babel.dates import format_time

from app.design.widgets import big_button, icon
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
from app.shell.context import ViewContext
from app.shell.view_actions import act, now
from app.shell.views.blocks import plain

CITY_TIME_ZONE = ZoneInfo("Asia/Tokyo")



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


def _language(ctx: ViewContext) -> int:
    return 0 if ctx.locale.startswith("ja") else 1


def _time(ctx: ViewContext, moment: datetime) -> str:
    return format_time(moment, format="short", locale=ctx.locale, tzinfo=CITY_TIME_ZONE)


def _big_text(ctx: ViewContext, value: str, key: str, scale: float, *,
              bold: bool = True) -> ft.Text:
    m, p = ctx.metrics, ctx.palette
    return ft.Text(value, key=key, size=m.body_size * scale, color=p.on_surface,
                   weight=ft.FontWeight.BOLD if bold else None,
                   text_align=ft.TextAlign.CENTER)


def _warning(ctx: ViewContext, text: str, key: str, *, scale: float = 1.0) -> ft.Control:
    """A problem or a call, framed in the banner colour and read out when it appears."""
    m, p = ctx.metrics, ctx.palette
    return ft.Semantics(key=key, identifier=key, live_region=True, container=True,
                        content=ft.Container(
                            bgcolor=p.surface, border=ft.Border.all(4, p.banner),
                            border_radius=ft.BorderRadius.all(8),
                            padding=ft.Padding.all(m.body_size * 0.8),
                            content=ft.Text(text, size=m.body_size * scale, color=p.banner,
                                            weight=ft.FontWeight.BOLD,
                                            text_align=ft.TextAlign.CENTER)))


def _problems(ctx: ViewContext, state: NumbersState) -> list[ft.Control]:
    if state.key_refused:
        return [_warning(ctx, problem_text(ctx, NO_KEY), "numbers-no-key")]
    shown: list[ft.Control] = []
    if state.offline or ctx.state.connection.offline:
        shown.append(_warning(ctx, problem_text(ctx, OFFLINE), "numbers-offline"))
    if state.problem is not None:
        shown.append(_warning(ctx, problem_text(ctx, state.problem), "numbers-problem"))
    return shown


# --- screen 1: the counters -----------------------------------------------------------------
def board_body(ctx: ViewContext, state: NumbersState) -> list[ft.Control]:
    t = ctx.t
    controls = _problems(ctx, state)
    if state.key_refused:
        return controls
    controls.insert(0, plain(ctx, t("Touch your counter to take a number."), "numbers-hint",
                             bold=True))
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
        controls.append(plain(ctx, t("Numbers as of {time}", time=_time(ctx, as_of)),
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
    name = counter.name[_language(ctx)]
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
        _big_text(ctx, state.ticket_name()[_language(ctx)], "numbers-ticket-counter", 1.6),
        _big_text(ctx, t("Your number"), "numbers-ticket-label", 1.2, bold=False),
        ft.Semantics(key="numbers-ticket-number", identifier="numbers-ticket-number",
                     label=t("Your number is {number}", number=ticket.number),
                     container=True, exclude_semantics=True,
                     content=ft.Text(str(ticket.number), size=m.body_size * 7,
                                     weight=ft.FontWeight.BOLD, color=p.on_surface,
                                     text_align=ft.TextAlign.CENTER)),
    ]
    ahead = state.ahead
    if state.called:
        lines.append(_warning(ctx, t("Your number is being called. Please come to the "
                                     "counter."), "numbers-called", scale=1.6))
    elif state.was_called:
        lines.append(_big_text(ctx, t("This number has been called."), "numbers-was-called",
                               1.3))
    else:
        if ahead is not None:
            lines.append(_big_text(ctx, t("People ahead of you: {count}", count=ahead),
                                   "numbers-ahead", 1.6))
        lines.append(_big_text(ctx, t("Please come to the counter when your number is "
                                      "called."), "numbers-come", 1.1, bold=False))
    if ticket.issued_at is not None:
        lines.append(_big_text(ctx, t("Issued at {time}", time=_time(ctx, ticket.issued_at)),
                               "numbers-issued", 1.0, bold=False))
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
