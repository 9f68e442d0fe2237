"""The 特定健診 judgement values (app/features/health/checkups/thresholds.py): each item's
boundaries as the national program states them, per sex, fasting or not; input checks; bad
files."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.features.health.checkups.thresholds import (
    DEFAULT_THRESHOLDS_PATH,
    ERROR_MESSAGES,
    NEXT_STEP,
    CheckupInputError,
    bmi,
    bmi_text,
    check_values,
    evaluate,
    load_thresholds,
    parse_thresholds,
)


def level(key: str, value: str, sex: str = "male", fasting: bool = True) -> str:
    return evaluate({key: value}, sex, fasting=fasting).levels()[key]


# (item, value just below guidance, guidance, just below referral, referral), from the
# program's table: 130/140, 85/90, 100/126, 5.6/6.5, 150/300, 120/140, 31/51, 31/51, 51/101.
HIGH_ITEMS = [
    ("sbp", "129", "130", "139", "140"),
    ("dbp", "84", "85", "89", "90"),
    ("fasting_glucose", "99", "100", "125", "126"),
    ("hba1c", "5.5", "5.6", "6.4", "6.5"),
    ("tg", "149", "150", "299", "300"),
    ("ldl", "119", "120", "139", "140"),
    ("ast", "30", "31", "50", "51"),
    ("alt", "30", "31", "50", "51"),
    ("ggt", "50", "51", "100", "101"),
]


@pytest.mark.parametrize(("key", "below", "guidance", "below_referral", "referral"),
                         HIGH_ITEMS)
def test_each_item_changes_level_exactly_at_its_values(
        key: str, below: str, guidance: str, below_referral: str, referral: str) -> None:
    assert level(key, below) == "normal"
    assert level(key, guidance) == "guidance"
    assert level(key, below_referral) == "guidance"
    assert level(key, referral) == "referral"


def test_values_are_compared_as_entered_not_rounded() -> None:
    assert level("hba1c", "5.59") == "normal"
    assert level("sbp", "129.9") == "normal"
    assert level("hba1c", Decimal("6.5")) == "referral"


def test_hdl_counts_downwards() -> None:
    assert level("hdl", "40") == "normal"
    assert level("hdl", "39") == "guidance"
    assert level("hdl", "35") == "guidance"
    assert level("hdl", "34") == "referral"


def test_waist_depends_on_sex_and_bmi_has_no_referral_value() -> None:
    assert level("waist_cm", "85", "male") == "guidance"
    assert level("waist_cm", "84.9", "male") == "normal"
    assert level("waist_cm", "89", "female") == "normal"
    assert level("waist_cm", "90", "female") == "guidance"
    assert level("bmi", "24.9") == "normal"
    assert level("bmi", "25") == "guidance"
    assert level("bmi", "45") == "guidance"  # never referral: the program sets none


def test_non_fasting_triglycerides_use_175() -> None:
    assert level("tg", "160", fasting=True) == "guidance"
    assert level("tg", "174", fasting=False) == "normal"
    assert level("tg", "175", fasting=False) == "guidance"
    assert level("tg", "300", fasting=False) == "referral"


def test_the_whole_evaluation_is_at_risk_when_any_item_is_beyond_guidance() -> None:
    values = {"bmi": "24.1", "waist_cm": "86", "sbp": "128", "dbp": "82",
              "fasting_glucose": "99", "hba1c": "5.6", "tg": "140", "hdl": "55",
              "ldl": "130", "ast": "25", "alt": "28", "ggt": "40"}
    result = evaluate(values, "male")
    assert result.levels() == {
        "bmi": "normal", "waist_cm": "guidance", "sbp": "normal", "dbp": "normal",
        "fasting_glucose": "normal", "hba1c": "guidance", "tg": "normal", "hdl": "normal",
        "ldl": "guidance", "ast": "normal", "alt": "normal", "ggt": "normal"}
    assert result.at_risk and result.level == "guidance"
    assert result.next_step == NEXT_STEP["guidance"]
    assert result.record_data() == {"values": values, "levels": result.levels(),
                                    "at_risk": True}
    # The same woman's waist is normal.
    assert evaluate(values, "female").levels()["waist_cm"] == "normal"


def test_an_all_normal_evaluation_and_the_worst_level_wins() -> None:
    fine = evaluate({"sbp": "118", "dbp": "70", "ldl": "100"}, "female")
    assert not fine.at_risk and fine.level == "normal"
    assert fine.next_step == NEXT_STEP["normal"]
    worst = evaluate({"sbp": "150", "ldl": "125"}, "female")
    assert worst.level == "referral" and worst.next_step == "We recommend seeing a doctor."
    one = worst.result("sbp")
    assert one is not None and (one.guidance, one.referral) == (Decimal(130), Decimal(140))
    empty = evaluate({"sbp": "", "dbp": "  "}, "male")
    assert empty.results == () and not empty.at_risk


def test_typed_numbers_in_full_width_are_read() -> None:
    assert level("sbp", "１３０") == "guidance"
    assert level("hba1c", " 6.5 ") == "referral"


def test_bad_inputs_get_one_error_code_per_item() -> None:
    with pytest.raises(CheckupInputError) as caught:
        evaluate({"sbp": "abc", "dbp": "20", "hba1c": "21", "ldl": "130", "salt": "3"},
                 "male")
    assert caught.value.errors == {"sbp": "not_a_number", "dbp": "out_of_range",
                                   "hba1c": "out_of_range", "salt": "unknown_item"}
    assert isinstance(caught.value, ValueError)
    numbers, errors = check_values({"sbp": "150", "dbp": "150"})
    assert numbers == {"sbp": Decimal(150)} and errors == {"dbp": "dbp_not_below_sbp"}
    numbers, errors = check_values({"sbp": "59", "dbp": "30"})
    assert errors == {"sbp": "out_of_range"} and numbers == {"dbp": Decimal(30)}
    _, errors = check_values({"sbp": "NaN", "tg": "Infinity"})
    assert errors == {"sbp": "not_a_number", "tg": "not_a_number"}
    assert set(ERROR_MESSAGES) >= {"not_a_number", "out_of_range", "dbp_not_below_sbp"}
    with pytest.raises(ValueError, match="sex"):
        evaluate({"sbp": "120"}, "unknown")


def test_bmi_from_height_and_weight() -> None:
    assert bmi("160", "64") == Decimal(25)
    assert bmi_text(bmi("170", "60")) == "20.8"  # 20.76...
    assert bmi_text(bmi("150", "41.6")) == "18.5"  # 18.488... rounds up for the sheet
    with pytest.raises(ValueError, match="height"):
        bmi("16", "60")
    with pytest.raises(ValueError, match="weight"):
        bmi("160", "x")


def test_the_bundled_file_marks_only_hdl_for_verification() -> None:
    table = load_thresholds(DEFAULT_THRESHOLDS_PATH)
    assert [i.key for i in table.items] == [
        "bmi", "waist_cm", "sbp", "dbp", "fasting_glucose", "hba1c", "tg", "hdl", "ldl",
        "ast", "alt", "ggt"]
    assert [i.key for i in table.unverified()] == ["hdl"]
    assert table["sbp"].low == 60 and table["sbp"].high == 300


def bundled() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DEFAULT_THRESHOLDS_PATH.read_text("utf-8"))
    return document


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["items"]["sbp"].update(direction="up"), r"items\.sbp\.direction"),
    (lambda d: d["items"]["sbp"].update(referral="120"), r"items\.sbp\.referral: must lie"),
    (lambda d: d["items"]["hdl"].update(referral="45"), r"items\.hdl\.referral: must lie"),
    (lambda d: d["items"]["sbp"].update(guidance="abc"), r"items\.sbp\.guidance: 'abc'"),
    (lambda d: d["items"]["sbp"].update(guidance=130.5), r"written as text"),
    (lambda d: d["items"]["waist_cm"].update(guidance={"male": "85"}), r"waist_cm\.guidance"),
    (lambda d: d["items"]["sbp"].update(range={"min": "300", "max": "60"}), r"range"),
    (lambda d: d["items"]["sbp"].pop("unit"), r"missing key 'unit'"),
    (lambda d: d.update(format=3), r"\$\.format"),
    (lambda d: d.update(items={}), r"\$\.items"),
])
def test_a_bad_file_is_refused(change: Any, message: str) -> None:
    document = bundled()
    change(document)
    with pytest.raises(ValueError, match=message):
        parse_thresholds(document)


def test_an_unreadable_file_is_a_value_error(tmp_path: Path) -> None:
    broken = tmp_path / "t.json"
    broken.write_bytes(b"\xff\xfe")
    with pytest.raises(ValueError, match="not a JSON file"):
        load_thresholds(broken)
