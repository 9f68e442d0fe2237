"""Small pieces the points tile's shop and staff screens share: a live-region note and an
amount of points in words."""

from __future__ import annotations

import flet as ft

from app.features.points.shop.amounts import format_points
from app.shell.context import ViewContext


def points_text(ctx: ViewContext, amount: int) -> str:
    return ctx.t("{points} points", points=format_points(amount, ctx.locale))


def note(ctx: ViewContext, text: str, key: str, warning: bool = False) -> ft.Control:
    """A live-region note; its key is also its identifier for the browser tests."""
    m, p = ctx.metrics, ctx.palette
    box = ft.Container(
        bgcolor=p.surface, border=ft.Border.all(3 if warning else 1,
                                                p.banner if warning else p.primary),
        border_radius=ft.BorderRadius.all(8), padding=ft.Padding.all(m.body_size * 0.6),
        content=ft.Text(text, size=m.body_size, color=p.on_surface,
                        weight=ft.FontWeight.BOLD if warning else None))
    return ft.Semantics(key=key, identifier=key, live_region=True, container=True,
                        content=box)
