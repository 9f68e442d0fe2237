"""A day's targets for one person, from the Dietary Reference Intakes (2025), and whether a
day's total is below, within or above them.

Energy is the estimated energy requirement (physical activity level II) with a ±10 % band the
project chose (the DRI gives one value, not a range). Protein: at least the recommended amount
(推奨量), at most 20 % of the day's energy, with the goal's range (13/14/15–20 %E by age) kept as
`goal_low`–`high`. Fat 20–30 % and carbohydrate 50–65 % of the estimated energy requirement in
grams; fibre at least; salt less than. A target is `verified` only when every reference it
comes from is (the tile labels the others 「参考値（確認中）」).

Totals are compared as the table shows them (rounded once) with targets rounded the same way,
so what the resident reads and the status agree. A total with "+" (a food without a value) is a
lower bound: it can prove "high" (or "ok" for a target with no upper end), never "low".
docs/health_trends.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from app.features.health.nutrition.food_table import NutrientKey
from app.features.health.nutrition.reference_intakes import (
    Reference,
    ReferenceIntakes,
    Sex,
    default_reference_intakes,
    grams_from_energy_share,
)
from app.features.health.nutrition.totals import Total, round_as_table

__all__ = [
    "ENERGY_BAND",
    "DayTargets",
    "Status",
    "Target",
    "TargetKind",
    "day_targets",
    "status",
]

# The project's band around the estimated energy requirement for the day's status (not a DRI
# figure: the report gives a single value and judges energy balance by body weight).
ENERGY_BAND = Decimal("0.10")

Status = Literal["low", "ok", "high", "unknown"]


class TargetKind(StrEnum):
    VALUE = "value"  # energy: one value (the band around it is ENERGY_BAND)
    RANGE = "range"  # fat, carbohydrate: low–high
    AT_LEAST = "at_least"  # fibre; protein (recommended amount, with an upper end)
    LESS_THAN = "less_than"  # salt: below `high`; `high` itself is over


@dataclass(frozen=True, slots=True)
class Target:
    """One nutrient's target for a day; amounts unrounded, in the nutrient's unit."""

    low: Decimal | None
    high: Decimal | None
    kind: TargetKind
    verified: bool
    value: Decimal | None = None  # energy: the estimated requirement itself
    goal_low: Decimal | None = None  # protein: the lower end of the %E goal, in grams

    @property
    def reference(self) -> Decimal | None:
        """What 100 % means on a bar: the value (energy), the minimum (at least), the upper
        end (range, less than)."""
        if self.kind is TargetKind.VALUE:
            return self.value
        if self.kind is TargetKind.AT_LEAST:
            return self.low
        return self.high


@dataclass(frozen=True)
class DayTargets:
    """The day's targets of one person; a nutrient without a reference (fibre under 3
    years) is missing."""

    age: int
    sex: Sex
    energy_kcal: Decimal  # the estimated energy requirement the shares are taken of
    values: Mapping[NutrientKey, Target]

    def get(self, key: NutrientKey) -> Target | None:
        return self.values.get(key)

    def __getitem__(self, key: NutrientKey) -> Target:
        return self.values[key]

    def __contains__(self, key: object) -> bool:
        return key in self.values

    @property
    def verified(self) -> bool:
        return all(target.verified for target in self.values.values())


def _share(refs: Mapping[str, Reference], name: str, energy: Reference,
           kind: TargetKind) -> Target | None:
    ref = refs.get(name)
    if ref is None or energy.value is None:
        return None
    low, high = grams_from_energy_share(ref, energy.value)
    return Target(low, high, kind, ref.verified and energy.verified)


def day_targets(age: int, sex: Sex, intakes: ReferenceIntakes | None = None) -> DayTargets:
    """The targets of a person of `age` (1 or more) and `sex` for one day."""
    refs = (intakes or default_reference_intakes()).for_person(age, sex)
    energy = refs.get("energy_kcal")
    if energy is None or energy.value is None:
        raise ValueError(f"no estimated energy requirement for {sex} aged {age}")
    eer = energy.value
    values: dict[NutrientKey, Target] = {
        NutrientKey.ENERGY_KCAL: Target(eer * (1 - ENERGY_BAND), eer * (1 + ENERGY_BAND),
                                        TargetKind.VALUE, energy.verified, value=eer),
    }
    protein = refs.get("protein_g")
    protein_share = refs.get("protein_pct_energy")
    if protein is not None and protein.value is not None:
        goal_low = high = None
        verified = protein.verified
        if protein_share is not None:
            goal_low, high = grams_from_energy_share(protein_share, eer)
            verified = verified and protein_share.verified and energy.verified
        values[NutrientKey.PROTEIN_G] = Target(protein.value, high, TargetKind.AT_LEAST,
                                               verified, goal_low=goal_low)
    for key, name in ((NutrientKey.FAT_G, "fat_pct_energy"),
                      (NutrientKey.CARBOHYDRATE_G, "carbohydrate_pct_energy")):
        target = _share(refs, name, energy, TargetKind.RANGE)
        if target is not None:
            values[key] = target
    fibre = refs.get("fiber_g")
    if fibre is not None and fibre.min is not None:
        values[NutrientKey.FIBER_G] = Target(fibre.min, None, TargetKind.AT_LEAST,
                                             fibre.verified)
    salt = refs.get("salt_equiv_g")
    if salt is not None and salt.below is not None:
        values[NutrientKey.SALT_EQUIV_G] = Target(None, salt.below, TargetKind.LESS_THAN,
                                                  salt.verified)
    return DayTargets(age, sex, eer, values)


def _status_of(key: NutrientKey, amount: Decimal, target: Target) -> Status:
    low = None if target.low is None else round_as_table(key, target.low)
    high = None if target.high is None else round_as_table(key, target.high)
    if low is not None and amount < low:
        return "low"
    if high is not None:
        over = amount >= high if target.kind is TargetKind.LESS_THAN else amount > high
        if over:
            return "high"
    return "ok"


def status(total: Total | None, target: Target | None) -> Status:
    """"low", "ok" or "high" for a day's total against its target; "unknown" without a total,
    a target or any known part, and for an incomplete total ("+") whose real amount could
    still fall on either side."""
    if total is None or target is None or total.text == "-":
        return "unknown"
    found = _status_of(total.key, total.rounded, target)
    if total.complete:
        return found
    # A lower bound: the real amount is this or more. "high" stays high; "ok" stays ok only
    # when there is no upper end to cross.
    if found == "high" or (found == "ok" and target.high is None):
        return found
    return "unknown"
