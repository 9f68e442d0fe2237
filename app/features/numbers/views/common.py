"""What both screens of the 整理券 tile draw the same way: names in the screen's language,
times in Tsuyama's time, big centred text and a framed warning read out when it appears.
Render only."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import flet as ft
from babel.dates import format_time

from app.shell.context import ViewContext

CITY_TIME_ZONE = ZoneInfo("Asia/Tokyo")


def language(ctx: ViewContext) -> int:
    """The index of a (Japanese, English) name for the screen's language."""
    return 0 if ctx.locale.startswith("ja") else 1


def time_text(ctx: ViewContext, moment: datetime) -> str:
    return format_time(moment, format="short", locale=ctx.locale, tzinfo=CITY_TIME_ZONE)


def big_text(ctx: ViewContext, value: str, key: str, scale: float, *,
             bold: bool = True) -> ft.Text:
    m, p = ctx.metrics, ctx.palette
    return ft.Text(value, key=key, size=m.body_size * scale, color=p.on_surface,
                   weight=ft.FontWeight.BOLD if bold else None,
                   text_align=ft.TextAlign.CENTER)


def warning(ctx: ViewContext, text: str, key: str, *, scale: float = 1.0) -> ft.Control:
    """A problem or a call, framed in the banner colour and read out when it appears."""
    m, p = ctx.metrics, ctx.palette
    return ft.Semantics(key=key, identifier=key, live_region=True, container=True,
                        content=ft.Container(
                            bgcolor=p.surface, border=ft.Border.all(4, p.banner),
                            border_radius=ft.BorderRadius.all(8),
                            padding=ft.Padding.all(m.body_size * 0.8),
                            content=ft.Text(text, size=m.body_size * scale, color=p.banner,
                                            weight=ft.FontWeight.BOLD,
                                            text_align=ft.TextAlign.CENTER)))
