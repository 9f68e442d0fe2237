"""Settings: language, text size (three steps) and high contrast, applied at once."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.design.language_fonts import language_name_font
from app.design.tokens import TextSize
from app.i18n.translator import LANGUAGE_NAMES
from app.shell.context import ViewContext
from app.shell.controlled_inputs import (
    controlled_radio_group,
    controlled_switch,
    radio_option,
)

TEXT_SIZE_LABELS: dict[TextSize, str] = {
    TextSize.NORMAL: "Standard",
    TextSize.LARGE: "Large",
    TextSize.EXTRA_LARGE: "Extra large",
}


def _radio_group(ctx: ViewContext, value: str, options: list[tuple[str, str, str | None]],
                 on_change: Callable[[str], None], identifier: str) -> ft.Control:
    m, p = ctx.metrics, ctx.palette
    return ft.Semantics(
        identifier=identifier,
        container=True,
        key=identifier,
        content=controlled_radio_group(
            ctx.fields,
            key=identifier,
            value=value,
            on_value=on_change,
            content=ft.Column(
                [
                    radio_option(
                        key, label, key == value, m,
                        label_style=ft.TextStyle(size=m.body_size, color=p.on_surface,
                                                 font_family=font),
                        fill_color=p.primary, group=identifier, on_choose=on_change,
                    )
                    for key, label, font in options
                ],
                spacing=4,
            ),
        ),
    )


def settings_body(ctx: ViewContext) -> list[ft.Control]:
    t, m, p, state = ctx.t, ctx.metrics, ctx.palette, ctx.state
    s = state.settings

    def heading(text: str) -> ft.Control:
        return ft.Text(text, size=m.title_size * 0.9, weight=ft.FontWeight.BOLD,
                       color=p.on_surface)

    return [
        heading(t("Language")),
        _radio_group(
            ctx,
            s.language,
            [(lang, LANGUAGE_NAMES[lang], language_name_font(lang, s.language))
             for lang in state.languages],
            state.set_language,
            "settings-language",
        ),
        heading(t("Text size")),
        _radio_group(
            ctx,
            s.text_size.value,
            [(size.value, t(label), None) for size, label in TEXT_SIZE_LABELS.items()],
            state.set_text_size,
            "settings-text-size",
        ),
        heading(t("Display")),
        controlled_switch(
            ctx.fields,
            key="settings-high-contrast",
            value=s.high_contrast,
            on_value=state.set_high_contrast,
            label=t("High contrast"),
            metrics=m,
            active_color=p.primary,
            label_text_style=ft.TextStyle(size=m.body_size, color=p.on_surface),
        ),
        ft.Text(
            t("Settings are kept on this device.")
            if not ctx.kiosk
            else t("On this shared kiosk, settings reset when the next person starts."),
            size=m.body_size * 0.9,
            color=p.on_surface,
        ),
    ]
