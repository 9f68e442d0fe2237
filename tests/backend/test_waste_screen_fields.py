"""The data fields the waste tile's screens need, read by the importer: an area's reading
(五十音 order), a kind's short name, and the city's put-out time (docs/waste-data.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend.tiles.waste.calendar_5374 import parse_area_days, parse_description
from backend.tiles.waste.dataset import load_demo, read_source_info
from backend.tiles.waste.import_report import WasteFileError
from backend.tiles.waste.records import SourceInfo


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_an_area_reading_column_is_read_as_hiragana_and_is_no_kind(tmp_path: Path) -> None:
    path = write(tmp_path / "area_days.csv",
                 "地名,センター,燃やせるごみ,地名_カナ\n勝北,C,火 金,ショウボク\n一宮,C,月,\n")
    parsed = parse_area_days(path, kinds={"燃やせるごみ"})
    assert parsed.problems == []
    shohoku, ichinomiya = parsed.records
    assert shohoku.reading == "しょうぼく" and ichinomiya.reading is None
    assert [s.kind for s in shohoku.schedules] == ["燃やせるごみ"]
    data = shohoku.data(SourceInfo("k", "t"))
    assert data["reading"] == "しょうぼく" and data["put_out_by"] == "08:30"


def test_a_short_name_column_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "description.csv",
                 "label,sublabel,description,styles,bgcolor,short\n"
                 "資源ごみ（紙類・布類）,,,,#4a7fc1, 紙・布 \n有害ごみ,,,,#d6336c,\n")
    paper, harmful = parse_description(path).records
    assert paper.short == "紙・布" and harmful.short == ""


@pytest.mark.parametrize(("value", "expected"), [("08:30", "08:30"), ("7:05", "07:05"),
                                                 (None, "08:30")])
def test_put_out_by_in_dataset_json(tmp_path: Path, value: str | None, expected: str) -> None:
    raw = {"key": "city"} | ({"put_out_by": value} if value else {})
    write(tmp_path / "dataset.json", json.dumps(raw))
    assert read_source_info(tmp_path).put_out_by == expected


@pytest.mark.parametrize("value", ["8時半", "25:00", "08:60", 830, ""])
def test_a_bad_put_out_by_is_refused(tmp_path: Path, value: object) -> None:
    write(tmp_path / "dataset.json", json.dumps({"key": "city", "put_out_by": value}))
    with pytest.raises(WasteFileError, match="put_out_by"):
        read_source_info(tmp_path)


def test_the_demo_carries_readings_short_names_and_the_put_out_time() -> None:
    dataset = load_demo("332038")
    assert all(area.reading for area in dataset.content.areas.values())
    assert all(kind.short for kind in dataset.content.kinds.values())
    assert dataset.source.put_out_by == "08:30"
