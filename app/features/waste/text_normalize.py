"""Text normalisation for searching the waste dictionary in Japanese.

`normalize` maps every way of writing a word to one search key, so that 「ﾚﾝｼﾞ」, 「レンジ」 and
「れんじ」 are the same key, and 「ケータイ」 matches the reading 「けいたい」. The key is for
matching only; it is never shown. Kanji are kept as they are (no reading dictionary on the
device: kanji names are found from hiragana through each item's `reading` and synonyms).

The steps, in order (jaconv does 1, 3 and most of 4; the rest are this project's rules for
search, which no library has: docs/adr/0025-libraries-over-hand-written-code.md):

1. `jaconv.normalize` (NFKC plus dashes and wave dashes unified): full-width Latin and digits
   to ASCII, half-width katakana to full width (with their voiced marks composed: ｼﾞ → ジ),
   ㎝ → cm, 〜 ～ ― → ー.
2. Lower case (casefold) for Latin, and each Latin word of four or more letters to its
   English stem (Snowball, `snowballstemmer`): 「Batteries」 and 「battery」 are both
   「batteri」, 「PET bottles」 is 「pet bottl」 (ADR 0028).
3. Katakana → hiragana (`jaconv.kata2hira`; ヴ → ゔ).
4. Small kana → large (`jaconv.enlarge_smallkana`: ぁ → あ, っ → つ, ゃ → や ...), so
   「しゃつ」 = 「しやつ」; ours on top: ゎ → わ and ヵ ヶ → か, as in 三ヶ月
   (jaconv makes ヶ → ケ).
5. ぢ → じ and づ → ず, which sound the same (「でんしれんぢ」 = 「でんしれんじ」).
6. Spaces, punctuation, brackets and symbols are removed (letters, digits, kana, kanji and
   々 stay), so 「電子 レンジ」 and 「アイロン(金属)」 compare without them.
7. Long vowels: the mark ー (and dashes or a half-width ｰ written after kana) becomes the vowel
   of the kana before it; then an お-row kana followed by う is written with お, an え-row kana
   followed by い with え. So 「ストーブ」, 「すとおぶ」 and 「すとうぶ」 are all 「すとおぶ」, and
   「ケータイ」 and 「けいたい」 are both 「けえたい」. A mark after anything else is dropped.

`query_variants` also gives a query without common phrase noise (「…の捨て方」, 「…は何ごみ」,
「いらない…」): the variants are searched in addition to the query itself, never instead of it,
so a name that really ends in such words (「はきもの」 and the trailing 「の」) is still found.
"""

from __future__ import annotations

import re
from functools import lru_cache

import jaconv
import snowballstemmer

__all__ = [
    "approx_contains",
    "bracket_free",
    "head_word",
    "katakana_to_hiragana",
    "normalize",
    "query_variants",
    "strip_noise",
    "within_one_edit",
]

# Ours on top of jaconv's small → large: small わ and か (ゕ ゖ from ヵ ヶ), and ぢ づ as じ ず.
_OWN_FOLD = str.maketrans({"ゎ": "わ", "ゕ": "か", "ゖ": "か", "ぢ": "じ", "づ": "ず"})

# The vowel of each large hiragana, from its romanisation (か → ka → あ); ん has none.
_VOWELS = dict(zip("aiueo", "あいうえお", strict=True))
_VOWEL_OF = {
    kana: _VOWELS[roman[-1]]
    for kana in map(chr, range(ord("あ"), ord("ゖ") + 1))
    if (roman := jaconv.kana2alphabet(kana)) and roman[-1] in _VOWELS
}
_O_ROW = frozenset(kana for kana, vowel in _VOWEL_OF.items() if vowel == "お")
_E_ROW = frozenset(kana for kana, vowel in _VOWEL_OF.items() if vowel == "え")

# After NFKC, marks that stand for a long vowel when they follow kana.
_LONG_MARKS = frozenset("ー-‐‑‒–—―−～~〜")
_OPEN = r"(（\[［【〔「『〈《｛{"
_CLOSE = r")）\]］】〕」』〉》｝}"
_BRACKETED = re.compile(f"[{_OPEN}][^{_CLOSE}]*[{_CLOSE}]")
_HEAD_END = re.compile(f"[{_OPEN}\\s　・、,/／]")
_MARK_CLASS = "".join(sorted(_LONG_MARKS)).replace("-", r"\-").replace("~", r"\~")
_LONG_AFTER_KANA = re.compile(f"([\u3041-\u3096])([{_MARK_CLASS}]+)")
_O_THEN_U = re.compile(f"(?<=[{''.join(sorted(_O_ROW))}])う+")
_E_THEN_I = re.compile(f"(?<=[{''.join(sorted(_E_ROW))}])い+")
_MARKS = re.compile(f"[{_MARK_CLASS}]+")
# all but letters (kana, kanji, Latin, 々), digits and the long-vowel marks
_DROP = re.compile(f"(?:[^\\w{_MARK_CLASS}]|_)+")


_LATIN_WORD = re.compile(r"[a-z]{4,}")
_ENGLISH = snowballstemmer.stemmer("english")


@lru_cache(maxsize=8192)
def _stem(word: str) -> str:
    return str(_ENGLISH.stemWord(word))


def _stem_latin(text: str) -> str:
    """Each Latin word of four or more letters (after casefold) to its English stem; shorter
    ones (pet, gas, tv, led) stay, a stem would only blur them."""
    return _LATIN_WORD.sub(lambda m: _stem(m.group()), text)


def katakana_to_hiragana(text: str) -> str:
    """Katakana ァ..ヶ to hiragana ぁ..ゖ; everything else unchanged."""
    return jaconv.kata2hira(text)


def _long_vowel(match: re.Match[str]) -> str:
    kana = match.group(1)
    return kana + _VOWEL_OF.get(kana, "") * len(match.group(2))


def _fold_long_vowels(text: str) -> str:
    text = _MARKS.sub("", _LONG_AFTER_KANA.sub(_long_vowel, text))
    text = _O_THEN_U.sub(lambda m: "お" * len(m.group()), text)
    return _E_THEN_I.sub(lambda m: "え" * len(m.group()), text)


def normalize(text: str) -> str:
    """The search key of `text` (see the module docstring for the steps)."""
    if not text:
        return ""
    text = _stem_latin(jaconv.kata2hira(jaconv.normalize(text, "NFKC").casefold()))
    text = jaconv.enlarge_smallkana(text).translate(_OWN_FOLD)
    return _fold_long_vowels(_DROP.sub("", text))


def bracket_free(text: str) -> str:
    """`text` with bracketed parts removed: 「アンテナ（テレビ・BS）(金属)」 → 「アンテナ」."""
    previous = None
    while previous != text:
        previous = text
        text = _BRACKETED.sub("", text)
    return text.strip()


def head_word(text: str) -> str:
    """The part of a name before its first bracket, space or list mark:
    「パソコン本体　ディスプレイ」 → 「パソコン本体」, 「傘立て(金属)80％以上」 → 「傘立て」."""
    match = _HEAD_END.search(text)
    return (text[: match.start()] if match else text).strip()


# Phrase noise around what someone looks for, in normalised form (see `normalize`); longest
# first. Only used to make extra variants of a query.
_NOISE_SUFFIXES = tuple(sorted({normalize(s) for s in (
    "の捨て方", "捨て方", "の捨てかた", "捨てかた", "のすてかた", "すてかた",
    "の出し方", "出し方", "の出しかた", "出しかた", "のだしかた", "だしかた",
    "の処分方法", "処分方法", "の処分", "のしょぶん", "の分別方法", "分別方法", "の分別",
    "のぶんべつ", "の分け方", "の分けかた", "のわけかた",
    "は何ごみ", "はなにごみ", "はなんごみ", "は何ゴミ", "って何ごみ", "ってなにごみ",
    "は何の日", "はいつ", "はどこ", "はどうする", "はどうやって捨てる",
    "を捨てたい", "をすてたい", "捨てたい", "すてたい", "を処分したい", "処分したい",
    "のごみ", "のゴミ",
)}, key=len, reverse=True))
_NOISE_PREFIXES = tuple(sorted({normalize(s) for s in (
    "いらない", "要らない", "不要な", "不用な", "古い", "ふるい", "壊れた", "こわれた",
    "使わない", "つかわない", "使用済み", "使用済みの",
)}, key=len, reverse=True))


def strip_noise(key: str) -> str:
    """A normalised query without one leading and one trailing noise phrase, and without a
    trailing 「の」 left by typing (「電子レンジの」, when three or more characters are left);
    `key` itself when nothing but particles (の, を, は, が) would be left."""
    stripped = key
    for prefix in _NOISE_PREFIXES:
        if stripped.startswith(prefix) and len(stripped) > len(prefix):
            stripped = stripped[len(prefix):]
            break
    for suffix in _NOISE_SUFFIXES:
        if stripped.endswith(suffix) and len(stripped) > len(suffix):
            stripped = stripped[: -len(suffix)]
            break
    if stripped.endswith("の") and len(stripped) >= 4:
        stripped = stripped[:-1]
    if not stripped.strip("のをはが"):
        return key  # only particles left
    return stripped


def query_variants(query: str) -> list[str]:
    """The normalised query first, then its noise-free variant when that differs."""
    key = normalize(query)
    if not key:
        return []
    variants = [key]
    stripped = strip_noise(key)
    if stripped and stripped != key:
        variants.append(stripped)
    return variants


# --- edit distance helpers (on normalised keys) ----------------------------------------------

def within_one_edit(a: str, b: str) -> bool:
    """True when `a` and `b` differ by at most one insertion, deletion or substitution."""
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    if i == la:
        return True  # equal, or b has one extra character at the end
    if la == lb:
        return a[i + 1:] == b[i + 1:]
    return a[i:] == b[i + 1:]


def approx_contains(pattern: str, text: str, max_distance: int = 1) -> bool:
    """True when some substring of `text` is within `max_distance` edits of `pattern`
    (Myers' bit-parallel algorithm, Hyyrö's formulation, with Python ints as bit vectors)."""
    m = len(pattern)
    if m == 0:
        return True
    if m <= max_distance:
        return True
    peq: dict[str, int] = {}
    for i, ch in enumerate(pattern):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    mask = (1 << m) - 1
    high = 1 << (m - 1)
    pv, mv, score = mask, 0, m
    for ch in text:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = ((((eq & pv) + pv) & mask) ^ pv) | eq
        ph = mv | (~(xh | pv) & mask)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = (ph << 1) & mask
        mh = (mh << 1) & mask
        pv = mh | (~(xv | ph) & mask)
        mv = ph & xv
        if score <= max_distance:
            return True
    return False
