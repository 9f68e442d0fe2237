"""Pieces every shell screen shares: the app bar with back and settings, the banner, the frame."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.design.widgets import offline_banner
from app.i18n.formatting import format_datetime_short
from app.shell.context import ViewContext
from app.shell.offline_notice import OfflineNotice, banner_text
from app.shell.state import SETTINGS_ROUTE


def _bar_button(ctx: ViewContext, icon: ft.IconData, label: str, route: str) -> ft.Control:
    """An app-bar icon button whose accessible name is its label (the icon carries it)."""
    m, p = ctx.metrics, ctx.palette
    return ft.IconButton(
        ft.Icon(icon, semantics_label=label, color=p.on_primary, size=m.icon_size),
        tooltip=label,
        icon_size=m.icon_size,
        on_click=lambda _: ctx.navigate(route),
        width=m.min_touch_target,
        height=m.min_touch_target,
    )


def app_bar(ctx: ViewContext, title: str, *, back: bool) -> ft.AppBar:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    actions: list[ft.Control] = []
    if ctx.state.route != SETTINGS_ROUTE:
        actions.append(_bar_button(ctx, ft.Icons.SETTINGS, t("Settings"), SETTINGS_ROUTE))
    leading = (_bar_button(ctx, ft.Icons.ARROW_BACK, t("Back"), ctx.state.back_route())
               if back else None)
    return ft.AppBar(
        leading=leading,
        leading_width=m.min_touch_target + 8 if back else None,
        automatically_imply_leading=False,
        title=ft.Text(title, size=m.title_size, color=p.on_primary, weight=ft.FontWeight.BOLD),
        bgcolor=p.primary,
        toolbar_height=max(56, m.min_touch_target + 8),
        actions=actions,
    )


def banner_if_offline(ctx: ViewContext, on_retry: Callable[[Any], Any]) -> list[ft.Control]:
    """The offline banner, saying only what is true of the screen below it
    (`offline_notice`): saved information with its age, or that it appears once connected."""
    if not ctx.state.connection.offline:
        return []
    t = ctx.t
    services = ctx.services
    text = banner_text(ctx.state.resolve(ctx.state.route),
                       services.public.last_synced_at if services is not None else None,
                       services.device.last_synced_at if services is not None else None)
    if text.notice is OfflineNotice.SAVED_SHOWN and text.as_of is not None:
        message = t("Offline: showing saved information (as of {time}).",
                    time=format_datetime_short(text.as_of, ctx.locale))
    elif text.notice is OfflineNotice.SHOWN_WHEN_CONNECTED:
        message = t("Offline. This will be shown once connected.")
    else:
        message = t("Offline: the city server cannot be reached.")
    return [offline_banner(message, t("Retry"), ctx.palette, ctx.metrics, on_retry)]


def note_card(ctx: ViewContext, message: str) -> ft.Control:
    """A reminder on the home screen (health check, tomorrow's collection…)."""
    m, p = ctx.metrics, ctx.palette
    return ft.Container(
        bgcolor=p.surface,
        border=ft.Border.all(2, p.primary),
        border_radius=ft.BorderRadius.all(12),
        padding=ft.Padding.all(m.body_size),
        content=ft.Row(
            [ft.Icon(ft.Icons.NOTIFICATIONS_ACTIVE, color=p.primary, size=m.icon_size),
             ft.Text(message, size=m.body_size, color=p.on_surface, expand=True)],
        ),
    )


def section_heading(ctx: ViewContext, text: str) -> ft.Control:
    """A heading inside a screen ("次の収集日", "予約一覧", "送信待ち")."""
    return ft.Text(text, size=ctx.metrics.body_size * 1.15, weight=ft.FontWeight.BOLD,
                   color=ctx.palette.on_surface)


def line_card(ctx: ViewContext, lines: list[ft.Control]) -> ft.Control:
    """A full-width card of stacked lines (a booking, a change waiting to be sent)."""
    m, p = ctx.metrics, ctx.palette
    return ft.Container(
        bgcolor=p.surface, border=ft.Border.all(1, p.outline),
        border_radius=ft.BorderRadius.all(12), padding=ft.Padding.all(m.body_size * 0.75),
        content=ft.Row([ft.Column(lines, spacing=m.body_size * 0.3, expand=True)]),
    )
