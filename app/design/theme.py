"""Builds the Flet theme from the design tokens, the text-size setting and the mode."""

from __future__ import annotations

import flet as ft

from app.design.tokens import Metrics, Palette

# Bundled fonts (assets/fonts, each with its licence): Japanese and Latin text use BIZ UDPGothic,
# designed for readability by older people; Korean uses NanumGothic. Without a bundled font,
# offline web mode shows empty boxes for CJK text (Flutter fetches fallbacks from a CDN).
FONTS: dict[str, str] = {
    "BIZUDPGothic": "fonts/BIZUDPGothic-Regular.ttf",
    "NanumGothic": "fonts/NanumGothic.ttf",
}
FONT_BY_LANGUAGE: dict[str, str] = {"ko": "NanumGothic"}
DEFAULT_FONT = "BIZUDPGothic"


def font_for(language: str) -> str:
    return FONT_BY_LANGUAGE.get(language, DEFAULT_FONT)


def fonts_for(language: str) -> dict[str, str]:
    """The fonts a page in `language` loads: the default font and the language's own. Only
    what is needed: each is about 4.7 MB that the browser fetches and parses before the first
    frame (docs/benchmarks.md, "Start-up")."""
    return {name: FONTS[name] for name in dict.fromkeys((DEFAULT_FONT, font_for(language)))}


def build_theme(palette: Palette, metrics: Metrics, language: str) -> ft.Theme:
    family = font_for(language)

    def style(size: float) -> ft.TextStyle:
        # The family is repeated in each style: a text theme without it resets to Roboto.
        return ft.TextStyle(size=size, color=palette.on_surface, font_family=family)

    body = metrics.body_size
    return ft.Theme(
        font_family=family,
        color_scheme=ft.ColorScheme(
            primary=palette.primary,
            on_primary=palette.on_primary,
            surface=palette.surface,
            on_surface=palette.on_surface,
            outline=palette.outline,
            secondary=palette.primary,
            on_secondary=palette.on_primary,
        ),
        scaffold_bgcolor=palette.background,
        text_theme=ft.TextTheme(
            body_large=style(body),
            body_medium=style(body),
            body_small=style(body * 0.875),
            label_large=style(body),
            title_large=style(metrics.title_size),
            title_medium=style(body * 1.15),
            headline_small=style(metrics.title_size),
        ),
    )
