"""The home screen: a tile per service for this mode, kiosk paging, the visitor's languages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import flet as ft

from app.design.language_fonts import language_name_font
from app.design.widgets import big_button, tile
from app.i18n.formatting import format_date_long
from app.i18n.translator import LANGUAGE_NAMES
from app.shell.context import ViewContext
from app.shell.feature_spec import Mode
from app.shell.views.account_view import account_area
from app.shell.views.common import note_card


def language_buttons(ctx: ViewContext) -> ft.Control:
    """Each language named in itself, in its own font, the chosen one marked selected."""
    m, p = ctx.metrics, ctx.palette
    buttons: list[ft.Control] = []
    for lang in ctx.state.languages:
        chosen = lang == ctx.state.settings.language
        buttons.append(
            ft.Semantics(
                selected=chosen,
                identifier=f"lang-{lang}",
                content=ft.OutlinedButton(
                    content=ft.Text(
                        LANGUAGE_NAMES[lang],
                        font_family=language_name_font(lang, ctx.state.settings.language),
                        size=m.body_size,
                        color=p.on_primary if chosen else p.on_surface,
                    ),
                    on_click=lambda _, lang=lang: ctx.state.set_language(lang),
                    height=m.min_touch_target,
                    style=ft.ButtonStyle(
                        bgcolor=p.primary if chosen else p.surface,
                        side=ft.BorderSide(2, p.outline),
                    ),
                ),
            )
        )
    return ft.Row(buttons, wrap=True, spacing=8, run_spacing=8, key="languages")


def home_body(ctx: ViewContext, today: date) -> list[ft.Control]:
    t, m, p, state = ctx.t, ctx.metrics, ctx.palette, ctx.state
    greeting = {
        Mode.RESIDENT: t("Welcome to Tsuyama Portal"),
        Mode.KIOSK: t("Touch a service to begin"),
        Mode.VISITOR: t("Welcome to Tsuyama"),
    }[state.mode]
    controls: list[ft.Control] = [
        ft.Text(greeting, size=m.title_size, weight=ft.FontWeight.BOLD, color=p.on_surface),
        ft.Text(format_date_long(today, ctx.locale), size=m.body_size, color=p.on_surface),
    ]
    # What comes and goes (the account area, notes) is keyed: the tiles below keep their place.
    account = account_area(ctx)
    if account:
        controls.append(ft.Column(account, spacing=m.body_size, key="account"))
    for feature in ctx.state.registry.for_mode(ctx.state.mode):
        if feature.home_notes is not None:
            for note in dict.fromkeys(feature.home_notes(ctx)):  # keys must be unique
                card = note_card(ctx, note)
                card.key = f"note-{feature.id}-{note}"
                controls.append(card)
    if state.mode is Mode.VISITOR:
        controls.append(language_buttons(ctx))
    controls.append(
        ft.Row(
            [
                tile(
                    tile_id=spec.id,
                    label=t(spec.title),
                    icon_name=spec.icon,
                    metrics=m,
                    palette=p,
                    on_click=_go(ctx, spec.route),
                )
                for spec in state.visible_tiles
            ],
            wrap=True,
            spacing=m.body_size,
            run_spacing=m.body_size,
            key="tiles",
        )
    )
    if state.mode is Mode.KIOSK:
        controls.append(kiosk_controls(ctx))
    return controls


def _go(ctx: ViewContext, route: str) -> Callable[[Any], None]:
    return lambda _: ctx.navigate(route)


def kiosk_controls(ctx: ViewContext) -> ft.Control:
    t, m, p, state = ctx.t, ctx.metrics, ctx.palette, ctx.state
    row: list[ft.Control] = []
    if state.kiosk_page > 0:
        row.append(big_button(t("Previous"), "CHEVRON_LEFT", m, p,
                              lambda _: state.previous_kiosk_page()))
    # One mark per screen, the current one selected: a screen reader says which is shown.
    position = t("Screen {current} of {total}", current=state.kiosk_page + 1,
                 total=state.kiosk_page_count)
    row.append(
        ft.Semantics(
            identifier="kiosk-page",
            label=position,
            selected=True,
            container=True,
            exclude_semantics=True,
            content=ft.Row(
                [ft.Text(position, size=m.body_size, color=p.on_surface),
                 *[ft.Icon(ft.Icons.CIRCLE if i == state.kiosk_page
                           else ft.Icons.CIRCLE_OUTLINED, size=m.body_size * 0.8,
                           color=p.primary)
                   for i in range(state.kiosk_page_count)]],
                spacing=m.body_size * 0.4,
            ),
        )
    )
    if state.kiosk_page + 1 < state.kiosk_page_count:
        row.append(big_button(t("More services"), "CHEVRON_RIGHT", m, p,
                              lambda _: state.next_kiosk_page()))
    return ft.Row(row, spacing=m.body_size, vertical_alignment=ft.CrossAxisAlignment.CENTER,
                  key="kiosk-paging")
