"""Pieces every shell screen shares: the app bar with back and settings, the banner, the frame."""

from __future__ import annotations

import flet as ft

from app.design.widgets import offline_banner
from app.shell.context import ViewContext
from app.shell.state import HOME, SETTINGS_ROUTE


def app_bar(ctx: ViewContext, title: str, *, back: bool) -> ft.AppBar:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    actions: list[ft.Control] = []
    if ctx.state.route != SETTINGS_ROUTE:
        actions.append(
            ft.IconButton(
                ft.Icon(ft.Icons.SETTINGS, semantics_label=t("Settings"), color=p.on_primary),
                tooltip=t("Settings"),
                icon_size=m.body_size * 1.5,
                icon_color=p.on_primary,
                on_click=lambda _: ctx.navigate(SETTINGS_ROUTE),
                width=m.min_touch_target,
                height=m.min_touch_target,
            )
        )
    leading = None
    if back:
        leading = ft.IconButton(
            ft.Icon(ft.Icons.ARROW_BACK, semantics_label=t("Back"), color=p.on_primary),
            tooltip=t("Back"),
            icon_size=m.body_size * 1.5,
            icon_color=p.on_primary,
            on_click=lambda _: ctx.navigate(HOME),
            width=m.min_touch_target,
            height=m.min_touch_target,
        )
    return ft.AppBar(
        leading=leading,
        leading_width=m.min_touch_target + 8 if back else None,
        automatically_imply_leading=False,
        title=ft.Text(title, size=m.title_size, color=p.on_primary, weight=ft.FontWeight.BOLD),
        bgcolor=p.primary,
        toolbar_height=max(56, m.min_touch_target + 8),
        actions=actions,
    )


def banner_if_offline(ctx: ViewContext, on_retry) -> list[ft.Control]:  # type: ignore[no-untyped-def]
    if not ctx.state.connection.offline:
        return []
    return [
        offline_banner(
            ctx.t("Offline: the city server cannot be reached. Saved data is shown."),
            ctx.t("Retry"),
            ctx.palette,
            ctx.metrics,
            on_retry,
        )
    ]
