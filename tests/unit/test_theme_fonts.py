"""Pages load only the fonts their language needs (each bundled font is about 4.7 MB the
browser fetches and parses before the first frame)."""

import pytest

from app.design.theme import DEFAULT_FONT, FONTS, LANGUAGE_NAMES_FONT, fonts_for


@pytest.mark.parametrize("language", ["ja", "en"])
def test_japanese_font_only_for_languages_it_covers(language: str) -> None:
    assert fonts_for(language) == {DEFAULT_FONT: FONTS[DEFAULT_FONT],
                                   LANGUAGE_NAMES_FONT: FONTS[LANGUAGE_NAMES_FONT]}


def test_chinese_adds_its_font_and_keeps_the_default() -> None:
    # BIZ UDPGothic lacks about a third of the simplified characters (tests/unit/
    # test_font_coverage.py); the Chinese font comes only for a Chinese page.
    assert fonts_for("zh") == {DEFAULT_FONT: FONTS[DEFAULT_FONT],
                               "NotoSansCJKsc": FONTS["NotoSansCJKsc"],
                               LANGUAGE_NAMES_FONT: FONTS[LANGUAGE_NAMES_FONT]}


def test_korean_adds_its_font_and_keeps_the_default() -> None:
    assert fonts_for("ko") == {DEFAULT_FONT: FONTS[DEFAULT_FONT],
                               "NanumGothic": FONTS["NanumGothic"],
                               LANGUAGE_NAMES_FONT: FONTS[LANGUAGE_NAMES_FONT]}
