"""Health records as the tile keeps them (docs/health.md "Records"): plain JSON dicts,
append-only (a correction is a new record and the old one deleted), each naming whose record
it is (`subject`: the resident, or a child a parent keeps it for). A meal stores food codes
and grams, so its nutrition can always be recomputed from the table."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from app.features.health.nutrition.food_table import NUTRIENT_KEYS, FoodTable
from app.features.health.nutrition.portions import MAX_GRAMS, LineValue, RecordLine, record_line
from app.features.health.nutrition.totals import Totals, day_totals, empty_totals, meal_totals

CITY_TZ = timezone(timedelta(hours=9), "JST")  # Asia/Tokyo has no daylight saving
KINDS = ("meal", "body", "checkup", "checklist", "screening")
MEALS = ("breakfast", "lunch", "dinner", "snack")
_ID = re.compile(r"[0-9a-f]{32}")
_SOURCE = re.compile(r"(recipe:[a-z0-9_]{1,64}|food:[0-9]{5})")


class RecordRefused(ValueError):
    """A record the tile will not write or read (missing fields, impossible values)."""


def new_id() -> str:
    return uuid.uuid4().hex


def meal_of_hour(hour: int) -> str:
    """The meal a photo taken at this local hour most likely is."""
    if 4 <= hour < 10:
        return "breakfast"
    if 10 <= hour < 15:
        return "lunch"
    if 17 <= hour < 23:
        return "dinner"
    return "snack"


@dataclass(frozen=True)
class MealItem:
    """One dish or food of a meal, as the resident confirmed it."""

    label: str
    source: str  # "recipe:<id>" or "food:<code>"
    grams: Decimal
    lines: tuple[RecordLine, ...]
    estimate: bool = True

    def as_json(self) -> dict[str, Any]:
        return {"label": self.label, "source": self.source, "grams": _number(self.grams),
                "estimate": self.estimate,
                "lines": [{"code": line.code, "grams": str(line.grams)} for line in self.lines]}


def meal_record(subject: str, eaten_at: datetime, meal: str, items: Sequence[MealItem],
                table: FoodTable, now: datetime, *, photo_kept: bool = False,
                record_id: str | None = None) -> dict[str, Any]:
    if meal not in MEALS:
        raise RecordRefused(f"unknown meal {meal!r}")
    if not items:
        raise RecordRefused("a meal needs at least one dish")
    totals = meal_totals(table, [line for item in items for line in item.lines])
    return _record("meal", subject, eaten_at, now, {
        "meal": meal, "items": [item.as_json() for item in items],
        "totals": totals_json(totals), "photo_kept": photo_kept}, record_id)


def body_record(subject: str, day: date, now: datetime, *, weight_kg: str | None,
                steps: str | None, height_cm: str | None = None) -> dict[str, Any]:
    weight = _bounded(weight_kg, "weight_kg", Decimal("2"), Decimal("400"), 1)
    height = _bounded(height_cm, "height_cm", Decimal("40"), Decimal("250"), 1)
    step_count = _bounded(steps, "steps", Decimal("0"), Decimal("200000"), 0)
    if weight is None and step_count is None and height is None:
        raise RecordRefused("nothing to record")
    return _record("body", subject, _day_start(day), now, {
        "weight_kg": None if weight is None else str(weight),
        "steps": None if step_count is None else int(step_count),
        "height_cm": None if height is None else str(height)})


def plain_record(kind: str, subject: str, day: date, now: datetime,
                 data: Mapping[str, Any]) -> dict[str, Any]:
    """A check-up, checklist or screening record (their modules check `data`)."""
    if kind not in ("checkup", "checklist", "screening"):
        raise RecordRefused(f"not a plain record kind: {kind!r}")
    return _record(kind, subject, _day_start(day), now, dict(data))


def _record(kind: str, subject: str, at: datetime, now: datetime, data: dict[str, Any],
            record_id: str | None = None) -> dict[str, Any]:
    if not subject:
        raise RecordRefused("whose record is it?")
    if at.tzinfo is None or now.tzinfo is None:
        raise RecordRefused("times must be aware")
    return {"id": record_id or new_id(), "kind": kind, "subject": subject,
            "recorded_at": at.astimezone(CITY_TZ).isoformat(timespec="seconds"),
            "created_at": now.astimezone(UTC).isoformat(timespec="seconds"),
            "data": data}


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=CITY_TZ)


def _number(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else str(value)


def _bounded(text: str | None, name: str, low: Decimal, high: Decimal,
             places: int) -> Decimal | None:
    if text is None or not str(text).strip():
        return None
    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise RecordRefused(f"{name}: not a number") from exc
    if not value.is_finite() or not low <= value <= high:
        raise RecordRefused(f"{name}: out of range")
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def totals_json(totals: Totals) -> dict[str, str]:
    return {key.value: totals[key].text for key in NUTRIENT_KEYS}


@dataclass(frozen=True)
class Record:
    """A stored record, read back and checked."""

    id: str
    kind: str
    subject: str
    at: datetime  # local (Asia/Tokyo)
    data: Mapping[str, Any]
    raw: Mapping[str, Any]

    @property
    def day(self) -> date:
        return self.at.date()

    def meal_lines(self) -> list[RecordLine]:
        lines: list[RecordLine] = []
        for item in self.data.get("items") or ():
            for line in item.get("lines") or ():
                lines.append(record_line(str(line["code"]), str(line["grams"])))
        return lines


def parse_record(raw: Any) -> Record:
    """Raises `RecordRefused` for anything the tile did not write."""
    if not isinstance(raw, Mapping):
        raise RecordRefused("not an object")
    record_id, kind, subject = raw.get("id"), raw.get("kind"), raw.get("subject")
    if not isinstance(record_id, str) or not _ID.fullmatch(record_id):
        raise RecordRefused("bad id")
    if kind not in KINDS or not isinstance(subject, str) or not subject:
        raise RecordRefused("bad kind or subject")
    data = raw.get("data")
    if not isinstance(data, Mapping):
        raise RecordRefused("no data")
    try:
        at = datetime.fromisoformat(str(raw.get("recorded_at")))
    except ValueError as exc:
        raise RecordRefused("bad time") from exc
    if at.tzinfo is None:
        raise RecordRefused("time without zone")
    if kind == "meal":
        _check_meal(data)
    return Record(record_id, kind, subject, at.astimezone(CITY_TZ), data, raw)


def _check_meal(data: Mapping[str, Any]) -> None:
    items = data.get("items")
    if data.get("meal") not in MEALS or not isinstance(items, list) or not items:
        raise RecordRefused("bad meal")
    for item in items:
        if not isinstance(item, Mapping) or not _SOURCE.fullmatch(str(item.get("source", ""))):
            raise RecordRefused("bad meal item")
        lines = item.get("lines")
        if not isinstance(lines, list) or not lines:
            raise RecordRefused("meal item without foods")
        for line in lines:
            try:
                record_line(str(line["code"]), str(line["grams"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise RecordRefused("bad food line") from exc


def read_records(rows: Iterable[Any]) -> list[Record]:
    """Every record that parses, oldest first (a damaged one is skipped by the caller's log)."""
    out = []
    for raw in rows:
        try:
            out.append(parse_record(raw))
        except RecordRefused:
            continue
    return sorted(out, key=lambda r: (r.at, r.id))


def meal_totals_of(record: Record, table: FoodTable) -> Totals:
    """A meal's nutrition recomputed from its food codes and grams. A code the table does not
    have (a record from another device, a city's replacement table) counts as not measured:
    the totals say they are incomplete ("234+") instead of failing the day."""
    lines = record.meal_lines()
    known = [line for line in lines if line.code in table]
    totals = meal_totals(table, known)
    for line in lines:
        if line.code not in table:
            totals = Totals({key: totals[key].add(LineValue(line.code, None, False, False))
                             for key in NUTRIENT_KEYS})
    return totals


def totals_by_day(records: Iterable[Record], table: FoodTable) -> dict[date, Totals]:
    days: dict[date, list[Totals]] = {}
    for record in records:
        if record.kind == "meal":
            days.setdefault(record.day, []).append(meal_totals_of(record, table))
    return {day: day_totals(meals) if meals else empty_totals() for day, meals in days.items()}


__all__ = ["CITY_TZ", "KINDS", "MAX_GRAMS", "MEALS", "MealItem", "Record", "RecordRefused",
           "body_record", "meal_of_hour", "meal_record", "meal_totals_of", "new_id",
           "parse_record", "plain_record", "read_records", "totals_by_day", "totals_json"]
