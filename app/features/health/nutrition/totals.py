"""Totals of a meal and of a day for the six values the tile follows.

Sums are exact (Decimal) over unrounded line amounts and rounded once, as the table presents
its values (energy in whole kcal, grams to one decimal place, rounding half up: 四捨五入).
A "Tr" counts as 0 but the total remembers it (a total that rounds to 0 with a trace in it is
shown as "Tr"); a "-" (not measured) is left out and the total says which foods are unknown,
so it is never shown as complete; estimated values ("(12.3)", "(0)", "(Tr)") make the total
`estimated`. docs/health.md, "Totals".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from app.features.health.nutrition.food_table import NUTRIENT_KEYS, FoodTable, NutrientKey
from app.features.health.nutrition.portions import LineValue, RecordLine, line_value

__all__ = [
    "PLACES",
    "Total",
    "Totals",
    "day_totals",
    "empty_totals",
    "meal_totals",
    "round_as_table",
]

# Decimal places the table shows (第1章 数値の表示方法): kcal integer, grams 0.1.
PLACES: dict[NutrientKey, int] = {
    NutrientKey.ENERGY_KCAL: 0,
    NutrientKey.PROTEIN_G: 1,
    NutrientKey.FAT_G: 1,
    NutrientKey.CARBOHYDRATE_G: 1,
    NutrientKey.FIBER_G: 1,
    NutrientKey.SALT_EQUIV_G: 1,
}


def round_as_table(key: NutrientKey, amount: Decimal) -> Decimal:
    """`amount` rounded half up to the places the table shows for `key`."""
    return amount.quantize(Decimal(1).scaleb(-PLACES[key]), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Total:
    """One value summed over record lines."""

    key: NutrientKey
    amount: Decimal = Decimal(0)  # exact sum of the known parts
    unknown_codes: tuple[str, ...] = ()  # foods whose value the table does not give
    trace: bool = False  # some part was Tr / (Tr)
    estimated: bool = False  # some part was an estimate
    lines: int = 0  # how many parts were summed (known or not)

    @property
    def complete(self) -> bool:
        """False when a part is unknown: the real total is this amount or more."""
        return not self.unknown_codes

    @property
    def rounded(self) -> Decimal:
        return round_as_table(self.key, self.amount)

    @property
    def text(self) -> str:
        """The rounded amount as the table would write it: "0" for zero, "Tr" for a trace
        that rounds to 0, "-" when no part is known, and "+" after an incomplete amount
        ("12.3+": this much and an unknown amount more)."""
        if self.lines and len(self.unknown_codes) == self.lines:
            return "-"
        value = self.rounded
        text = ("Tr" if self.trace else "0") if value == 0 else f"{value:f}"
        return text if self.complete else f"{text}+"

    def add(self, value: LineValue) -> Total:
        unknown = self.unknown_codes
        if value.amount is None and value.code not in unknown:
            unknown = (*unknown, value.code)
        return Total(self.key, self.amount + (value.amount or 0), unknown,
                     self.trace or value.trace, self.estimated or value.estimated,
                     self.lines + 1)

    def __add__(self, other: Total) -> Total:
        if other.key is not self.key:
            raise ValueError(f"cannot add {other.key} to {self.key}")
        unknown = self.unknown_codes + tuple(
            c for c in other.unknown_codes if c not in self.unknown_codes)
        return Total(self.key, self.amount + other.amount, unknown, self.trace or other.trace,
                     self.estimated or other.estimated, self.lines + other.lines)

    def scaled(self, factor: Decimal) -> Total:
        return Total(self.key, self.amount * factor, self.unknown_codes, self.trace,
                     self.estimated, self.lines)


@dataclass(frozen=True, slots=True)
class Totals:
    """The six totals of a meal, a day or a recipe."""

    values: Mapping[NutrientKey, Total]

    def __getitem__(self, key: NutrientKey) -> Total:
        return self.values[key]

    @property
    def complete(self) -> bool:
        return all(total.complete for total in self.values.values())

    @property
    def estimated(self) -> bool:
        return any(total.estimated for total in self.values.values())

    def rounded(self) -> dict[NutrientKey, Decimal]:
        return {key: total.rounded for key, total in self.values.items()}

    def __add__(self, other: Totals) -> Totals:
        return Totals({key: self[key] + other[key] for key in NUTRIENT_KEYS})

    def scaled(self, factor: Decimal) -> Totals:
        return Totals({key: self[key].scaled(factor) for key in NUTRIENT_KEYS})


def empty_totals() -> Totals:
    return Totals({key: Total(key) for key in NUTRIENT_KEYS})


def meal_totals(table: FoodTable, lines: Iterable[RecordLine]) -> Totals:
    """The totals of a meal's record lines; KeyError for a code not in the table."""
    totals = {key: Total(key) for key in NUTRIENT_KEYS}
    for line in lines:
        food = table[line.code]
        for key in NUTRIENT_KEYS:
            totals[key] = totals[key].add(line_value(food, key, line.grams))
    return Totals(totals)


def day_totals(meals: Iterable[Totals]) -> Totals:
    """The day's totals: the sum of its meals' unrounded totals, rounded once when shown."""
    total = empty_totals()
    for meal in meals:
        total = total + meal
    return total
