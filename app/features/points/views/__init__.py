"""The points tile's screens (ポイント): render `PointsState` only (reads are started by
`wiring.prepare`, writes by `actions`). Optional lines are keyed by name, history lines by
the transfer's id, so a re-render (a sync arriving) is a diff."""

from __future__ import annotations

from datetime import date

import flet as ft

from app.design.widgets import big_button, quiet_button
from app.features.points.state import FamilyMember, PointsState, Screen
from app.features.points.views import actions
from app.features.points.views.earn import earn_section
from app.features.points.views.history import history_section
from app.features.points.views.my_code import my_code_section
from app.features.points.views.pay import pay_section, problem_line
from app.features.points.views.pin import pin_section
from app.features.points.views.text import points, problem_text
from app.i18n.formatting import format_date_long, format_datetime_short
from app.shell.context import ViewContext
from app.shell.views.common import section_heading

EXPIRING_SHOWN = 3
HOME_LINES = 5


def points_body(ctx: ViewContext, state: PointsState) -> list[ft.Control]:
    controls: list[ft.Control] = []
    controls += _people(ctx, state)
    controls.append(_balance(ctx, state))
    if state.problem is not None:
        controls.append(problem_line(ctx, problem_text(ctx, state.problem), "points-problem"))
    if state.screen is Screen.HOME:
        controls.append(_actions(ctx, state))
        controls.append(ft.Container(section_heading(ctx, ctx.t("Recent activity")),
                                     key="recent-heading"))
        controls += history_section(ctx, state, limit=HOME_LINES)
        return controls
    controls.append(ft.Container(quiet_button(
        ctx.t("Back to the balance"), ctx.metrics, ctx.palette,
        lambda _: actions.go(ctx, state, Screen.HOME), "points-back", "ARROW_BACK"),
        key="points-back"))
    section = {Screen.HISTORY: history_section, Screen.PAY: pay_section,
               Screen.EARN: earn_section, Screen.MY_CODE: my_code_section,
               Screen.PIN: pin_section}[state.screen]
    controls += section(ctx, state)
    return controls


def _people(ctx: ViewContext, state: PointsState) -> list[ft.Control]:
    """Whose points: the resident's, or a family member's they may see."""
    if not state.family:
        return []
    t, m, p = ctx.t, ctx.metrics, ctx.palette

    def choice(label: str, member: FamilyMember | None, identifier: str) -> ft.Control:
        selected = (state.acting_for is None if member is None
                    else state.acting_for is not None
                    and state.acting_for.person_id == member.person_id)

        def picked(_: object) -> None:
            ctx.run_task(actions.act_for, ctx, state, member)

        if selected:
            return big_button(label, "PERSON", m, p, picked, identifier)
        return quiet_button(label, m, p, picked, identifier)

    buttons = [choice(t("Mine"), None, "points-person-me")]
    buttons += [choice(member.name or t("A person you act for"), member,
                       f"points-person-{i}") for i, member in enumerate(state.family)]
    out: list[ft.Control] = [ft.Row(buttons, wrap=True, spacing=m.body_size * 0.5,
                                    run_spacing=m.body_size * 0.5, key="points-people")]
    if state.acting_for is not None:
        name = state.acting_for.name or t("A person you act for")
        out.append(ft.Text(t("You are looking at the points of {name}. The city records "
                             "that you looked.", name=name),
                           size=m.body_size * 0.9, color=p.on_surface, italic=True,
                           key="points-acting"))
    return out


def _balance(ctx: ViewContext, state: PointsState) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    shown = state.shown
    lines: list[ft.Control] = [ft.Text(t("Balance"), size=m.body_size, color=p.on_surface)]
    if shown is None or shown.balance is None:
        if state.loading:
            lines.append(ft.Text(t("Loading…"), size=m.body_size, color=p.on_surface))
        elif ctx.state.connection.offline or state.acting_for is None:
            lines.append(ft.Text(
                t("Your points will appear here once this device has been online."),
                size=m.body_size, color=p.on_surface, weight=ft.FontWeight.BOLD))
    else:
        lines.append(ft.Text(points(ctx, shown.balance), size=m.body_size * 2,
                             color=p.on_surface, weight=ft.FontWeight.BOLD))
        if shown.local and shown.synced_at is not None:
            lines.append(ft.Text(t("As of {time}",
                                   time=format_datetime_short(shown.synced_at, ctx.locale)),
                                 size=m.body_size * 0.85, color=p.on_surface))
        for lot in shown.expiring[:EXPIRING_SHOWN]:
            lines.append(ft.Text(
                t("{points} expire on {day}", points=points(ctx, lot.amount),
                  day=_day(ctx, lot.expires_on)),
                size=m.body_size * 0.9, color=p.on_surface))
    if state.pending_claims and state.acting_for is None:
        lines.append(ft.Text(t("{count} codes not sent yet", count=state.pending_claims),
                             size=m.body_size * 0.9, color=p.on_surface, italic=True))
    return ft.Semantics(
        key="points-balance", identifier="points-balance", container=True,
        content=ft.Container(
            bgcolor=p.surface, border=ft.Border.all(2, p.primary),
            border_radius=ft.BorderRadius.all(16), padding=ft.Padding.all(m.body_size),
            content=ft.Row([ft.Column(lines, spacing=m.body_size * 0.3, expand=True)])))


def _day(ctx: ViewContext, day: date) -> str:
    return format_date_long(day, ctx.locale)


def _actions(ctx: ViewContext, state: PointsState) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette

    def button(label: str, icon: str, screen: Screen, identifier: str,
               primary: bool = False) -> ft.Control:
        def opened(_: object) -> None:
            actions.go(ctx, state, screen)

        if primary:
            return big_button(label, icon, m, p, opened, identifier)
        return quiet_button(label, m, p, opened, identifier, icon)

    buttons = [button(t("History"), "RECEIPT_LONG", Screen.HISTORY, "points-history")]
    if state.acting_for is None:
        buttons = [
            button(t("Pay"), "PAYMENTS", Screen.PAY, "points-pay", primary=True),
            button(t("My code"), "QR_CODE_2", Screen.MY_CODE, "points-my-code", primary=True),
            button(t("Earn points"), "QR_CODE_SCANNER", Screen.EARN, "points-earn"),
            *buttons,
            button(t("Change your PIN") if state.pin_set else t("Set a PIN"), "PIN",
                   Screen.PIN, "points-pin-settings"),
        ]
    return ft.Row(buttons, wrap=True, spacing=m.body_size * 0.6,
                  run_spacing=m.body_size * 0.6, key="points-actions")
