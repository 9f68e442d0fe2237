"""Waste content parsers (no database): ゴミの分別方法一覧, the 5374 files, folders, readings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend.tiles.waste import readings
from backend.tiles.waste.calendar_5374 import (
    parse_area_days,
    parse_center,
    parse_description,
    parse_remarks,
    parse_target,
)
from backend.tiles.waste.calendar_rules import parse_rule
from backend.tiles.waste.csv_io import read_csv
from backend.tiles.waste.dataset import DEMO_DIR, load_demo, load_folder
from backend.tiles.waste.import_report import WasteFileError
from backend.tiles.waste.records import Closure, Schedule, area_id, item_id
from backend.tiles.waste.sorting_csv import parse_fee, parse_sorting_csv
from tests.conftest import require_or_skip

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "waste"
KANAZAWA = FIXTURES / "kanazawa_2022"
HEADER = ("全国地方公共団体コード,ID,地方公共団体名,ゴミの品目,分別区分,注意点,料金種別,料金,"
          "料金備考,備考")


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def problems_of(result: object) -> list[str]:
    return [str(p) for p in result.problems]  # type: ignore[attr-defined]


def needs_sudachi() -> None:
    if not readings.available():
        require_or_skip(f"SudachiPy with sudachidict_core is not installed "
                        f"({readings.unavailable_reason()}); pip install -e .")


# --- ゴミの分別方法一覧 -----------------------------------------------------------------

def test_standard_layout_loads_items(tmp_path: Path) -> None:
    path = write(tmp_path / "bunbetsu.csv", "\n".join([
        HEADER,
        "332038,1,岡山県津山市,電子レンジ,粗大ごみ,申し込み制,粗大ごみ処理券,500,処理券1枚,",
        "332038,2,岡山県津山市,新聞紙,資源ごみ,十字に縛る,無料,,,雨の日は出さない",
        "",  # blank lines are skipped silently
        "332038,3,岡山県津山市,テレビ,市では収集できないもの,家電リサイクル法,,,,",
    ]))
    result = parse_sorting_csv(path, municipality_code="332038")
    assert result.problems == []
    assert [item.name for item in result.items] == ["電子レンジ", "新聞紙", "テレビ"]
    oven, paper, tv = result.items
    assert (oven.id, oven.category, oven.fee, oven.fee_kind, oven.fee_notes) == (
        "1", "粗大ごみ", 500, "粗大ごみ処理券", "処理券1枚")
    assert (paper.fee, paper.fee_kind, paper.remarks, paper.notes) == (
        0, "無料", "雨の日は出さない", "十字に縛る")
    assert (tv.fee, tv.fee_kind) == (None, None)
    assert oven.reading is None and oven.synonyms == ()


def test_every_malformed_row_is_reported_and_good_rows_load(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.csv", "\n".join([
        HEADER,
        "332038,1,津山市,茶碗,燃やせないごみ,,,,,",  # line 2: good
        "332038,2,津山市,,燃やせないごみ,,,,,",  # line 3: no name
        "332038,3,津山市,皿,,,,,,",  # line 4: no category
        "332038,4,津山市,ソファー,粗大ごみ,,粗大ごみ処理券,要相談,,",  # line 5: fee not a number
        "332038,5,津山市,ベッド,粗大ごみ,,粗大ごみ処理券,1000",  # line 6: 8 columns
        "332038,1,津山市,鍋,燃やせないごみ,,,,,",  # line 7: duplicate ID
        '332038,6,津山市,"ふとん',  # line 8-9: a quoted cell over two lines, 4 columns
        '（敷き）",粗大ごみ',
        "332038,7,津山市,机,粗大ごみ,,無料,500,,",  # line 10: fee contradicts 無料
        "332038,8,津山市,いす,粗大ごみ,,粗大ごみ処理券,300,,",  # line 11: good
    ]))
    result = parse_sorting_csv(path)
    assert [item.name for item in result.items] == ["茶碗", "いす"]
    assert problems_of(result) == [
        "bad.csv:3: no item name (ゴミの品目)",
        "bad.csv:4: item '皿' has no 分別区分",
        "bad.csv:5: fee '要相談' is not an amount of yen (like 500, 1,000 or 1000円)",
        "bad.csv:6: has 8 columns, the header has 10",
        "bad.csv:7: duplicate ID '1' (first on line 2); row skipped",
        "bad.csv:8: has 5 columns, the header has 10",
        "bad.csv:10: fee '500' contradicts 料金種別 無料",
    ]


@pytest.mark.parametrize(("fee", "kind", "expected"), [
    ("500", "粗大ごみ処理券", (500, "粗大ごみ処理券")),
    ("1,000", "粗大ごみ処理券", (1000, "粗大ごみ処理券")),
    ("1000円", "", (1000, None)),
    ("１，０００円", "有料", (1000, "有料")),
    ("￥300", "", (300, None)),
    ("無料", "", (0, "無料")),
    ("", "無料", (0, "無料")),
    ("0", "", (0, "無料")),
    ("", "", (None, None)),
    ("", "家電リサイクル料金", (None, "家電リサイクル料金")),
])
def test_fees(fee: str, kind: str, expected: tuple[int | None, str | None]) -> None:
    assert parse_fee(fee, kind) == expected


@pytest.mark.parametrize("fee", ["要相談", "300～500円", "-5", "500円/個", "1.5"])
def test_bad_fees(fee: str) -> None:
    with pytest.raises(ValueError, match="not an amount of yen"):
        parse_fee(fee, "")


def test_shift_jis_file(tmp_path: Path) -> None:
    path = write(tmp_path / "sjis.csv", HEADER + "\n332038,1,津山市,電子レンジ,粗大ごみ,,,500,,\n"
                 "332038,2,津山市,髙島屋の紙袋,資源ごみ,,,,,\n", encoding="cp932")
    table = read_csv(path)
    result = parse_sorting_csv(path)
    assert table.encoding == "cp932"
    assert result.problems == []
    assert [item.name for item in result.items] == ["電子レンジ", "髙島屋の紙袋"]


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.csv",
                 "\ufeff" + HEADER + "\r\n332038,7,津山市,傘,燃やせないごみ,,,,,\r\n")
    table = read_csv(path)
    result = parse_sorting_csv(path)
    assert table.encoding == "utf-8-sig" and table.header[0] == "全国地方公共団体コード"
    assert [(item.id, item.name) for item in result.items] == [("7", "傘")]


def test_column_name_variants_reading_and_synonyms(tmp_path: Path) -> None:
    maizuru = write(tmp_path / "maizuru.csv", "\n".join([
        "全国地方公共団体コード,レコード番号,地方公共団体名,ごみの品目,ごみの品目_カナ,別名,分別区分,注意点",
        "262021,10,舞鶴市,電子レンジ,デンシ レンジ,レンジ、オーブンレンジ;レンジ,粗大ごみ,",
        "262021,11,舞鶴市,ｶﾞｽｺﾝﾛ,ｶﾞｽｺﾝﾛ,,粗大ごみ,",
    ]))
    prefixed = write(tmp_path / "setagaya.csv", "\n".join([
        "ゴミの分別方法_全国地方公共団体コード,ゴミの分別方法_ID,ゴミの分別方法_ゴミの品目,"
        "ゴミの分別方法_分別区分,ゴミの分別方法_料金,読み",
        "131121,A-1,アイロン,不燃ごみ,,あいろん",
    ]))
    furigana = write(tmp_path / "furigana.csv",
                     "ID,品目,ふりがな,分別区分\n1,乾電池,かんでんち,有害ごみ\n")
    oven, stove = parse_sorting_csv(maizuru).items
    (iron,) = parse_sorting_csv(prefixed).items
    (battery,) = parse_sorting_csv(furigana).items
    assert (oven.id, oven.reading, oven.synonyms) == (
        "10", "でんしれんじ", ("レンジ", "オーブンレンジ"))
    assert stove.reading == "がすこんろ"
    assert (iron.id, iron.name, iron.category, iron.reading, iron.fee) == (
        "A-1", "アイロン", "不燃ごみ", "あいろん", None)
    assert battery.reading == "かんでんち"


def test_items_without_an_id_column_get_a_stable_key(tmp_path: Path) -> None:
    path = write(tmp_path / "noid.csv", "ゴミの品目,分別区分\n傘,燃やせないごみ\n")
    (umbrella,) = parse_sorting_csv(path).items
    assert umbrella.id == item_id("燃やせないごみ", "傘") == item_id("燃やせないごみ", "傘")
    assert umbrella.id != item_id("燃やせるごみ", "傘")


def test_municipality_code_mismatch_is_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path / "other.csv", HEADER + "\n172014,1,金沢市,傘,燃やせないごみ,,,,,\n"
                 "33203,2,津山市,鍋,燃やせないごみ,,,,,\n")
    result = parse_sorting_csv(path, municipality_code="332038")
    assert len(result.items) == 2  # loaded anyway
    assert problems_of(result) == [
        "other.csv:2: warning: 全国地方公共団体コード '172014' is not 332038"]


def test_unusable_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(WasteFileError, match=r"missing\.csv: file not found"):
        parse_sorting_csv(tmp_path / "missing.csv")
    with pytest.raises(WasteFileError, match="no column ゴミの品目"):
        parse_sorting_csv(write(tmp_path / "spots.csv", "名称,緯度,経度\n津山城,35.06,134.00\n"))
    with pytest.raises(WasteFileError, match="neither UTF-8 nor Shift_JIS"):
        parse_sorting_csv(_binary(tmp_path / "binary.csv"))
    with pytest.raises(WasteFileError, match="UTF-16"):
        parse_sorting_csv(write(tmp_path / "utf16.csv", HEADER, "utf-16"))
    with pytest.raises(WasteFileError, match="empty"):
        parse_sorting_csv(write(tmp_path / "empty.csv", ""))


def _binary(path: Path) -> Path:
    path.write_bytes(b"\x82\xa0,\x81\x20\n")  # not UTF-8; 0x81 0x20 is no CP932 character
    return path


# --- 5374 --------------------------------------------------------------------------------

def test_rules_weekly_nth_months_dates_and_remarks() -> None:
    assert parse_rule("燃やすごみ", "月 木") == Schedule("燃やすごみ", weekly=(0, 3))
    assert parse_rule("資源", "火1 火3 火5") == Schedule("資源", nth=((1, 1), (1, 3), (1, 5)))
    assert parse_rule("有害", "火2 金4:4 6 8 10 12 2") == Schedule(
        "有害", nth=((1, 2), (4, 4)), months=(2, 4, 6, 8, 10, 12))
    assert parse_rule("びん", "日:7 8") == Schedule("びん", weekly=(6,), months=(7, 8))
    assert parse_rule("臨時", "20260325 20260301") == Schedule(
        "臨時", dates=("2026-03-01", "2026-03-25"))
    assert parse_rule("燃やすごみ", "火 金 *1", {"1"}) == Schedule(
        "燃やすごみ", weekly=(1, 4), remarks=("1",))
    assert parse_rule("全角", "水２　土") == Schedule("全角", weekly=(5,), nth=((2, 2),))


@pytest.mark.parametrize(("cell", "reason"), [
    ("水9", "bad weekday token '水9': the week number must be 1-5"),
    ("水0", "bad weekday token '水0'"),
    ("毎週月", "bad weekday token '毎週月'"),
    ("Mo", "bad weekday token 'Mo'"),
    ("20260230", "bad date '20260230'"),
    ("月2:13", "bad month '13'"),
    ("月2:", "no month after ':'"),
    ("20260301:4", "months after ':' but no weekday"),
    ("火 *2", "remark '\\*2' is not in remarks.csv"),
])
def test_bad_rules(cell: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_rule("kind", cell, {"1"})


def test_area_days_reports_bad_rows_and_unknown_categories(tmp_path: Path) -> None:
    path = write(tmp_path / "area_days.csv", "\n".join([
        "地名,センター,燃やすごみ,資源,謎のごみ",
        "本町,東部センター,月 木,水2,月",
        "新町,東部センター,月 木,水9,月",
        "港町,西部センター,火 金,20261301,",
        "山町,東部センター,火 金",
        ",東部センター,火 金,水1,",
        "本町,東部センター,火 金,水1,",
        "川町,,火 金,水1 水3:4 5 6 *1,",
    ]))
    parsed = parse_area_days(path, kinds={"燃やすごみ", "資源"}, remark_ids={"1"},
                             centers={"東部センター"})
    assert [area.name for area in parsed.records] == ["本町", "川町"]
    assert problems_of(parsed) == [
        "area_days.csv:1: unknown category '謎のごみ' (not in description.csv); column ignored",
        "area_days.csv:3: 資源: bad weekday token '水9': the week number must be 1-5",
        "area_days.csv:4: 資源: bad date '20261301' (YYYYMMDD)",
        "area_days.csv:5: has 3 columns, the header has 5",
        "area_days.csv:6: no area name (地名)",
        "area_days.csv:7: area '本町' again (first on line 2)",
    ]
    honmachi, kawamachi = parsed.records
    assert honmachi.id == area_id("本町") and honmachi.center == "東部センター"
    assert [s.kind for s in honmachi.schedules] == ["燃やすごみ", "資源"]  # 謎のごみ ignored
    assert kawamachi.center is None
    assert kawamachi.schedules[1] == Schedule("資源", nth=((2, 1), (2, 3)), months=(4, 5, 6),
                                              remarks=("1",))


def test_center_closures_with_or_without_header(tmp_path: Path) -> None:
    with_header = write(tmp_path / "center.csv", "名称,休止開始日,休止終了日\n"
                        "東部,2026/12/30,2027/01/03\n東部,2027/8/13,2027-08-15\n"
                        "西部,2026/12/31,2026/12/29\n北部,2026/02/30,2026/03/01\n")
    parsed = parse_center(with_header)
    assert [(c.name, c.closures) for c in parsed.records] == [
        ("東部", (Closure("2026-12-30", "2027-01-03"), Closure("2027-08-13", "2027-08-15")))]
    assert problems_of(parsed) == [
        "center.csv:4: closure ends (2026-12-29) before it starts (2026-12-31)",
        "center.csv:5: bad date '2026/02/30' (no such day)",
    ]
    no_header = parse_center(write(tmp_path / "c2.csv", "東部,20261230,20270103\n"))
    assert no_header.records[0].closures == (Closure("2026-12-30", "2027-01-03"),)
    assert parse_center(write(tmp_path / "c3.csv", "")).records == []


def test_description_remarks_and_target(tmp_path: Path) -> None:
    kinds = parse_description(write(tmp_path / "description.csv", "\n".join([
        "label,sublabel,description,styles,bgcolor",
        "燃やすごみ,,週2回,img/a.svg,#EA3B13",
        "資源,,月2回,,red",
        ",,,,#fff",
        "燃やすごみ,,again,,#fff",
    ])))
    assert [(k.label, k.color, k.order) for k in kinds.records] == [
        ("燃やすごみ", "#ea3b13", 0), ("資源", None, 1)]
    assert problems_of(kinds) == [
        "description.csv:3: warning: bgcolor 'red' is not #rgb or #rrggbb",
        "description.csv:4: no label",
        "description.csv:5: kind '燃やすごみ' again (first on line 2)",
    ]
    remarks = parse_remarks(write(tmp_path / "remarks.csv",
                                  "ID,注意事項\n1,一部地域で異なります。\n2,\n"))
    assert [(r.id, r.text) for r in remarks.records] == [("1", "一部地域で異なります。")]
    assert problems_of(remarks) == ["remarks.csv:3: remark 2 has no text"]
    target = parse_target(write(tmp_path / "target.csv", "type,name,notice,furigana\n"
                                "燃やすごみ,傘(布),骨は外す,か\n燃やすごみ,,,\n燃やすごみ,傘(布),,か\n"))
    (umbrella,) = target.records
    assert (umbrella.id, umbrella.category, umbrella.notes, umbrella.reading) == (
        item_id("燃やすごみ", "傘(布)"), "燃やすごみ", "骨は外す", None)
    assert problems_of(target) == [
        "target.csv:3: no item name",
        "target.csv:4: item '傘(布)' (燃やすごみ) again (first on line 2)"]


def test_kanazawa_5374_data_loads_fully() -> None:
    dataset = load_folder(KANAZAWA, generate_readings=False)
    content = dataset.content
    assert dataset.report.problems == [], dataset.report.lines()
    assert (len(content.items), len(content.areas), len(content.kinds), len(content.centers),
            len(content.remarks)) == (1251, 71, 4, 2, 0)
    asanogawa = content.areas[area_id("浅野川")]
    assert asanogawa.center == "東部管理センター"
    assert [s.data() for s in asanogawa.schedules] == [
        {"kind": "燃やすごみ", "weekly": [0, 3], "nth": [], "months": [], "dates": [],
         "remarks": []},
        {"kind": "燃やさないごみ", "weekly": [], "nth": [[2, 4]], "months": [], "dates": [],
         "remarks": []},
        {"kind": "資源", "weekly": [], "nth": [[1, 1], [1, 3], [1, 5]], "months": [],
         "dates": [], "remarks": []},
        {"kind": "あきびん", "weekly": [], "nth": [[2, 2]], "months": [], "dates": [],
         "remarks": []},
    ]
    assert content.centers["東部管理センター"].closures == (Closure("2022-12-30", "2023-01-03"),)
    assert content.kinds["燃やすごみ"].color == "#ea3b13"
    assert {item.category for item in content.items.values()} >= {"有料粗大ごみ", "市で収集しない"}
    assert dataset.source.key == "kanazawa_2022" and dataset.source.licence == "MPL-2.0"
    assert "1251 items have no reading (turned off)" in dataset.report.notes


def test_readings_are_generated_for_names_without_one() -> None:
    needs_sudachi()
    assert readings.generate("電子レンジ") == "でんしれんじ"
    assert readings.generate("食器棚") == "しょっきだな"
    assert readings.generate("IHクッキングヒーター(金属)") == "ihくっきんぐひーたーきんぞく"
    dataset = load_folder(KANAZAWA)
    assert all(item.reading for item in dataset.content.items.values())
    assert "readings generated for 1251 items (SudachiPy)" in dataset.report.notes


# --- folders and the demo ----------------------------------------------------------------

def test_a_failed_file_is_reported_and_the_rest_loads(tmp_path: Path) -> None:
    folder = tmp_path / "city"
    folder.mkdir()
    write(folder / "description.csv", "label,bgcolor\n燃やすごみ,#ff0000\n")
    write(folder / "area_days.csv", "地名,センター,燃やすごみ\n本町,,月 木\n")
    write(folder / "bunbetsu.csv", "名称,緯度\nx,1\n")  # not a sorting list
    (folder / "dataset.json").write_text(json.dumps(
        {"key": "test-city", "title": "テスト市", "licence": "CC-BY-4.0"}), encoding="utf-8")
    dataset = load_folder(folder, generate_readings=False)
    assert dataset.report.failed_files == ["bunbetsu.csv"]
    assert list(dataset.content.areas) == [area_id("本町")]
    assert dataset.report.loaded == {"waste_areas": 1, "waste_kinds": 1}
    assert (dataset.source.key, dataset.source.title, dataset.source.is_demo) == (
        "test-city", "テスト市", False)
    assert any(line.startswith("bunbetsu.csv: is not a ゴミの分別方法一覧")
               for line in dataset.report.lines())


def test_area_days_without_description_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "city"
    folder.mkdir()
    write(folder / "area_days.csv", "地名,センター,燃やすごみ\n本町,,月 木 *1\n")
    dataset = load_folder(folder)
    assert [str(p) for p in dataset.report.problems] == [
        "description.csv: file not found: area_days.csv needs it for the kinds' names and "
        "colours",
        "area_days.csv:2: 燃やすごみ: remark '*1' is not in remarks.csv",
    ]


def test_folders_that_cannot_be_used(tmp_path: Path) -> None:
    with pytest.raises(WasteFileError, match="is not a folder"):
        load_folder(tmp_path / "nowhere")
    with pytest.raises(WasteFileError, match="has no CSV files"):
        load_folder(tmp_path)
    write(tmp_path / "x.csv", "ゴミの品目,分別区分\n傘,燃やせないごみ\n")
    write(tmp_path / "dataset.json", "{not json")
    with pytest.raises(WasteFileError, match=r"dataset\.json: cannot be read"):
        load_folder(tmp_path)


def test_the_demo_dataset() -> None:
    dataset = load_demo("332038")
    content = dataset.content
    assert dataset.report.problems == [], dataset.report.lines()
    assert dataset.source.is_demo and dataset.source.key == "tsuyama_demo"
    assert len(content.items) >= 150 and len(content.areas) == 8
    oven = next(item for item in content.items.values() if item.name == "電子レンジ")
    assert (oven.category, oven.fee_kind, oven.reading) == (
        "粗大ごみ", "粗大ごみ処理券", "でんしれんじ")
    assert oven.fee is not None and oven.fee > 0 and "レンジ" in oven.synonyms
    assert all(item.reading for item in content.items.values())
    fees = {item.fee for item in content.items.values() if item.category == "粗大ごみ"}
    assert {300, 500, 1000} <= fees
    categories = {item.category for item in content.items.values()}
    assert {"燃やせるごみ", "燃やせないごみ", "プラスチック製容器包装", "有害ごみ", "粗大ごみ",
            "市では収集できないもの"} <= categories
    for name in ("テレビ", "冷蔵庫", "洗濯機", "エアコン"):
        assert any(i.name == name and i.category == "市では収集できないもの"
                   for i in content.items.values())
    (center,) = content.centers.values()
    assert center.closures == (Closure("2026-12-30", "2027-01-03"),)
    schedules = [s for area in content.areas.values() for s in area.schedules]
    assert any(s.weekly for s in schedules) and any(s.nth for s in schedules)
    assert any(s.months for s in schedules) and any(s.dates for s in schedules)
    assert all(kind.color for kind in content.kinds.values())
    assert {s.kind for s in schedules} <= set(content.kinds) | categories
    rows = content.rows(dataset.source)
    assert all(row["is_demo"] is True and row["source"] == "tsuyama_demo"
               for collection in rows.values() for row in collection.values())
    assert (DEMO_DIR / "README.md").read_text(encoding="utf-8").count("demo") >= 2
