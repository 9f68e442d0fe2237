"""Recipes of common dishes: every code is in the food table, nested 定食 expand into foods,
and a recipe's totals per serving and per gram match a hand computation from the table."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from app.features.health.nutrition.food_table import NutrientKey as K
from app.features.health.nutrition.food_table import default_table
from app.features.health.nutrition.recipes import (
    by_id,
    check_codes,
    default_recipes,
    parse_recipes,
    recipe_lines,
    recipe_totals,
    recipe_totals_per_100g,
    recipe_totals_per_gram,
)

TABLE = default_table()
RECIPES = by_id(default_recipes())
D = Decimal

ASKED_FOR = {  # issue 17's dishes, by id
    "curry_rice", "nikujaga", "miso_soup", "rice", "grilled_salmon", "karaage", "kake_udon",
    "shoyu_ramen", "gyudon", "oyakodon", "green_salad", "tamagoyaki", "natto", "shokupan",
}


def recipe(rid: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": rid, "name": {"ja": rid}, "items": items}


def test_there_are_enough_common_dishes_with_the_ones_asked_for() -> None:
    assert len(RECIPES) >= 20
    assert set(RECIPES) >= ASKED_FOR
    assert sum(1 for rid in RECIPES if rid.endswith("_teishoku")) >= 4  # 定食 variants
    for item in RECIPES.values():
        assert item.name["ja"] and item.name["en"] and item.serving["ja"]
        assert item.serving_grams > 0 and item.ingredients


def test_every_code_of_every_recipe_is_in_the_food_table() -> None:
    assert check_codes(RECIPES.values(), TABLE) == []


def test_a_bad_code_is_caught() -> None:
    bad = parse_recipes({"recipes": [recipe("x", [{"code": "01088", "grams": 100},
                                                  {"code": "99999", "grams": 10}])]})
    assert check_codes(bad, TABLE) == [("x", "99999")]


def test_a_set_meal_is_its_dishes_expanded_into_foods() -> None:
    teishoku = RECIPES["salmon_teishoku"]
    assert teishoku.parts == ("rice", "grilled_salmon", "miso_soup", "takuan")
    expected = [i for rid in teishoku.parts for i in RECIPES[rid].ingredients]
    assert list(teishoku.ingredients) == expected
    assert teishoku.serving_grams == 150 + 80 + 189 + 15
    karaage = RECIPES["karaage_teishoku"]  # rice × 1.3 servings = 195 g
    assert karaage.ingredients[0].code == "01088" and karaage.ingredients[0].grams == 195


def test_gyudon_per_serving_and_per_gram_by_hand() -> None:
    # 牛丼 = めし 01088 250 g + 牛飯の具 18031 150 g (18031: 122 kcal, (4.1), (9.4), (6.4),
    # (1.0), (1.0) per 100 g; 01088: 156, 2.5, 0.3, 37.1, 1.5, 0)
    gyudon = RECIPES["gyudon"]
    totals = recipe_totals(TABLE, gyudon)
    assert totals[K.ENERGY_KCAL].amount == D(573)  # 156×2.5 + 122×1.5 = 390 + 183
    assert totals[K.PROTEIN_G].amount == D("12.40")  # 2.5×2.5 + 4.1×1.5 = 6.25 + 6.15
    assert totals[K.FAT_G].amount == D("14.85")  # 0.3×2.5 + 9.4×1.5 = 0.75 + 14.1
    assert totals[K.FAT_G].text == "14.9"  # half up
    assert totals[K.SALT_EQUIV_G].text == "1.5"  # 0×2.5 + 1.0×1.5
    assert totals.estimated and totals.complete  # the 具 is a (n) estimate
    per_gram = recipe_totals_per_gram(TABLE, gyudon)
    assert per_gram[K.ENERGY_KCAL].amount == D("1.4325")  # 573 / 400 g
    assert recipe_totals_per_100g(TABLE, gyudon)[K.ENERGY_KCAL].text == "143"  # 143.25
    assert recipe_totals(TABLE, gyudon, 2)[K.ENERGY_KCAL].amount == D(1146)


def test_eating_part_of_a_dish_scales_its_foods() -> None:
    lines = recipe_lines(RECIPES["gyudon"], 200)  # half of the 400 g serving
    assert [(line.code, line.grams) for line in lines] == [("01088", D(125)), ("18031", D(75))]
    assert recipe_lines(RECIPES["rice"]) == [recipe_lines(RECIPES["rice"], 150)[0]]


@pytest.mark.parametrize(("document", "message"), [
    ({"recipes": [recipe("a", [{"code": "01088", "grams": 1}]),
                  recipe("a", [{"code": "01088", "grams": 1}])]}, "twice"),
    ({"recipes": [recipe("a", [{"recipe": "nope"}])]}, "no recipe"),
    ({"recipes": [recipe("a", [{"recipe": "b"}]), recipe("b", [{"recipe": "a"}])]}, "deep"),
    ({"recipes": [recipe("a", [{"code": "01088", "grams": 0}])]}, "grams"),
    ({"recipes": [recipe("a", [])]}, "no items"),
    ({"recipes": [{"id": "a", "items": [{"code": "01088", "grams": 1}]}]}, "ja"),
    ({"dishes": []}, "recipes"),
])
def test_a_malformed_recipe_file_is_refused(document: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_recipes(document)
