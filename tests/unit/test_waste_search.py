"""The waste dictionary's search: ranking rules on small hand-made sets, and search quality on
tests/fixtures/waste/items_sample.json (464 Kanazawa rows and 40 Tsuyama-like items)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from app.features.waste.search import (
    SYNONYMS_PATH,
    SearchHit,
    SynonymGroup,
    WasteIndex,
    load_synonyms,
    parse_synonyms,
)
from app.features.waste.text_normalize import normalize

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "waste" / "items_sample.json"


def item(name: str, reading: str | None = None, synonyms: list[str] | None = None,
         **extra: Any) -> dict[str, Any]:
    return {"id": extra.pop("id", name), "name": name, "reading": reading,
            "category": extra.pop("category", "燃やせるごみ"), "notes": "", "fee_kind": None,
            "fee": None, "fee_notes": "", "remarks": "", "synonyms": synonyms or [],
            "source": "test", "is_demo": True, **extra}


def names(hits: list[SearchHit]) -> list[str]:
    return [hit.item["name"] for hit in hits]


@cache
def sample_items() -> tuple[dict[str, Any], ...]:
    with open(FIXTURE, encoding="utf-8") as handle:
        document = json.load(handle)
    return tuple(document["kanazawa"]) + tuple(document["tsuyama_like"])


@cache
def sample_index() -> WasteIndex:
    return WasteIndex.build(sample_items())


# --- search quality: (query, the name expected first) ------------------------------------------

QUALITY = [
    # kanji
    ("電子レンジ", "電子レンジ"),
    ("冷蔵庫", "冷蔵庫"),
    ("蛍光灯", "蛍光灯"),
    ("乾電池", "乾電池"),
    ("自転車", "自転車"),
    ("傘", "傘"),
    ("扇風機", "扇風機"),
    ("段ボール", "段ボール"),
    # hiragana (through readings and curated synonyms)
    ("でんしれんじ", "電子レンジ"),
    ("れいぞうこ", "冷蔵庫"),
    ("けいこうとう", "蛍光灯"),
    ("ふとん", "布団"),
    ("かさ", "傘"),
    ("じてんしゃ", "自転車"),
    ("ぺっとぼとる", "ペットボトル"),
    ("あいろん", "アイロン(金属)"),
    ("はっぽうすちろーる", "発泡スチロール"),
    # katakana, also for a hiragana name
    ("デンシレンジ", "電子レンジ"),
    ("ハサミ", "はさみ(埋立)金属部分80％未満　プラスチック製以外"),
    ("ストーブ", "ストーブ(金属)"),
    # half-width and full-width
    ("ﾚﾝｼﾞ", "電子レンジ"),
    ("ﾃﾞﾝｼﾚﾝｼﾞ", "電子レンジ"),
    ("ﾍﾟｯﾄﾎﾞﾄﾙ", "ペットボトル"),
    ("ｽﾌﾟﾚｰ缶", "スプレー缶"),
    ("ＬＥＤ", "ＬＥＤ蛍光灯・ＬＥＤ電球(埋立)"),
    ("ｌｅｄ電球", "ＬＥＤ蛍光灯・ＬＥＤ電球(埋立)"),
    # long vowels written out
    ("すとうぶ", "ストーブ(金属)"),
    ("だんぼうる", "ダンボール"),
    ("ほっとぷれえと", "ホットプレート"),
    # typos (one edit)
    ("でんしれんぢ", "電子レンジ"),
    ("でんしれんち", "電子レンジ"),
    ("ペットボトろ", "ペットボトル"),
    ("れいぞおこ", "冷蔵庫"),
    ("扇風器", "扇風機"),
    ("パソコソ", "パソコン"),
    ("卵パック", "卵のパック"),
    ("かせっとぼんぺ", "カセットボンベ"),
    # curated synonyms
    ("レンジ", "電子レンジ"),
    ("PC", "パソコン"),
    ("ｐｃ", "パソコン"),
    ("ケータイ", "携帯電話"),
    ("スマホ", "携帯電話"),
    ("ペット", "ペットボトル"),
    ("電池", "乾電池"),
    ("エアゾール缶", "スプレー缶"),
    ("チャリ", "自転車"),
    ("クーラー", "エアコン"),
    ("羽毛布団", "布団"),
    # an item's own synonyms
    ("スマートフォン", "携帯電話"),
    ("箪笥", "たんす"),
    ("古着", "衣類"),
    # phrase noise, spaces
    ("電子レンジの捨て方", "電子レンジ"),
    ("テレビは何ごみ", "テレビ"),
    ("いらない自転車", "自転車"),
    ("電子 レンジ", "電子レンジ"),
    ("ストーブ 石油", "石油ストーブ"),
]


def test_quality_table_is_large_enough() -> None:
    assert len(QUALITY) >= 30
    assert len({query for query, _ in QUALITY}) == len(QUALITY)


@pytest.mark.parametrize(("query", "expected"), QUALITY)
def test_search_quality(query: str, expected: str) -> None:
    hits = sample_index().search(query)
    assert hits, f"{query!r}: no hit"
    assert hits[0].item["name"] == expected, (query, names(hits[:5]))


def test_range_finds_the_microwave_before_range_hoods_and_stands() -> None:
    hits = sample_index().search("レンジ")
    assert names(hits)[:2] == ["電子レンジ", "電子レンジ(金属)"]
    assert hits[0].item["category"] == "粗大ごみ" and hits[0].item["fee"] == 500
    assert hits[0].matched == "レンジ"
    rest = names(hits)[2:]
    assert "レンジフードファン(金属)" in rest
    assert any(name.startswith("レンジ台") for name in rest)


def test_sample_has_what_the_brief_needs() -> None:
    microwave = next(i for i in sample_items() if i["name"] == "電子レンジ")
    assert microwave["reading"] == "でんしれんじ" and microwave["fee"] == 500
    assert len(sample_items()) >= 300


# --- ranking rules on a small set ------------------------------------------------------------

RANKING_ITEMS = [
    item("テレビ台", "てれびだい"),
    item("テレビ", "てれび"),
    item("液晶テレビ", "えきしょうてれび"),
    item("ブラウン管", "ぶらうんかん", synonyms=["テレビ"]),
    item("テレピン油", "てれぴんゆ"),
    item("テレビゲーム機", "てれびげえむき"),
]


def test_exact_then_synonym_then_prefix_then_substring() -> None:
    index = WasteIndex.build(RANKING_ITEMS, synonyms=())
    assert names(index.search("テレビ")) == [
        "テレビ",  # exact name
        "ブラウン管",  # exact synonym
        "テレビ台", "テレビゲーム機",  # prefix, shorter first
        "液晶テレビ",  # substring
        # not テレピン油: one edit of a three-kana query is a third of the word (the tier
        # that also found ブロック's 「れんが」 for 「レンジ」)
    ]


def test_scores_fall_with_the_tiers_and_name_length() -> None:
    index = WasteIndex.build(RANKING_ITEMS, synonyms=())
    hits = index.search("テレビ")
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert hits[0].score == pytest.approx(100 - 0.03)  # exact name of three characters
    assert 89 < hits[1].score < 90
    assert 79 < hits[2].score < 80 and hits[2].score > hits[3].score


def test_exact_reading_and_head_word() -> None:
    index = WasteIndex.build([item("電子レンジ(金属)"), item("電子レンジ", "でんしれんじ"),
                              item("電子レンジ台")], synonyms=())
    assert names(index.search("電子レンジ")) == ["電子レンジ", "電子レンジ(金属)", "電子レンジ台"]
    hits = index.search("でんしれんじ")
    assert names(hits) == ["電子レンジ"]
    assert hits[0].matched == "でんしれんじ"
    assert 98 < hits[0].score < 99


def test_matched_names_the_text_that_matched() -> None:
    index = WasteIndex.build(
        [item("携帯電話", "けいたいでんわ", synonyms=["ガラケー"])],
        synonyms=[SynonymGroup(("携帯電話",), ("スマホ",))],
    )
    assert index.search("携帯電話")[0].matched == "携帯電話"
    assert index.search("けいたい")[0].matched == "けいたいでんわ"
    assert index.search("ガラケー")[0].matched == "ガラケー"
    assert index.search("スマホ")[0].matched == "スマホ"


def test_curated_terms_are_both_ways_and_aliases_one_way() -> None:
    groups = [SynonymGroup(("電子レンジ", "でんしれんじ"), ("レンジ",))]
    index = WasteIndex.build([item("電子レンジ"), item("ガスレンジ")], synonyms=groups)
    assert names(index.search("レンジ"))[0] == "電子レンジ"
    assert names(index.search("でんしれんじ")) == ["電子レンジ"]
    # the term does not expand to its alias: ガスレンジ is not found for 電子レンジ
    assert names(index.search("電子レンジ")) == ["電子レンジ"]


def test_item_synonyms_merge_with_curated_ones() -> None:
    groups = [SynonymGroup(("携帯電話", "スマホ"))]
    index = WasteIndex.build([item("スマートフォン", synonyms=["スマホ"]), item("携帯電話")],
                             synonyms=groups)
    assert set(names(index.search("スマホ"))) == {"スマートフォン", "携帯電話"}
    assert names(index.search("携帯電話")) == ["携帯電話", "スマートフォン"]


def test_fuzzy_needs_three_characters() -> None:
    index = WasteIndex.build([item("かさ"), item("かさたて"), item("ぶた")], synonyms=())
    assert index.search("かざ") == []  # two characters: no typo tolerance
    assert names(index.search("かさだて")) == ["かさたて"]


def test_fuzzy_substring_needs_five_characters() -> None:
    index = WasteIndex.build([item("業務用冷蔵庫", "ぎょうむようれいぞうこ")], synonyms=())
    assert names(index.search("れいぞおこお")) == ["業務用冷蔵庫"]  # one extra character
    assert index.search("れえぞこ") == []  # four characters, one edit inside: not looked for


def test_fuzzy_only_fills_up_to_the_limit() -> None:
    items = [item(f"ぺっとぼとる{n}") for n in range(5)] + [item("ぺっとぼとろ")]
    index = WasteIndex.build(items, synonyms=())
    assert "ぺっとぼとろ" in names(index.search("ぺっとぼとる", limit=20))
    assert "ぺっとぼとろ" not in names(index.search("ぺっとぼとる", limit=5))


def test_limit_and_empty_queries() -> None:
    index = sample_index()
    assert len(index.search("ごみ", limit=3)) == 3
    assert index.search("ごみ", limit=0) == []
    assert index.search("") == []
    assert index.search(" 　・") == []
    assert index.search("xyzzy") == []


def test_words_with_spaces_must_all_occur() -> None:
    index = WasteIndex.build([item("石油ストーブ"), item("ストーブガード"), item("石油缶")],
                             synonyms=())
    assert names(index.search("ストーブ 石油")) == ["石油ストーブ"]


def test_phrase_noise_costs_two_points() -> None:
    index = WasteIndex.build([item("自転車"), item("いらない自転車のかご"), item("いらない自転車")],
                             synonyms=())
    hits = index.search("いらない自転車")
    assert names(hits) == ["いらない自転車", "自転車", "いらない自転車のかご"]
    assert hits[1].score == pytest.approx(100 - 2 - 0.03)  # exact, without 「いらない」


def test_rows_are_read_leniently() -> None:
    index = WasteIndex.build([
        {"id": "1", "name": "傘", "synonyms": "アンブレラ"},  # a string, not a list
        {"id": "2", "name": "", "reading": "なし"},  # no name: skipped
        {"id": "3", "name": "ふとん", "reading": None, "synonyms": None},
    ], synonyms=())
    assert len(index) == 2
    assert names(index.search("アンブレラ")) == ["傘"]
    assert names(index.search("フトン")) == ["ふとん"]


def test_hits_carry_the_row() -> None:
    hit = sample_index().search("電子レンジ")[0]
    assert hit.item["id"].startswith("tsuyama-demo-")
    assert hit.item["fee"] == 500


def test_equal_names_keep_a_stable_order() -> None:
    index = WasteIndex.build([item("傘", id="b"), item("傘", id="a")], synonyms=())
    assert [hit.item["id"] for hit in index.search("傘")] == ["b", "a"]


# --- the curated synonyms file -----------------------------------------------------------------

def test_bundled_synonyms_load_and_are_consistent() -> None:
    groups = load_synonyms()
    assert len(groups) >= 20
    seen: dict[str, int] = {}
    for number, group in enumerate(groups):
        for word in group.terms + group.aliases:
            key = normalize(word)
            assert key, word
            # one word, one meaning: a word in two groups' terms would join them silently
            if word in group.terms:
                assert seen.setdefault(key, number) == number, word
    with open(SYNONYMS_PATH, encoding="utf-8") as handle:
        assert parse_synonyms(json.load(handle)) == groups


@pytest.mark.parametrize(("words"), [
    ("レンジ", "電子レンジ"), ("PC", "パソコン"), ("ケータイ", "携帯電話"), ("スマホ", "携帯電話"),
    ("ペット", "ペットボトル"), ("布団", "ふとん"), ("傘", "かさ"), ("乾電池", "電池"),
    ("蛍光灯", "けいこうとう"), ("スプレー缶", "エアゾール缶"), ("自転車", "チャリ"),
])
def test_bundled_synonyms_cover_the_common_words(words: tuple[str, str]) -> None:
    keys = {normalize(w) for w in words}
    assert any(keys <= {normalize(w) for w in g.terms + g.aliases} for g in load_synonyms())


def test_parse_synonyms_skips_empty_groups() -> None:
    groups = parse_synonyms({"groups": [{"terms": []}, {"terms": ["a", " "], "aliases": ["b"]}]})
    assert groups == (SynonymGroup(("a",), ("b",)),)
