"""Normalisation of Japanese search text for the waste dictionary."""

from __future__ import annotations

import random

import pytest

from app.features.waste.text_normalize import (
    approx_contains,
    bracket_free,
    head_word,
    katakana_to_hiragana,
    normalize,
    query_variants,
    strip_noise,
    within_one_edit,
)


@pytest.mark.parametrize(("written", "other"), [
    ("レンジ", "れんじ"),  # katakana / hiragana
    ("ﾚﾝｼﾞ", "レンジ"),  # half-width katakana with a voiced mark
    ("ﾍﾟｯﾄﾎﾞﾄﾙ", "ペットボトル"),  # half-width semi-voiced mark and small ッ
    ("ＩＣレコーダー", "icれこーだー"),  # full-width Latin, upper case
    ("ＬＥＤ電球", "led電球"),
    ("電子 レンジ", "電子レンジ"),  # half-width space
    ("電子　レンジ", "電子レンジ"),  # full-width space
    ("アイロン(金属)", "アイロン金属"),  # brackets
    ("アイロン（金属）", "アイロン金属"),
    ("「傘」・【雨具】", "傘雨具"),
    ("ストーブ", "すとおぶ"),  # ー takes the vowel before it
    ("ストーブ", "すとうぶ"),  # お-row + う is お
    ("ケータイ", "けいたい"),  # え-row + い is え
    ("ボディー", "ぼでぃい"),
    ("でんしれんぢ", "でんしれんじ"),  # ぢ sounds as じ
    ("つづみ", "つずみ"),
    ("しゃつ", "しやつ"),  # small kana as large
    ("スト−ブ", "ストーブ"),  # a minus sign written for ー
    ("ｽﾄｰﾌﾞ", "ストーブ"),
    ("三ヶ月", "三か月"),
    ("７０㎝", "70cm"),
    ("CD-R", "ｃｄｒ"),
    ("ヴァイオリン", "ゔぁいおりん"),
])
def test_spellings_meet(written: str, other: str) -> None:
    assert normalize(written) == normalize(other)


@pytest.mark.parametrize(("text", "key"), [
    ("電子レンジ", "電子れんじ"),
    ("ペットボトル", "ぺつとぼとる"),
    ("ケータイ", "けえたい"),
    ("ストーブ", "すとおぶ"),
    ("ＩＣレコーダー", "icれこおだあ"),
    ("アイロン台(金属)80％以上金属製", "あいろん台金属80以上金属製"),
    ("ラーメン", "らあめん"),
    ("コンピューター", "こんぴゆうたあ"),
    ("ン―", "ん"),  # after ん (no vowel) the mark goes
    ("エ)ィえ", "えええ"),  # punctuation goes first, so the result is stable
    ("Tー", "t"),  # a prolonged mark after Latin is noise
    ("々", "々"),
    ("", ""),
    ("　・（）", ""),
])
def test_normalize_keys(text: str, key: str) -> None:
    assert normalize(text) == key


def test_different_words_stay_different() -> None:
    assert normalize("かさ") != normalize("かざ")  # voiced marks are kept
    assert normalize("びん") != normalize("ぴん")
    assert normalize("傘") != normalize("かさ")  # no kanji readings on the device
    assert normalize("電池") != normalize("乾電池")


def test_normalize_is_idempotent() -> None:
    rng = random.Random(7)
    alphabet = "ーアイウエオカキクケコッャュョァィヴヵヶ-〜～ あいうえおとうけいんｰﾚﾝｼﾞ()・aB１漢々"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        once = normalize(text)
        assert normalize(once) == once, text


def test_katakana_to_hiragana_leaves_others() -> None:
    assert katakana_to_hiragana("ペットボトル") == "ぺっとぼとる"
    assert katakana_to_hiragana("ヴ") == "ゔ"
    assert katakana_to_hiragana("電子レンジ abc ー") == "電子れんじ abc ー"


def test_head_word_and_bracket_free() -> None:
    assert head_word("パソコン本体　ディスプレイ") == "パソコン本体"
    assert head_word("傘立て(金属)80％以上金属製") == "傘立て"
    assert head_word("アンテナ（テレビ・BS・CSなど）(金属)") == "アンテナ"
    assert head_word("傘") == "傘"
    assert bracket_free("アンテナ（テレビ・BS・CSなど）(金属)") == "アンテナ"
    assert bracket_free("足こぎ四輪車（幼児用）(金属)電動") == "足こぎ四輪車電動"
    assert bracket_free("電子レンジ") == "電子レンジ"


@pytest.mark.parametrize(("query", "variants"), [
    ("電子レンジの捨て方", ["電子れんじの捨て方", "電子れんじ"]),
    ("テレビは何ごみ", ["てれびは何ごみ", "てれび"]),
    ("テレビは何ゴミ？", ["てれびは何ごみ", "てれび"]),
    ("いらない自転車", ["いらない自転車", "自転車"]),
    ("古いパソコンの処分", ["古いぱそこんの処分", "ぱそこん"]),
    ("ふとんの出し方", ["ふとんの出し方", "ふとん"]),
    ("電子レンジの", ["電子れんじの", "電子れんじ"]),  # typed half way
    ("電子レンジ", ["電子れんじ"]),
    ("きもの", ["きもの"]),  # too short to lose its の
    ("はきもの", ["はきもの", "はきも"]),  # only ever an extra variant: はきもの is searched too
    ("傘の捨て方", ["傘の捨て方", "傘"]),
    ("捨て方", ["捨て方"]),  # nothing would be left
    ("  ", []),
])
def test_query_variants(query: str, variants: list[str]) -> None:
    assert query_variants(query) == variants


def test_strip_noise_leaves_something() -> None:
    assert strip_noise(normalize("かさの捨て方")) == "かさ"
    assert strip_noise(normalize("の捨て方")) == "の捨て方"
    assert strip_noise(normalize("いらない")) == "いらない"
    assert strip_noise(normalize("古い傘を捨てたい")) == "傘"


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("abc", "abc", True),
    ("abc", "abd", True),
    ("abc", "ab", True),
    ("abc", "abcd", True),
    ("abc", "xabc", True),
    ("abc", "bc", True),
    ("abc", "acb", False),  # a swap is two edits
    ("abc", "a", False),
    ("", "a", True),
    ("ぺつとぼとろ", "ぺつとぼとる", True),
])
def test_within_one_edit(a: str, b: str, expected: bool) -> None:
    assert within_one_edit(a, b) is expected
    assert within_one_edit(b, a) is expected


def _substring_distance(pattern: str, text: str) -> int:
    """Brute force: the least edit distance from `pattern` to any substring of `text`."""
    previous = [0] * (len(text) + 1)
    for i, p in enumerate(pattern, 1):
        current = [i] + [0] * len(text)
        for j, t in enumerate(text, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (p != t))
        previous = current
    return min(previous)


def test_approx_contains_agrees_with_brute_force() -> None:
    rng = random.Random(5374)
    for _ in range(3000):
        pattern = "".join(rng.choice("abcd") for _ in range(rng.randint(1, 7)))
        text = "".join(rng.choice("abcd") for _ in range(rng.randint(0, 12)))
        for k in (0, 1, 2):
            expected = _substring_distance(pattern, text) <= k
            assert approx_contains(pattern, text, k) is expected, (pattern, text, k)


def test_approx_contains_examples() -> None:
    assert approx_contains("れいぞこ", "業務用れいぞうこ")  # one missing character
    assert approx_contains("ぼとろ", "ぺつとぼとるのきやつぷ")
    assert not approx_contains("てれび", "らじお")
