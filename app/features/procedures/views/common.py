"""Small pieces the procedures screens share: badges, cards, messages, the status badge."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.features.procedures.records import STATUS_LABELS
from app.shell.context import ViewContext

# Badge colours by status: open (primary), needs the resident (banner), closed (outline).
_NEEDS_RESIDENT = frozenset({"returned", "counter", "refused", "pending"})
_CLOSED = frozenset({"completed", "rejected", "withdrawn"})


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


def status_badge(ctx: ViewContext, status: str, key: str | None = None) -> ft.Control:
    m, p, t = ctx.metrics, ctx.palette, ctx.t
    label = t(STATUS_LABELS.get(status, status))
    if status in _NEEDS_RESIDENT:
        colour, text_colour = p.banner, p.on_banner
    elif status in _CLOSED:
        colour, text_colour = p.surface, p.on_surface
    else:
        colour, text_colour = p.primary, p.on_primary
    return ft.Semantics(
        key=key, label=t("Status: {status}", status=label), container=True,
        exclude_semantics=True,
        content=ft.Container(
            content=ft.Text(label, size=m.body_size * 0.9, weight=ft.FontWeight.BOLD,
                            color=text_colour),
            bgcolor=colour, border=ft.Border.all(1.5, p.outline),
            border_radius=ft.BorderRadius.all(6),
            padding=ft.Padding.symmetric(horizontal=m.body_size * 0.5, vertical=2)))


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
