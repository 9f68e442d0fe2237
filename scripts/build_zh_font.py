"""Builds assets/fonts/NotoSansCJKsc-Subset.otf, the Chinese font of the app (ADR 0028).

Source: Noto Sans CJK SC Regular (SIL OFL 1.1) from Debian's `fonts-noto-cjk` package
(/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc, face "Noto Sans CJK SC"). Without
installing the package: `apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb x`
and pass `--source x/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc`.

The subset keeps (about 8,000 characters, ~3 MB instead of 20 MB):
- ASCII, Latin-1, general punctuation, CJK symbols, kana, full/half-width forms;
- GB2312 level 1 (3,755 common simplified characters) and its symbol rows;
- Big5 level 1 (5,401 常用字, the common traditional set);
- JIS X 0208 level 1 kanji (2,965), so Japanese content (waste data, place names) shown on a
  Chinese page does not fall back to a font the browser would have to download;
- every character of the Chinese catalog and of the bundled waste data (assets/waste), and
  the language picker's names (한국어 is drawn in this font on a Chinese page).

Run it again after adding Chinese strings with rare characters; tests/unit/test_font_coverage.py
says when it is needed. Needs fontTools (dev extra): `python scripts/build_zh_font.py`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FACE = "Noto Sans CJK SC"
OUTPUT = ROOT / "assets" / "fonts" / "NotoSansCJKsc-Subset.otf"
EXTRA_TEXT = (
    ROOT / "assets" / "locale" / "zh" / "LC_MESSAGES" / "messages.po",
    ROOT / "app" / "i18n" / "translator.py",  # the language names: 日本語, 한국어 (the picker)
    *sorted((ROOT / "assets" / "waste").rglob("*.csv")),
    *sorted((ROOT / "assets" / "waste").rglob("*.json")),
)
RANGES = (
    (0x0020, 0x007E), (0x00A0, 0x00FF), (0x2000, 0x206F), (0x2100, 0x214F),
    (0x2190, 0x21FF), (0x2460, 0x24FF), (0x25A0, 0x25FF), (0x2600, 0x26FF),
    (0x3000, 0x303F), (0x3040, 0x30FF), (0x31F0, 0x31FF), (0xFF00, 0xFFEF),
)


def _decode_all(codec: str, leads: range, trails: list[int]) -> set[str]:
    found: set[str] = set()
    for lead in leads:
        for trail in trails:
            try:
                found.update(bytes((lead, trail)).decode(codec))
            except UnicodeDecodeError:
                continue
    return found


def gb2312_level1() -> set[str]:
    """GB2312 symbol rows 1-9 and level 1 hanzi (rows 16-55)."""
    trails = list(range(0xA1, 0xFF))
    return (_decode_all("gb2312", range(0xA1, 0xAA), trails)
            | _decode_all("gb2312", range(0xB0, 0xD8), trails))


def big5_level1() -> set[str]:
    """Big5 常用字 (A440-C67E)."""
    trails = list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF))
    chars = _decode_all("big5", range(0xA4, 0xC7), trails)
    return {c for c in chars if c.encode("big5") <= b"\xc6\x7e"}


def jis_level1() -> set[str]:
    """JIS X 0208 level 1 kanji (Shift_JIS 889F-9872)."""
    trails = list(range(0x40, 0x7F)) + list(range(0x80, 0xFD))
    chars = _decode_all("shift_jis", range(0x88, 0x99), trails)
    return {c for c in chars if b"\x88\x9f" <= c.encode("shift_jis") <= b"\x98\x72"}


def wanted_characters() -> set[str]:
    chars: set[str] = set()
    for start, end in RANGES:
        chars.update(map(chr, range(start, end + 1)))
    chars |= gb2312_level1() | big5_level1() | jis_level1()
    for path in EXTRA_TEXT:
        if path.is_file():
            chars.update(path.read_text(encoding="utf-8-sig"))
    return {c for c in chars if c.isprintable() or c == " "}


def build(source: Path, output: Path) -> tuple[int, int]:
    """Writes the subset; returns (characters kept, bytes)."""
    collection = TTCollection(str(source))
    font = next(f for f in collection.fonts if f["name"].getDebugName(4) == FACE)
    cmap = font.getBestCmap()
    unicodes = sorted(ord(c) for c in wanted_characters() if ord(c) in cmap)
    options = subset.Options()
    # the default features (kerning, ligatures, locl, ...); vertical and alternate forms are
    # left out: the app writes horizontally
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False  # Flutter does not use hints; saves about a tenth
    options.desubroutinize = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    output.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(output))
    return len(unicodes), output.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    count, size = build(args.source, args.output)
    print(f"{args.output}: {count} characters, {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
