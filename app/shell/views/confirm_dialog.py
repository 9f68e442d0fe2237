"""Renders a `Confirmation` as a modal dialog and a done message as a snack bar."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.design.tokens import Metrics, Palette
from app.design.widgets import destructive_button, quiet_button
from app.shell.confirmation import Confirmation


def confirm_dialog(confirmation: Confirmation, cancel_label: str, metrics: Metrics,
                   palette: Palette, on_answer: Callable[[bool], Any]) -> ft.AlertDialog:
    c = confirmation
    confirm: ft.Control
    if c.destructive:
        confirm = destructive_button(c.confirm_label, metrics, palette,
                                     lambda _: on_answer(True), f"{c.identifier}-yes")
    else:
        confirm = ft.Semantics(
            identifier=f"{c.identifier}-yes",
            content=ft.Button(
                content=ft.Text(c.confirm_label, size=metrics.body_size,
                                color=palette.on_primary),
                height=metrics.min_touch_target,
                style=ft.ButtonStyle(bgcolor=palette.primary, color=palette.on_primary),
                on_click=lambda _: on_answer(True),
            ),
        )
    return ft.AlertDialog(
        modal=True,  # a tap beside it does not answer the question
        title=ft.Semantics(
            header=True,
            content=ft.Text(c.title, size=metrics.title_size, weight=ft.FontWeight.BOLD,
                            color=palette.on_surface),
        ),
        content=ft.Text(c.message, size=metrics.body_size, color=palette.on_surface),
        bgcolor=palette.surface,
        actions=[
            # The safe answer first and focused by order; the destructive one looks different.
            quiet_button(c.cancel_label or cancel_label, metrics, palette,
                         lambda _: on_answer(False), f"{c.identifier}-no"),
            confirm,
        ],
        actions_alignment=ft.MainAxisAlignment.END,
        semantics_label=c.title,
    )


def done_snack_bar(message: str, metrics: Metrics, palette: Palette) -> ft.SnackBar:
    return ft.SnackBar(
        content=ft.Semantics(
            identifier="done-message",
            live_region=True,
            content=ft.Text(message, size=metrics.body_size, color=palette.on_primary),
        ),
        bgcolor=palette.primary,
        duration=ft.Duration(seconds=6),
        show_close_icon=True,
        close_icon_color=palette.on_primary,
    )
