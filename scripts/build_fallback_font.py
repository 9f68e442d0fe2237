"""Builds `app/web/fallback_font.ttf`: the answer to Flutter's fallback font requests.

A valid TrueType font with one glyph, `.notdef` (a box), and no character map entries
besides the space. Flutter's web engine asks for Noto slices it would download from a CDN
when it lays out text before the page's own font is ready; a failed download is forgotten
and asked again after every relayout, which it triggers itself, so a 404 kept the page busy
in a loop (ADR 0035). A font that loads ends the loop; it draws nothing the page's fonts
do not already draw. Run with the dev extra (fontTools): `python scripts/build_fallback_font.py`.
"""

from __future__ import annotations

from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

OUT = Path(__file__).resolve().parents[1] / "app" / "web" / "fallback_font.ttf"
FAMILY = "Tsuyama Fallback"


def _box(width: int, height: int, stroke: int) -> object:
    pen = TTGlyphPen(None)
    for x0, y0, x1, y1 in ((0, 0, width, height),
                           (stroke, stroke, width - stroke, height - stroke)):
        if x0 == 0:
            pen.moveTo((x0, y0))
            pen.lineTo((x0, y1))
            pen.lineTo((x1, y1))
            pen.lineTo((x1, y0))
        else:  # the inner contour runs the other way: a hole
            pen.moveTo((x0, y0))
            pen.lineTo((x1, y0))
            pen.lineTo((x1, y1))
            pen.lineTo((x0, y1))
        pen.closePath()
    return pen.glyph()


def build() -> bytes:
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "space"])
    builder.setupCharacterMap({0x20: "space"})
    builder.setupGlyf({".notdef": _box(500, 700, 50), "space": TTGlyphPen(None).glyph()})
    builder.setupHorizontalMetrics({".notdef": (600, 50), "space": (250, 0)})
    builder.setupHorizontalHeader(ascent=880, descent=-120)
    builder.setupNameTable({"familyName": FAMILY, "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880,
                     usWinDescent=120)
    builder.setupPost()
    path = OUT.with_suffix(".tmp")
    builder.save(str(path))
    data = path.read_bytes()
    path.unlink()
    return data


if __name__ == "__main__":
    OUT.write_bytes(build())
    print(f"{OUT}: {OUT.stat().st_size} bytes")
