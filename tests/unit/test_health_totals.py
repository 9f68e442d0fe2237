"""Meal and day totals against values computed by hand from rows of the food table
(assets/health/food/food_table.csv, copied from fcj2020_8th_slim.csv; per 100 g edible):

    code   name                          kcal  protein fat   carb  fibre  salt
    01088  こめ ［水稲めし］ 精白米 うるち米   156   2.5     0.3   37.1  1.5    0
    10136  しろさけ 焼き                    160   29.1    5.1   0.1   (0)    0.2
    17021  かつお・昆布だし 荒節・昆布だし     2     0.3     Tr    0.3   -      0.1
    01026  角形食パン 食パン                 248   8.9     4.1   46.4  4.2    1.2
    13003  普通牛乳                         61    3.3     3.8   4.8   (0)    0.1
    17007  こいくちしょうゆ                   77    7.7     0     7.9   (Tr)   14.5
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.features.health.nutrition.food_table import NutrientKey as K
from app.features.health.nutrition.food_table import default_table
from app.features.health.nutrition.portions import edible_grams, record_line, to_grams
from app.features.health.nutrition.totals import (
    Total,
    day_totals,
    empty_totals,
    meal_totals,
    round_as_table,
)

TABLE = default_table()
D = Decimal

# ご飯 150 g, 焼き鮭 80 g, だし 150 g (a soup's broth)
DINNER = [record_line("01088", 150), record_line("10136", 80), record_line("17021", 150)]
# 食パン 60 g, 牛乳 206 g
BREAKFAST = [record_line("01026", 60), record_line("13003", 206)]


def test_a_meal_total_is_the_sum_of_value_times_grams_over_100() -> None:
    totals = meal_totals(TABLE, DINNER)
    # energy: 156×1.5 + 160×0.8 + 2×1.5 = 234 + 128 + 3 = 365
    assert totals[K.ENERGY_KCAL].amount == D(365)
    # protein: 2.5×1.5 + 29.1×0.8 + 0.3×1.5 = 3.75 + 23.28 + 0.45 = 27.48 → 27.5
    assert totals[K.PROTEIN_G].amount == D("27.48")
    assert totals[K.PROTEIN_G].rounded == D("27.5")
    # carbohydrate: 37.1×1.5 + 0.1×0.8 + 0.3×1.5 = 55.65 + 0.08 + 0.45 = 56.18 → 56.2
    assert totals[K.CARBOHYDRATE_G].text == "56.2"
    # salt: 0×1.5 + 0.2×0.8 + 0.1×1.5 = 0.16 + 0.15 = 0.31 → 0.3
    assert totals[K.SALT_EQUIV_G].amount == D("0.31") and totals[K.SALT_EQUIV_G].text == "0.3"


def test_tr_counts_as_zero_but_is_remembered() -> None:
    fat = meal_totals(TABLE, DINNER)[K.FAT_G]
    # fat: 0.3×1.5 + 5.1×0.8 + Tr(0)×1.5 = 0.45 + 4.08 = 4.53 → 4.5
    assert fat.amount == D("4.53") and fat.text == "4.5"
    assert fat.trace and fat.complete and not fat.estimated
    only_trace = meal_totals(TABLE, [record_line("17021", 150)])[K.FAT_G]
    assert only_trace.amount == 0 and only_trace.text == "Tr"
    soy = meal_totals(TABLE, [record_line("17007", 10)])[K.FIBER_G]  # (Tr): estimated trace
    assert soy.text == "Tr" and soy.trace and soy.estimated
    zero = meal_totals(TABLE, [record_line("17007", 10)])[K.FAT_G]  # a measured 0
    assert zero.text == "0" and not zero.trace


def test_a_sum_with_a_not_measured_value_says_it_is_incomplete() -> None:
    fibre = meal_totals(TABLE, DINNER)[K.FIBER_G]
    # fibre: 1.5×1.5 + (0)×0.8 + "-" = 2.25 (+ unknown) → 2.3 rounding half up, not 2.2
    assert fibre.amount == D("2.25") and fibre.rounded == D("2.3")
    assert not fibre.complete and fibre.unknown_codes == ("17021",)
    assert fibre.text == "2.3+"
    assert fibre.estimated  # the (0) of しろさけ is an estimate
    only_unknown = meal_totals(TABLE, [record_line("17021", 150)])[K.FIBER_G]
    assert only_unknown.text == "-"
    assert not meal_totals(TABLE, DINNER).complete
    assert meal_totals(TABLE, BREAKFAST).complete


def test_a_day_sums_its_meals_unrounded_and_rounds_once() -> None:
    day = day_totals([meal_totals(TABLE, DINNER), meal_totals(TABLE, BREAKFAST)])
    # breakfast energy: 248×0.6 + 61×2.06 = 148.8 + 125.66 = 274.46; day: 365 + 274.46
    assert day[K.ENERGY_KCAL].amount == D("639.46") and day[K.ENERGY_KCAL].text == "639"
    # breakfast protein: 8.9×0.6 + 3.3×2.06 = 5.34 + 6.798 = 12.138; day 39.618 → 39.6
    assert day[K.PROTEIN_G].rounded == D("39.6")
    # breakfast salt: 1.2×0.6 + 0.1×2.06 = 0.72 + 0.206 = 0.926; day 1.236 → 1.2
    assert day[K.SALT_EQUIV_G].amount == D("1.236") and day[K.SALT_EQUIV_G].text == "1.2"
    # the dinner's unknown fibre stays unknown in the day
    assert day[K.FIBER_G].unknown_codes == ("17021",) and day[K.FIBER_G].text.endswith("+")
    assert day_totals([]).rounded() == empty_totals().rounded()


def test_rounding_is_half_up_as_the_table_presents_values() -> None:
    assert round_as_table(K.ENERGY_KCAL, D("0.5")) == 1
    assert round_as_table(K.ENERGY_KCAL, D("2.5")) == 3  # not banker's 2
    assert round_as_table(K.SALT_EQUIV_G, D("0.25")) == D("0.3")
    assert round_as_table(K.PROTEIN_G, D("0.249")) == D("0.2")
    # two meals of 0.25 g salt: rounded once 0.5, not 0.3 + 0.3
    half = Total(K.SALT_EQUIV_G, D("0.25"), lines=1)
    assert (half + half).text == "0.5"
    with pytest.raises(ValueError, match="cannot add"):
        half + Total(K.FAT_G)


def test_grams_are_grams_eaten_and_refuse_only_for_weights_as_bought() -> None:
    garlic = TABLE["06223"]  # にんにく りん茎 生: refuse 9 %, energy 129 kcal per 100 g edible
    assert meal_totals(TABLE, [record_line("06223", 10)])[K.ENERGY_KCAL].amount == D("12.9")
    assert edible_grams(garlic, 100) == D(91)  # 100 g as bought → 91 g eaten
    eaten = edible_grams(garlic, 100)
    assert meal_totals(TABLE, [record_line("06223", eaten)])[K.ENERGY_KCAL].amount == D(
        "117.39")  # 129 × 0.91


@pytest.mark.parametrize("grams", [0, -5, "abc", "nan", "inf", 5001, ""])
def test_impossible_grams_are_refused(grams: object) -> None:
    with pytest.raises(ValueError):
        record_line("01088", grams)  # type: ignore[arg-type]


def test_a_line_is_checked_and_exact() -> None:
    assert record_line("1088", 0.1) == record_line("01088", D("0.1"))
    assert to_grams(0.1) == D("0.1") and to_grams("150") == 150
    with pytest.raises(ValueError, match="food code"):
        record_line("rice", 100)
    with pytest.raises(KeyError, match="99999"):
        meal_totals(TABLE, [record_line("99999", 100)])
