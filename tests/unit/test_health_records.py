"""Health records (app/features/health/records.py): a meal keeps food codes and grams and its
totals as the table prints them; a body record's bounds; what parse_record refuses; records
read back oldest first; day totals summed unrounded and rounded once (Asia/Tokyo days).

Values by hand from assets/health/food/food_table.csv, 01088 こめ［水稲めし］精白米 うるち米
per 100 g: 156 kcal, protein 2.5, fat 0.3, carbohydrate 37.1, fiber 1.5, salt 0."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from app.features.health.nutrition.food_table import FoodTable, NutrientKey, default_table
from app.features.health.nutrition.portions import record_line
from app.features.health.records import (
    CITY_TZ,
    MealItem,
    RecordRefused,
    body_record,
    meal_of_hour,
    meal_record,
    meal_totals_of,
    parse_record,
    plain_record,
    read_records,
    totals_by_day,
)

SUBJECT = "common-0001-resident"
NOW = datetime(2026, 12, 5, 3, 31, 2, tzinfo=UTC)
LUNCH = datetime(2026, 12, 5, 12, 30, tzinfo=CITY_TZ)


@pytest.fixture(scope="module")
def table() -> FoodTable:
    return default_table()


def rice(grams: str | int = 150) -> MealItem:
    return MealItem("ご飯", "food:01088", Decimal(grams), (record_line("01088", grams),))


def test_a_meal_of_rice_150_g_stores_its_codes_grams_and_totals_as_the_table_prints(
        table: FoodTable) -> None:
    record = meal_record(SUBJECT, LUNCH, "lunch", [rice(150)], table, NOW)
    assert len(record["id"]) == 32 and all(c in "0123456789abcdef" for c in record["id"])
    assert record["kind"] == "meal"
    assert record["subject"] == SUBJECT
    assert record["recorded_at"] == "2026-12-05T12:30:00+09:00"
    assert record["created_at"] == "2026-12-05T03:31:02+00:00"
    assert record["data"]["meal"] == "lunch"
    assert record["data"]["photo_kept"] is False
    assert record["data"]["items"] == [{"label": "ご飯", "source": "food:01088", "grams": 150,
                                        "estimate": True,
                                        "lines": [{"code": "01088", "grams": "150"}]}]
    # 156 × 1.5 = 234; 2.5 × 1.5 = 3.75 → 3.8 (half up); 0.3 × 1.5 = 0.45 → 0.5;
    # 37.1 × 1.5 = 55.65 → 55.7; 1.5 × 1.5 = 2.25 → 2.3; 0 → "0"
    assert record["data"]["totals"] == {"energy_kcal": "234", "protein_g": "3.8",
                                        "fat_g": "0.5", "carbohydrate_g": "55.7",
                                        "fiber_g": "2.3", "salt_equiv_g": "0"}


def test_a_meal_record_times_are_written_in_tokyo_and_utc(table: FoodTable) -> None:
    eaten = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)  # 08:30 on the 5th in Tokyo
    record = meal_record(SUBJECT, eaten, "breakfast", [rice(100)], table,
                         datetime(2026, 12, 5, 9, 0, tzinfo=timezone(timedelta(hours=9))),
                         photo_kept=True, record_id="a" * 32)
    assert record["id"] == "a" * 32
    assert record["recorded_at"] == "2026-12-05T08:30:00+09:00"
    assert record["created_at"] == "2026-12-05T00:00:00+00:00"
    assert record["data"]["photo_kept"] is True
    assert record["data"]["totals"]["energy_kcal"] == "156"


def test_a_meal_item_with_decimal_grams_keeps_them_as_text(table: FoodTable) -> None:
    item = MealItem("ご飯", "food:01088", Decimal("12.5"), (record_line("01088", "12.5"),),
                    estimate=False)
    assert item.as_json() == {"label": "ご飯", "source": "food:01088", "grams": "12.5",
                              "estimate": False, "lines": [{"code": "01088", "grams": "12.5"}]}
    record = meal_record(SUBJECT, LUNCH, "snack", [item], table, NOW)
    assert record["data"]["totals"]["energy_kcal"] == "20"  # 156 × 0.125 = 19.5 → 20


@pytest.mark.parametrize(("meal", "items", "subject", "eaten", "now"), [
    ("brunch", [rice()], SUBJECT, LUNCH, NOW),  # not a meal
    ("lunch", [], SUBJECT, LUNCH, NOW),  # no dish
    ("lunch", [rice()], "", LUNCH, NOW),  # whose?
    ("lunch", [rice()], SUBJECT, datetime(2026, 12, 5, 12, 30), NOW),  # naive
    ("lunch", [rice()], SUBJECT, LUNCH, datetime(2026, 12, 5, 3, 31)),  # naive
])
def test_meal_record_refusals(table: FoodTable, meal: str, items: list[MealItem], subject: str,
                              eaten: datetime, now: datetime) -> None:
    with pytest.raises(RecordRefused):
        meal_record(subject, eaten, meal, items, table, now)


def test_a_body_record_keeps_one_decimal_place_and_starts_the_day_in_tokyo() -> None:
    record = body_record(SUBJECT, date(2026, 12, 5), NOW, weight_kg=" 62.46 ", steps="8,000",
                         height_cm="165")
    assert record["kind"] == "body"
    assert record["recorded_at"] == "2026-12-05T00:00:00+09:00"
    assert record["data"] == {"weight_kg": "62.5", "steps": 8000, "height_cm": "165.0"}


def test_a_body_record_may_hold_one_value_only() -> None:
    assert body_record(SUBJECT, date(2026, 12, 5), NOW, weight_kg=None,
                       steps="0")["data"] == {"weight_kg": None, "steps": 0, "height_cm": None}
    assert body_record(SUBJECT, date(2026, 12, 5), NOW, weight_kg="2", steps="  ")["data"] == {
        "weight_kg": "2.0", "steps": None, "height_cm": None}
    assert body_record(SUBJECT, date(2026, 12, 5), NOW, weight_kg="400", steps="200000")[
        "data"] == {"weight_kg": "400.0", "steps": 200000, "height_cm": None}


@pytest.mark.parametrize(("weight", "steps", "height"), [
    (None, None, None), ("", " ", None),  # nothing
    ("1.9", None, None), ("400.1", None, None), ("-60", None, None),  # weight bounds
    (None, "-1", None), (None, "200001", None),  # steps bounds
    (None, None, "39.9"), (None, None, "250.1"),  # height bounds
    ("abc", None, None), ("NaN", None, None), ("Infinity", None, None),
    (None, "sNaN", None), ("60", "lots", None),
])
def test_body_record_refusals(weight: str | None, steps: str | None,
                              height: str | None) -> None:
    with pytest.raises(RecordRefused):
        body_record(SUBJECT, date(2026, 12, 5), NOW, weight_kg=weight, steps=steps,
                    height_cm=height)


def test_plain_records_are_checkups_checklists_or_screenings_only() -> None:
    record = plain_record("screening", SUBJECT, date(2026, 11, 20), NOW,
                          {"screening": "gastric", "date": "2026-11-20"})
    assert record["kind"] == "screening"
    assert record["recorded_at"] == "2026-11-20T00:00:00+09:00"
    assert record["data"] == {"screening": "gastric", "date": "2026-11-20"}
    for kind in ("meal", "body", "diary"):
        with pytest.raises(RecordRefused):
            plain_record(kind, SUBJECT, date(2026, 11, 20), NOW, {})


@pytest.mark.parametrize(("hour", "meal"), [
    (3, "snack"), (4, "breakfast"), (9, "breakfast"), (10, "lunch"), (14, "lunch"),
    (15, "snack"), (16, "snack"), (17, "dinner"), (22, "dinner"), (23, "snack"), (0, "snack"),
])
def test_meal_of_hour(hour: int, meal: str) -> None:
    assert meal_of_hour(hour) == meal


def test_a_written_meal_parses_back(table: FoodTable) -> None:
    raw = meal_record(SUBJECT, datetime(2026, 12, 4, 23, 30, tzinfo=UTC), "breakfast",
                      [rice(150)], table, NOW)
    record = parse_record(raw)
    assert record.id == raw["id"]
    assert record.kind == "meal"
    assert record.subject == SUBJECT
    assert record.at == datetime(2026, 12, 5, 8, 30, tzinfo=CITY_TZ)
    assert record.at.utcoffset() == timedelta(hours=9)
    assert record.day == date(2026, 12, 5)
    assert record.meal_lines() == [record_line("01088", "150")]
    assert record.raw is raw


def _meal(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": "0123456789abcdef0123456789abcdef", "kind": "meal", "subject": SUBJECT,
        "recorded_at": "2026-12-05T12:30:00+09:00", "created_at": "2026-12-05T03:31:02+00:00",
        "data": {"meal": "lunch", "items": [{"label": "ご飯", "source": "food:01088",
                                              "grams": 150, "estimate": True,
                                              "lines": [{"code": "01088", "grams": "150"}]}],
                 "totals": {}, "photo_kept": False}}
    raw.update(changes)
    return raw


def _item(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = copy.deepcopy(_meal()["data"]["items"][0])
    item.update(changes)
    return item


def _data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(_meal()["data"])
    data.update(changes)
    return data


def test_the_sample_meal_parses() -> None:
    assert parse_record(_meal()).meal_lines() == [record_line("01088", 150)]
    recipe = _data(items=[_item(source="recipe:curry_rice")])
    assert parse_record(_meal(data=recipe)).kind == "meal"


@pytest.mark.parametrize("raw", [
    None, [], "meal",
    _meal(id="0123456789ABCDEF0123456789ABCDEF"),  # upper case
    _meal(id="0123456789abcdef"),  # short
    _meal(id=12),
    _meal(kind="diary"), _meal(subject=""), _meal(subject=None),
    _meal(data=None), _meal(data=[]),
    _meal(recorded_at="yesterday"), _meal(recorded_at=None),
    _meal(recorded_at="2026-12-05T12:30:00"),  # no zone
    _meal(data=_data(meal="brunch")),
    _meal(data=_data(items=[])), _meal(data=_data(items={"a": 1})),
    _meal(data=_data(items=["ご飯"])),
    _meal(data=_data(items=[_item(source="rice")])),
    _meal(data=_data(items=[_item(source="recipe:Curry Rice")])),
    _meal(data=_data(items=[_item(source="food:1088")])),
    _meal(data=_data(items=[_item(lines=[])])),
    _meal(data=_data(items=[_item(lines=None)])),
    _meal(data=_data(items=[_item(lines=[{"code": "01088"}])])),
    _meal(data=_data(items=[_item(lines=[{"code": "rice", "grams": "150"}])])),
    _meal(data=_data(items=[_item(lines=[{"code": "01088", "grams": "0"}])])),
    _meal(data=_data(items=[_item(lines=[{"code": "01088", "grams": "-5"}])])),
    _meal(data=_data(items=[_item(lines=[{"code": "01088", "grams": "5001"}])])),
    _meal(data=_data(items=[_item(lines=[{"code": "01088", "grams": "lots"}])])),
    _meal(data=_data(items=[_item(lines=["01088 150"])])),
])
def test_parse_record_refuses_what_the_tile_did_not_write(raw: Any) -> None:
    with pytest.raises(RecordRefused):
        parse_record(raw)


def _body(record_id: str, at: str, subject: str = SUBJECT) -> dict[str, Any]:
    return {"id": record_id, "kind": "body", "subject": subject, "recorded_at": at,
            "created_at": at, "data": {"weight_kg": "60", "steps": None, "height_cm": None}}


def test_read_records_skips_the_damaged_and_sorts_oldest_first() -> None:
    late = _body("b" * 32, "2026-12-05T00:00:00+09:00")
    early = _body("c" * 32, "2026-12-04T00:00:00+09:00")
    same_time = _body("a" * 32, "2026-12-05T00:00:00+09:00")
    utc_written = _body("d" * 32, "2026-12-04T14:30:00+00:00")  # 23:30 on the 4th in Tokyo
    records = read_records([late, {"id": "x"}, early, None, same_time, _meal(kind="x"),
                            utc_written])
    assert [r.id for r in records] == ["c" * 32, "d" * 32, "a" * 32, "b" * 32]
    assert records[1].day == date(2026, 12, 4)


def _rice_meal(record_id: str, at: str, grams: str) -> dict[str, Any]:
    return _meal(id=record_id, recorded_at=at,
                 data=_data(items=[_item(grams=grams,
                                         lines=[{"code": "01088", "grams": grams}])]))


def test_totals_by_day_sum_unrounded_meals_of_each_tokyo_day(table: FoodTable) -> None:
    records = read_records([
        _rice_meal("1" * 32, "2026-12-05T08:00:00+09:00", "105"),
        _rice_meal("2" * 32, "2026-12-05T12:00:00+09:00", "105"),
        # 23:30 UTC on the 5th is 08:30 on the 6th in Tokyo
        _rice_meal("3" * 32, "2026-12-05T23:30:00+00:00", "100"),
        _body("4" * 32, "2026-12-07T00:00:00+09:00"),  # not a meal: no day of its own
    ])
    days = totals_by_day(records, table)
    assert set(days) == {date(2026, 12, 5), date(2026, 12, 6)}
    fifth = days[date(2026, 12, 5)]
    # 105 g: 163.8 kcal, protein 2.625, fat 0.315 each; two meals: 327.6, 5.25, 0.63.
    # Rounded once: 328, 5.3 (rounding each meal first would give 2.6 + 2.6 = 5.2), 0.6.
    assert fifth[NutrientKey.ENERGY_KCAL].text == "328"
    assert fifth[NutrientKey.PROTEIN_G].text == "5.3"
    assert fifth[NutrientKey.FAT_G].text == "0.6"
    assert fifth[NutrientKey.CARBOHYDRATE_G].text == "77.9"  # 38.955 × 2 = 77.91
    assert fifth[NutrientKey.SALT_EQUIV_G].text == "0"
    sixth = days[date(2026, 12, 6)]
    assert sixth[NutrientKey.ENERGY_KCAL].text == "156"
    assert sixth[NutrientKey.FIBER_G].text == "1.5"


def test_a_meal_is_recomputed_from_its_lines_not_its_stored_totals(table: FoodTable) -> None:
    raw = _meal(data=_data(totals={"energy_kcal": "9999"}))
    totals = meal_totals_of(parse_record(raw), table)
    assert totals[NutrientKey.ENERGY_KCAL].text == "234"
    assert totals[NutrientKey.CARBOHYDRATE_G].amount == Decimal("55.65")


def test_a_code_not_in_the_table_makes_the_day_incomplete_not_an_error(
        table: FoodTable) -> None:
    raw = _meal(data=_data(items=[_item(), _item(source="food:99999", lines=[
        {"code": "99999", "grams": "100"}])]))
    days = totals_by_day(read_records([raw]), table)
    assert days[date(2026, 12, 5)][NutrientKey.ENERGY_KCAL].text == "234+"


@pytest.mark.parametrize("raw", [
    _meal(id="0123456789abcdef0123456789abcdef\n"),
    _meal(data=_data(items=[_item(source="food:01088\n")])),
])
def test_a_trailing_newline_is_not_part_of_an_id_or_source(raw: Any) -> None:
    with pytest.raises(RecordRefused):
        parse_record(raw)


def test_a_body_value_rounds_half_up() -> None:
    data = body_record(SUBJECT, date(2026, 12, 5), NOW, weight_kg="62.45", steps="10.5")["data"]
    assert data["weight_kg"] == "62.5"
    assert data["steps"] == 11
