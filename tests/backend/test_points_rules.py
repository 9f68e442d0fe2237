"""The city's earning rules and districts: validation with a report of every bad entry,
the demo folder, the commands, publishing (docs/points.md "Earning")."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from backend.tiles.points.rules import (
    DEMO_DIR,
    DISTRICTS_FILE,
    RULES_FILE,
    PointsFileError,
    kg_to_grams,
    read_demo,
    read_folder,
)
from backend.tiles.points.rules_cli import check_main
from backend.tiles.points.rules_store import active_districts, active_rule, active_rules, publish
from backend.tiles.waste.records import area_id

GOOD_RULE: dict[str, Any] = {
    "id": "walk", "purpose": "health_walk", "name_ja": "ウォーキング", "name_en": "Walking",
    "amount": 5, "caps": {"daily": 1, "yearly": 200}, "how": ["code"], "eligible": "everyone"}
GOOD_DISTRICT: dict[str, Any] = {"id": "north", "name": "北", "goal_kg": 12.5, "towns": ["北町"]}


def write(folder: Path, rules: object, districts: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, document in ((RULES_FILE, rules), (DISTRICTS_FILE, districts)):
        if document is not None:
            text = document if isinstance(document, str) else json.dumps(document)
            (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_the_demo_folder_is_clean_and_marked_demo() -> None:
    folder = read_demo()
    assert folder.problems == []
    assert folder.is_demo
    assert {rule.purpose for rule in folder.rules} == {
        "recycling", "health_check", "event", "stamp_rally"}
    assert len(folder.districts) == 8
    health = next(rule for rule in folder.rules if rule.id == "health-check")
    assert health.how == ("staff",) and health.min_age == 40 and health.yearly_cap == 1


def test_demo_district_ids_are_the_waste_tiles_area_ids() -> None:
    path = Path(__file__).resolve().parents[2] / "assets/waste/tsuyama_demo/area_days.csv"
    with path.open(encoding="utf-8-sig") as handle:
        names = [row[0] for row in csv.reader(handle)][1:]
    districts = {district.name: district.id for district in read_demo().districts}
    assert districts == {name: area_id(name) for name in names}
    # The seed's scenario: 50 kg together in 津山中央.
    central = next(d for d in read_demo().districts if d.name == "津山中央")
    assert central.goal_grams == 50_000 and central.points == 100


def test_every_malformed_entry_is_reported_and_the_good_ones_load(tmp_path: Path) -> None:
    rules = {"rules": [
        GOOD_RULE,
        {**GOOD_RULE, "id": "Bad Id", "amount": 0},
        {**GOOD_RULE, "id": "walk"},  # duplicate
        {**GOOD_RULE, "id": "caps", "caps": {"daily": 5, "yearly": 2, "weekly": 1}},
        {**GOOD_RULE, "id": "how", "how": ["mail"]},
        {**GOOD_RULE, "id": "who", "eligible": "aliens", "min_age": 20},
        {**GOOD_RULE, "id": "fee", "purpose": "bulky_waste_fee"},
        {**GOOD_RULE, "id": "extra", "colour": "red"},
        "not an object",
        {**GOOD_RULE, "id": "minage", "eligible": "residents", "min_age": 40, "amount": 10},
    ]}
    districts = {"points": 50, "districts": [
        GOOD_DISTRICT,
        {"id": "south", "name": "南", "goal_kg": 0},
        {"id": "east", "name": "東", "goal_kg": "1.2345"},
        {"id": "west", "name": "西", "goal_kg": 3, "towns": "西町"},
        {**GOOD_DISTRICT},  # duplicate
    ]}
    folder = read_folder(write(tmp_path, rules, districts))
    assert [rule.id for rule in folder.rules] == ["walk", "minage"]
    assert [d.id for d in folder.districts] == ["north"]
    assert folder.districts[0].goal_grams == 12_500 and folder.districts[0].points == 50
    lines = folder.lines()
    expected = [
        "rules.json: rules[1] (id 'Bad Id'): id must be lowercase",
        "rules.json: rules[1] (id 'Bad Id'): amount must be a whole number from 1",
        "rules.json: rules[2] (id 'walk'): id 'walk' is used by an earlier rule",
        "rules.json: rules[3] (id 'caps'): caps has unknown keys ['weekly']",
        "rules.json: rules[3] (id 'caps'): caps.daily cannot be more than caps.yearly",
        "rules.json: rules[4] (id 'how'): how must be a list of code and/or staff",
        "rules.json: rules[5] (id 'who'): eligible must be one of residents, everyone",
        "rules.json: rules[5] (id 'who'): min_age needs eligible \"residents\"",
        "rules.json: rules[6] (id 'fee'): purpose 'bulky_waste_fee' is the ledger's own",
        "rules.json: rules[7] (id 'extra'): unknown keys ['colour']",
        "rules.json: rules[8]: a rule must be an object",
        "districts.json: districts[1] (id 'south'): goal_kg must be a number of kg above 0",
        "districts.json: districts[2] (id 'east'): goal_kg must be",
        "districts.json: districts[3] (id 'west'): towns must be a list",
        "districts.json: districts[4] (id 'north'): id 'north' is used by an earlier",
    ]
    for start in expected:
        assert any(line.startswith(start) for line in lines), (start, lines)
    assert len(folder.problems) == len(expected)


def test_a_missing_or_broken_file_is_reported_and_the_other_loads(tmp_path: Path) -> None:
    folder = read_folder(write(tmp_path / "a", {"rules": [GOOD_RULE]}, None))
    assert [str(p) for p in folder.problems] == ["districts.json: missing"]
    assert len(folder.rules) == 1 and folder.rules_file_ok and not folder.districts_file_ok
    broken = read_folder(write(tmp_path / "b", "{not json", {"districts": []}))
    assert str(broken.problems[0]).startswith("rules.json: not JSON (line 1")
    assert broken.districts_file_ok and not broken.rules_file_ok
    shape = read_folder(write(tmp_path / "c", {"rules": {}}, []))
    assert [str(p) for p in shape.problems] == [
        "rules.json: must be an object with a list 'rules'",
        "districts.json: must be an object with a list 'districts'"]
    with pytest.raises(PointsFileError):
        read_folder(tmp_path / "nowhere")


@pytest.mark.parametrize(("value", "grams"), [
    (50, 50_000), (12.5, 12_500), ("0.001", 1), (0, 0), (-1, None), ("1.0001", None),
    (True, None), ("abc", None), (float("nan"), None), (None, None), (1e12, None)])
def test_kg_to_grams(value: object, grams: int | None) -> None:
    assert kg_to_grams(value) == grams


def test_check_rules_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check_main([str(DEMO_DIR)]) == 0
    assert "loaded (demo data): 4 rules, 8 districts" in capsys.readouterr().out
    bad = write(tmp_path, {"rules": [GOOD_RULE, {**GOOD_RULE, "id": "x", "amount": -1}]},
                {"points": 20, "districts": [GOOD_DISTRICT]})
    assert check_main([str(bad)]) == 1
    out = capsys.readouterr().out
    assert "loaded (city data): 1 rules, 1 districts" in out
    assert "rules.json: rules[1] (id 'x'): amount must be" in out
    assert check_main([str(tmp_path / "nowhere")]) == 1


def test_publishing_replaces_the_demo_and_retires_what_left(
        tmp_path: Path, make_app: Callable[..., FastAPI]) -> None:
    sqlite_engine: Engine = make_app(f"sqlite:///{tmp_path / 'b.sqlite3'}",
                                     load_demo_data=False).state.engine
    code = "332038"
    assert publish(sqlite_engine, code, read_demo()).rules_changed == 4
    again = publish(sqlite_engine, code, read_demo())
    assert (again.rules_changed, again.districts_changed) == (0, 0)
    city = read_folder(write(tmp_path, {"rules": [GOOD_RULE]}, {"points": 10, "districts": [
        GOOD_DISTRICT]}))
    result = publish(sqlite_engine, code, city)
    assert (result.rules_changed, result.rules_retired) == (1, 4)
    assert (result.districts_changed, result.districts_retired) == (1, 8)
    with Session(sqlite_engine) as session:
        assert [rule.id for rule in active_rules(session, code)] == ["walk"]
        assert active_rule(session, code, "health-check") is None
        assert [d.id for d in active_districts(session, code)] == ["north"]
    # The demo at a later start-up does not replace the city's own rules.
    skipped = publish(sqlite_engine, code, read_demo(), unless_city_data=True)
    assert skipped.skipped
    # A file that failed to load retires nothing.
    broken = read_folder(write(tmp_path / "broken", "{", {"points": 10,
                                                            "districts": [GOOD_DISTRICT]}))
    publish(sqlite_engine, code, broken)
    with Session(sqlite_engine) as session:
        assert [rule.id for rule in active_rules(session, code)] == ["walk"]


def test_start_up_publishes_the_citys_folder_else_the_demo(
        tmp_path: Path, make_app: Callable[..., FastAPI],
        monkeypatch: pytest.MonkeyPatch) -> None:
    demo = make_app(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    with Session(demo.state.engine) as session:
        assert len(active_rules(session, "332038")) == 4
    off = make_app(f"sqlite:///{tmp_path / 'off.sqlite3'}", load_demo_data=False)
    with Session(off.state.engine) as session:
        assert active_rules(session, "332038") == []
    city = write(tmp_path / "city", {"rules": [GOOD_RULE]}, {"points": 5, "districts": [
        GOOD_DISTRICT]})
    monkeypatch.setenv("TSUYAMA_POINTS_DIR", str(city))
    app = make_app(f"sqlite:///{tmp_path / 'city.sqlite3'}")
    with Session(app.state.engine) as session:
        assert [rule.id for rule in active_rules(session, "332038")] == ["walk"]
