"""The waste dictionary's search (「何ごみ?」): a small in-memory index over the synced
`waste_items` rows.

Each item is searched by its name, its `reading` (hiragana) and its own `synonyms`, all
normalised by `text_normalize.normalize` (so kanji, hiragana, katakana, full and half width
all meet). Names from data like 5374's carry notes in brackets or after a space
(「アイロン台(金属)80％以上金属製」); their head word 「アイロン台」 and their bracket-free form
are keys too. The curated synonyms in `assets/waste/synonyms.json` expand the query
(「レンジ」 → 電子レンジ, 「ケータイ」 → 携帯電話 / スマホ, ...).

An index built for a language other than Japanese also holds each item's name and keywords
in that language (the row's `translations`, from the city's translations.csv; ADR 0028): the
name ranks like the Japanese name, the keywords like synonyms, so 「microwave」 finds
電子レンジ in English; Japanese queries work in every language. English words are compared
by their stems (text_normalize), so 「Batteries」 finds 「battery」.

Ranking, best first (the score's whole part; see the TIER_* constants):

    100 exact name · 99 exact reading · 95 exact head word · 90 exact synonym
    80 name/reading prefix · 72 synonym prefix · 70 prefix through a curated synonym
    60 name/reading substring · 55 synonym substring · 52 substring through a curated synonym
    50 every word of a query with spaces · 40 one edit from a whole key
    35 one edit from a key's beginning, first character right · 30 one edit from a part of a
    key (queries ≥ 5)

An exact synonym ranks above a prefix, so 「レンジ」 lists 電子レンジ before レンジ台 and
レンジフード (a curated synonym is a statement of what people mean). Among equals a shorter
name comes first: the score is the tier minus a hundredth per normalised character of the
name (at most 0.99). A query with phrase noise (「電子レンジの捨て方」) is also searched
without it, two points lower. One-edit typos are looked for only when the better tiers left
fewer hits than `limit`, and only in queries long enough for one edit to leave most of the
word: a weight of twelve, where a kanji counts six, a kana three and a Latin letter or
digit two (「扇風器」, 「パソコソ」, 「micrwave」 yes; 「レンジ」, 「ソファ」, 「sofa」 no: one edit
of three kana is a third of the word, and found 「れんが」 (ブロック) and 「ファンヒーター」).
A typo at a key's beginning needs the first character right (a wrong first character and
an open end is too little to go on), and a typo inside a key is looked for in Japanese only
(English has spaces between words: 「pet bottle」 is not 「cosmetics bottles」).

Build precomputes the keys and an n-gram index (characters, pairs of neighbours and pairs one
apart), so a search looks only at items that share the query's n-grams.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from app.features.waste.text_normalize import (
    approx_contains,
    bracket_free,
    head_word,
    normalize,
    query_variants,
    within_one_edit,
)
from app.paths import ASSETS_DIR

__all__ = [
    "SYNONYMS_PATH",
    "SearchHit",
    "SynonymGroup",
    "WasteIndex",
    "fuzzy_weight",
    "load_synonyms",
    "parse_synonyms",
    "translation",
]

SYNONYMS_PATH = ASSETS_DIR / "waste" / "synonyms.json"

TIER_EXACT_NAME = 100
TIER_EXACT_READING = 99
TIER_EXACT_HEAD = 95
TIER_EXACT_SYNONYM = 90
TIER_PREFIX = 80
TIER_SYNONYM_PREFIX = 72
TIER_CURATED_PREFIX = 70
TIER_SUBSTRING = 60
TIER_SYNONYM_SUBSTRING = 55
TIER_CURATED_SUBSTRING = 52
TIER_ALL_WORDS = 50
TIER_FUZZY = 40
TIER_FUZZY_PREFIX = 35
TIER_FUZZY_SUBSTRING = 30

VARIANT_PENALTY = 2  # a hit of the query without its phrase noise
FUZZY_MIN_WEIGHT = 12  # a kanji weighs 6, a kana 3, a letter 2 (see `fuzzy_weight`)
FUZZY_SUBSTRING_MIN_CHARS = 5
MAX_FUZZY_CANDIDATES = 300  # the most n-gram-similar items checked for a typo

# Kinds of key of an item.
_NAME, _HEAD, _READING, _SYNONYM, _TRANSLATED = range(5)
_DIRECT_TIERS = {  # kind → (exact, prefix, substring)
    _NAME: (TIER_EXACT_NAME, TIER_PREFIX, TIER_SUBSTRING),
    _TRANSLATED: (TIER_EXACT_NAME, TIER_PREFIX, TIER_SUBSTRING),
    _HEAD: (TIER_EXACT_HEAD, TIER_PREFIX, TIER_SUBSTRING),
    _READING: (TIER_EXACT_READING, TIER_PREFIX, TIER_SUBSTRING),
    _SYNONYM: (TIER_EXACT_SYNONYM, TIER_SYNONYM_PREFIX, TIER_SYNONYM_SUBSTRING),
}
_CURATED_TIERS = (TIER_EXACT_SYNONYM, TIER_CURATED_PREFIX, TIER_CURATED_SUBSTRING)
_SKIP = "\x00"  # marks a pair of characters one apart in the n-gram index
_WORDS = re.compile(r"[\s\u3000]+")


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One result. `matched` is the text that matched: the item's name, reading or synonym as
    written in the item, or, through a curated synonym, the curated word the query was
    (「レンジ」 for 電子レンジ)."""

    item: dict[str, Any]
    score: float
    matched: str


@dataclass(frozen=True, slots=True)
class SynonymGroup:
    """`terms` mean the same thing; each `alias` means the terms (one way)."""

    terms: tuple[str, ...]
    aliases: tuple[str, ...] = ()


def parse_synonyms(data: Mapping[str, Any]) -> tuple[SynonymGroup, ...]:
    """The groups of a synonyms document (`{"groups": [{"terms": [...], "aliases": [...]}]}`)."""
    groups = []
    for entry in data.get("groups", []):
        terms = tuple(str(t) for t in entry.get("terms", ()) if str(t).strip())
        aliases = tuple(str(a) for a in entry.get("aliases", ()) if str(a).strip())
        if terms:
            groups.append(SynonymGroup(terms, aliases))
    return tuple(groups)


@lru_cache(maxsize=4)
def load_synonyms(path: Path = SYNONYMS_PATH) -> tuple[SynonymGroup, ...]:
    """The curated synonyms bundled with the app (read once)."""
    with open(path, encoding="utf-8") as handle:
        return parse_synonyms(json.load(handle))


class _Key(NamedTuple):
    norm: str
    text: str  # as written in the item (for SearchHit.matched)
    kind: int


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value if v is not None]


def translation(item: Mapping[str, Any], language: str | None) -> Mapping[str, Any]:
    """The row's `translations` entry for `language` (`{"name", "keywords"}`), or {}."""
    if not language or language == "ja":
        return {}
    translations = item.get("translations")
    entry = translations.get(language) if isinstance(translations, Mapping) else None
    return entry if isinstance(entry, Mapping) else {}


def fuzzy_weight(key: str) -> int:
    """How much of a word a normalised key is for typo tolerance: a kanji 6, a kana 3, a
    Latin letter or digit 2 (so two kanji, four kana or six letters are enough)."""
    return sum(2 if ch.isascii() else 6 if "\u3400" <= ch <= "\u9fff" or ch == "々" else 3
               for ch in key)


def _item_keys(item: Mapping[str, Any], language: str | None = None) -> list[_Key]:
    keys: list[_Key] = []
    seen: set[str] = set()

    def add(text: str, kind: int, shown: str | None = None) -> None:
        norm = normalize(text)
        if norm and norm not in seen:
            seen.add(norm)
            keys.append(_Key(norm, shown if shown is not None else text, kind))

    name = str(item.get("name") or "")
    if not normalize(name):
        return keys  # nothing to show for it
    add(name, _NAME)
    add(head_word(name), _HEAD, name)
    add(bracket_free(name), _HEAD, name)
    for reading in _texts(item.get("reading")):
        add(reading, _READING)
    for synonym in _texts(item.get("synonyms")):
        add(synonym, _SYNONYM)
    translated = translation(item, language)
    local_name = str(translated.get("name") or "")
    if local_name:
        add(local_name, _TRANSLATED)
        add(bracket_free(local_name), _TRANSLATED, local_name)
    for keyword in _texts(translated.get("keywords")):
        add(keyword, _SYNONYM)
    return keys


def _grams(text: str) -> set[str]:
    """Characters, neighbouring pairs and pairs one apart."""
    grams = set(text)
    grams.update(text[i:i + 2] for i in range(len(text) - 1))
    grams.update(_SKIP + text[i] + text[i + 2] for i in range(len(text) - 2))
    return grams


def _fuzzy_grams(text: str) -> set[str]:
    grams = {text[i:i + 2] for i in range(len(text) - 1)}
    grams.update(_SKIP + text[i] + text[i + 2] for i in range(len(text) - 2))
    return grams


class WasteIndex:
    """Search over waste items; build once per sync (`WasteIndex.build(rows)`)."""

    def __init__(
        self,
        items: list[dict[str, Any]],
        keys: list[list[_Key]],
        postings: dict[str, set[int]],
        expansions: dict[str, list[tuple[str, str]]],
    ) -> None:
        self._items = items
        self._keys = keys
        self._postings = postings
        self._expansions = expansions
        self._name_len = [len(k[0].norm) if k else 0 for k in keys]
        self._sort_name = [str(item.get("name") or "") for item in items]

    @classmethod
    def build(
        cls,
        items: Iterable[Mapping[str, Any]],
        *,
        synonyms: Iterable[SynonymGroup] | None = None,
        language: str | None = None,
    ) -> WasteIndex:
        """Index `items` (waste_items rows); `synonyms` defaults to the bundled curated list;
        `language` adds the items' names and keywords in that language (None, "ja": none)."""
        rows: list[dict[str, Any]] = []
        keys: list[list[_Key]] = []
        postings: dict[str, set[int]] = {}
        for item in items:
            item_keys = _item_keys(item, language)
            if not item_keys:
                continue
            index = len(rows)
            rows.append(dict(item))
            keys.append(item_keys)
            grams: set[str] = set()
            for key in item_keys:
                grams |= _grams(key.norm)
            for gram in grams:
                bucket = postings.get(gram)
                if bucket is None:
                    postings[gram] = {index}
                else:
                    bucket.add(index)
        groups = load_synonyms() if synonyms is None else tuple(synonyms)
        return cls(rows, keys, postings, _expansions(groups))

    def __len__(self) -> int:
        return len(self._items)

    def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        """The best `limit` items for `query`, best first (see the module docstring)."""
        if limit <= 0:
            return []
        variants = query_variants(query)
        if not variants:
            return []
        best: dict[int, tuple[float, str]] = {}
        for number, variant in enumerate(variants):
            penalty = VARIANT_PENALTY if number else 0
            self._direct(variant, penalty, best)
            for expansion, shown in self._expansions.get(variant, ()):
                self._curated(expansion, shown, penalty, best)
        self._all_words(query, best)
        if len(best) < limit:
            for number, variant in enumerate(variants):
                self._fuzzy(variant, VARIANT_PENALTY if number else 0, best)
        ranked = sorted(
            best.items(),
            key=lambda entry: (-entry[1][0], self._name_len[entry[0]],
                               self._sort_name[entry[0]], entry[0]),
        )
        return [
            SearchHit(self._items[i], tier - min(self._name_len[i], 99) / 100, matched)
            for i, (tier, matched) in ranked[:limit]
        ]

    # --- tiers ------------------------------------------------------------------------------

    def _candidates(self, needle: str) -> set[int]:
        """Items that may contain `needle` (every character pair of it occurs in them)."""
        if len(needle) == 1:
            return self._postings.get(needle, set())
        pairs = {needle[i:i + 2] for i in range(len(needle) - 1)}
        buckets = sorted((self._postings.get(p, set()) for p in pairs), key=len)
        if not buckets[0]:
            return set()
        found = set(buckets[0])
        for bucket in buckets[1:]:
            found &= bucket
            if not found:
                break
        return found

    @staticmethod
    def _offer(best: dict[int, tuple[float, str]], index: int, tier: float, matched: str) -> None:
        current = best.get(index)
        if current is None or tier > current[0]:
            best[index] = (tier, matched)

    def _direct(self, needle: str, penalty: int, best: dict[int, tuple[float, str]]) -> None:
        for index in self._candidates(needle):
            top: tuple[float, str] | None = None
            for key in self._keys[index]:
                exact, prefix, substring = _DIRECT_TIERS[key.kind]
                if key.norm == needle:
                    tier = exact
                elif key.norm.startswith(needle):
                    tier = prefix
                elif needle in key.norm:
                    tier = substring
                else:
                    continue
                if top is None or tier > top[0]:
                    top = (tier, key.text)
            if top is not None:
                self._offer(best, index, top[0] - penalty, top[1])

    def _curated(self, needle: str, shown: str, penalty: int,
                 best: dict[int, tuple[float, str]]) -> None:
        exact, prefix, substring = _CURATED_TIERS
        for index in self._candidates(needle):
            top = 0
            for key in self._keys[index]:
                if key.norm == needle:
                    top = exact
                    break
                if key.norm.startswith(needle):
                    top = max(top, prefix)
                elif needle in key.norm:
                    top = max(top, substring)
            if top:
                self._offer(best, index, top - penalty, shown)

    def _all_words(self, query: str, best: dict[int, tuple[float, str]]) -> None:
        words = [w for w in (normalize(part) for part in _WORDS.split(query.strip())) if w]
        if len(words) < 2:
            return
        found: set[int] | None = None
        for word in words:
            candidates = self._candidates(word)
            found = set(candidates) if found is None else found & candidates
            if not found:
                return
        for index in found or ():
            keys = self._keys[index]
            if all(any(word in key.norm for key in keys) for word in words):
                self._offer(best, index, TIER_ALL_WORDS, keys[0].text)

    def _fuzzy(self, needle: str, penalty: int, best: dict[int, tuple[float, str]]) -> None:
        n = len(needle)
        if fuzzy_weight(needle) < FUZZY_MIN_WEIGHT:
            return
        grams = _fuzzy_grams(needle)
        threshold = max(1, len(grams) - 6)  # one edit changes at most 6 of them
        counts: Counter[int] = Counter()
        for gram in grams:
            counts.update(self._postings.get(gram, ()))
        candidates = [(c, i) for i, c in counts.items() if c >= threshold and i not in best]
        candidates.sort(key=lambda pair: (-pair[0], pair[1]))
        for _, index in candidates[:MAX_FUZZY_CANDIDATES]:
            top: tuple[int, str] | None = None
            for key in self._keys[index]:
                norm = key.norm
                if within_one_edit(needle, norm):
                    tier = TIER_FUZZY
                elif len(norm) > n - 1 and norm[0] == needle[0] and any(
                    within_one_edit(needle, norm[:m]) for m in (n - 1, n, n + 1)
                ):
                    tier = TIER_FUZZY_PREFIX
                elif (n >= FUZZY_SUBSTRING_MIN_CHARS and not needle.isascii()
                      and approx_contains(needle, norm)):
                    tier = TIER_FUZZY_SUBSTRING
                else:
                    continue
                if top is None or tier > top[0]:
                    top = (tier, key.text)
            if top is not None:
                self._offer(best, index, top[0] - penalty, top[1])


def _expansions(groups: Sequence[SynonymGroup]) -> dict[str, list[tuple[str, str]]]:
    """Normalised query → [(normalised word to look for, the curated word the query was)]."""
    table: dict[str, list[tuple[str, str]]] = {}

    def add(source: str, target: str) -> None:
        source_norm, target_norm = normalize(source), normalize(target)
        if not source_norm or not target_norm or source_norm == target_norm:
            return
        entries = table.setdefault(source_norm, [])
        if all(existing != target_norm for existing, _ in entries):
            entries.append((target_norm, source))

    for group in groups:
        for term in group.terms:
            for other in group.terms:
                add(term, other)
        for alias in group.aliases:
            for term in group.terms:
                add(alias, term)
    return table
