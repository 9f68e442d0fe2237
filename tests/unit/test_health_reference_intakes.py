"""The Dietary Reference Intakes (2025) for a person's age and sex, with the values the
project could not check marked and listed in docs/health.md."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from app.features.health.nutrition.reference_intakes import (
    Sex,
    default_reference_intakes,
    grams_from_energy_share,
)

DRI = default_reference_intakes()
DOC = Path(__file__).resolve().parents[2] / "docs" / "health.md"


def test_adult_salt_goals_and_energy_shares() -> None:
    man, woman = DRI.for_person(45, Sex.MALE), DRI.for_person(30, Sex.FEMALE)
    assert man["salt_equiv_g"].below == Decimal("7.5") and man["salt_equiv_g"].verified
    assert woman["salt_equiv_g"].below == Decimal("6.5") and woman["salt_equiv_g"].verified
    for person in (man, woman, DRI.for_person(80, Sex.FEMALE)):
        assert (person["fat_pct_energy"].min, person["fat_pct_energy"].max) == (20, 30)
        assert (person["carbohydrate_pct_energy"].min,
                person["carbohydrate_pct_energy"].max) == (50, 65)
    assert man["energy_kcal"].value is not None and man["fiber_g"].min is not None


def test_the_narrowest_age_band_wins() -> None:
    teen = DRI.for_person(16, Sex.FEMALE)
    assert teen["salt_equiv_g"].ages == "15-17"
    assert DRI.for_person(18, Sex.FEMALE)["salt_equiv_g"].ages == "18-"
    assert DRI.for_person(75, Sex.MALE)["energy_kcal"].ages == "75-"
    with pytest.raises(ValueError):
        DRI.for_person(0, Sex.MALE)


def test_a_share_of_energy_in_grams() -> None:
    fat = DRI.for_person(45, Sex.MALE)["fat_pct_energy"]
    low, high = grams_from_energy_share(fat, Decimal(1800))
    assert (low, high) == (Decimal(40), Decimal(60))  # 1800 × 20 % / 9, 1800 × 30 % / 9
    with pytest.raises(ValueError):
        grams_from_energy_share(DRI.for_person(45, Sex.MALE)["salt_equiv_g"], Decimal(1800))


def test_every_unverified_value_is_listed_in_the_docs() -> None:
    doc = DOC.read_text(encoding="utf-8")
    unverified = DRI.unverified()
    assert unverified  # the project did not check them: they must be listed, not hidden
    for ref in unverified:
        assert f"| {ref.nutrient} | {ref.sex} | {ref.ages} |" in doc, ref
