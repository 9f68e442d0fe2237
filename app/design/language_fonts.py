"""The font a language's own name (日本語, English, 中文, 한국어) is drawn in on a page.

The language picker names each language in itself, in that language's font when the page
has it; a page loads only its own language's fonts (`engine_fonts`), so on a Japanese page
「中文」 asks for the Chinese font, which is not there, and Flutter would fetch a fallback
from a CDN (boxes offline). So: the language's font when the page loads it, else the page's
own font (BIZ UDPGothic has 中文; the Chinese font has 日本語 and 한국어, ADR 0028). 「한국어」
on a page without the Korean font: the tiny LanguageNames font every page loads.
"""

from __future__ import annotations

from app.design.theme import LANGUAGE_NAMES_FONT, engine_fonts, font_for


def language_name_font(language: str, page_language: str) -> str:
    """The family to draw `language`'s name in on a page in `page_language`."""
    own = font_for(language)
    loaded = engine_fonts(page_language)
    if own in loaded:
        return own
    if language == "ko":  # Hangul: only in the Korean font and the LanguageNames cut of it
        return LANGUAGE_NAMES_FONT
    return font_for(page_language)
