"""Builds assets/fonts/BIZUDPGothic-Regular-subset.ttf, the app's Japanese and Latin font
(ADR 0029), and the tiny font of the loading message inlined in assets/index.html.

Source: BIZ UDPGothic Regular 1.05 (SIL OFL 1.1) from Debian's `fonts-morisawa-bizud-gothic`
(/usr/share/fonts/truetype/bizud-gothic/BIZUDPGothic-Regular.ttf; the same file the app
shipped whole until this subset: 4.7 MB, 11,741 characters). Without installing the
package: `apt-get download fonts-morisawa-bizud-gothic && dpkg-deb -x fonts-*.deb x` and pass
`--source x/usr/share/fonts/truetype/bizud-gothic/BIZUDPGothic-Regular.ttf`.

The subset keeps (about 8,100 characters, 2 MB; 1.4 MB gzip-compressed on the wire):
- JIS X 0208 (6,879 characters: both kanji levels, kana, symbols, Greek, Cyrillic) and the
  Windows extensions of CP932 (NEC special characters such as ①, ㈱, ㎡; the IBM kanji used
  in names such as 髙, 﨑);
- ASCII, Latin-1, Latin Extended-A, general punctuation, letterlike symbols, arrows, box
  drawing, shapes, CJK symbols, all kana, full- and half-width forms;
- every character of the Japanese and English catalogs, of the bundled data (assets/demo,
  assets/waste, assets/consent) and of the app's and backend's source (strings shown as
  they are, demo data the backend seeds).
Only characters the font has are kept. Hinting is dropped (Flutter does not use it) and so are
the vertical metrics (the app writes horizontally).

The loading message's font: the same face cut down to the characters of the message in
assets/index.html (between the `loading-message` markers), base64 in the page itself, so
the first text a new device shows is Japanese in the app's face even before anything else
has arrived and on a device without Japanese fonts.

Run it again after adding strings with characters outside JIS X 0208; the unit test
tests/unit/test_japanese_font_subset.py says when it is needed. Needs fontTools (dev extra):
`python scripts/subset_japanese_font.py`.
"""

from __future__ import annotations

import argparse
import base64
import io
import re
from collections.abc import Iterable
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = Path("/usr/share/fonts/truetype/bizud-gothic/BIZUDPGothic-Regular.ttf")
OUTPUT = ROOT / "assets" / "fonts" / "BIZUDPGothic-Regular-subset.ttf"
INDEX_HTML = ROOT / "assets" / "index.html"
RANGES = (
    (0x0020, 0x007E), (0x00A0, 0x017F), (0x2000, 0x206F), (0x2100, 0x218F),
    (0x2190, 0x21FF), (0x2460, 0x24FF), (0x2500, 0x257F), (0x25A0, 0x25FF),
    (0x2600, 0x26FF), (0x3000, 0x303F), (0x3040, 0x30FF), (0x31F0, 0x31FF),
    (0xFF00, 0xFFEF),
)
TEXT_SUFFIXES = {".po", ".json", ".csv", ".py", ".md", ".txt"}
# Where the characters the app shows come from (see the module docstring).
TEXT_SOURCES = (
    ROOT / "assets" / "locale" / "ja",
    ROOT / "assets" / "locale" / "en",
    ROOT / "assets" / "demo",
    ROOT / "assets" / "waste",
    ROOT / "assets" / "consent",
    ROOT / "app",
    ROOT / "backend",
)
# The loading message: the text between these markers in assets/index.html is what the
# inline font must draw; the font goes between the `loading-font` markers.
MESSAGE_MARKERS = ("<!-- loading-message -->", "<!-- /loading-message -->")
FONT_MARKERS = ("/* loading-font */", "/* /loading-font */")


def cp932_characters() -> set[str]:
    """Every double-byte character of CP932: JIS X 0208 plus the NEC and IBM extensions."""
    found: set[str] = set()
    trails = [*range(0x40, 0x7F), *range(0x80, 0xFD)]
    for lead in [*range(0x81, 0xA0), *range(0xE0, 0xFD)]:
        for trail in trails:
            try:
                found.update(bytes((lead, trail)).decode("cp932"))
            except UnicodeDecodeError:
                continue
    return found


def _files(sources: Iterable[Path]) -> Iterable[Path]:
    for source in sources:
        if source.is_file():
            yield source
        elif source.is_dir():
            yield from sorted(p for p in source.rglob("*")
                              if p.is_file() and p.suffix in TEXT_SUFFIXES)


def wanted_characters(sources: Iterable[Path] = TEXT_SOURCES) -> set[str]:
    chars: set[str] = set()
    for start, end in RANGES:
        chars.update(map(chr, range(start, end + 1)))
    chars |= cp932_characters()
    for path in _files(sources):
        chars.update(path.read_text(encoding="utf-8-sig", errors="ignore"))
    return {c for c in chars if c.isprintable() or c == " "}


def _subset(source: Path, chars: Iterable[str]) -> tuple[bytes, int]:
    font = TTFont(str(source))
    cmap = font.getBestCmap()
    unicodes = sorted({ord(c) for c in chars} & set(cmap))
    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False  # Flutter draws without hints; a quarter of the file
    options.drop_tables += ["DSIG", "vhea", "vmtx", "meta"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue(), len(unicodes)


def _between(text: str, markers: tuple[str, str]) -> tuple[int, int]:
    start = text.index(markers[0]) + len(markers[0])
    return start, text.index(markers[1], start)


def loading_message(index_html: str) -> str:
    """The visible text of the loading message (tags and entities left out)."""
    start, end = _between(index_html, MESSAGE_MARKERS)
    text = re.sub(r"<[^>]*>", "", index_html[start:end])
    return re.sub(r"&[a-z]+;", "", text)


def inline_loading_font(source: Path, index_path: Path) -> int:
    """Write the loading message's font into the page; returns its size in bytes."""
    html = index_path.read_text(encoding="utf-8")
    data, _ = _subset(source, set(loading_message(html)) | {" ", "."})
    start, end = _between(html, FONT_MARKERS)
    url = "url(data:font/ttf;base64," + base64.b64encode(data).decode("ascii") + ")"
    index_path.write_text(html[:start] + url + html[end:], encoding="utf-8")
    return len(data)


def build(source: Path, output: Path) -> tuple[int, int]:
    """Writes the subset; returns (characters kept, bytes)."""
    data, count = _subset(source, wanted_characters())
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    return count, len(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--index-html", type=Path, default=INDEX_HTML)
    args = parser.parse_args()
    count, size = build(args.source, args.output)
    print(f"{args.output}: {count} characters, {size / 1e6:.2f} MB")
    inline = inline_loading_font(args.source, args.index_html)
    print(f"{args.index_html}: loading message font, {inline} bytes")


if __name__ == "__main__":
    main()
