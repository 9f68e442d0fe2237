"""「マイコード」: after the PIN, a QR code of a one-use token for the shop to scan, with a
60-second countdown and a button for a new one (the countdown is ticked by wiring)."""

from __future__ import annotations

import flet as ft

from app.account.qr_image import qr_png
from app.design.widgets import big_button
from app.features.points.state import PointsState, Screen
from app.features.points.views import actions
from app.features.points.views.pay import problem_line
from app.features.points.views.scan import pin_field
from app.features.points.views.text import problem_text
from app.shell.context import ViewContext
from app.shell.views.common import section_heading


def my_code_section(ctx: ViewContext, state: PointsState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    code = state.code
    controls: list[ft.Control] = [section_heading(ctx, t("My code"))]
    if ctx.state.connection.offline:
        controls.append(ft.Text(t("Showing your code needs an internet connection."),
                                size=m.body_size, color=p.on_surface,
                                weight=ft.FontWeight.BOLD, key="code-offline"))
        return controls
    if state.pin_set is False:
        controls.append(ft.Container(big_button(
            t("Set a PIN"), "PIN", m, p, lambda _: actions.go(ctx, state, Screen.PIN),
            "points-code-set-pin"), key="code-set-pin"))
        return controls
    if code.problem is not None:
        controls.append(problem_line(ctx, problem_text(ctx, code.problem), "code-problem"))
    if code.code is None:
        controls.append(ft.Text(t("Show this code to the shop's staff. They scan it to take "
                                  "the payment."), size=m.body_size * 0.9,
                                color=p.on_surface, key="code-help"))
        controls.append(pin_field(ctx, key="code-pin", label=t("PIN (4 to 6 digits)"),
                                  text=code.pin, revision=code.pin_revision,
                                  on_text=code.set_pin, identifier="points-code-pin"))
        controls.append(ft.Container(big_button(
            t("Please wait…") if code.busy else t("Show my code"), "QR_CODE_2", m, p,
            lambda _: ctx.run_task(actions.make_code, ctx, state), "points-show-code"),
            key="code-show"))
        return controls
    seconds = code.seconds_left()
    if seconds > 0:
        controls.append(ft.Semantics(
            key="code-image", identifier="points-code-qr", container=True,
            label=t("Your payment code"),
            content=ft.Container(ft.Image(src=qr_png(code.code.token), width=260, height=260),
                                 bgcolor="#FFFFFF", padding=ft.Padding.all(12),
                                 alignment=ft.Alignment.CENTER)))
        controls.append(ft.Semantics(
            key="code-countdown", identifier="points-code-countdown",
            content=ft.Text(t("Valid for {seconds} more seconds", seconds=seconds),
                            size=m.body_size * 1.1, color=p.on_surface,
                            weight=ft.FontWeight.BOLD)))
    else:
        controls.append(ft.Text(t("This code has expired. Make a new one."),
                                size=m.body_size * 1.1, color=p.on_surface,
                                weight=ft.FontWeight.BOLD, key="code-expired"))
    controls.append(ft.Container(big_button(
        t("Please wait…") if code.busy else t("Make a new code"), "REFRESH", m, p,
        lambda _: ctx.run_task(actions.make_code, ctx, state), "points-new-code"),
        key="code-new"))
    return controls
