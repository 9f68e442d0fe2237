"""Builds assets/fonts/LanguageNames-Hangul.ttf: the few Hangul glyphs of the language picker.

The picker names every language in itself (日本語, English, 中文, 한국어). A Japanese or English
page loads only BIZ UDPGothic, which has no Hangul, so 「한국어」 showed boxes and made Flutter
ask for a fallback font. This font holds just the Hangul of the language names, cut from
NanumGothic (SIL OFL 1.1, assets/fonts/LICENSE-NanumGothic.txt): a few kilobytes every page
can load. Run it again when a language name changes: `python scripts/build_language_names_font.py`
(needs fontTools, in the dev extra); tests/unit/test_font_coverage.py says when.
"""

from __future__ import annotations

from pathlib import Path

from fontTools import subset

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "assets" / "fonts" / "NanumGothic.ttf"
OUTPUT = ROOT / "assets" / "fonts" / "LanguageNames-Hangul.ttf"


def hangul_of_language_names() -> str:
    import sys

    sys.path.insert(0, str(ROOT))
    from app.i18n.translator import LANGUAGE_NAMES

    return "".join(sorted({c for name in LANGUAGE_NAMES.values() for c in name
                           if 0xAC00 <= ord(c) <= 0xD7A3}))


def main() -> None:
    options = subset.Options()
    options.name_IDs = ["*"]  # keep the copyright and licence records
    options.name_languages = ["*"]
    options.layout_features = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(SOURCE), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=hangul_of_language_names())
    subsetter.subset(font)
    subset.save_font(font, str(OUTPUT), options)
    print(f"{OUTPUT.relative_to(ROOT)}: {OUTPUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
