"""Search over recipes and the food table in any spelling: hiragana finds katakana names,
words inside a name match, kanji names through their readings, recipes first."""

from __future__ import annotations

import pytest

from app.features.health.nutrition.food_table import default_table
from app.features.health.nutrition.recipes import default_recipes
from app.features.health.nutrition.search import NutritionSearch, name_words
from app.features.waste.api import normalize


@pytest.fixture(scope="module")
def index() -> NutritionSearch:
    return NutritionSearch(default_table(), default_recipes())


def foods(hits: list) -> list[str]:  # type: ignore[type-arg]
    return [hit.id for hit in hits if hit.kind == "food"]


def test_hiragana_finds_katakana_names(index: NutritionSearch) -> None:
    assert foods(index.search("あまらんさす"))[:1] == ["01001"]  # アマランサス 玄穀
    assert "13025" in foods(index.search("よーぐると"))  # ヨーグルト 全脂無糖


@pytest.mark.parametrize("query", ["しろさけ", "シロサケ", "ｼﾛｻｹ", "しろサケ"])
def test_any_width_or_kana_finds_a_word_inside_the_name(index: NutritionSearch,
                                                        query: str) -> None:
    # 「＜魚類＞ （さけ・ます類） しろさけ 生」: しろさけ is the third word, not the start
    found = foods(index.search(query, limit=50))
    assert "10134" in found and "10136" in found
    assert all(code.startswith("10") for code in found)


def test_every_word_of_a_query_must_match(index: NutritionSearch) -> None:
    # 焼き is kanji: found through its reading やき
    assert foods(index.search("しろさけ やき")) == ["10136", "10138"]


def test_kanji_names_are_found_by_their_reading(index: NutritionSearch) -> None:
    assert "04032" in foods(index.search("もめんとうふ"))  # 木綿豆腐
    without_readings = NutritionSearch(default_table(), default_recipes(), readings={})
    assert "04032" not in foods(without_readings.search("もめんとうふ"))


def test_recipes_come_first_then_foods(index: NutritionSearch) -> None:
    hits = index.search("カレー", limit=10)
    kinds = [hit.kind for hit in hits]
    assert kinds[0] == "recipe" and "food" in kinds
    assert kinds == sorted(kinds, key=lambda kind: kind != "recipe")
    assert hits[0].id == "curry_rice"  # whole word 「カレー」 (an alias) before 「ビーフカレー」
    assert index.search("ぎゅうどん")[0].id == "gyudon"  # kanji recipe by its alias
    assert index.search("curry", language="en")[0].name == "Curry and rice"


def test_limit_empty_queries_and_codes(index: NutritionSearch) -> None:
    assert len(index.search("なま", limit=5)) == 5
    assert index.search("") == [] and index.search("  　") == [] and index.search("x", 0) == []
    assert foods(index.search("01088")) == ["01088"]
    assert index.search("ぎゅうどん", kinds=("food",)) == []


def test_the_name_is_split_into_words_and_group_labels() -> None:
    assert name_words("＜魚類＞ （さけ・ます類） しろさけ 生") == (
        ("しろさけ", "生"), ("魚類", "さけ", "ます類"))
    words = name_words("こめ ［水稲めし］ 精白米 うるち米", {"精白米": "せいはくまい"})[0]
    assert words == ("こめ", "精白米", normalize("せいはくまい"), "うるち米")  # せえはくまい
