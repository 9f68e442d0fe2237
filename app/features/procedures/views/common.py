"""The status badge of the procedures screens; the other small pieces (badge, card, heading,
message, plain) are the shell's (`app/shell/views/blocks.py`), imported from here too."""

from __future__ import annotations

import flet as ft

from app.features.procedures.records import STATUS_LABELS
from app.shell.context import ViewContext
from app.shell.views.blocks import badge, card, heading, message, plain

__all__ = ["badge", "card", "heading", "message", "plain", "status_badge"]

# Badge colours by status: open (primary), needs the resident (banner), closed (outline).
_NEEDS_RESIDENT = frozenset({"returned", "counter", "refused", "pending"})
_CLOSED = frozenset({"completed", "rejected", "withdrawn"})


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
