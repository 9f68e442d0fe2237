"""The health export (issue 17): JSON, CSV and a FHIR R4 Bundle of the health records.

Expected nutrient values are computed by hand from assets/health/food/food_table.csv
(per 100 g edible portion):

    01088 こめ ［水稲めし］ 精白米 うるち米   156 kcal, protein 2.5, fat 0.3, carbohydrate 37.1,
                                             fibre 1.5, salt 0
    10136 しろさけ 焼き                       160 kcal, protein 29.1, fat 5.1, carbohydrate 0.1,
                                             fibre (0), salt 0.2
    17021 かつお・昆布だし 荒節・昆布だし      2 kcal, protein 0.3, fat Tr, carbohydrate 0.3,
                                             fibre -, salt 0.1

Rounding is the table's: kcal whole, grams one decimal, half up.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from app.features.health.export import (
    CSV_COLUMNS,
    EXPORT_FORMAT,
    FOOD_TABLE_SOURCE,
    Subject,
    csv_cell,
    export_csv,
    export_fhir,
    export_json,
    fhir_bytes,
)
from app.features.health.nutrition.food_table import FoodTable, default_table

JST = timezone(timedelta(hours=9))
EXPORTED_AT = datetime(2026, 12, 6, 9, 0, tzinfo=JST)
ME = Subject(common_id="c0ffee", birth_year=1958, sex="female", name=None)
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"

MEAL_ID = "0123456789abcdef0123456789abcdef"
DASHI_ID = "11111111111111111111111111111111"
UNKNOWN_FOOD_ID = "22222222222222222222222222222222"
BODY_ID = "33333333333333333333333333333333"
CHECKUP_ID = "44444444444444444444444444444444"
CHECKLIST_ID = "55555555555555555555555555555555"
SCREENING_ID = "66666666666666666666666666666666"


def _record(record_id: str, kind: str, at: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": record_id, "kind": kind, "subject": ME.common_id, "recorded_at": at,
            "created_at": "2026-12-05T03:31:02+00:00", "data": data}


def _meal() -> dict[str, Any]:
    """Lunch: 150 g of rice and 80 g of grilled salmon."""
    return _record(MEAL_ID, "meal", "2026-12-05T12:30:00+09:00", {
        "meal": "lunch",
        "items": [
            {"label": "ご飯", "source": "food:01088", "grams": 150, "estimate": True,
             "lines": [{"code": "01088", "grams": "150.0"}]},
            {"label": "焼き鮭", "source": "food:10136", "grams": 80, "estimate": False,
             "lines": [{"code": "10136", "grams": "80"}]},
        ],
        "totals": {"energy_kcal": "362", "protein_g": "27.0", "fat_g": "4.5",
                   "carbohydrate_g": "55.7", "fiber_g": "2.3", "salt_equiv_g": "0.2"},
        "photo_kept": False,
    })


def _dashi_meal() -> dict[str, Any]:
    """200 g of dashi: fat is "Tr" and fibre "-" in the table."""
    return _record(DASHI_ID, "meal", "2026-12-05T18:00:00+09:00", {
        "meal": "dinner",
        "items": [{"label": "だし", "source": "food:17021", "grams": 200, "estimate": False,
                   "lines": [{"code": "17021", "grams": "200"}]}],
        "totals": {}, "photo_kept": False,
    })


def _unknown_food_meal() -> dict[str, Any]:
    """A food the table (perhaps a city's replacement) does not have: the kept totals are
    used, with their marks."""
    return _record(UNKNOWN_FOOD_ID, "meal", "2026-12-05T21:00:00+09:00", {
        "meal": "snack",
        "items": [{"label": "おやつ", "source": "food:99999", "grams": 50, "estimate": True,
                   "lines": [{"code": "99999", "grams": "50"}]}],
        "totals": {"energy_kcal": "612", "protein_g": "-", "fat_g": "Tr",
                   "fiber_g": "5.2+"},
        "photo_kept": False,
    })


def _body() -> dict[str, Any]:
    return _record(BODY_ID, "body", "2026-12-05T00:00:00+09:00",
                   {"weight_kg": "62.5", "steps": 8000, "height_cm": "165.0"})


def _checkup() -> dict[str, Any]:
    values = {"bmi": "24.1", "waist_cm": "86", "sbp": "128", "dbp": "82",
              "fasting_glucose": "99", "hba1c": "5.6", "tg": "140", "hdl": "55", "ldl": "130",
              "ast": "25", "alt": "28", "ggt": "40"}
    return _record(CHECKUP_ID, "checkup", "2026-11-20T00:00:00+09:00", {
        "date": "2026-11-20", "values": values,
        "levels": {"sbp": "guidance", "ldl": "referral", "hba1c": "normal"}, "at_risk": True,
    })


def _checklist() -> dict[str, Any]:
    answers = [1, 0, 0, 1, 0] * 5  # 10 points
    return _record(CHECKLIST_ID, "checklist", "2026-11-21T00:00:00+09:00", {
        "date": "2026-11-21", "answers": answers,
        "result": {"overall": False, "motor": True, "nutrition": False, "oral": False,
                   "housebound": False, "cognitive": False, "depression": True},
    })


def _screening() -> dict[str, Any]:
    return _record(SCREENING_ID, "screening", "2026-11-22T00:00:00+09:00",
                   {"screening": "gastric_cancer", "date": "2026-11-22"})


def _all_kinds() -> list[dict[str, Any]]:
    return [_meal(), _dashi_meal(), _unknown_food_meal(), _body(), _checkup(), _checklist(),
            _screening()]


@pytest.fixture(scope="module")
def table() -> FoodTable:
    return default_table()


# --- JSON ------------------------------------------------------------------------------------


def test_json_round_trip_keeps_every_record_in_time_order() -> None:
    records = _all_kinds()
    # 08:00 in Tokyo is 23:00 UTC the day before, so it is earlier than 23:30 UTC.
    early = _record("77777777777777777777777777777777", "body", "2026-11-19T08:00:00+09:00",
                    {"weight_kg": "63.0", "steps": None, "height_cm": None})
    late = _record("88888888888888888888888888888888", "body", "2026-11-18T23:30:00+00:00",
                   {"weight_kg": "63.1", "steps": None, "height_cm": None})
    shuffled = [records[3], late, records[0], records[6], early, *records[4:6], *records[1:3]]
    document = json.loads(export_json(shuffled, ME, EXPORTED_AT).decode("utf-8"))
    assert document["format"] == EXPORT_FORMAT == "tsuyama-portal/health-export"
    assert document["version"] == 1
    assert document["exported_at"] == "2026-12-06T09:00:00+09:00"
    assert document["subject"] == {"common_id": "c0ffee", "birth_year": 1958,
                                   "sex": "female", "name": None}
    assert document["source"]["food_table"]["citation"] == \
        "出典：「日本食品標準成分表2020年版（八訂）」（文部科学省）"
    assert document["source"]["food_table"] == FOOD_TABLE_SOURCE
    ids = [record["id"] for record in document["records"]]
    assert ids == [early["id"], late["id"], CHECKUP_ID, CHECKLIST_ID, SCREENING_ID, BODY_ID,
                   MEAL_ID, DASHI_ID, UNKNOWN_FOOD_ID]
    by_id = {record["id"]: record for record in shuffled}
    assert all(record == by_id[record["id"]] for record in document["records"])


def test_json_refuses_naive_time_and_someone_elses_record() -> None:
    with pytest.raises(ValueError, match="offset"):
        export_json([], ME, datetime(2026, 12, 6, 9, 0))
    other = {**_body(), "subject": "someone-else"}
    with pytest.raises(ValueError, match="not 'c0ffee'"):
        export_json([other], ME, EXPORTED_AT)
    with pytest.raises(ValueError, match="recorded_at"):
        export_json([{**_body(), "recorded_at": "2026-12-05T00:00:00"}], ME, EXPORTED_AT)


# --- CSV -------------------------------------------------------------------------------------


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel opens it as UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_meal_lines_are_computed_from_the_table(table: FoodTable) -> None:
    rows = _csv_rows(export_csv([_meal()], ME, table))
    assert list(rows[0]) == list(CSV_COLUMNS)
    rice, salmon, source = rows
    assert (rice["kind"], rice["date"], rice["time"], rice["meal"], rice["dish"]) == \
        ("meal", "2026-12-05", "12:30", "lunch", "ご飯")
    assert (rice["food_code"], rice["food_name"], rice["grams"], rice["estimate"]) == \
        ("01088", "こめ ［水稲めし］ 精白米 うるち米", "150.0", "true")
    # 150 g rice: 156×1.5 = 234 kcal; 2.5×1.5 = 3.75 → 3.8; 0.3×1.5 = 0.45 → 0.5;
    # 37.1×1.5 = 55.65 → 55.7; 1.5×1.5 = 2.25 → 2.3; salt 0 → 0.
    assert [rice[k] for k in ("energy_kcal", "protein_g", "fat_g", "carbohydrate_g",
                              "fiber_g", "salt_equiv_g")] == \
        ["234", "3.8", "0.5", "55.7", "2.3", "0"]
    assert salmon["food_name"] == "＜魚類＞ （さけ・ます類） しろさけ 焼き"
    # 80 g grilled salmon: 160×0.8 = 128; 29.1×0.8 = 23.28 → 23.3; 5.1×0.8 = 4.08 → 4.1;
    # 0.1×0.8 = 0.08 → 0.1; fibre (0) → 0; 0.2×0.8 = 0.16 → 0.2.
    assert [salmon[k] for k in ("energy_kcal", "protein_g", "fat_g", "carbohydrate_g",
                                "fiber_g", "salt_equiv_g")] == \
        ["128", "23.3", "4.1", "0.1", "0", "0.2"]
    assert (source["kind"], source["item"], source["value"]) == \
        ("source", "food_table", "出典：「日本食品標準成分表2020年版（八訂）」（文部科学省）")


def test_csv_trace_and_not_measured_are_marked_not_invented(table: FoodTable) -> None:
    rows = _csv_rows(export_csv([_dashi_meal(), _unknown_food_meal()], ME, table))
    dashi, unknown = rows[0], rows[1]
    # 200 g dashi: 2×2 = 4 kcal; 0.3×2 = 0.6; fat Tr; 0.3×2 = 0.6; fibre -; 0.1×2 = 0.2.
    assert [dashi[k] for k in ("energy_kcal", "protein_g", "fat_g", "carbohydrate_g",
                               "fiber_g", "salt_equiv_g")] == ["4", "0.6", "Tr", "0.6", "-",
                                                               "0.2"]
    # A code the table does not have: no name, no values.
    assert (unknown["food_code"], unknown["food_name"], unknown["energy_kcal"],
            unknown["fiber_g"]) == ("99999", "", "", "")


def test_csv_other_kinds(table: FoodTable) -> None:
    rows = _csv_rows(export_csv([_body(), _checkup(), _checklist(), _screening()], ME, table))
    cells = [(r["kind"], r["date"], r["item"], r["value"], r["unit"], r["level"])
             for r in rows]
    assert ("body", "2026-12-05", "weight_kg", "62.5", "kg", "") in cells
    assert ("body", "2026-12-05", "steps", "8000", "steps", "") in cells
    assert ("checkup", "2026-11-20", "sbp", "128", "mmHg", "guidance") in cells
    assert ("checkup", "2026-11-20", "hba1c", "5.6", "%", "normal") in cells
    assert ("checkup", "2026-11-20", "at_risk", "true", "", "") in cells
    assert ("checklist", "2026-11-21", "score", "10", "", "") in cells
    assert ("checklist", "2026-11-21", "result.depression", "true", "", "") in cells
    assert ("screening", "2026-11-22", "gastric_cancer", "", "", "") in cells
    assert sum(1 for r in rows if r["kind"] == "checkup") == 12 + 1


def test_csv_cells_cannot_become_formulas(table: FoodTable) -> None:
    meal = _meal()
    meal["data"]["items"][0]["label"] = '=HYPERLINK("http://x.invalid","click")'
    meal["data"]["items"][1]["label"] = "@SUM(A1:A9)"
    checkup = _checkup()
    checkup["data"]["values"] = {"ldl": "+1+1", "tg": "-2+3", "hdl": "\tx", "ast": "\rx",
                                 "alt": "-5", "ggt": "＝1", "bmi": "-"}
    rows = _csv_rows(export_csv([meal, checkup], ME, table))
    dishes = {r["dish"] for r in rows if r["kind"] == "meal"}
    assert dishes == {'\'=HYPERLINK("http://x.invalid","click")', "'@SUM(A1:A9)"}
    values = {r["item"]: r["value"] for r in rows if r["kind"] == "checkup"}
    assert values["ldl"] == "'+1+1"
    assert values["tg"] == "'-2+3"
    assert values["hdl"] == "'\tx"
    assert values["ast"] == "'\rx"
    assert values["ggt"] == "'＝1"
    assert values["alt"] == "-5"  # a negative number stays a number
    assert values["bmi"] == "-"  # the table's "not measured" mark is no formula
    assert csv_cell("-1.5") == "-1.5"
    assert csv_cell("12.3+") == "12.3+"
    assert csv_cell("-5+") == "'-5+"
    assert csv_cell(None) == ""


def test_csv_unreadable_grams_give_no_values(table: FoodTable) -> None:
    meal = _meal()
    meal["data"]["items"][0]["lines"][0]["grams"] = "lots"
    rice = _csv_rows(export_csv([meal], ME, table))[0]
    assert (rice["grams"], rice["energy_kcal"], rice["protein_g"]) == ("lots", "", "")


# --- empty -----------------------------------------------------------------------------------


def test_empty_records(table: FoodTable) -> None:
    document = json.loads(export_json([], ME, EXPORTED_AT))
    assert document["records"] == []
    rows = _csv_rows(export_csv([], ME, table))
    assert [r["kind"] for r in rows] == ["source"]
    bundle = export_fhir([], ME, table)
    Bundle.model_validate(bundle)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient"]


# --- FHIR ------------------------------------------------------------------------------------


def _resources(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry["resource"] for entry in bundle["entry"]]


def _by_loinc(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for resource in _resources(bundle):
        for coding in resource.get("code", {}).get("coding", ()):
            if coding["system"] == LOINC:
                found[coding["code"]] = resource
    return found


def _components(observation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["code"]["coding"][0]["code"]: c for c in observation["component"]}


def test_fhir_bundle_of_every_kind_validates(table: FoodTable) -> None:
    bundle = export_fhir(_all_kinds(), ME, table, exported_at=EXPORTED_AT)
    model = Bundle.model_validate(bundle)
    assert model.type == "collection"
    assert bundle["timestamp"] == "2026-12-06T09:00:00+09:00"
    kinds = [r["resourceType"] for r in _resources(bundle)]
    # Patient; checkup: BP panel + 10 values; checklist; screening; body: 3; meals: 3.
    assert kinds == ["Patient"] + ["Observation"] * 12 + ["Procedure"] + ["Observation"] * 6
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
        uuid.UUID(entry["resource"]["id"])
    ids = [r["id"] for r in _resources(bundle)]
    assert len(set(ids)) == len(ids)
    # Stable: the same records give the same ids; a meal's id is its record id as a UUID.
    assert [r["id"] for r in _resources(export_fhir(_all_kinds(), ME, table))] == ids
    assert str(uuid.UUID(hex=MEAL_ID)) in ids
    assert json.loads(fhir_bytes(_all_kinds(), ME, table, exported_at=EXPORTED_AT)) == bundle


def test_fhir_patient(table: FoodTable) -> None:
    patient = _resources(export_fhir([], ME, table))[0]
    assert patient["identifier"] == [{"system": "urn:tsuyama-portal:common-id",
                                      "value": "c0ffee"}]
    assert (patient["gender"], patient["birthDate"]) == ("female", "1958")
    assert "name" not in patient
    named = _resources(export_fhir([], Subject("c0ffee", None, None, "津山 花子"), table))[0]
    assert named["name"] == [{"text": "津山 花子"}]
    assert "gender" not in named and "birthDate" not in named
    references = {r["subject"]["reference"] for r in _resources(
        export_fhir(_all_kinds(), ME, table))[1:]}
    assert references == {f"urn:uuid:{patient['id']}"}


def test_fhir_loinc_codes_and_units(table: FoodTable) -> None:
    found = _by_loinc(export_fhir([_body(), _checkup()], ME, table))
    expected = {  # LOINC: (value, UCUM code, category)
        "29463-7": (62.5, "kg", "vital-signs"),
        "8302-2": (165.0, "cm", "vital-signs"),
        "41950-7": (8000, "/d", "activity"),
        "39156-5": (24.1, "kg/m2", "vital-signs"),
        "8280-0": (86, "cm", "vital-signs"),
        "1558-6": (99, "mg/dL", "laboratory"),
        "4548-4": (5.6, "%", "laboratory"),
        "2571-8": (140, "mg/dL", "laboratory"),
        "2085-9": (55, "mg/dL", "laboratory"),
        "2089-1": (130, "mg/dL", "laboratory"),
        "1920-8": (25, "U/L", "laboratory"),
        "1742-6": (28, "U/L", "laboratory"),
        "2324-2": (40, "U/L", "laboratory"),
    }
    for code, (value, unit, category) in expected.items():
        observation = found[code]
        quantity = observation["valueQuantity"]
        assert (quantity["value"], quantity["code"], quantity["system"]) == \
            (value, unit, UCUM), code
        assert observation["category"][0]["coding"][0]["code"] == category
    assert found["29463-7"]["effectiveDateTime"] == "2026-12-05T00:00:00+09:00"
    assert found["1558-6"]["effectiveDateTime"] == "2026-11-20"
    panel = found["85354-9"]
    parts = _components(panel)
    assert parts["8480-6"]["valueQuantity"] == {"value": 128, "unit": "mmHg",
                                                "system": UCUM, "code": "mm[Hg]"}
    assert parts["8462-4"]["valueQuantity"]["value"] == 82
    assert parts["8480-6"]["interpretation"][0]["coding"][0]["code"] == "A"
    assert parts["8480-6"]["interpretation"][0]["text"] == "guidance"
    assert found["4548-4"]["interpretation"][0]["coding"][0]["code"] == "N"
    assert "8480-6" not in found and "8462-4" not in found  # only inside the panel


def test_fhir_meal_nutrients(table: FoodTable) -> None:
    meal = _resources(export_fhir([_meal()], ME, table))[1]
    assert meal["effectiveDateTime"] == "2026-12-05T12:30:00+09:00"
    assert meal["category"][0]["coding"][0]["code"] == "survey"
    parts = _components(meal)
    assert parts["meal"]["valueCodeableConcept"]["coding"][0]["code"] == "lunch"
    # rice 150 g + salmon 80 g: 234 + 128 = 362 kcal; 3.75 + 23.28 = 27.03 → 27.0;
    # 0.45 + 4.08 = 4.53 → 4.5; 55.65 + 0.08 = 55.73 → 55.7; 2.25 + (0) = 2.25 → 2.3;
    # 0 + 0.16 → 0.2.
    expected = {"energy_kcal": (362, "kcal"), "protein_g": (27.0, "g"), "fat_g": (4.5, "g"),
                "carbohydrate_g": (55.7, "g"), "fiber_g": (2.3, "g"),
                "salt_equiv_g": (0.2, "g")}
    for key, (value, unit) in expected.items():
        assert parts[key]["valueQuantity"] == {"value": value, "unit": unit, "system": UCUM,
                                               "code": unit}, key
    assert "出典：「日本食品標準成分表2020年版（八訂）」（文部科学省）" in meal["note"][0]["text"]
    assert "ご飯 150 g (estimate)" in meal["note"][0]["text"]


def test_fhir_trace_and_not_measured_are_not_numbers(table: FoodTable) -> None:
    bundle = export_fhir([_dashi_meal(), _unknown_food_meal()], ME, table)
    Bundle.model_validate(bundle)
    dashi, unknown = _resources(bundle)[1:]
    parts = _components(dashi)
    # 200 g dashi: 4 kcal; fat Tr; fibre "-" (not measured).
    assert parts["energy_kcal"]["valueQuantity"]["value"] == 4
    assert parts["fat_g"] == {**parts["fat_g"], "valueString": "Tr"}
    assert "valueQuantity" not in parts["fat_g"]
    assert parts["fiber_g"]["dataAbsentReason"]["coding"][0]["code"] == "unknown"
    assert "valueQuantity" not in parts["fiber_g"]
    # The table does not have 99999: the totals kept on the device, marks and all.
    parts = _components(unknown)
    assert parts["energy_kcal"]["valueQuantity"]["value"] == 612
    assert "valueQuantity" not in parts["protein_g"]
    assert parts["protein_g"]["dataAbsentReason"]["coding"][0]["code"] == "unknown"
    assert parts["fat_g"]["valueString"] == "Tr"
    assert parts["fiber_g"]["valueQuantity"] == {"value": 5.2, "comparator": ">=",
                                                 "unit": "g", "system": UCUM, "code": "g"}
    for missing in ("carbohydrate_g", "salt_equiv_g"):  # not kept at all
        assert "valueQuantity" not in parts[missing]
        assert parts[missing]["dataAbsentReason"]["coding"][0]["code"] == "unknown"


def test_fhir_checklist_and_screening(table: FoodTable) -> None:
    checklist, screening = _resources(export_fhir([_checklist(), _screening()], ME, table))[1:]
    assert checklist["valueInteger"] == 10
    assert checklist["effectiveDateTime"] == "2026-11-21"
    parts = _components(checklist)
    assert parts["result.motor"]["valueBoolean"] is True
    assert parts["result.overall"]["valueBoolean"] is False
    assert [parts[f"q{n}"]["valueInteger"] for n in range(1, 6)] == [1, 0, 0, 1, 0]
    assert screening["resourceType"] == "Procedure"
    assert (screening["status"], screening["performedDateTime"]) == ("completed", "2026-11-22")
    assert screening["code"]["coding"][0]["code"] == "gastric_cancer"


def test_the_app_does_not_import_fhir_resources() -> None:
    code = ("import sys, app.features.health.export as e; "
            "print(sorted(m for m in sys.modules if m == 'fhir' or m.startswith('fhir.')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
