"""Paying a shop: the code (a picture or pasted text), then the shop and the amount, the PIN,
and the receipt. Offline the screen says that paying needs the network and offers nothing."""

from __future__ import annotations

import flet as ft

from app.design.widgets import big_button, quiet_button
from app.features.points.state import PayStep, PointsState, Screen
from app.features.points.views import actions
from app.features.points.views.scan import code_input, pin_field
from app.features.points.views.text import points, problem_text
from app.i18n.formatting import format_datetime_short
from app.shell.context import ViewContext
from app.shell.controlled_inputs import controlled_text_field
from app.shell.views.common import line_card, section_heading


def pay_section(ctx: ViewContext, state: PointsState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    flow = state.payment
    controls: list[ft.Control] = [section_heading(ctx, t("Pay at a shop"))]
    if ctx.state.connection.offline and flow.step is not PayStep.DONE:
        controls.append(_plain(ctx, t("Paying needs an internet connection. Please try again "
                                      "when you are online."), "pay-offline"))
        return controls
    if state.pin_set is False:
        controls.append(_plain(ctx, t("Please set a payment PIN first."), "pay-no-pin"))
        controls.append(ft.Container(big_button(
            t("Set a PIN"), "PIN", m, p, lambda _: actions.go(ctx, state, Screen.PIN),
            "points-pay-set-pin"), key="pay-set-pin"))
        return controls
    if flow.problem is not None:
        controls.append(problem_line(ctx, problem_text(ctx, flow.problem), "pay-problem"))
    if flow.step is PayStep.SCAN:
        controls += code_input(
            ctx, prefix="pay", text=flow.payload_text, revision=flow.payload_revision,
            on_text=flow.set_payload_text,
            on_camera=lambda _: ctx.run_task(actions.camera_for_payment, ctx, state),
            on_picture=lambda _: ctx.run_task(actions.picture_for_payment, ctx, state),
            on_submit=lambda _: ctx.run_task(actions.read_payment_code, ctx, state),
            submit_label=t("Next"), submit_identifier="points-read-code", busy=flow.busy)
    elif flow.step is PayStep.CONFIRM:
        controls += _confirm(ctx, state)
    else:
        controls += _done(ctx, state)
    return controls


def _confirm(ctx: ViewContext, state: PointsState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    flow = state.payment
    preview = flow.preview
    assert preview is not None
    shop_lines: list[ft.Control] = [
        ft.Text(t("Shop"), size=m.body_size * 0.85, color=p.on_surface),
        ft.Text(preview.shop.name, size=m.body_size * 1.3, color=p.on_surface,
                weight=ft.FontWeight.BOLD),
    ]
    if preview.dynamic and preview.amount is not None:
        shop_lines += [ft.Text(t("Amount"), size=m.body_size * 0.85, color=p.on_surface),
                       ft.Text(points(ctx, preview.amount), size=m.body_size * 1.5,
                               color=p.on_surface, weight=ft.FontWeight.BOLD)]
    out: list[ft.Control] = [ft.Semantics(content=line_card(ctx, shop_lines),
                                          identifier="points-shop", key="pay-shop")]
    own = state.own
    if own is not None and own.balance is not None:
        out.append(ft.Text(t("Your balance: {points}", points=points(ctx, own.balance)),
                           size=m.body_size, color=p.on_surface, key="pay-balance"))
    locked = flow.unsure is not None
    if not preview.dynamic and not locked:
        amount = controlled_text_field(
            ctx.fields, key="pay-amount", text=flow.amount_text, revision=flow.pin_revision,
            on_text=flow.set_amount, label=t("Amount to pay (points)"),
            text_size=m.body_size, keyboard_type=ft.KeyboardType.NUMBER,
            input_filter=ft.NumbersOnlyInputFilter(), max_length=7)
        out.append(ft.Semantics(content=amount, identifier="points-amount",
                                key="pay-amount-wrap"))
    if not locked:
        out.append(pin_field(ctx, key="pay-pin", label=t("PIN (4 to 6 digits)"),
                             text=flow.pin, revision=flow.pin_revision, on_text=flow.set_pin,
                             identifier="points-pin"))
    label = t("Send again") if locked else t("Pay")
    out.append(ft.Row([
        big_button(t("Please wait…") if flow.busy else label, "PAYMENTS", m, p,
                   lambda _: ctx.run_task(actions.pay, ctx, state), "points-confirm"),
        *([] if locked else [quiet_button(t("Cancel"), m, p, lambda _: _restart(ctx, state),
                                          "points-cancel-payment")]),
    ], wrap=True, spacing=m.body_size, run_spacing=m.body_size * 0.5, key="pay-actions"))
    return out


def _done(ctx: ViewContext, state: PointsState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    receipt = state.payment.receipt
    assert receipt is not None
    lines: list[ft.Control] = [
        ft.Text(t("Payment complete."), size=m.body_size * 1.2, color=p.primary,
                weight=ft.FontWeight.BOLD),
    ]
    if receipt.shop is not None:
        lines.append(ft.Text(t("Shop: {name}", name=receipt.shop.name), size=m.body_size,
                             color=p.on_surface))
    lines.append(ft.Text(t("Amount: {points}", points=points(ctx, abs(receipt.amount))),
                         size=m.body_size * 1.3, color=p.on_surface,
                         weight=ft.FontWeight.BOLD))
    lines.append(ft.Text(t("Date: {time}",
                           time=format_datetime_short(receipt.created_at, ctx.locale)),
                         size=m.body_size, color=p.on_surface))
    if receipt.balance_after is not None:
        lines.append(ft.Text(t("Balance after: {points}",
                               points=points(ctx, receipt.balance_after)),
                             size=m.body_size, color=p.on_surface))
    lines.append(ft.Text(t("Receipt number: {id}", id=receipt.id), size=m.body_size * 0.85,
                         color=p.on_surface, selectable=True))
    return [
        ft.Semantics(content=line_card(ctx, lines), identifier="points-receipt",
                     live_region=True, key="pay-receipt"),
        ft.Container(quiet_button(t("Pay again"), m, p, lambda _: _restart(ctx, state),
                                  "points-pay-again"), key="pay-again"),
    ]


def _restart(ctx: ViewContext, state: PointsState) -> None:
    state.payment.restart()
    ctx.refresh()


def _plain(ctx: ViewContext, text: str, key: str) -> ft.Control:
    return ft.Text(text, size=ctx.metrics.body_size, color=ctx.palette.on_surface,
                   weight=ft.FontWeight.BOLD, key=key)


def problem_line(ctx: ViewContext, text: str, key: str) -> ft.Control:
    """A refusal, said plainly; read out by screen readers when it appears."""
    m, p = ctx.metrics, ctx.palette
    return ft.Semantics(
        key=key, identifier="points-problem", live_region=True, container=True,
        content=ft.Container(
            bgcolor=p.banner, border_radius=ft.BorderRadius.all(8),
            padding=ft.Padding.all(m.body_size * 0.6),
            content=ft.Row([
                ft.Icon(ft.Icons.ERROR_OUTLINE, color=p.on_banner, size=m.icon_size),
                ft.Text(text, size=m.body_size, color=p.on_banner, expand=True),
            ])))
