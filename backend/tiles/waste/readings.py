"""Hiragana readings of item names, so a resident can type でんしれんじ for 電子レンジ.

A reading the city wrote (a カナ/読み/ふりがな column) is normalized to hiragana. Otherwise
`generate` asks SudachiPy with its core dictionary (both Apache-2.0; ADR 0014) at import
time; without SudachiPy installed it returns None and the import says so once.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from typing import Any

import jaconv

logger = logging.getLogger(__name__)

_ITERATION_MARKS = "々〆ヵヶ〇"


def to_hiragana(text: str) -> str:
    """Katakana (full- or half-width) to hiragana; other characters unchanged."""
    return jaconv.kata2hira(unicodedata.normalize("NFKC", text))


def normalize_reading(raw: str) -> str | None:
    """A reading column's value as hiragana without spaces; None when empty."""
    reading = "".join(to_hiragana(raw).split())
    return reading or None


def is_kana(ch: str) -> bool:
    return ("ぁ" <= ch <= "ゖ") or ("ァ" <= ch <= "ヺ") or ch in "ーゝゞヽヾ"


def has_kanji(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or ch in _ITERATION_MARKS
               for ch in text)


class _Sudachi:
    """One tokenizer per process, made on first use (the dictionary is memory-mapped)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokenizer: Any = None
        self._failed: str | None = None

    def tokenizer(self) -> Any:
        with self._lock:
            if self._tokenizer is None and self._failed is None:
                try:
                    from sudachipy import Dictionary, SplitMode

                    self._tokenizer = Dictionary(dict="core").tokenizer(mode=SplitMode.C)
                except Exception as exc:  # not installed, or no dictionary package
                    self._failed = f"{type(exc).__name__}: {exc}"
                    logger.warning("No readings for waste items: SudachiPy unavailable (%s)",
                                   self._failed)
            return self._tokenizer

    @property
    def failure(self) -> str | None:
        return self._failed


_SUDACHI = _Sudachi()


def available() -> bool:
    """Whether readings can be generated here (SudachiPy and its core dictionary)."""
    return _SUDACHI.tokenizer() is not None


def unavailable_reason() -> str | None:
    return _SUDACHI.failure if not available() else None


_SYMBOL_POS = ("補助記号", "空白")


def _morpheme_reading(surface: str, reading: str, pos: str) -> str:
    if has_kanji(surface) and pos not in _SYMBOL_POS:
        return to_hiragana(reading) if reading and all(is_kana(c) for c in reading) else surface
    normalized = unicodedata.normalize("NFKC", surface)
    if all(is_kana(c) for c in normalized):
        return to_hiragana(normalized)
    # Letters and digits stay as they are (people type "IH", "80"); symbols and spaces go.
    return "".join(ch for ch in normalized if ch.isalnum()).lower()


def generate(name: str) -> str | None:
    """The hiragana reading of `name` (kanji read by the dictionary, kana kept, Latin letters
    and digits kept, symbols dropped); None when SudachiPy is unavailable or nothing is left."""
    tokenizer = _SUDACHI.tokenizer()
    if tokenizer is None or not name.strip():
        return None
    reading = "".join(_morpheme_reading(m.surface(), m.reading_form(), m.part_of_speech()[0])
                      for m in tokenizer.tokenize(name))
    return reading or None
