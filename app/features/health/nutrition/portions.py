"""Record lines: a food code and the grams eaten.

The table's values are per 100 g of the edible portion (可食部100 g当たり), so the grams of a
record line are grams eaten (the edible part: rice as served, fish without bones). Nothing is
taken off for refuse. Only when someone weighs a food as bought, with the parts that are not
eaten (廃棄部位: bones, peel, core), does `edible_grams` take the table's refuse percentage
(廃棄率) off first.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from app.features.health.nutrition.food_table import Food, NutrientKey

__all__ = [
    "MAX_GRAMS",
    "LineValue",
    "RecordLine",
    "edible_grams",
    "line_value",
    "record_line",
    "to_grams",
]

# More than this in one line is a typing mistake (5 kg of one food at one meal).
MAX_GRAMS = Decimal(5000)
_HUNDRED = Decimal(100)


def to_grams(value: Decimal | int | float | str) -> Decimal:
    """`value` as a Decimal number of grams; ValueError unless 0 < grams <= MAX_GRAMS.
    A float goes through its shortest text (0.1 is 0.1, not 0.1000000000000000055...)."""
    try:
        grams = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValueError(f"not a number of grams: {value!r}") from None
    if not grams.is_finite() or grams <= 0:
        raise ValueError(f"grams must be more than 0: {value!r}")
    if grams > MAX_GRAMS:
        raise ValueError(f"more than {MAX_GRAMS} g in one line: {value!r}")
    return grams


@dataclass(frozen=True, slots=True)
class RecordLine:
    """What a meal record keeps per food, so its totals can always be recomputed."""

    code: str  # 食品番号 of the food composition table
    grams: Decimal  # grams eaten (edible portion)


def record_line(code: str, grams: Decimal | int | float | str) -> RecordLine:
    """A checked record line (the code as five digits; grams as `to_grams`)."""
    code = str(code).strip().zfill(5)
    if not code.isdigit() or len(code) != 5:
        raise ValueError(f"not a food code: {code!r}")
    return RecordLine(code, to_grams(grams))


def edible_grams(food: Food, grams_as_bought: Decimal | int | float | str) -> Decimal:
    """The edible grams of a food weighed as bought, refuse included:
    grams × (100 − 廃棄率) / 100. For grams eaten, use the grams as they are."""
    grams = to_grams(grams_as_bought)
    return grams * (_HUNDRED - food.refuse_pct) / _HUNDRED


@dataclass(frozen=True, slots=True)
class LineValue:
    """One nutrient of one record line: amount = value per 100 g × grams / 100, exact."""

    code: str
    amount: Decimal | None  # None: the table gives no value ("-", "*")
    trace: bool  # "Tr" or "(Tr)": counted as 0, shown as trace
    estimated: bool  # "(12.3)", "(Tr)", "(0)"


def line_value(food: Food, key: NutrientKey, grams: Decimal) -> LineValue:
    nutrient = food.nutrient(key)
    amount = None if nutrient.amount is None else nutrient.amount * grams / _HUNDRED
    return LineValue(food.code, amount, nutrient.trace, nutrient.estimated)
