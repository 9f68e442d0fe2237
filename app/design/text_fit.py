"""How large a label may be so that no word breaks in the middle (plain Python, no Flet).

Flutter wraps text at spaces, but a single word wider than the line is cut between letters
("Reservation / s" on a home tile at 特大). Flet 1.0.5 has no FittedBox, so the size is chosen
before rendering: each word's width is estimated from the bundled font's advance widths and
the label shrinks until its widest word fits the line. Japanese, Chinese and Korean labels
count as one word per run of characters, so they shrink rather than break as well.
"""

from __future__ import annotations

# Advance widths (in em) of printable ASCII, space to "~", in BIZ UDPGothic (the font for
# Japanese and Latin text; assets/fonts). NanumGothic, the Korean font, is narrower in every
# Latin letter, so these widths are safe for both.
_ASCII_EM: tuple[float, ...] = (
    0.333, 0.33, 0.47, 0.92, 0.8, 1.0, 0.89, 0.29, 0.49, 0.49, 0.5, 0.84, 0.31, 0.48, 0.31,
    0.5, 0.76, 0.63, 0.76, 0.76, 0.76, 0.76, 0.76, 0.76, 0.76, 0.76, 0.31, 0.31, 0.84, 0.84,
    0.84, 0.775, 0.98, 0.76, 0.77, 0.8, 0.84, 0.7, 0.66, 0.84, 0.82, 0.42, 0.54, 0.75, 0.6,
    0.98, 0.82, 0.86, 0.74, 0.89, 0.76, 0.71, 0.7, 0.84, 0.74, 0.98, 0.8, 0.72, 0.75, 0.5,
    0.5, 0.5, 0.5, 0.305, 0.5, 0.65, 0.71, 0.64, 0.71, 0.69, 0.5, 0.67, 0.7, 0.32, 0.38,
    0.63, 0.33, 0.94, 0.7, 0.68, 0.71, 0.71, 0.45, 0.59, 0.47, 0.7, 0.58, 0.88, 0.6, 0.61,
    0.58, 0.52, 0.44, 0.52, 0.5,
)
_WIDE_EM = 1.0  # kana, kanji, hangul, full-width forms: one em each
_OTHER_EM = 0.9  # accented Latin and the like: about an upper-case letter
# Bold is drawn from the regular font (a synthetic bold) and glyphs are placed on whole
# pixels: a margin so the estimate never falls short of what Flutter lays out.
_SAFETY = 1.08


def char_em(char: str) -> float:
    code = ord(char)
    if 32 <= code < 127:
        return _ASCII_EM[code - 32]
    if code >= 0x1100:  # Hangul Jamo and everything wide after it
        return _WIDE_EM
    return _OTHER_EM


def widest_word_em(text: str) -> float:
    """The width (in em) of the widest word of `text`, words split at white space."""
    return max((sum(char_em(c) for c in word) for word in text.split()), default=0.0)


def size_to_fit(text: str, size: float, width: float, min_size: float = 8.0) -> float:
    """`size`, or smaller so that the widest word of `text` fits a line `width` wide."""
    widest = widest_word_em(text) * _SAFETY
    if widest <= 0 or widest * size <= width:
        return size
    return max(min_size, width / widest)
