"""The health export as a CSV file for a spreadsheet (UTF-8 with a BOM, so Excel in Japan
opens it as UTF-8).

One row per food line of every meal item, with the six values of that line computed from the
food table (value per 100 g × grams / 100, rounded as the table prints: `Total.text`, so a
trace is "Tr" and a value the table does not give is "-"); then one row per value of the
other records (body, checkup, checklist, screening) in the `item`, `value`, `unit` and `level`
columns; last, a `source` row with the table's required citation.

Cells are safe to open in a spreadsheet: a cell that is not a plain number and starts with
= + - @, a tab or a carriage return (or their full-width forms) gets a leading ' so it is
never read as a formula. Numbers, negative ones included, and the table's marks ("-", "Tr",
"12.3+") are written as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from app.features.health.export.json_export import (
    FOOD_TABLE_SOURCE,
    Subject,
    recorded_at,
    sorted_records,
)
from app.features.health.nutrition.food_table import NUTRIENT_KEYS, FoodTable
from app.features.health.nutrition.portions import line_value, to_grams
from app.features.health.nutrition.totals import Total

__all__ = ["CHECKUP_UNITS", "COLUMNS", "csv_cell", "export_csv"]

COLUMNS: tuple[str, ...] = (
    "record_id", "kind", "date", "time", "meal", "dish", "dish_grams", "estimate",
    "food_code", "food_name", "grams", *NUTRIENT_KEYS, "item", "value", "unit", "level",
)

# Units of the checkup values as the record keeps them (record contract).
CHECKUP_UNITS: dict[str, str] = {
    "bmi": "kg/m2", "waist_cm": "cm", "sbp": "mmHg", "dbp": "mmHg",
    "fasting_glucose": "mg/dL", "hba1c": "%", "tg": "mg/dL", "hdl": "mg/dL", "ldl": "mg/dL",
    "ast": "U/L", "alt": "U/L", "ggt": "U/L",
}
BODY_UNITS: dict[str, str] = {"weight_kg": "kg", "steps": "steps", "height_cm": "cm"}

# A number (negative too), or a non-negative one with the table's "+" (incomplete sum).
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?|\d+(?:\.\d+)?\+")
_TABLE_MARKS = frozenset({"-", "Tr", "Tr+"})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

Row = dict[str, str]


def csv_cell(value: object) -> str:
    """`value` as a cell a spreadsheet will not run: None is empty, a bool is true/false,
    a number is its digits; a text starting like a formula gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = f"{value:f}" if isinstance(value, Decimal) else str(value)
    if _PLAIN_NUMBER.fullmatch(text) or text in _TABLE_MARKS:
        return text
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def export_csv(records: Sequence[Mapping[str, Any]], subject: Subject,
               table: FoodTable) -> bytes:
    """`subject`'s records as CSV bytes (UTF-8 with BOM, CRLF), columns `COLUMNS`."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for record in sorted_records(records, subject):
        for row in _record_rows(record, table):
            writer.writerow({column: csv_cell(row.get(column)) for column in COLUMNS})
    writer.writerow({column: csv_cell(value) for column, value in {
        "kind": "source", "item": "food_table", "value": FOOD_TABLE_SOURCE["citation"],
    }.items()})
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _record_rows(record: Mapping[str, Any], table: FoodTable) -> Iterator[Row]:
    kind = str(record.get("kind") or "")
    data = record.get("data") or {}
    when = recorded_at(record)
    base: Row = {"record_id": str(record.get("id") or ""), "kind": kind,
                 "date": str(data.get("date") or when.date().isoformat())}
    if kind == "meal":
        yield from _meal_rows({**base, "time": when.strftime("%H:%M"),
                               "meal": str(data.get("meal") or "")}, data, table)
    elif kind == "body":
        for item, unit in BODY_UNITS.items():
            if data.get(item) is not None:
                yield {**base, "item": item, "value": str(data[item]), "unit": unit}
    elif kind == "checkup":
        levels = data.get("levels") or {}
        for item, value in (data.get("values") or {}).items():
            yield {**base, "item": item, "value": str(value),
                   "unit": CHECKUP_UNITS.get(item, ""), "level": str(levels.get(item) or "")}
        if data.get("at_risk") is not None:
            yield {**base, "item": "at_risk", "value": csv_cell(bool(data["at_risk"]))}
    elif kind == "checklist":
        answers = [int(a) for a in data.get("answers") or ()]
        yield {**base, "item": "score", "value": str(sum(answers))}
        for domain, flagged in (data.get("result") or {}).items():
            yield {**base, "item": f"result.{domain}", "value": csv_cell(bool(flagged))}
        yield {**base, "item": "answers", "value": " ".join(str(a) for a in answers)}
    elif kind == "screening":
        yield {**base, "item": str(data.get("screening") or "")}
    else:  # a kind this version does not know: its row says it is there
        yield base


def _meal_rows(base: Row, data: Mapping[str, Any], table: FoodTable) -> Iterator[Row]:
    items = data.get("items") or ()
    if not items:
        yield base
    for item in items:
        dish = {**base, "dish": str(item.get("label") or ""),
                "dish_grams": _text(item.get("grams")),
                "estimate": csv_cell(bool(item.get("estimate")))}
        lines = item.get("lines") or ()
        if not lines:
            yield dish
        for line in lines:
            yield {**dish, **_line_cells(line, table)}


def _line_cells(line: Mapping[str, Any], table: FoodTable) -> Row:
    code = str(line.get("code") or "").strip()
    code = code.zfill(5) if code.isdigit() else code
    food = table.get(code)
    cells: Row = {"food_code": code, "food_name": food.name if food else "",
                  "grams": _text(line.get("grams"))}
    try:
        grams = to_grams(line.get("grams") or "")
    except ValueError:
        return cells  # grams unreadable: no value is made up
    cells["grams"] = f"{grams:f}"
    if food is not None:
        for key in NUTRIENT_KEYS:
            cells[key] = Total(key).add(line_value(food, key, grams)).text
    return cells


def _text(value: object) -> str:
    return "" if value is None else str(value)
