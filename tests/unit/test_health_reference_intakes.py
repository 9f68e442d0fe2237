"""The Dietary Reference Intakes (2025) for a person's age and sex, with the values the
project could not check marked and listed in docs/health.md."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from app.features.health.nutrition.reference_intakes import (
    DEFAULT_DRI_PATH,
    Sex,
    default_reference_intakes,
    grams_from_energy_share,
)

DRI = default_reference_intakes()
DOC = Path(__file__).resolve().parents[2] / "docs" / "health.md"
REPORT_PAGE = "https://wic-net.com/material/document/17222/"


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


def test_values_read_in_the_report() -> None:
    """Values confirmed in 「日本人の食事摂取基準（2025年版）」策定検討会報告書 (docs/health.md)."""
    boy, girl = DRI.for_person(13, Sex.MALE), DRI.for_person(13, Sex.FEMALE)
    # page 391, 表15 小児（12～14歳）の食事摂取基準（再掲）
    assert boy["energy_kcal"].value == 2600 and boy["energy_kcal"].verified
    assert girl["energy_kcal"].value == 2400 and girl["energy_kcal"].verified
    assert (boy["protein_g"].value, girl["protein_g"].value) == (60, 55)
    assert (boy["fiber_g"].min, girl["fiber_g"].min) == (17, 16)
    assert boy["protein_g"].verified and girl["fiber_g"].verified
    # page 258, ナトリウム 表1 (D): girls 1-2 less than 2.5 g (was entered as 3.0), boys 3.0 g
    assert DRI.for_person(2, Sex.FEMALE)["salt_equiv_g"].below == Decimal("2.5")
    assert DRI.for_person(2, Sex.MALE)["salt_equiv_g"].below == Decimal("3.0")
    assert DRI.for_person(16, Sex.MALE)["salt_equiv_g"].below == Decimal("7.5")
    assert DRI.for_person(60, Sex.FEMALE)["salt_equiv_g"].below == Decimal("6.5")
    assert all(DRI.for_person(age, sex)["salt_equiv_g"].verified
               for age in (1, 4, 7, 9, 11, 14, 17, 40, 80) for sex in Sex)
    # not found in the stored report pages: still marked
    assert not DRI.for_person(40, Sex.MALE)["energy_kcal"].verified


def test_a_value_without_the_mark_names_its_report_page() -> None:
    document = json.loads(DEFAULT_DRI_PATH.read_text(encoding="utf-8"))
    for nutrient, spec in document["nutrients"].items():
        for source in spec.get("sources", []):
            assert source["url"].startswith(REPORT_PAGE), source
        for row in spec["values"]:
            if row.get("verify") or nutrient == "carbohydrate_pct_energy":
                continue  # carbohydrate 50-65 %: never marked, seen for 12-14 only
            assert row.get("source", "").startswith(REPORT_PAGE), (nutrient, row)


def _unverified_rows_in_docs(doc: str) -> list[str]:
    section = doc.split("### Not yet confirmed", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return rows[1:]  # without the header row ("|---|" does not start with "| ")


def test_every_unverified_value_is_listed_in_the_docs() -> None:
    doc = DOC.read_text(encoding="utf-8")
    unverified = DRI.unverified()
    assert unverified  # the project did not check them: they must be listed, not hidden
    listed = _unverified_rows_in_docs(doc)
    assert len(listed) == len(unverified) == 67
    assert f"These {len(unverified)} values" in doc
    for ref in unverified:
        assert any(row.startswith(f"| {ref.nutrient} | {ref.sex} | {ref.ages} |")
                   for row in listed), ref
