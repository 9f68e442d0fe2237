"""The health export as a FHIR R4 Bundle (type "collection") of plain dicts.

The app builds the JSON itself: phones do not carry a model library of all of FHIR (the tests
validate the result with `fhir.resources`' R4B models, the R4 family).

What goes in (docs/health.md, "Export"):
- a Patient: identifier `urn:tsuyama-portal:common-id`, gender, birth year; a name only when
  the resident gave one;
- per meal, an Observation (category survey; NutritionIntake is R5 only) with one component
  per nutrient in UCUM units ("kcal", "g"), computed from the food table;
- body: body weight 29463-7 (kg), body height 8302-2 (cm), steps 41950-7 (steps in 24 hours,
  "/d": a body record is one day's);
- checkup: BMI 39156-5, waist 8280-0 (at the umbilicus, as 特定健診 measures it), blood
  pressure panel 85354-9 with 8480-6 and 8462-4 (mm[Hg]), fasting glucose 1558-6 (mg/dL),
  HbA1c 4548-4 (%), triglycerides 2571-8, HDL 2085-9, LDL 2089-1 (method not stated: the
  paper result the resident copies rarely says whether LDL was measured directly or
  calculated, so neither 18262-6 nor 13457-7 is claimed), AST 1920-8, ALT 1742-6, GGT
  2324-2 (U/L);
- the 基本チェックリスト as an Observation (category survey) whose value is the score;
- a screening the resident says they had as a Procedure (completed, with a note that the
  resident reported it).

Every resource id is a UUID derived from the record id (a record id is 32 hex digits: a
UUID), so the same record gives the same id in every export; fullUrl is "urn:uuid:<id>".
A value the table does not give ("-") is a dataAbsentReason, a trace is the table's own text
"Tr", and an incomplete sum ("12.3+") is a quantity with comparator ">=": no number is made up.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from app.features.health.export.json_export import (
    FOOD_TABLE_SOURCE,
    Subject,
    recorded_at,
    sorted_records,
)
from app.features.health.nutrition.food_table import NUTRIENT_KEYS, FoodTable, NutrientKey
from app.features.health.nutrition.portions import RecordLine, record_line
from app.features.health.nutrition.totals import meal_totals

__all__ = [
    "BODY_CODES",
    "CHECKUP_CODES",
    "COMMON_ID_SYSTEM",
    "LOINC",
    "NUTRIENT_UNITS",
    "UCUM",
    "export_fhir",
    "fhir_bytes",
    "resource_uuid",
]

JSON = dict[str, Any]

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
COMMON_ID_SYSTEM = "urn:tsuyama-portal:common-id"
# The app's own codes, where no standard code fits (meal intake, nutrients, the checklist).
HEALTH_SYSTEM = "urn:tsuyama-portal:health"
NUTRIENT_SYSTEM = "urn:tsuyama-portal:health:nutrient"
MEAL_SYSTEM = "urn:tsuyama-portal:health:meal"
SCREENING_SYSTEM = "urn:tsuyama-portal:health:screening"
CHECKLIST_SYSTEM = "urn:tsuyama-portal:health:kihon-checklist"
# Resource ids of records whose id is not a UUID, and of the Patient.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:tsuyama-portal:health-export")


@dataclass(frozen=True, slots=True)
class Code:
    """A LOINC code, its UCUM unit (code and what is shown) and the Observation category."""

    code: str
    display: str
    ucum: str
    unit: str
    category: str


BODY_CODES: dict[str, Code] = {
    "weight_kg": Code("29463-7", "Body weight", "kg", "kg", "vital-signs"),
    "height_cm": Code("8302-2", "Body height", "cm", "cm", "vital-signs"),
    "steps": Code("41950-7", "Number of steps in 24 hour Measured", "/d", "steps/day",
                  "activity"),
}
CHECKUP_CODES: dict[str, Code] = {
    "bmi": Code("39156-5", "Body mass index (BMI) [Ratio]", "kg/m2", "kg/m2", "vital-signs"),
    "waist_cm": Code("8280-0", "Waist Circumference at umbilicus by Tape measure", "cm", "cm",
                     "vital-signs"),
    "fasting_glucose": Code("1558-6", "Fasting glucose [Mass/volume] in Serum or Plasma",
                            "mg/dL", "mg/dL", "laboratory"),
    "hba1c": Code("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", "%",
                  "laboratory"),
    "tg": Code("2571-8", "Triglyceride [Mass/volume] in Serum or Plasma", "mg/dL", "mg/dL",
               "laboratory"),
    "hdl": Code("2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma", "mg/dL",
                "mg/dL", "laboratory"),
    "ldl": Code("2089-1", "Cholesterol in LDL [Mass/volume] in Serum or Plasma", "mg/dL",
                "mg/dL", "laboratory"),
    "ast": Code("1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum "
                "or Plasma", "U/L", "U/L", "laboratory"),
    "alt": Code("1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or "
                "Plasma", "U/L", "U/L", "laboratory"),
    "ggt": Code("2324-2", "Gamma glutamyl transferase [Enzymatic activity/volume] in Serum "
                "or Plasma", "U/L", "U/L", "laboratory"),
}
BLOOD_PRESSURE = Code("85354-9", "Blood pressure panel with all children optional", "", "",
                      "vital-signs")
BLOOD_PRESSURE_PARTS: dict[str, Code] = {
    "sbp": Code("8480-6", "Systolic blood pressure", "mm[Hg]", "mmHg", "vital-signs"),
    "dbp": Code("8462-4", "Diastolic blood pressure", "mm[Hg]", "mmHg", "vital-signs"),
}
# (display, UCUM code) of the six nutrients.
NUTRIENT_UNITS: dict[NutrientKey, tuple[str, str]] = {
    NutrientKey.ENERGY_KCAL: ("Energy", "kcal"),
    NutrientKey.PROTEIN_G: ("Protein", "g"),
    NutrientKey.FAT_G: ("Fat", "g"),
    NutrientKey.CARBOHYDRATE_G: ("Carbohydrate", "g"),
    NutrientKey.FIBER_G: ("Dietary fibre", "g"),
    NutrientKey.SALT_EQUIV_G: ("Salt equivalent", "g"),
}
_LEVEL_INTERPRETATION = {"normal": ("N", "Normal"), "guidance": ("A", "Abnormal"),
                         "referral": ("A", "Abnormal")}
_GENDERS = frozenset({"male", "female", "other", "unknown"})
_AMOUNT = re.compile(r"(-?\d+(?:\.\d+)?)(\+?)")


def resource_uuid(record_id: str, part: str = "") -> str:
    """The stable UUID of the resource made from `record_id` (and `part`, when a record
    gives several resources: a checkup's values)."""
    try:
        base = uuid.UUID(hex=record_id)
    except ValueError:
        base = uuid.uuid5(_NAMESPACE, f"record:{record_id}")
    return str(uuid.uuid5(base, part) if part else base)


def export_fhir(records: Sequence[Mapping[str, Any]], subject: Subject, table: FoodTable,
                *, exported_at: datetime | None = None) -> JSON:
    """`subject`'s records as a FHIR R4 Bundle of type "collection" (plain dicts), the
    Patient first, then the records' resources in time order."""
    patient_id = str(uuid.uuid5(_NAMESPACE, f"patient:{subject.common_id}"))
    patient_ref = {"reference": f"urn:uuid:{patient_id}"}
    resources: list[JSON] = [_patient(patient_id, subject)]
    for record in sorted_records(records, subject):
        resources.extend(_resources(record, patient_ref, table))
    bundle: JSON = {"resourceType": "Bundle", "type": "collection"}
    if exported_at is not None:
        if exported_at.tzinfo is None:
            raise ValueError("exported_at needs a UTC offset")
        bundle["timestamp"] = exported_at.isoformat(timespec="seconds")
    bundle["entry"] = [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources]
    return bundle


def fhir_bytes(records: Sequence[Mapping[str, Any]], subject: Subject, table: FoodTable,
               *, exported_at: datetime | None = None) -> bytes:
    """`export_fhir` as UTF-8 JSON (a .json file for the resident to hand on)."""
    bundle = export_fhir(records, subject, table, exported_at=exported_at)
    return json.dumps(bundle, ensure_ascii=False, indent=2, allow_nan=False).encode("utf-8")


def _patient(patient_id: str, subject: Subject) -> JSON:
    patient: JSON = {"resourceType": "Patient", "id": patient_id,
                     "identifier": [{"system": COMMON_ID_SYSTEM, "value": subject.common_id}]}
    if subject.name:
        patient["name"] = [{"text": subject.name}]
    if subject.sex in _GENDERS:
        patient["gender"] = subject.sex
    if subject.birth_year is not None:
        patient["birthDate"] = f"{subject.birth_year:04d}"
    return patient


def _resources(record: Mapping[str, Any], patient: JSON, table: FoodTable) -> list[JSON]:
    kind = record.get("kind")
    record_id = str(record.get("id") or "")
    data: Mapping[str, Any] = record.get("data") or {}
    when = str(record.get("recorded_at"))
    recorded_at(record)  # checked: a FHIR dateTime needs the offset the contract writes
    if kind == "meal":
        return [_meal(record_id, data, when, patient, table)]
    if kind == "body":
        return _body(record_id, data, when, patient)
    if kind == "checkup":
        return _checkup(record_id, data, str(data.get("date") or when), patient)
    if kind == "checklist":
        return [_checklist(record_id, data, str(data.get("date") or when), patient)]
    if kind == "screening":
        return [_screening(record_id, data, str(data.get("date") or when), patient)]
    return []  # a kind this version does not know: only the JSON export carries it


def _observation(resource_id: str, category: str, code: JSON, patient: JSON,
                 effective: str) -> JSON:
    return {
        "resourceType": "Observation",
        "id": resource_id,
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": category}]}],
        "code": code,
        "subject": patient,
        "effectiveDateTime": effective,
    }


def _loinc(code: Code) -> JSON:
    return {"coding": [{"system": LOINC, "code": code.code, "display": code.display}],
            "text": code.display}


def _local(system: str, code: str, display: str) -> JSON:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _number(value: object) -> int | float | None:
    """A record's value as a JSON number (int when it has no fraction), None when it is not
    a finite number."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite():
        return None
    exponent = amount.as_tuple().exponent
    return int(amount) if isinstance(exponent, int) and exponent >= 0 else float(amount)


def _quantity(value: int | float, code: Code) -> JSON:
    return {"value": value, "unit": code.unit, "system": UCUM, "code": code.ucum}


def _value(target: JSON, raw: object, code: Code) -> None:
    """Put `raw` in `target` as valueQuantity, else as the text it is (never a made-up
    number), else a dataAbsentReason when there is nothing."""
    number = _number(raw)
    if number is not None:
        target["valueQuantity"] = _quantity(number, code)
    elif raw is None or str(raw).strip() in ("", "-"):
        target["dataAbsentReason"] = _absent()
    else:
        target["valueString"] = str(raw)


def _absent() -> JSON:
    return {"coding": [{"system": DATA_ABSENT_REASON, "code": "unknown",
                        "display": "Unknown"}]}


# --- meals -----------------------------------------------------------------------------------


def _meal(record_id: str, data: Mapping[str, Any], when: str, patient: JSON,
          table: FoodTable) -> JSON:
    meal = str(data.get("meal") or "")
    observation = _observation(resource_uuid(record_id), "survey",
                               _local(HEALTH_SYSTEM, "meal-intake", "Meal nutrient intake"),
                               patient, when)
    components: list[JSON] = []
    if meal:
        components.append({"code": _local(HEALTH_SYSTEM, "meal", "Meal"),
                           "valueCodeableConcept": _local(MEAL_SYSTEM, meal, meal)})
    texts, from_table = _meal_texts(data, table)
    for key in NUTRIENT_KEYS:
        display, unit = NUTRIENT_UNITS[key]
        component: JSON = {"code": _local(NUTRIENT_SYSTEM, key.value, display)}
        _nutrient_value(component, texts.get(key), unit)
        components.append(component)
    observation["component"] = components
    observation["note"] = [{"text": _meal_note(data, from_table)}]
    return observation


def _meal_texts(data: Mapping[str, Any], table: FoodTable) -> tuple[dict[NutrientKey, str],
                                                                     bool]:
    """The meal's six totals as the table would write them ("612", "2.3+", "Tr", "-"):
    computed from the food table when every line can be, else the totals the record kept
    (computed on the device when it was written). The flag says which."""
    lines: list[RecordLine] = []
    try:
        for item in data.get("items") or ():
            for line in item.get("lines") or ():
                lines.append(record_line(str(line.get("code")), line.get("grams") or ""))
    except ValueError:
        lines = []
    if lines and all(line.code in table for line in lines):
        totals = meal_totals(table, lines)
        return {key: totals[key].text for key in NUTRIENT_KEYS}, True
    kept = data.get("totals") or {}
    return {key: str(kept[key.value]) for key in NUTRIENT_KEYS
            if kept.get(key.value) is not None}, False


def _nutrient_value(component: JSON, text: str | None, unit: str) -> None:
    match = _AMOUNT.fullmatch(text.strip()) if text else None
    if match:
        amount = _number(match.group(1))
        quantity: JSON = {"value": amount, "unit": unit, "system": UCUM, "code": unit}
        if match.group(2):  # "12.3+": this much and an unknown amount more
            quantity = {"value": amount, "comparator": ">=", "unit": unit, "system": UCUM,
                        "code": unit}
        component["valueQuantity"] = quantity
    elif text is None or text.strip() in ("", "-"):
        component["dataAbsentReason"] = _absent()
    else:  # "Tr", "Tr+": a trace, written as the table writes it
        component["valueString"] = text.strip()


def _meal_note(data: Mapping[str, Any], from_table: bool) -> str:
    items = []
    for item in data.get("items") or ():
        label = str(item.get("label") or "")
        grams = item.get("grams")
        estimate = " (estimate)" if item.get("estimate") else ""
        items.append(f"{label} {grams} g{estimate}" if grams is not None else label)
    basis = ("Values computed from the food lines" if from_table
             else "Values as recorded on the device")
    return "; ".join(items) + (". " if items else "") + (
        f"{basis}; {FOOD_TABLE_SOURCE['citation']}. A value ending in + or given as >= "
        "misses foods the table gives no value for; Tr is a trace.")


# --- body, checkup, checklist, screening --------------------------------------------------


def _body(record_id: str, data: Mapping[str, Any], when: str, patient: JSON) -> list[JSON]:
    resources = []
    for item, code in BODY_CODES.items():
        if data.get(item) is None:
            continue
        observation = _observation(resource_uuid(record_id, item), code.category,
                                   _loinc(code), patient, when)
        _value(observation, data[item], code)
        resources.append(observation)
    return resources


def _checkup(record_id: str, data: Mapping[str, Any], when: str,
             patient: JSON) -> list[JSON]:
    values: Mapping[str, Any] = data.get("values") or {}
    levels: Mapping[str, Any] = data.get("levels") or {}
    resources = []
    if any(values.get(part) is not None for part in BLOOD_PRESSURE_PARTS):
        panel = _observation(resource_uuid(record_id, "blood_pressure"),
                             BLOOD_PRESSURE.category, _loinc(BLOOD_PRESSURE), patient, when)
        components = []
        for part, part_code in BLOOD_PRESSURE_PARTS.items():
            component: JSON = {"code": _loinc(part_code)}
            _value(component, values.get(part), part_code)
            _interpret(component, levels.get(part))
            components.append(component)
        panel["component"] = components
        resources.append(panel)
    for item, raw in values.items():
        if item in BLOOD_PRESSURE_PARTS or raw is None:
            continue
        code = CHECKUP_CODES.get(item)
        if code is None:  # an item this version has no code for: kept under its own name
            observation = _observation(resource_uuid(record_id, item), "laboratory",
                                       _local(HEALTH_SYSTEM, f"checkup:{item}", item),
                                       patient, when)
            observation["valueString"] = str(raw)
        else:
            observation = _observation(resource_uuid(record_id, item), code.category,
                                       _loinc(code), patient, when)
            _value(observation, raw, code)
        _interpret(observation, levels.get(item))
        resources.append(observation)
    return resources


def _interpret(target: JSON, level: object) -> None:
    """The device's 特定健診 level as an interpretation: normal → N, guidance (保健指導判定値)
    and referral (受診勧奨判定値) → A, with the level in the text."""
    if not isinstance(level, str) or level not in _LEVEL_INTERPRETATION:
        return
    code, display = _LEVEL_INTERPRETATION[level]
    target["interpretation"] = [{"coding": [{"system": INTERPRETATION, "code": code,
                                             "display": display}], "text": level}]


def _checklist(record_id: str, data: Mapping[str, Any], when: str, patient: JSON) -> JSON:
    answers = [int(a) for a in data.get("answers") or ()]
    observation = _observation(resource_uuid(record_id), "survey",
                               _local(HEALTH_SYSTEM, "kihon-checklist",
                                      "Kihon Checklist (基本チェックリスト) score"),
                               patient, when)
    observation["valueInteger"] = sum(answers)
    components: list[JSON] = [
        {"code": _local(CHECKLIST_SYSTEM, f"result.{domain}", f"Result: {domain}"),
         "valueBoolean": bool(flagged)}
        for domain, flagged in (data.get("result") or {}).items()
    ]
    components.extend(
        {"code": _local(CHECKLIST_SYSTEM, f"q{number}", f"Question {number}"),
         "valueInteger": answer}
        for number, answer in enumerate(answers, start=1)
    )
    if components:
        observation["component"] = components
    return observation


def _screening(record_id: str, data: Mapping[str, Any], when: str, patient: JSON) -> JSON:
    screening = str(data.get("screening") or "unknown")
    return {
        "resourceType": "Procedure",
        "id": resource_uuid(record_id),
        "status": "completed",
        "code": _local(SCREENING_SYSTEM, screening, screening),
        "subject": patient,
        "performedDateTime": when,
        # R4 has no Procedure.reported[x] (R5 added it): the note says who says so.
        "note": [{"text": "Reported by the resident in the app, not a clinical record."}],
    }
