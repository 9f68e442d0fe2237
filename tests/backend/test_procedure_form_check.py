"""The server's check of a submitted form (backend/tiles/procedures/form_check.py): pre-filled
fields replaced by the verified values, hidden fields dropped and not required, every error
code, all errors at once, unknown fields refused, the fee total."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from backend.tiles.procedures.definitions.format import check_definition
from backend.tiles.procedures.form_check import (
    PrefillPerson,
    check_submission,
    fee_total,
    prefill_values,
    show_if_holds,
)

DEMO = Path(__file__).resolve().parents[2] / "assets" / "procedures" / "demo"
TARO = PrefillPerson("津山 太郎", "岡山県津山市山北520", "1988-06-15")
HANAKO = PrefillPerson("津山 花子", "岡山県津山市山北520", "1950-02-03")
KIDS = [{"name": "津山 一郎", "birthdate": "2016-04-01"},
        {"name": "津山 二葉", "birthdate": "2019-09-09"}]


def demo(procedure_id: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((DEMO / f"{procedure_id}.json").read_text("utf-8"))
    return body


def child_allowance_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "applicant_name": "津山 太郎", "applicant_address": "岡山県津山市山北520",
        "applicant_birthdate": "1988-06-15", "phone": "0868123456",
        "is_public_servant": False, "children": KIDS, "bank_name": "津山信用金庫",
        "bank_branch": "本店", "account_type": "futsu", "account_number": "1234567",
        "account_holder_kana": "ツヤマ タロウ",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def check(definition: dict[str, Any], data: Any, *, applicant: PrefillPerson = TARO,
          subject: PrefillPerson | None = None,
          children: list[dict[str, Any]] | None = None) -> Any:
    return check_submission(definition, data, applicant=applicant,
                            subject=subject or applicant,
                            minor_children=KIDS if children is None else children)


def codes(result: Any) -> set[tuple[str, str]]:
    return {(error.field, error.code) for error in result.errors}


def small_form(fields: list[tuple[str, dict[str, Any], dict[str, Any]]],
               required: list[str]) -> dict[str, Any]:
    """A valid online definition with these (name, property schema, layout extras)."""
    body: dict[str, Any] = {
        "format": 1, "id": "small", "version": 1,
        "title": {"ja": "小", "en": "Small"}, "summary": {"ja": "小", "en": "Small"},
        "department": "citizens", "eligibility": {"residency": "card"},
        "for_whom": ["self"], "completion": "online",
        "statuses": ["received", "completed"], "pdf": {"title": "小"},
        "schema": {"type": "object", "additionalProperties": False, "required": required,
                   "properties": {name: prop for name, prop, _ in fields}},
        "layout": {"sections": [{"id": "s", "title": {"ja": "s", "en": "s"}, "fields": [
            {"field": name, "label": {"ja": name, "en": name}, **extra}
            for name, _, extra in fields]}]},
    }
    assert check_definition(body, "small") == []
    return body


def test_a_complete_form_passes_with_its_data_in_layout_order() -> None:
    result = check(demo("child-allowance"), child_allowance_data())

    assert result.ok, result.errors
    assert list(result.data) == [
        "applicant_name", "applicant_address", "applicant_birthdate", "phone",
        "is_public_servant", "children", "bank_name", "bank_branch", "account_type",
        "account_number", "account_holder_kana"]
    assert result.hidden == ("employer",)
    assert result.fee_total_yen is None


def test_non_editable_prefilled_fields_are_replaced_by_the_verified_values() -> None:
    sent = child_allowance_data(applicant_name="偽名 次郎", applicant_address="東京都千代田区",
                                applicant_birthdate="2000-01-01",
                                children=[{"name": "架空 子", "birthdate": "2020-01-01"}])

    result = check(demo("child-allowance"), sent)

    assert result.ok, result.errors
    assert result.data["applicant_name"] == "津山 太郎"
    assert result.data["applicant_address"] == "岡山県津山市山北520"
    assert result.data["applicant_birthdate"] == "1988-06-15"
    assert result.data["children"] == KIDS


def test_subject_fields_come_from_the_subject_not_the_applicant() -> None:
    definition = demo("long-term-care-certification")
    data = {"subject_name": "津山 太郎", "insured_number": "0123456789",
            "application_kind": "new", "current_situation": "home", "doctor_name": "岡山 医師",
            "clinic_name": "津山中央クリニック", "contact_name": "津山 太郎",
            "contact_relationship": "長男", "contact_phone": "0868123456"}

    result = check(definition, data, applicant=TARO, subject=HANAKO)

    assert result.ok, result.errors
    assert (result.data["subject_name"], result.data["subject_birthdate"]) == (
        "津山 花子", "1950-02-03")


def test_an_editable_prefilled_field_keeps_what_the_resident_wrote() -> None:
    definition = demo("moving-in-notice")
    data = {"phone": "0868123456", "previous_address": "大阪府大阪市北区1-1",
            "new_address": "岡山県津山市山北520", "moving_date": "2026-12-20",
            "moving_out": "card"}

    result = check(definition, data)

    assert result.ok, result.errors
    assert result.data["previous_address"] == "大阪府大阪市北区1-1"
    assert prefill_values(definition, TARO, TARO, [])["previous_address"] == TARO.address


def test_prefill_values_name_every_prefilled_field_with_a_known_value() -> None:
    unknown_birthdate = PrefillPerson("津山 太郎", "岡山県津山市山北520", None)

    values = prefill_values(demo("child-allowance"), unknown_birthdate, unknown_birthdate,
                            [{"name": "津山 一郎", "birthdate": "2016-04-01", "extra": 1}])

    assert values == {"applicant_name": "津山 太郎", "applicant_address": "岡山県津山市山北520",
                      "children": [{"name": "津山 一郎", "birthdate": "2016-04-01"}]}


def test_a_required_prefilled_field_without_a_verified_value_is_refused() -> None:
    no_birthdate = PrefillPerson("津山 太郎", "岡山県津山市山北520", None)

    result = check(demo("child-allowance"), child_allowance_data(), applicant=no_birthdate)

    assert codes(result) == {("applicant_birthdate", "prefill_missing")}
    assert "applicant_birthdate" not in result.data


def test_a_hidden_field_is_dropped_and_not_required() -> None:
    sent = child_allowance_data(is_public_servant=False, employer="津山市役所")

    result = check(demo("child-allowance"), sent)

    assert result.ok, result.errors
    assert "employer" not in result.data
    assert result.hidden == ("employer",)


def test_a_shown_conditional_field_is_required_and_kept() -> None:
    missing = check(demo("child-allowance"), child_allowance_data(is_public_servant=True))
    given = check(demo("child-allowance"),
                  child_allowance_data(is_public_servant=True, employer="岡山県庁"))

    assert codes(missing) == {("employer", "required")}
    assert given.ok and given.data["employer"] == "岡山県庁" and given.hidden == ()


def test_a_field_hidden_because_its_condition_field_is_hidden_is_dropped_too() -> None:
    definition = small_form([
        ("has_car", {"type": "boolean"}, {"widget": "checkbox"}),
        ("car_kind", {"type": "string", "enum": ["kei", "large"]},
         {"widget": "radio", "show_if": {"field": "has_car", "equals": True},
          "options": {"kei": {"ja": "軽", "en": "Kei"}, "large": {"ja": "普通", "en": "Large"}}}),
        ("plate", {"type": "string", "maxLength": 20},
         {"widget": "text", "show_if": {"field": "car_kind", "in": ["kei", "large"]}}),
    ], required=["car_kind", "plate"])

    hidden = check(definition, {"has_car": False, "car_kind": "kei", "plate": "岡山500"})
    shown = check(definition, {"has_car": True, "car_kind": "large"})

    assert hidden.ok and hidden.data == {"has_car": False}
    assert hidden.hidden == ("car_kind", "plate")
    assert codes(shown) == {("plate", "required")}


def test_show_if_compares_json_values_exactly() -> None:
    assert show_if_holds({"field": "a", "equals": True}, {"a": True})
    assert not show_if_holds({"field": "a", "equals": True}, {"a": 1})
    assert not show_if_holds({"field": "a", "equals": True}, {})
    assert show_if_holds({"field": "a", "in": ["x", "y"]}, {"a": "y"})
    assert not show_if_holds({"field": "a", "in": ["x", "y"]}, {"a": "z"})
    assert show_if_holds(None, {})


def test_unknown_fields_are_refused_and_dropped() -> None:
    result = check(demo("child-allowance"), child_allowance_data(my_number="123456789012"))

    assert codes(result) == {("my_number", "unknown_field")}
    assert "my_number" not in result.data


@pytest.mark.parametrize(("changes", "field", "code"), [
    ({"phone": 868123456}, "phone", "type"),
    ({"bank_name": "  "}, "bank_name", "required"),
    ({"bank_name": None}, "bank_name", "required"),
    ({"bank_name": "信" * 51}, "bank_name", "max_length"),
    ({"account_number": "12345"}, "account_number", "pattern"),
    ({"account_type": "savings"}, "account_type", "enum"),
    ({"bank_branch": None}, "bank_branch", "required"),
    ({"is_public_servant": "yes"}, "is_public_servant", "type"),
])
def test_each_error_code_of_the_child_allowance(changes: dict[str, Any], field: str,
                                                code: str) -> None:
    result = check(demo("child-allowance"), child_allowance_data(**changes))

    assert codes(result) == {(field, code)}
    [error] = result.errors
    assert error.message_ja and error.message_en
    assert result.error_details() == [{"field": field, "code": code,
                                       "message_ja": error.message_ja,
                                       "message_en": error.message_en}]


def record_copy_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"copies": 2, "purpose": "bank", "include_household": True}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize(("changes", "code"), [
    ({"copies": 0}, "minimum"), ({"copies": 11}, "maximum"), ({"copies": 1.5}, "type"),
    ({"copies": True}, "type"),
])
def test_number_limits(changes: dict[str, Any], code: str) -> None:
    result = check(demo("resident-record-copy"), record_copy_data(**changes))

    assert codes(result) == {("copies", code)}


def test_a_date_that_does_not_exist_is_a_format_error() -> None:
    definition = demo("moving-in-notice")
    data = {"phone": "0868123456", "previous_address": "大阪府", "new_address": "津山市",
            "moving_date": "2026-02-30", "moving_out": "card"}

    result = check(definition, data)

    assert codes(result) == {("moving_date", "format")}
    assert "YYYY-MM-DD" in result.errors[0].message_ja


def test_an_error_inside_a_members_entry_names_the_entry() -> None:
    data = {"phone": "0868123456", "previous_address": "大阪府", "new_address": "津山市",
            "moving_date": "2026-12-20", "moving_out": "card",
            "members": [{"name": "津山 花子", "birthdate": "1990-01-01"},
                        {"name": "津山 一郎", "birthdate": "2016-13-01"}]}

    result = check(demo("moving-in-notice"), data)

    assert codes(result) == {("members", "format")}
    assert result.errors[0].message_ja.startswith("2件目")
    assert result.errors[0].message_en.startswith("Entry 2")


def test_list_length_limits() -> None:
    none = check(demo("child-allowance"), child_allowance_data(), children=[])
    too_many = check(demo("child-allowance"), child_allowance_data(),
                     children=[{"name": f"子 {n}", "birthdate": "2015-01-01"}
                               for n in range(11)])

    assert codes(none) == {("children", "min_items")}
    assert codes(too_many) == {("children", "max_items")}


def test_all_errors_come_back_at_once() -> None:
    sent = {"applicant_name": "偽", "phone": "12-34", "is_public_servant": True,
            "bank_name": "", "account_type": "x", "account_number": "12",
            "account_holder_kana": "tsuyama", "nickname": "たろ"}

    result = check(demo("child-allowance"), sent)

    assert codes(result) == {
        ("nickname", "unknown_field"), ("phone", "pattern"), ("employer", "required"),
        ("bank_name", "required"), ("bank_branch", "required"), ("account_type", "enum"),
        ("account_number", "pattern"), ("account_holder_kana", "pattern")}


def test_data_that_is_not_an_object_or_too_large_is_refused() -> None:
    not_object = check(demo("child-allowance"), ["a"])
    too_large = check(demo("child-allowance"), child_allowance_data(bank_name="信" * 30000))

    assert codes(not_object) == {("", "type")}
    assert codes(too_large) == {("", "too_large")}
    assert too_large.data == {}


def test_the_fee_is_the_amount_times_the_counted_field() -> None:
    definition = demo("resident-record-copy")

    three = check(definition, record_copy_data(copies=3))
    missing = check(definition, record_copy_data(copies=None))

    assert three.ok and three.fee_total_yen == 900
    assert codes(missing) == {("copies", "required")} and missing.fee_total_yen == 300
    no_count = copy.deepcopy(definition)
    del no_count["fee"]["per_field"]
    assert fee_total(no_count, {"copies": 3}) == 300
    assert fee_total(demo("child-allowance"), {}) is None


def test_a_hidden_purpose_detail_is_not_required_until_other_is_chosen() -> None:
    definition = demo("resident-record-copy")

    other = check(definition, record_copy_data(purpose="other"))
    detailed = check(definition, record_copy_data(purpose="other", purpose_other="ビザ申請"))

    assert codes(other) == {("purpose_other", "required")}
    assert detailed.ok and detailed.data["purpose_other"] == "ビザ申請"


def test_two_bodies_of_the_same_id_and_version_never_share_validators() -> None:
    strict = small_form([("note", {"type": "string", "maxLength": 3}, {"widget": "text"})], [])
    loose = small_form([("note", {"type": "string", "maxLength": 30}, {"widget": "text"})], [])

    assert codes(check(strict, {"note": "abcdef"})) == {("note", "max_length")}
    assert check(loose, {"note": "abcdef"}).ok


def test_min_length_and_an_empty_optional_text() -> None:
    definition = small_form([
        ("code", {"type": "string", "minLength": 3, "maxLength": 8}, {"widget": "text"}),
        ("note", {"type": "string", "maxLength": 20}, {"widget": "textarea"}),
    ], required=["code"])

    short = check(definition, {"code": "ab", "note": " "})

    assert codes(short) == {("code", "min_length")}
    assert "3" in short.errors[0].message_ja and "3" in short.errors[0].message_en
    assert short.data == {"code": "ab"}


def test_a_pattern_error_uses_the_definitions_own_words() -> None:
    definition = {
        "id": "x-error-demo", "version": 1,
        "schema": {"type": "object", "additionalProperties": False, "properties": {
            "account": {"type": "string", "pattern": "^[0-9]{7}$",
                        "x-error": {"ja": "口座番号は7桁の数字です。",
                                    "en": "The account number has 7 digits."}},
            "code": {"type": "string", "pattern": "^[A-Z]$"}}},
        "layout": {"sections": [{"id": "s", "title": {"ja": "s", "en": "s"}, "fields": [
            {"field": "account", "label": {"ja": "口座番号", "en": "Account"}, "widget": "text"},
            {"field": "code", "label": {"ja": "記号", "en": "Code"}, "widget": "text"}]}]},
    }
    person = PrefillPerson("津山 花子", "岡山県津山市北町12-3", "1986-07-03")
    checked = check_submission(definition, {"account": "12", "code": "aa"}, applicant=person,
                               subject=person, minor_children=[])
    by_field = {e.field: e for e in checked.errors}
    assert by_field["account"].message_ja == "口座番号は7桁の数字です。"
    assert by_field["account"].message_en == "The account number has 7 digits."
    assert by_field["code"].message_ja == "入力の形式が正しくありません。"
