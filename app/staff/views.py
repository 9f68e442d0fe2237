"""The staff home's screens: the list of staff screens, and the refusal for non-staff.
Render only."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.design.widgets import big_button
from app.shell.context import ViewContext
from app.shell.state import HOME
from app.shell.views.common import line_card, section_heading
from app.staff.state import DEPARTMENT_TITLES, StaffEntry


def staff_home_body(ctx: ViewContext, entries: list[StaffEntry],
                    departments: frozenset[str]) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    names = "、".join(t(DEPARTMENT_TITLES.get(d, d)) for d in sorted(departments))
    controls: list[ft.Control] = [
        ft.Text(t("Your departments: {names}", names=names), size=m.body_size,
                color=p.on_surface, key="staff-departments"),
        ft.Text(t("Every read of residents' data is recorded in their access log with its "
                  "purpose."), size=m.body_size * 0.9, color=p.on_surface, key="staff-note"),
    ]
    if not entries:
        controls.append(ft.Text(t("There are no staff screens for your departments yet."),
                                size=m.body_size, color=p.on_surface, key="staff-none"))
    tile_id = ""
    for entry in entries:
        if entry.tile.id != tile_id:
            tile_id = entry.tile.id
            controls.append(ft.Container(section_heading(ctx, t(entry.tile.title)),
                                         key=f"staff-tile-{tile_id}"))
        lines: list[ft.Control] = [big_button(
            t(entry.screen.title), entry.screen.icon, m, p, _go(ctx, entry.route))]
        if entry.screen.description:
            lines.append(ft.Text(t(entry.screen.description), size=m.body_size * 0.9,
                                 color=p.on_surface))
        controls.append(ft.Container(line_card(ctx, lines),
                                     key=f"staff-screen-{tile_id}-{entry.screen.id}"))
    return controls


def _go(ctx: ViewContext, route: str) -> Callable[[object], None]:
    return lambda _: ctx.navigate(route)


def staff_only_body(ctx: ViewContext) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    return [
        ft.Text(t("This menu is for city staff. Log in with a staff account."),
                size=m.body_size, weight=ft.FontWeight.BOLD, color=p.on_surface,
                key="staff-only"),
        ft.Container(big_button(t("Back to the home screen"), "HOME", m, p,
                                lambda _: ctx.navigate(HOME)), key="staff-only-home"),
    ]


def staff_screen_heading(ctx: ViewContext, entry: StaffEntry) -> list[ft.Control]:
    """Above a tile's staff screen: where it belongs, and the way back to the staff home."""
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    return [ft.Row([
        ft.Text(f"{t(entry.tile.title)} ・ {t(DEPARTMENT_TITLES.get(entry.screen.department, ''))}",
                size=m.body_size * 0.9, color=p.on_surface),
        ft.TextButton(content=ft.Text(t("Staff menu"), size=m.body_size * 0.9),
                      on_click=lambda _: ctx.navigate("/staff")),
    ], wrap=True, key="staff-screen-heading")]
