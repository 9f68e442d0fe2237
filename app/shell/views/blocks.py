"""Small building blocks the tiles' screens share: a badge, a card, a heading, a message read
out when it appears, plain text; all sized by the session's metrics and palette."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.shell.context import ViewContext


def badge(ctx: ViewContext, text: str, *, strong: bool = False,
          key: str | None = None) -> ft.Control:
    """A small label: デモ, 窓口, the status."""
    m, p = ctx.metrics, ctx.palette
    return ft.Container(
        key=key,
        content=ft.Text(text, size=m.body_size * 0.85, weight=ft.FontWeight.BOLD,
                        color=p.on_primary if strong else p.primary),
        bgcolor=p.primary if strong else p.surface,
        border=ft.Border.all(1.5, p.primary),
        border_radius=ft.BorderRadius.all(6),
        padding=ft.Padding.symmetric(horizontal=m.body_size * 0.4, vertical=2),
    )


def card(ctx: ViewContext, controls: list[ft.Control], key: str,
         on_click: Any = None) -> ft.Control:
    m, p = ctx.metrics, ctx.palette
    # In a row and expanded: every card takes the screen's width, whatever its text.
    return ft.Row([ft.Container(
        on_click=on_click, expand=True,
        content=ft.Column(controls, spacing=m.body_size * 0.4, tight=True),
        bgcolor=p.surface, border=ft.Border.all(1, p.outline),
        border_radius=ft.BorderRadius.all(12), padding=ft.Padding.all(m.body_size * 0.8))],
        key=key)


def heading(ctx: ViewContext, text: str, key: str) -> ft.Control:
    m, p = ctx.metrics, ctx.palette
    return ft.Semantics(key=key, header=True, container=True, content=ft.Text(
        text, size=m.title_size, weight=ft.FontWeight.BOLD, color=p.on_surface))


def message(ctx: ViewContext, text: str, key: str, *, alert: bool = False) -> ft.Control:
    """A line read out when it appears (what an action did, a problem)."""
    m, p = ctx.metrics, ctx.palette
    return ft.Semantics(key=key, identifier=key, live_region=True, container=True,
                        content=ft.Text(text, size=m.body_size,
                                        color=p.banner if alert else p.on_surface,
                                        weight=ft.FontWeight.BOLD))


def plain(ctx: ViewContext, text: str, key: str | None = None, *, small: bool = False,
          bold: bool = False) -> ft.Control:
    m, p = ctx.metrics, ctx.palette
    return ft.Text(text, key=key, size=m.body_size * (0.9 if small else 1.0),
                   color=p.on_surface, weight=ft.FontWeight.BOLD if bold else None)
