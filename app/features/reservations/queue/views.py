"""The waiting-number screen: 「整理券を取る」, my number big, the number being served and how
many are ahead, 「呼び出されました」 when my number is called, and offline the last answer
with its age. Render `QueueScreenState` only; the reads are started by `wiring`."""

from __future__ import annotations

import flet as ft

from app.design.widgets import big_button
from app.features.reservations.queue.state import QueueScreenState, Refusal
from app.shell.context import ViewContext
from app.shell.view_actions import act
from app.shell.views.common import line_card, section_heading

REFUSALS: dict[str, str] = {
    "counter_not_found": "This counter has no waiting numbers.",
    "offline": "The city's server cannot be reached. Please try again later.",
}


def _language(ctx: ViewContext) -> int:
    return 0 if ctx.locale.startswith("ja") else 1


def refusal_text(ctx: ViewContext, refusal: Refusal) -> str:
    message = REFUSALS.get(refusal.code)
    if message is not None:
        return ctx.t(message)
    return ctx.t("The city did not accept this: {reason}", reason=refusal.detail or
                 refusal.code)


def _text(ctx: ViewContext, value: str, key: str, *, scale: float = 1.0,
          bold: bool = False) -> ft.Text:
    m, p = ctx.metrics, ctx.palette
    return ft.Text(value, key=key, size=m.body_size * scale, color=p.on_surface,
                   weight=ft.FontWeight.BOLD if bold else None,
                   text_align=ft.TextAlign.CENTER)


def _framed(ctx: ViewContext, content: ft.Control, key: str, *, warning: bool = False,
            live: bool = True) -> ft.Control:
    m, p = ctx.metrics, ctx.palette
    return ft.Semantics(key=key, live_region=live, container=True, content=ft.Container(
        bgcolor=p.surface, border=ft.Border.all(4 if warning else 1,
                                                p.banner if warning else p.primary),
        border_radius=ft.BorderRadius.all(8), padding=ft.Padding.all(m.body_size * 0.8),
        content=content))


def queue_body(ctx: ViewContext, state: QueueScreenState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    name = state.name[_language(ctx)]
    controls: list[ft.Control] = [section_heading(ctx, t("Waiting number: {counter}",
                                                         counter=name))]
    controls.extend(_offline(ctx, state))
    if state.refusal is not None and state.refusal.code != "offline":
        controls.append(_framed(ctx, _text(ctx, refusal_text(ctx, state.refusal),
                                           "queue-refusal-text", bold=True),
                                "queue-refusal", warning=True))
    if state.called:
        controls.append(_framed(ctx, ft.Column([
            _text(ctx, t("Your number has been called"), "queue-called-title", scale=1.6,
                  bold=True),
            _text(ctx, t("Please come to the counter."), "queue-called-body", scale=1.2),
        ], horizontal_alignment=ft.CrossAxisAlignment.CENTER), "queue-called", warning=True))
    if state.ticket is not None:
        controls.append(_my_number(ctx, state))
    controls.append(_counter_now(ctx, state))
    if state.ticket is None or state.finished:
        controls.append(ft.Container(big_button(
            t("Please wait…") if state.taking else t("Take a waiting number"),
            "CONFIRMATION_NUMBER", m, p,
            act(ctx, lambda: state.take(online=not ctx.state.connection.offline)),
            "reservations-queue-take"), key="queue-take"))
        controls.append(ft.Text(t("Without the app? Ask at the counter for a printed number."),
                                size=m.body_size * 0.9, color=p.on_surface,
                                key="queue-walk-in-note"))
    return controls


def _offline(ctx: ViewContext, state: QueueScreenState) -> list[ft.Control]:
    if not state.offline and not ctx.state.connection.offline:
        return []
    t = ctx.t
    age = state.age_seconds()
    if age is None:
        message = t("Offline: the waiting numbers appear once connected.")
    elif age < 120:
        message = t("Offline: these numbers are from {seconds} seconds ago and may have "
                    "changed.", seconds=age)
    else:
        message = t("Offline: these numbers are from {minutes} minutes ago and may have "
                    "changed.", minutes=age // 60)
    return [_framed(ctx, _text(ctx, message, "queue-offline-text", bold=True),
                    "queue-offline", warning=True)]


def _centred(lines: list[ft.Control]) -> ft.Control:
    """Lines centred across the whole card (a column alone keeps to its widest line, at the
    card's left)."""
    return ft.Container(alignment=ft.Alignment.CENTER, content=ft.Column(
        lines, horizontal_alignment=ft.CrossAxisAlignment.CENTER, spacing=4))


def _my_number(ctx: ViewContext, state: QueueScreenState) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    ticket = state.ticket
    assert ticket is not None
    lines: list[ft.Control] = [
        _text(ctx, t("Your number"), "queue-mine-label", scale=1.1),
        ft.Text(str(ticket.number), key="queue-mine-number", size=m.body_size * 5,
                weight=ft.FontWeight.BOLD, color=p.on_surface,
                semantics_label=t("Your number is {number}", number=ticket.number),
                text_align=ft.TextAlign.CENTER),
    ]
    ahead = state.ahead
    if ticket.status == "waiting" and ahead is not None:
        lines.append(_text(ctx, t("Next: you are called next.") if ahead == 0 else
                           t("{count} people ahead of you", count=ahead),
                           "queue-ahead", scale=1.3, bold=True))
    elif state.finished:
        lines.append(_text(ctx, t("This number is no longer waiting (served or passed "
                                  "over)."), "queue-finished"))
    return ft.Container(key="queue-mine", content=line_card(ctx, [
        _centred(lines)]))


def _counter_now(ctx: ViewContext, state: QueueScreenState) -> ft.Control:
    t = ctx.t
    lines: list[ft.Control]
    if state.status is None:
        lines = [_text(ctx, t("Loading…") if not state.offline else "—", "queue-loading")]
    else:
        serving = state.serving
        lines = [
            _text(ctx, t("Now serving: {number}", number=serving) if serving is not None
                  else t("Nobody has been called yet today."), "queue-serving", scale=1.3,
                  bold=True),
            _text(ctx, t("{count} waiting", count=state.waiting or 0), "queue-waiting"),
        ]
    return ft.Container(key="queue-now", content=line_card(ctx, [
        _centred(lines)]))
