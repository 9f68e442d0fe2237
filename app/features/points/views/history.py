"""The history (every earn, spend, refund and expiry), filtered by kind and month, and a
receipt under a line when it is tapped. Lines are keyed by the transfer's id."""

from __future__ import annotations

import flet as ft

from app.design.widgets import big_button, quiet_button
from app.features.points.state import KINDS, PointsState, PointsTransfer, Screen
from app.features.points.views import actions
from app.features.points.views.text import (
    KIND_LABELS,
    line_title,
    month_label,
    points,
    problem_text,
    when,
)
from app.i18n.formatting import format_datetime_short
from app.shell.context import ViewContext
from app.shell.views.common import line_card, section_heading


def history_section(ctx: ViewContext, state: PointsState, *,
                    limit: int | None = None) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    controls: list[ft.Control] = []
    if limit is None:
        controls += _filters(ctx, state)
    lines = state.history()
    if not lines:
        controls.append(ft.Text(t("No points history yet."), size=m.body_size,
                                color=p.on_surface, key="history-empty"))
    for line in lines[:limit] if limit else lines:
        controls.append(_line(ctx, state, line))
    if limit is not None and len(lines) > limit:
        controls.append(ft.Container(quiet_button(
            t("See the whole history"), m, p,
            lambda _: actions.go(ctx, state, Screen.HISTORY), "points-history-more"),
            key="history-more"))
    return controls


def _filters(ctx: ViewContext, state: PointsState) -> list[ft.Control]:
    t, m = ctx.t, ctx.metrics

    def choice(label: str, selected: bool, kind: str | None, month: str | None,
               identifier: str) -> ft.Control:
        def picked(_: object) -> None:
            _filter(ctx, state, kind, month)

        if selected:
            return big_button(label, None, m, ctx.palette, picked, identifier)
        return quiet_button(label, m, ctx.palette, picked, identifier)

    kinds = [choice(t("All"), state.kind is None, None, state.month, "points-kind-all")]
    kinds += [choice(t(KIND_LABELS[k]), state.kind == k, k, state.month, f"points-kind-{k}")
              for k in KINDS]
    months = [choice(t("Every month"), state.month is None, state.kind, None,
                     "points-month-all")]
    months += [choice(month_label(ctx, mo), state.month == mo, state.kind, mo,
                      f"points-month-{mo}") for mo in state.months()[:12]]
    return [
        section_heading(ctx, t("History")),
        ft.Row(kinds, wrap=True, spacing=m.body_size * 0.5, run_spacing=m.body_size * 0.5,
               key="history-kinds"),
        ft.Row(months, wrap=True, spacing=m.body_size * 0.5, run_spacing=m.body_size * 0.5,
               key="history-months"),
    ]


def _filter(ctx: ViewContext, state: PointsState, kind: str | None,
            month: str | None) -> None:
    state.filter_by(kind, month)
    ctx.refresh()


def _line(ctx: ViewContext, state: PointsState, line: PointsTransfer) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    colour = p.primary if line.amount > 0 else p.on_surface
    row = ft.Row([
        ft.Column([
            ft.Text(line_title(ctx, line), size=m.body_size, color=p.on_surface,
                    weight=ft.FontWeight.BOLD),
            ft.Text(f"{when(ctx, line)} · {t(KIND_LABELS.get(line.kind, 'Correction'))}",
                    size=m.body_size * 0.85, color=p.on_surface),
        ], expand=True, spacing=2),
        ft.Text(points(ctx, line.amount, signed=True), size=m.body_size * 1.05,
                color=colour, weight=ft.FontWeight.BOLD),
    ])
    opened = state.receipt_of is not None and state.receipt_of.id == line.id
    lines: list[ft.Control] = [row]
    if opened:
        lines += _receipt_lines(ctx, state, line)
    card = line_card(ctx, lines)
    own = state.acting_for is None
    return ft.Semantics(
        key=f"transfer-{line.id}", identifier=f"points-line-{line.id}", container=True,
        button=own, on_tap=(lambda _: ctx.run_task(actions.toggle_receipt, ctx, state, line))
        if own else None,
        content=ft.Container(card, on_click=(
            lambda _: ctx.run_task(actions.toggle_receipt, ctx, state, line)) if own else None,
            ink=own))


def _receipt_lines(ctx: ViewContext, state: PointsState,
                   line: PointsTransfer) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    size = m.body_size * 0.95
    out: list[ft.Control] = [ft.Divider()]
    receipt = state.receipt
    if receipt is None:
        if state.receipt_problem is not None:
            out.append(ft.Text(problem_text(ctx, state.receipt_problem), size=size,
                               color=p.on_surface, italic=True))
        elif ctx.state.connection.offline:
            out.append(ft.Text(t("Offline: the details below are what this device holds."),
                               size=size, color=p.on_surface, italic=True))
        else:
            out.append(ft.Text(t("Loading the receipt…"), size=size, color=p.on_surface))
        if line.reference:
            out.append(ft.Text(t("Reference: {reference}", reference=line.reference),
                               size=size, color=p.on_surface))
        out.append(ft.Text(t("Receipt number: {id}", id=line.id), size=size * 0.9,
                           color=p.on_surface, selectable=True))
        return out
    out.append(ft.Text(t("Receipt"), size=size, color=p.on_surface,
                       weight=ft.FontWeight.BOLD))
    if receipt.shop is not None:
        out.append(ft.Text(t("Shop: {name}", name=receipt.shop.name), size=size,
                           color=p.on_surface))
    out.append(ft.Text(t("Amount: {points}", points=points(ctx, abs(receipt.amount))),
                       size=size, color=p.on_surface))
    out.append(ft.Text(t("Date: {time}",
                         time=format_datetime_short(receipt.created_at, ctx.locale)),
                       size=size, color=p.on_surface))
    if receipt.balance_after is not None:
        out.append(ft.Text(t("Balance after: {points}",
                             points=points(ctx, receipt.balance_after)),
                           size=size, color=p.on_surface))
    if receipt.reference:
        out.append(ft.Text(t("Reference: {reference}", reference=receipt.reference),
                           size=size, color=p.on_surface))
    for refund in receipt.refunds:
        amount = refund.get("amount")
        if isinstance(amount, int):
            out.append(ft.Text(t("Refunded: {points}", points=points(ctx, abs(amount))),
                               size=size, color=p.primary))
    out.append(ft.Text(t("Receipt number: {id}", id=receipt.id), size=size * 0.9,
                       color=p.on_surface, selectable=True))
    return out
