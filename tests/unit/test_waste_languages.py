"""The waste dictionary in English (ADR 0028): translations.csv imported into the rows,
English names and keywords searched with case and plurals, the names shown in the reader's
language, and the typo tier that no longer turns 「レンジ」 into ブロック."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from app.features.waste.localized import area_name, item_name, kind_name
from app.features.waste.search import WasteIndex
from backend.tiles.waste.dataset import load_demo, load_folder
from backend.tiles.waste.records import AREAS, CENTERS, ITEMS, KINDS
from backend.tiles.waste.translations import parse_translations, split_keywords


@cache
def demo_rows() -> dict[str, list[dict[str, Any]]]:
    dataset = load_demo()
    rows = dataset.content.rows(dataset.source)
    return {name: list(rows[name].values()) for name in (ITEMS, KINDS, AREAS, CENTERS)}


@cache
def index(language: str) -> WasteIndex:
    return WasteIndex.build(demo_rows()[ITEMS], language=language)


def first(query: str, language: str = "en") -> str:
    hits = index(language).search(query)
    assert hits, f"{query!r} ({language}): no hit"
    return str(hits[0].item["name"])


# --- English search -------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "expected"), [
    ("microwave", "電子レンジ"), ("Microwave", "電子レンジ"), ("MICROWAVES", "電子レンジ"),
    ("microwave oven", "電子レンジ"), ("Microwave ovens", "電子レンジ"),
    ("PET bottle", "ペットボトル"), ("pet bottles", "ペットボトル"),
    ("PET BOTTLES", "ペットボトル"),
    ("sofa", "ソファー"), ("Sofas", "ソファー"), ("couch", "ソファー"),
    ("futon", "布団"), ("Futons", "布団"),
    ("fridge", "冷蔵庫"), ("bicycle", "自転車"), ("bikes", "自転車"),
    ("micrwave", "電子レンジ"),  # a typo in a long enough word
])
def test_english_queries_find_the_item(query: str, expected: str) -> None:
    assert first(query) == expected


@pytest.mark.parametrize("query", ["batteries", "Battery", "BATTERIES", "battery"])
def test_batteries_find_the_batteries(query: str) -> None:
    names = [hit.item["name"] for hit in index("en").search(query)][:4]
    assert {"乾電池", "充電式電池"} <= set(names), names


def test_an_english_hit_carries_the_fee_and_shows_the_english_name() -> None:
    hit = index("en").search("microwave")[0]
    assert hit.item["fee"] == 500
    assert item_name(hit.item, "en") == "Microwave ovens"
    assert item_name(hit.item, "ja") == "電子レンジ"
    assert item_name(hit.item, "zh") == "電子レンジ"  # no Chinese name: the Japanese one


@pytest.mark.parametrize("language", ["ja", "en", "zh", "ko"])
@pytest.mark.parametrize(("query", "expected"), [
    ("電子レンジ", "電子レンジ"), ("でんしれんじ", "電子レンジ"), ("ﾍﾟｯﾄﾎﾞﾄﾙ", "ペットボトル"),
    ("ふとん", "布団"), ("ソファ", "ソファー"),
])
def test_japanese_queries_work_in_every_language(language: str, query: str,
                                                 expected: str) -> None:
    assert first(query, language) == expected


def test_english_words_are_keys_only_when_the_reader_reads_english() -> None:
    assert index("ja").search("microwave") == []


# --- the typo tier ----------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["ja", "en"])
def test_range_does_not_find_concrete_blocks(language: str) -> None:
    names = [hit.item["name"] for hit in index(language).search("レンジ")]
    assert names[0] == "電子レンジ"
    assert "ブロック" not in names  # its synonym れんが is one kana from れんじ


@pytest.mark.parametrize("language", ["ja", "en"])
def test_sofa_does_not_find_fan_heaters(language: str) -> None:
    names = [hit.item["name"] for hit in index(language).search("ソファ")]
    assert names[0] == "ソファー"
    assert "石油ファンヒーター" not in names  # ふあん… is そふあ without its first kana


@pytest.mark.parametrize(("query", "unwanted"), [
    ("sofa", "飲料缶"),  # soda can
    ("futon", "座布団"),  # zabuton
    ("PET bottle", "化粧品のびん"),  # cosmetics bottles
])
def test_short_english_words_get_no_typo_hits(query: str, unwanted: str) -> None:
    assert unwanted not in [hit.item["name"] for hit in index("en").search(query)]


# --- the names in the reader's language ------------------------------------------------------

def test_kinds_and_districts_have_readable_names() -> None:
    kinds = {row["label"]: row for row in demo_rows()[KINDS]}
    burnable, non_burnable = kinds["燃やせるごみ"], kinds["燃やせないごみ"]
    assert kind_name("燃やせるごみ", burnable, "en") == "Burnable waste"
    assert kind_name("燃やせないごみ", non_burnable, "en") == "Non-burnable waste"
    assert kind_name("燃やせるごみ", burnable, "ja") == "燃やせるごみ"
    assert kind_name("燃やせるごみ", burnable, "zh") == "可燃垃圾"
    assert kind_name("燃やせるごみ", {}, "en") == "燃やせるごみ"  # a city without translations
    # not by colour alone: every kind has its own icon
    icons = [row.get("icon") for row in demo_rows()[KINDS]]
    assert all(icons) and len(set(icons)) == len(icons)
    areas = {row["name"]: row for row in demo_rows()[AREAS]}
    assert area_name(areas["林田"], "en") == "Hayashida"
    assert area_name(areas["林田"], "ja") == "林田"
    assert all(area_name(row, "en").isascii() for row in demo_rows()[AREAS])


def test_every_demo_item_has_an_english_name_and_keywords() -> None:
    items = demo_rows()[ITEMS]
    assert all(item_name(item, "en").isascii() for item in items)
    assert sum(bool(item["translations"]["en"]["keywords"]) for item in items) == len(items)


# --- the importer --------------------------------------------------------------------------

SORTING = ("全国地方公共団体コード,ID,地方公共団体名,ゴミの品目,分別区分,注意点,料金種別,料金,"
           "料金備考,備考\n"
           "332038,1,津山市,電子レンジ,粗大ごみ,,粗大ごみ処理券,500,,\n"
           "332038,2,津山市,傘,燃やせないごみ,,,,,\n")


def write_city(folder: Path, translations: str) -> Path:
    folder.mkdir()
    (folder / "items.csv").write_text(SORTING, encoding="utf-8")
    (folder / "translations.csv").write_text(translations, encoding="utf-8")
    return folder


def test_a_city_adds_english_without_code(tmp_path: Path) -> None:
    folder = write_city(tmp_path / "city", (
        "target,source,lang,text,keywords\n"
        "item,電子レンジ,en,Microwave,microwave oven; range 、 oven\n"
        "item,電子レンジ,ko,전자레인지,\n"
        "item,冷蔵庫,en,Fridge,\n"  # not in the data: a warning
        "item,傘,fr,Parapluie,\n"  # not a language of the app: skipped
        "kind,粗大ごみ,en,Oversized waste,\n"))
    dataset = load_folder(folder, generate_readings=False)
    rows = dataset.content.rows(dataset.source)[ITEMS]
    microwave = next(row for row in rows.values() if row["name"] == "電子レンジ")
    assert microwave["translations"] == {
        "en": {"name": "Microwave", "keywords": ["microwave oven", "range", "oven"]},
        "ko": {"name": "전자레인지", "keywords": []}}
    umbrella = next(row for row in rows.values() if row["name"] == "傘")
    assert "translations" not in umbrella  # rows without translations are as before
    messages = [problem.reason for problem in dataset.report.problems]
    assert any("冷蔵庫" in message for message in messages)
    assert any("'fr'" in message for message in messages)
    assert len(dataset.content.items) == 2  # translations.csv is not read as items


def test_a_translations_file_without_its_columns_is_reported(tmp_path: Path) -> None:
    folder = write_city(tmp_path / "city", "source,text\n電子レンジ,Microwave\n")
    dataset = load_folder(folder, generate_readings=False)
    assert any("translations.csv" in problem.file for problem in dataset.report.problems)
    assert len(dataset.content.items) == 2


def test_keywords_split_and_trim() -> None:
    assert split_keywords(" a ;b、 c ;; a ") == ["a", "b", "c"]


def test_the_demo_translations_parse_cleanly() -> None:
    from backend.tiles.waste.dataset import DEMO_DIR

    parsed = parse_translations(DEMO_DIR / "translations.csv")
    assert parsed.problems == [] and parsed.rows > 200
    assert load_demo().report.problems == []
