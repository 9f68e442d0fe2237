"""Shared widgets drawn from the tokens: tiles, the offline banner, large buttons, headers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.design.text_fit import size_to_fit
from app.design.tokens import Metrics, Palette


def icon(name: str) -> ft.IconData:
    return getattr(ft.Icons, name, ft.Icons.APPS)


def tile(
    *,
    tile_id: str,
    label: str,
    icon_name: str,
    metrics: Metrics,
    palette: Palette,
    on_click: Callable[[Any], Any],
) -> ft.Control:
    """A home-screen tile: an icon over its label, one button whose accessible name is the label.

    The label wraps at spaces only: it shrinks until its longest word fits the tile's width
    (`text_fit`), so "Reservations" at 特大 is never cut into "Reservation / s"."""
    inner_padding = metrics.body_size * 0.4
    label_size = size_to_fit(label, metrics.tile_label_size,
                             metrics.tile_extent - 2 * inner_padding - 4)
    body = ft.Container(
        content=ft.Column(
            [
                ft.Icon(icon(icon_name), size=metrics.tile_icon_size, color=palette.primary),
                ft.Text(
                    label,
                    size=label_size,
                    weight=ft.FontWeight.BOLD,
                    color=palette.on_surface,
                    text_align=ft.TextAlign.CENTER,
                ),
            ],
            horizontal_alignment=ft.CrossAxisAlignment.CENTER,
            alignment=ft.MainAxisAlignment.CENTER,
            spacing=metrics.body_size * 0.5,
        ),
        width=metrics.tile_extent,
        height=metrics.tile_extent,
        padding=ft.Padding.symmetric(horizontal=inner_padding),
        bgcolor=palette.surface,
        border=ft.Border.all(2 if palette.surface == palette.background else 1, palette.outline),
        border_radius=ft.BorderRadius.all(16),
        alignment=ft.Alignment.CENTER,
        ink=True,
        on_click=on_click,
    )
    # One node for assistive technology: the label once (not icon + label + label), a button.
    return ft.Semantics(
        key=f"tile-{tile_id}",  # tiles move (paging, the household's order): matched by id
        content=body,
        label=label,
        button=True,
        identifier=f"tile-{tile_id}",
        container=True,
        exclude_semantics=True,
        on_tap=on_click,
    )


def offline_banner(message: str, retry_label: str, palette: Palette, metrics: Metrics,
                   on_retry: Callable[[Any], Any]) -> ft.Control:
    return ft.Semantics(
        key="offline-banner",  # comes and goes at the top: keyed, so nothing below shifts
        identifier="offline-banner",
        live_region=True,
        container=True,
        content=ft.Container(
            bgcolor=palette.banner,
            padding=ft.Padding.symmetric(horizontal=16, vertical=8),
            border_radius=ft.BorderRadius.all(8),
            content=ft.Row(
                [
                    ft.Icon(ft.Icons.CLOUD_OFF, color=palette.on_banner, size=metrics.icon_size),
                    ft.Text(message, color=palette.on_banner, size=metrics.body_size,
                            expand=True),
                    ft.TextButton(
                        content=ft.Text(retry_label, color=palette.on_banner,
                                        size=metrics.body_size),
                        on_click=on_retry,
                        height=metrics.min_touch_target,
                    ),
                ],
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            ),
        ),
    )


def _button_padding(metrics: Metrics, horizontal: float) -> ft.Padding:
    """Padding that makes a one-line button at least the touch target high (its content is
    one text line, about 1.4 times the text size, or the icon, 1.5 times) and lets a label
    that wraps at a large text size make the button taller instead of running over its
    border (no fixed height). Buttons using it keep the standard visual density: on desktop
    and the web Flutter's compact density takes 8 px off each side of the padding, and a
    kiosk button came out 50 px high instead of 64."""
    vertical = max(4.0, (metrics.min_touch_target - metrics.body_size * 1.4) / 2)
    return ft.Padding.symmetric(horizontal=metrics.body_size * horizontal, vertical=vertical)


def _filled_button(label: str, icon_name: str | None, metrics: Metrics, background: str,
                   foreground: str, border: str, on_click: Callable[[Any], Any],
                   identifier: str | None) -> ft.Control:
    # The label is a Text, not a ButtonStyle.text_style: a text style there replaces the
    # theme's font family, and Japanese then renders as empty boxes.
    button = ft.Button(
        content=ft.Text(label, size=metrics.body_size, color=foreground),
        icon=icon(icon_name) if icon_name else None,
        on_click=on_click,
        style=ft.ButtonStyle(
            padding=_button_padding(metrics, 1.5),
            visual_density=ft.VisualDensity.STANDARD,
            bgcolor=background,
            color=foreground,
            icon_color=foreground,
            icon_size=metrics.icon_size,
            side=ft.BorderSide(2, border),
        ),
    )
    if identifier:
        return ft.Semantics(content=button, identifier=identifier)
    return button


def big_button(label: str, icon_name: str | None, metrics: Metrics, palette: Palette,
               on_click: Callable[[Any], Any], identifier: str | None = None) -> ft.Control:
    """The way forward: the primary colour."""
    return _filled_button(label, icon_name, metrics, palette.primary, palette.on_primary,
                          palette.outline, on_click, identifier)


def destructive_button(label: str, metrics: Metrics, palette: Palette,
                       on_click: Callable[[Any], Any], identifier: str | None = None,
                       icon_name: str | None = None) -> ft.Control:
    """A destructive action (cancel, delete): the danger colour, never styled like the way
    forward, and placed after the safe choice."""
    return _filled_button(label, icon_name, metrics, palette.danger, palette.on_danger,
                          palette.danger, on_click, identifier)


def quiet_button(label: str, metrics: Metrics, palette: Palette,
                 on_click: Callable[[Any], Any], identifier: str | None = None,
                 icon_name: str | None = None) -> ft.Control:
    """A secondary action: outlined, in the text colour (「やめる」, 「日を変える」)."""
    button = ft.OutlinedButton(
        content=ft.Text(label, size=metrics.body_size, color=palette.on_surface),
        icon=icon(icon_name) if icon_name else None,
        on_click=on_click,
        style=ft.ButtonStyle(
            padding=_button_padding(metrics, 1.2),
            visual_density=ft.VisualDensity.STANDARD,
            color=palette.on_surface,
            icon_color=palette.on_surface,
            icon_size=metrics.icon_size,
            side=ft.BorderSide(2, palette.outline),
        ),
    )
    if identifier:
        return ft.Semantics(content=button, identifier=identifier)
    return button
