"""Builds the Flet theme from the design tokens, the text-size setting and the mode."""

from __future__ import annotations

import flet as ft

from app.design.tokens import Metrics, Palette

# Bundled fonts (assets/fonts, each with its licence): Japanese and Latin text use BIZ UDPGothic,
# designed for readability by older people; Korean uses NanumGothic. Without a bundled font,
# offline web mode shows empty boxes for CJK text (Flutter fetches fallbacks from a CDN).
FONTS: dict[str, str] = {
    # subset to JIS X 0208 + CP932 + the app's own text (scripts/subset_japanese_font.py)
    "BIZUDPGothic": "fonts/BIZUDPGothic-Regular-subset.ttf",
    "NanumGothic": "fonts/NanumGothic.ttf",
    # Noto Sans CJK SC, subset to simplified + traditional + kana (scripts/build_zh_font.py)
    "NotoSansCJKsc": "fonts/NotoSansCJKsc-Subset.otf",
    # The Hangul of 「한국어」 alone (5 KB, scripts/build_language_names_font.py): every page
    # loads it, so the language picker names Korean in Korean on any page without boxes.
    "LanguageNames": "fonts/LanguageNames-Hangul.ttf",
}
LANGUAGE_NAMES_FONT = "LanguageNames"
FONT_BY_LANGUAGE: dict[str, str] = {"ko": "NanumGothic", "zh": "NotoSansCJKsc"}
DEFAULT_FONT = "BIZUDPGothic"


def font_for(language: str) -> str:
    return FONT_BY_LANGUAGE.get(language, DEFAULT_FONT)


# Fonts the web client's engine loads by itself, before its first frame: the web server lists
# them in Flutter's font manifest (app/web/first_load.py) and adds them here when it starts.
# Empty for the desktop and mobile clients, which get every font through `page.fonts`.
ENGINE_FONTS: set[str] = set()


def engine_fonts(language: str) -> dict[str, str]:
    """The fonts a page in `language` draws with: the default font and the language's own
    (family -> path in the assets folder)."""
    families = (DEFAULT_FONT, font_for(language), LANGUAGE_NAMES_FONT)
    return {name: FONTS[name] for name in dict.fromkeys(families)}


def fonts_for(language: str) -> dict[str, str]:
    """The fonts a page in `language` loads through `page.fonts`: those of `engine_fonts`
    the engine has not loaded already (ENGINE_FONTS). Only what is needed: a font is 2-5 MB
    that a new device downloads (docs/benchmarks.md, "First visit"); one in both would be
    fetched twice and drawn with boxes until the second copy is in."""
    return {name: path for name, path in engine_fonts(language).items()
            if name not in ENGINE_FONTS}


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
        # Icons without a size of their own grow with the text (list rows, banners, cards).
        icon_theme=ft.IconTheme(size=metrics.icon_size),
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
