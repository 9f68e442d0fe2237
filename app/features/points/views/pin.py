"""Setting or changing the payment PIN (4 to 6 digits, not all the same digit)."""

from __future__ import annotations

import flet as ft

from app.design.widgets import big_button
from app.features.points.state import PointsState
from app.features.points.views import actions
from app.features.points.views.pay import problem_line
from app.features.points.views.scan import pin_field
from app.features.points.views.text import problem_text
from app.i18n.formatting import format_datetime_short
from app.shell.context import ViewContext
from app.shell.views.common import section_heading


def pin_section(ctx: ViewContext, state: PointsState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    form = state.pin
    changing = state.pin_set is True
    controls: list[ft.Control] = [
        section_heading(ctx, t("Change your PIN") if changing else t("Set a PIN"))]
    if ctx.state.connection.offline:
        controls.append(ft.Text(t("Setting the PIN needs an internet connection."),
                                size=m.body_size, color=p.on_surface,
                                weight=ft.FontWeight.BOLD, key="pin-offline"))
        return controls
    controls.append(ft.Text(
        t("The PIN protects your payments. Use 4 to 6 digits, not all the same, and do not "
          "tell it to anyone."), size=m.body_size * 0.9, color=p.on_surface, key="pin-help"))
    if state.pin_locked_until is not None:
        controls.append(ft.Text(t("The PIN is locked until {time}.", time=format_datetime_short(
            state.pin_locked_until, ctx.locale)), size=m.body_size, color=p.on_surface,
            key="pin-locked"))
    if form.problem is not None:
        controls.append(problem_line(ctx, problem_text(ctx, form.problem), "pin-problem"))
    if form.saved:
        controls.append(ft.Text(t("Your PIN is saved."), size=m.body_size, color=p.primary,
                                weight=ft.FontWeight.BOLD, key="pin-saved"))
    if changing:
        controls.append(pin_field(ctx, key="pin-current", label=t("Current PIN"),
                                  text=form.current, revision=form.revision,
                                  on_text=lambda s: form.set_field("current", s),
                                  identifier="points-pin-current"))
    controls.append(pin_field(ctx, key="pin-new", label=t("New PIN"), text=form.new,
                              revision=form.revision,
                              on_text=lambda s: form.set_field("new", s),
                              identifier="points-pin-new"))
    controls.append(pin_field(ctx, key="pin-again", label=t("New PIN again"),
                              text=form.again, revision=form.revision,
                              on_text=lambda s: form.set_field("again", s),
                              identifier="points-pin-again"))
    controls.append(ft.Container(big_button(
        t("Please wait…") if form.busy else t("Save the PIN"), "SAVE", m, p,
        lambda _: ctx.run_task(actions.save_pin, ctx, state, changing), "points-save-pin"),
        key="pin-save"))
    return controls
