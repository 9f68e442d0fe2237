"""The Japanese Dietary Reference Intakes (日本人の食事摂取基準（2025年版）) for a person's age
and sex, from assets/health/dietary_reference_intakes_2025.json.

Each value keeps its `verify` mark: values the project entered without checking them against
the published report (docs/health.md lists them). `Reference.verified` is False for them, so
the tile can say "to be confirmed" or hold them back. Shares of energy (fat 20–30 %,
carbohydrate 50–65 %) become grams for a day with `grams_from_energy_share`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.paths import ASSETS_DIR

__all__ = [
    "DEFAULT_DRI_PATH",
    "KCAL_PER_GRAM",
    "Reference",
    "ReferenceIntakes",
    "Sex",
    "default_reference_intakes",
    "grams_from_energy_share",
    "load_reference_intakes",
    "parse_reference_intakes",
]

DEFAULT_DRI_PATH = ASSETS_DIR / "health" / "dietary_reference_intakes_2025.json"
# Energy per gram the DRI's shares of energy assume (Atwater): protein 4, fat 9, carb 4.
KCAL_PER_GRAM: dict[str, Decimal] = {
    "protein_pct_energy": Decimal(4),
    "fat_pct_energy": Decimal(9),
    "carbohydrate_pct_energy": Decimal(4),
}


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _ages(text: str) -> tuple[int, int | None]:
    low, _, high = text.partition("-")
    return int(low), (int(high) if high else None)


@dataclass(frozen=True, slots=True)
class Reference:
    """One reference value for an age band and sex."""

    nutrient: str  # energy_kcal, protein_g, protein_pct_energy, fat_pct_energy, ...
    kind: str  # estimated_energy_requirement | recommended_dietary_allowance | ...
    unit: str
    sex: str  # male | female | any
    ages: str  # "18-29", "75-" (75 and over)
    value: Decimal | None = None  # a single amount (energy, protein)
    min: Decimal | None = None  # at least
    max: Decimal | None = None  # at most
    below: Decimal | None = None  # less than (salt)
    verified: bool = True

    def applies(self, age: int, sex: Sex) -> bool:
        low, high = _ages(self.ages)
        return (self.sex in ("any", sex.value) and age >= low
                and (high is None or age <= high))

    @property
    def span(self) -> int:
        low, high = _ages(self.ages)
        return (high if high is not None else 200) - low


@dataclass(frozen=True)
class ReferenceIntakes:
    title: str
    references: tuple[Reference, ...]

    def for_person(self, age: int, sex: Sex) -> dict[str, Reference]:
        """{nutrient: reference} for a person of `age` years (1 or more); the narrowest age
        band wins where bands overlap (salt: 15–17 before 18 and over)."""
        if age < 1:
            raise ValueError("the reference intakes here start at age 1")
        found: dict[str, Reference] = {}
        for ref in self.references:
            if ref.applies(age, sex):
                best = found.get(ref.nutrient)
                if best is None or ref.span < best.span:
                    found[ref.nutrient] = ref
        return found

    def unverified(self) -> list[Reference]:
        return [ref for ref in self.references if not ref.verified]


def parse_reference_intakes(document: Mapping[str, Any]) -> ReferenceIntakes:
    refs: list[Reference] = []
    for nutrient, spec in document["nutrients"].items():
        for row in spec["values"]:
            _ages(row["ages"])  # ValueError on a malformed band
            refs.append(Reference(
                nutrient=nutrient, kind=spec["kind"], unit=spec["unit"], sex=row["sex"],
                ages=row["ages"], value=_decimal(row.get("value")), min=_decimal(row.get("min")),
                max=_decimal(row.get("max")), below=_decimal(row.get("below")),
                verified=not row.get("verify", False)))
    return ReferenceIntakes(str(document.get("title", "")), tuple(refs))


def load_reference_intakes(path: Path | None = None) -> ReferenceIntakes:
    path = path or DEFAULT_DRI_PATH
    return parse_reference_intakes(json.loads(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def default_reference_intakes() -> ReferenceIntakes:
    return load_reference_intakes()


def grams_from_energy_share(reference: Reference, energy_kcal: Decimal
                            ) -> tuple[Decimal | None, Decimal | None]:
    """(low, high) grams per day of a share-of-energy reference (fat 20–30 % of 2,000 kcal is
    44.4–66.7 g), unrounded."""
    per_gram = KCAL_PER_GRAM.get(reference.nutrient)
    if per_gram is None:
        raise ValueError(f"{reference.nutrient} is not a share of energy")

    def grams(pct: Decimal | None) -> Decimal | None:
        return None if pct is None else energy_kcal * pct / 100 / per_gram

    return grams(reference.min), grams(reference.max)
