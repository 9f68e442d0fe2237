"""Search foods and recipes in any spelling: recipes first, then foods.

Keys come from the waste tile's normalisation (its `api`: width, hiragana/katakana, small
kana, long vowels, punctuation), so 「さけ」, 「サケ」 and 「ｻｹ」 find 「＜魚類＞ （さけ・ます類）
しろさけ 生」. Every word of a food's name is a key of its own, so a query matches words
inside a name, not only its start; a query of several words (「さけ 焼き」) needs all of them.
Kanji words of the table's names are also indexed by their reading from
assets/health/food_readings.json (豆腐 → とうふ, 焼き → やき; longest word first), so 「とうふ」
finds 「木綿豆腐」; recipes carry their readings as aliases.
Ranking within recipes and within foods: a whole word, then the start of a word, then inside
a word, then only in the table's bracketed group labels (＜魚類＞, （さけ・ます類）, ［水稲めし］);
then the shorter name, then the table's order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from app.features.health.nutrition.food_table import Food, FoodTable
from app.features.health.nutrition.recipes import Recipe
from app.features.waste.api import normalize as _normalize
from app.paths import ASSETS_DIR

__all__ = [
    "DEFAULT_LIMIT",
    "DEFAULT_READINGS_PATH",
    "NutritionSearch",
    "SearchHit",
    "load_readings",
    "name_words",
]

DEFAULT_READINGS_PATH = ASSETS_DIR / "health" / "food_readings.json"

DEFAULT_LIMIT = 30
_BRACKETED = re.compile(r"[＜<（(［\[【〔][^＞>）)］\]】〕]*[＞>）)］\]】〕]")
_SPLIT = re.compile(r"[\s　・、,/／]+")
_WHOLE, _START, _INSIDE, _LABEL = 0, 1, 2, 3
_NO_MATCH = 9


@lru_cache(maxsize=16384)
def normalize(text: str) -> str:
    """The waste tile's search key, cached: the table's names repeat their words (生, ゆで)."""
    return _normalize(text)


def load_readings(path: Path | None = None) -> dict[str, str]:
    """{kanji word: hiragana reading} from the readings file ({} when there is none)."""
    path = path or DEFAULT_READINGS_PATH
    if not path.exists():
        return {}
    readings = json.loads(path.read_text(encoding="utf-8")).get("readings", {})
    return {str(k): str(v) for k, v in readings.items() if k and v}


class _Reader:
    """Rewrites the kanji words of a name with their readings, longest first."""

    def __init__(self, readings: Mapping[str, str]) -> None:
        self._readings = dict(readings)
        keys = sorted(self._readings, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, keys))) if keys else None

    def __call__(self, word: str) -> str:
        if self._pattern is None:
            return word
        return self._pattern.sub(lambda m: self._readings[m.group()], word)


def name_words(name: str, readings: Mapping[str, str] | None = None
               ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(main words, label words) of a table name, normalised: for
    「＜魚類＞ （さけ・ます類） しろさけ 生」 (("しろさけ", "生"), ("魚類", "さけ", "ます類")).
    With `readings`, a main word with kanji is followed by its reading (「生」, 「なま」)."""
    return _name_words(name, _Reader(readings or {}))


def _name_words(name: str, reader: _Reader) -> tuple[tuple[str, ...], tuple[str, ...]]:
    labels = [w for m in _BRACKETED.findall(name) for w in _SPLIT.split(m[1:-1])]
    main = [v for w in _SPLIT.split(_BRACKETED.sub(" ", name)) for v in (w, reader(w))]
    return (tuple(dict.fromkeys(k for w in main if (k := normalize(w)))),
            tuple(k for w in labels if (k := normalize(w))))


@dataclass(frozen=True, slots=True)
class SearchHit:
    kind: Literal["recipe", "food"]
    id: str  # the recipe's id or the food's code
    name: str  # as shown: the recipe's name in the language, or the table's food name
    rank: int  # lower is better (within its kind)


@dataclass(frozen=True, slots=True)
class _Entry:
    kind: Literal["recipe", "food"]
    id: str
    names: dict[str, str]
    words: tuple[str, ...]
    labels: tuple[str, ...]
    order: int


def _term_rank(term: str, entry: _Entry) -> int:
    best = _NO_MATCH
    for word in entry.words:
        if word == term:
            return _WHOLE
        if word.startswith(term):
            best = min(best, _START)
        elif term in word:
            best = min(best, _INSIDE)
    if best == _NO_MATCH and term in "".join(entry.words):
        best = _INSIDE  # across words: 「しろさけなま」
    if best == _NO_MATCH and any(term in label for label in entry.labels):
        best = _LABEL
    return best


class NutritionSearch:
    """An index over the food table and the recipes, built once (a few tens of ms)."""

    def __init__(self, table: FoodTable, recipes: Iterable[Recipe] = (),
                 readings: Mapping[str, str] | None = None) -> None:
        """`readings`: {kanji word: reading}; default the bundled readings file."""
        reader = _Reader(load_readings() if readings is None else readings)
        entries: list[_Entry] = []
        for order, recipe in enumerate(recipes):
            texts = [*recipe.name.values(), *recipe.aliases]
            words = tuple(dict.fromkeys(
                k for text in texts for part in (text, *_SPLIT.split(_BRACKETED.sub(" ", text)))
                if (k := normalize(part))))
            labels = tuple(k for text in texts for m in _BRACKETED.findall(text)
                           if (k := normalize(m)))
            entries.append(_Entry("recipe", recipe.id, dict(recipe.name), words, labels, order))
        for order, food in enumerate(table):
            entries.append(self._food_entry(food, order, reader))
        self._entries = entries

    @staticmethod
    def _food_entry(food: Food, order: int, reader: _Reader) -> _Entry:
        words, labels = _name_words(food.name, reader)
        return _Entry("food", food.code, {"ja": food.name}, words, labels, order)

    def search(self, query: str, limit: int = DEFAULT_LIMIT, language: str = "ja",
               kinds: Sequence[str] = ("recipe", "food")) -> list[SearchHit]:
        """Recipes first, then foods, at most `limit` in all; [] for an empty query.
        A food's code ("01088") finds it too."""
        terms = [k for part in _SPLIT.split(query) if (k := normalize(part))]
        if not terms or limit <= 0:
            return []
        scored: list[tuple[int, int, int, int, _Entry]] = []
        for entry in self._entries:
            if entry.kind not in kinds:
                continue
            if entry.kind == "food" and terms == [entry.id]:
                rank = _WHOLE
            else:
                ranks = [_term_rank(term, entry) for term in terms]
                if _NO_MATCH in ranks:
                    continue
                rank = sum(ranks)
            name = entry.names.get(language) or entry.names.get("ja", "")
            kind_order = 0 if entry.kind == "recipe" else 1
            scored.append((kind_order, rank, len(name), entry.order, entry))
        scored.sort(key=lambda item: item[:4])
        return [SearchHit(e.kind, e.id, e.names.get(language) or e.names.get("ja", ""), rank)
                for _, rank, _, _, e in scored[:limit]]
