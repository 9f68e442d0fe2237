"""五十音 (kana) order for names that carry a reading, such as the districts.

Code-point order of kanji names is meaningless to residents (一宮, 久米, 加茂, 勝北, ...);
Japanese lists go by reading. The key follows the usual dictionary rules (JIS X 4061 in
short): katakana and hiragana are the same, voiced and small kana sort with their plain
kana first (は, ば, ぱ), and the long-vowel mark ー counts as the vowel it lengthens.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

import jaconv

_SMALL = str.maketrans("ぁぃぅぇぉっゃゅょゎゕゖ", "あいうえおつやゆよわかけ")
_VOWEL_ROWS = {
    "あ": "あかさたなはまやらわがざだばぱぁゃゎ",
    "い": "いきしちにひみりぎじぢびぴぃ",
    "う": "うくすつぬふむゆるぐずづぶぷぅっゅゔ",
    "え": "えけせてねへめれげぜでべぺぇ",
    "お": "おこそとのほもよろをごぞどぼぽぉょ",
}
_VOWEL_OF = {kana: vowel for vowel, row in _VOWEL_ROWS.items() for kana in row}


def _plain(reading: str) -> str:
    """Hiragana without voicing marks, small kana made large, ー as its vowel."""
    text = jaconv.kata2hira(unicodedata.normalize("NFKC", reading))
    decomposed = unicodedata.normalize("NFD", text)
    base = "".join(ch for ch in decomposed if ch not in "\u3099\u309a")
    out: list[str] = []
    for ch in base.translate(_SMALL):
        if ch == "ー" and out:
            ch = _VOWEL_OF.get(out[-1], ch)
        out.append(ch)
    return "".join(out)


def gojuon_key(reading: str) -> tuple[str, str]:
    """Sort key: the plain kana first, then the reading itself (voiced after plain)."""
    return _plain(reading), jaconv.kata2hira(unicodedata.normalize("NFKC", reading))


def by_reading(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with a `name` and an optional `reading` (hiragana) in 五十音 order: rows with a
    reading first by it; rows without one after them, by name."""

    def key(row: Mapping[str, Any]) -> tuple[int, tuple[str, str], str]:
        reading = row.get("reading")
        name = str(row.get("name") or "")
        if isinstance(reading, str) and reading.strip():
            return 0, gojuon_key(reading.strip()), name
        return 1, gojuon_key(name), name

    return sorted(rows, key=key)
