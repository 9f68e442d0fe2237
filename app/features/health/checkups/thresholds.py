"""The national 特定健診 judgement values (保健指導判定値 and 受診勧奨判定値) from
assets/health/tokutei_thresholds.json, and a resident's check-up results judged against them
(docs/health_checkups.md, "Thresholds").

A value at or beyond the 保健指導判定値 is `guidance` (lifestyle), at or beyond the
受診勧奨判定値 `referral` (see a doctor), otherwise `normal`: systolic 129 is normal, 130
guidance, 140 referral; HDL counts downwards (39 guidance). Values are compared exactly as
entered (Decimal), never rounded. The entry form gets one error code per item for a value that
is not a number or is outside the item's plausible range.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from app.features.health.checkups.json_file import read_json
from app.paths import ASSETS_DIR

__all__ = [
    "DEFAULT_THRESHOLDS_PATH",
    "ERROR_MESSAGES",
    "LEVELS",
    "NEXT_STEP",
    "CheckupInputError",
    "Evaluation",
    "Item",
    "ItemResult",
    "Level",
    "Thresholds",
    "bmi",
    "bmi_text",
    "check_values",
    "default_thresholds",
    "evaluate",
    "load_thresholds",
    "parse_thresholds",
]

DEFAULT_THRESHOLDS_PATH = ASSETS_DIR / "health" / "tokutei_thresholds.json"
Level = Literal["normal", "guidance", "referral"]
LEVELS: tuple[Level, ...] = ("normal", "guidance", "referral")

# What to do next, per level: English message ids (the caller translates them).
NEXT_STEP: dict[Level, str] = {
    "normal": "No result is beyond the guidance values. Keep having a check-up every year.",
    "guidance": "We recommend improving your lifestyle (you may be offered specific health "
                "guidance).",
    "referral": "We recommend seeing a doctor.",
}
# The form's error codes and their message ids ({low} and {high}: the item's range).
ERROR_MESSAGES: dict[str, str] = {
    "not_a_number": "Enter a number.",
    "out_of_range": "Enter a value from {low} to {high}.",
    "dbp_not_below_sbp": "The lower (diastolic) pressure must be below the upper (systolic) "
                         "pressure.",
    "unknown_item": "This item is not part of the check-up.",
}


def _number(value: Decimal | str | int) -> Decimal | None:
    """A finite Decimal from what was typed ("１２８" and " 5.6 " too), or None."""
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def bmi(height_cm: Decimal | str, weight_kg: Decimal | str) -> Decimal:
    """Body mass index, weight (kg) / height (m)², unrounded. ValueError on a height outside
    50–250 cm or a weight outside 10–300 kg."""
    height, weight = _number(height_cm), _number(weight_kg)
    if height is None or not Decimal(50) <= height <= Decimal(250):
        raise ValueError("height must be a number of centimetres from 50 to 250")
    if weight is None or not Decimal(10) <= weight <= Decimal(300):
        raise ValueError("weight must be a number of kilograms from 10 to 300")
    metres = height / 100
    return weight / (metres * metres)


def bmi_text(value: Decimal) -> str:
    """A BMI as check-up sheets print it: one decimal place, half up."""
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class Item:
    """One check-up item and its two judgement values (per sex where they differ)."""

    key: str
    name_ja: str
    name_en: str
    unit: str
    direction: Literal["high", "low"]
    guidance: tuple[Decimal | None, Decimal | None]  # (male, female)
    referral: tuple[Decimal | None, Decimal | None]
    low: Decimal  # the plausible range the form accepts
    high: Decimal
    non_fasting: tuple[Decimal | None, Decimal | None] | None = None  # (guidance, referral)
    verified: bool = True

    def name_in(self, language: str) -> str:
        return self.name_ja if language == "ja" else self.name_en

    def thresholds(self, sex: str, fasting: bool = True) -> tuple[Decimal | None, Decimal | None]:
        """(保健指導判定値, 受診勧奨判定値) for `sex`; a non-fasting sample uses the
        non-fasting values where the item has them (triglycerides)."""
        if not fasting and self.non_fasting is not None:
            return self.non_fasting
        index = 0 if sex == "male" else 1
        return self.guidance[index], self.referral[index]

    def level(self, value: Decimal, sex: str, fasting: bool = True) -> Level:
        guidance, referral = self.thresholds(sex, fasting)

        def beyond(limit: Decimal | None) -> bool:
            if limit is None:
                return False
            return value >= limit if self.direction == "high" else value <= limit

        if beyond(referral):
            return "referral"
        if beyond(guidance):
            return "guidance"
        return "normal"


@dataclass(frozen=True, slots=True)
class Thresholds:
    title: str
    items: tuple[Item, ...]

    def __getitem__(self, key: str) -> Item:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return any(item.key == key for item in self.items)

    def unverified(self) -> list[Item]:
        return [item for item in self.items if not item.verified]


@dataclass(frozen=True, slots=True)
class ItemResult:
    item: Item
    value: Decimal
    level: Level
    guidance: Decimal | None
    referral: Decimal | None

    @property
    def next_step(self) -> str:
        return NEXT_STEP[self.level]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Every entered item's level; `at_risk` when any is guidance or referral; `level` the
    worst, and `next_step` its message id."""

    results: tuple[ItemResult, ...]
    fasting: bool = True

    @property
    def at_risk(self) -> bool:
        return any(r.level != "normal" for r in self.results)

    @property
    def level(self) -> Level:
        return max((r.level for r in self.results), key=LEVELS.index, default="normal")

    @property
    def next_step(self) -> str:
        return NEXT_STEP[self.level]

    def levels(self) -> dict[str, Level]:
        return {r.item.key: r.level for r in self.results}

    def result(self, key: str) -> ItemResult | None:
        return next((r for r in self.results if r.item.key == key), None)

    def record_data(self) -> dict[str, Any]:
        """The `values`, `levels` and `at_risk` of a "checkup" health record."""
        return {"values": {r.item.key: str(r.value) for r in self.results},
                "levels": dict(self.levels()), "at_risk": self.at_risk}


class CheckupInputError(ValueError):
    """Values the form must not accept: `errors` is {item: error code} (ERROR_MESSAGES)."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{key}: {code}" for key, code in self.errors.items()))


def check_values(values: Mapping[str, Decimal | str], table: Thresholds | None = None
                 ) -> tuple[dict[str, Decimal], dict[str, str]]:
    """(the numbers entered, {item: error code}) for a form's values: empty ones are left
    out; a value that is not a number is `not_a_number`, one outside the item's plausible
    range `out_of_range`, a diastolic pressure not below the systolic one
    `dbp_not_below_sbp`, an item the file does not have `unknown_item`."""
    table = table or default_thresholds()
    numbers: dict[str, Decimal] = {}
    errors: dict[str, str] = {}
    for key, raw in values.items():
        if key not in table:
            errors[key] = "unknown_item"
            continue
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        number = _number(raw)
        if number is None:
            errors[key] = "not_a_number"
            continue
        item = table[key]
        if not item.low <= number <= item.high:
            errors[key] = "out_of_range"
            continue
        numbers[key] = number
    if "sbp" in numbers and "dbp" in numbers and numbers["dbp"] >= numbers["sbp"]:
        errors["dbp"] = "dbp_not_below_sbp"
        del numbers["dbp"]
    return numbers, errors


def evaluate(values: Mapping[str, Decimal | str], sex: str, *, fasting: bool = True,
             table: Thresholds | None = None) -> Evaluation:
    """Judge a resident's results (`values` by item key: bmi, waist_cm, sbp, dbp,
    fasting_glucose, hba1c, tg, hdl, ldl, ast, alt, ggt) for `sex` ("male" or "female").
    `fasting=False` judges triglycerides by the non-fasting values. Items left empty are not
    judged. CheckupInputError (a ValueError) with every item's error code when any value is
    wrong."""
    if sex not in ("male", "female"):
        raise ValueError(f"sex must be male or female, not {sex!r}")
    table = table or default_thresholds()
    numbers, errors = check_values(values, table)
    if errors:
        raise CheckupInputError(errors)
    results: list[ItemResult] = []
    for item in table.items:  # the file's order
        if item.key not in numbers:
            continue
        value = numbers[item.key]
        guidance, referral = item.thresholds(sex, fasting)
        results.append(ItemResult(item, value, item.level(value, sex, fasting),
                                  guidance, referral))
    return Evaluation(tuple(results), fasting)


# --- loading --------------------------------------------------------------------------------

def _fail(where: str, message: str) -> ValueError:
    return ValueError(f"{where}: {message}")


def _decimal(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _fail(where, "must be a number written as text, e.g. \"130\"")
    number = _number(value)
    if number is None:
        raise _fail(where, f"{value!r} is not a number")
    return number


def _per_sex(value: Any, where: str) -> tuple[Decimal | None, Decimal | None]:
    if value is None:
        return None, None
    if isinstance(value, dict):
        if set(value) != {"male", "female"}:
            raise _fail(where, 'must be a number, null or {"male", "female"}')
        return _decimal(value["male"], f"{where}.male"), _decimal(value["female"],
                                                                  f"{where}.female")
    number = _decimal(value, where)
    return number, number


def _item(key: str, row: Any, where: str) -> Item:
    if not isinstance(row, dict):
        raise _fail(where, "must be an object")
    for needed in ("name", "unit", "direction", "guidance", "referral", "range"):
        if needed not in row:
            raise _fail(where, f"missing key {needed!r}")
    name = row["name"]
    if not isinstance(name, dict) or not all(isinstance(name.get(k), str) and name[k]
                                             for k in ("ja", "en")):
        raise _fail(f"{where}.name", 'must be {"ja": text, "en": text}')
    direction = row["direction"]
    if direction not in ("high", "low"):
        raise _fail(f"{where}.direction", "must be high or low")
    guidance = _per_sex(row["guidance"], f"{where}.guidance")
    referral = _per_sex(row["referral"], f"{where}.referral")
    for index in (0, 1):
        g, r = guidance[index], referral[index]
        if g is not None and r is not None and (r < g if direction == "high" else r > g):
            raise _fail(f"{where}.referral", "must lie beyond the guidance value")
    span = row["range"]
    if not isinstance(span, dict) or set(span) != {"min", "max"}:
        raise _fail(f"{where}.range", 'must be {"min", "max"}')
    low, high = _decimal(span["min"], f"{where}.range.min"), _decimal(span["max"],
                                                                       f"{where}.range.max")
    if high <= low:
        raise _fail(f"{where}.range", "max must be above min")
    non_fasting = None
    if row.get("non_fasting") is not None:
        extra = row["non_fasting"]
        if not isinstance(extra, dict) or set(extra) != {"guidance", "referral"}:
            raise _fail(f"{where}.non_fasting", 'must be {"guidance", "referral"}')
        non_fasting = (_decimal(extra["guidance"], f"{where}.non_fasting.guidance"),
                       _decimal(extra["referral"], f"{where}.non_fasting.referral"))
    verify = row.get("verify", False)
    if not isinstance(verify, bool):
        raise _fail(f"{where}.verify", "must be true or false")
    return Item(key=key, name_ja=name["ja"], name_en=name["en"], unit=str(row["unit"]),
                direction=direction, guidance=guidance, referral=referral, low=low, high=high,
                non_fasting=non_fasting, verified=not verify)


def parse_thresholds(document: Any, name: str = "tokutei_thresholds.json") -> Thresholds:
    """The items of a parsed file; ValueError naming the file and the place."""
    if not isinstance(document, dict) or document.get("format") != 1:
        raise _fail(f"{name}: $.format", "must be 1")
    items = document.get("items")
    if not isinstance(items, dict) or not items:
        raise _fail(f"{name}: $.items", "must be an object of at least one item")
    return Thresholds(str(document.get("title", "")),
                      tuple(_item(key, row, f"{name}: $.items.{key}")
                            for key, row in items.items()))


def load_thresholds(path: Path | None = None) -> Thresholds:
    path = path or DEFAULT_THRESHOLDS_PATH
    document = read_json(path)
    return parse_thresholds(document, path.name)


@lru_cache(maxsize=1)
def default_thresholds() -> Thresholds:
    return load_thresholds()
