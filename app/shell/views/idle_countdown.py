"""The kiosk's count-down before it forgets the person: pinned to the bottom of the screen
(visible wherever the page is scrolled), large, with 「続ける」; read out by screen readers.

The shell re-renders it once a second while it counts (ADR 0026); any touch, key or the
button ends it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.design.widgets import big_button
from app.shell.context import ViewContext


def idle_countdown_bar(ctx: ViewContext, seconds_left: int,
                       on_continue: Callable[[Any], None]) -> ft.BottomAppBar:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    message = t("Nobody has touched the screen for a while. In {seconds} seconds this kiosk "
                "goes back to the start and forgets everything.", seconds=seconds_left)
    return ft.BottomAppBar(
        key="idle-countdown",
        bgcolor=p.banner,
        height=m.min_touch_target + m.body_size * 3,
        padding=ft.Padding.symmetric(horizontal=m.body_size, vertical=m.body_size * 0.5),
        content=ft.Row(
            [
                ft.Semantics(
                    identifier="idle-countdown",
                    live_region=True,  # announced when it appears and as it counts
                    label=message,
                    exclude_semantics=True,  # the label once, not label and text
                    expand=True,
                    content=ft.Text(message, size=m.body_size * 1.1, color=p.on_banner,
                                    weight=ft.FontWeight.BOLD),
                ),
                big_button(t("Continue"), "TOUCH_APP", m, p, on_continue,
                           identifier="idle-continue"),
            ],
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
            spacing=m.body_size,
        ),
    )
