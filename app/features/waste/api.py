"""The waste tile's public API for other app tiles (the only module of the tile they may
import, ADR 0024): its Japanese search normalisation, so another tile's search accepts any
spelling (width, hiragana/katakana, long vowels, small kana; app/features/waste/
text_normalize.py). Used by the procedures catalogue."""

from __future__ import annotations

from app.features.waste.text_normalize import normalize, query_variants

__all__ = ["normalize", "query_variants"]
