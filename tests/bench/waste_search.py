"""Waste dictionary search figures (issue 5): `WasteIndex.build` and `search` on the device.

Items: the 504 rows of tests/fixtures/waste/items_sample.json (464 rows of 5374's Kanazawa
target.csv and 40 hand-made Tsuyama-like items with readings), expanded to `items` (default
2000) with generated variants in the same style: a base item's head word with a Kanazawa-like
qualifier (「(金属)80％以上金属製」, 「70cm超える」, 「子ども用」 ...), and for the Tsuyama-like
items a matching reading. Deterministic (seeded), so every run indexes the same items.

Queries: the fixed `QUERIES` below (114: kanji, hiragana, katakana, half-width katakana,
typos, curated synonyms, phrase noise, words with spaces, no-hit queries), each searched
`repeat` times (default 5) with `limit=20`, after one untimed warm-up pass.

- build_ms: median of `repeat` builds of the index over the items.
- p50_ms / p95_ms / max_ms: over every timed search (queries × repeat).
- top_hit_share: the share of queries with at least one hit.

Figures, not assertions: the aim (a query over 2,000 items well under 50 ms) is checked by
reading them, in docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import time
from pathlib import Path
from typing import Any

from app.features.waste.search import WasteIndex
from app.features.waste.text_normalize import head_word

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "waste" / "items_sample.json"
SEED = 5374
LIMIT = 20

QUALIFIERS = (
    ("(金属)80％以上金属製", None), ("金属部分80％未満　70cm超える", None),
    ("金属部分80％未満　70cm以下", None), ("(埋立)陶器製", None), ("(埋立)ガラス製", None),
    ("プラスチック製", "ぷらすちっくせい"), ("木製", "もくせい"), ("布製", "ぬのせい"),
    ("70cm超える", None), ("70cm以下", None), ("(金属)電動", None), ("電池式", "でんちしき"),
    ("子ども用", "こどもよう"), ("業務用", "ぎょうむよう"), ("折りたたみ式", "おりたたみしき"),
    ("大型", "おおがた"), ("小型", "こがた"), ("手動式", "しゅどうしき"),
    ("(容プラ)", None), ("（家庭用）", None),
)

QUERIES = (
    # kanji
    "電子レンジ", "冷蔵庫", "自転車", "傘", "布団", "乾電池", "蛍光灯", "携帯電話", "新聞紙",
    "段ボール", "生ごみ", "扇風機", "掃除機", "炊飯器", "衣類", "食用油", "紙おむつ", "体温計",
    "石油ストーブ", "電気毛布", "植木鉢", "哺乳びん", "包丁", "鍋", "座椅子",
    # hiragana
    "でんしれんじ", "れいぞうこ", "じてんしゃ", "かさ", "ふとん", "かんでんち", "けいこうとう",
    "けいたいでんわ", "しんぶんし", "だんぼーる", "なまごみ", "せんぷうき", "そうじき",
    "すいはんき", "いるい", "しょくようあぶら", "かみおむつ", "らいたー", "ぬいぐるみ",
    "まっとれす", "ぺっとぼとる", "あきかん", "あきびん", "はっぽうすちろーる",
    # katakana and half-width katakana
    "ペットボトル", "テレビ", "パソコン", "スプレー缶", "ストーブ", "アイロン", "カーペット",
    "ハンガー", "ソファー", "ライター", "ﾚﾝｼﾞ", "ﾍﾟｯﾄﾎﾞﾄﾙ", "ﾃﾚﾋﾞ", "ｽﾄｰﾌﾞ", "ﾗｲﾀｰ",
    "ﾎｯﾄﾌﾟﾚｰﾄ", "ｶｾｯﾄﾎﾞﾝﾍﾞ", "ＩＣレコーダー", "ＣＤ", "ＬＥＤ電球",
    # typos
    "でんしれんぢ", "でんしれんち", "ペットボトろ", "パソコソ", "センプーキ", "扇風器",
    "れいぞおこ", "すとうぶ", "卵パック", "かせっとぼんぺ", "ほっとぷれえと", "あいろm",
    "だんぼうる", "てれぴ", "すまーとふぉm",
    # curated synonyms
    "レンジ", "ケータイ", "スマホ", "PC", "ペット", "チャリ", "エアゾール缶", "電池", "単三",
    "ガラケー", "羽毛布団", "じゅうたん", "クーラー", "缶", "びん",
    # phrase noise and words with spaces
    "電子レンジの捨て方", "テレビは何ごみ", "いらない自転車", "ふとんの出し方", "古いパソコン",
    "液晶 テレビ", "電子 レンジ", "ペットボトル キャップ", "傘 金属", "ストーブ 石油",
    # no hit, one character, Latin
    "xyz", "ぴゅ", "宇", "led", "cd",
)


def load_base_items() -> list[dict[str, Any]]:
    with open(FIXTURE, encoding="utf-8") as handle:
        document = json.load(handle)
    return list(document["kanazawa"]) + list(document["tsuyama_like"])


def bench_items(count: int) -> list[dict[str, Any]]:
    """The fixture's items, then generated variants of them until there are `count`: each
    base item's head word with one qualifier, then with two (in a seeded random order)."""
    base = load_base_items()
    if count <= len(base):
        return base[:count]
    seen = {item["name"] for item in base}
    variants: list[tuple[dict[str, Any], str, str | None]] = []
    pairs = [(a, b) for a in QUALIFIERS for b in QUALIFIERS if a != b]
    for combos in ([(q,) for q in QUALIFIERS], pairs):
        batch = []
        for source in base:
            head = head_word(source["name"])
            for combo in combos:
                name = head + "".join(text for text, _ in combo)
                if name in seen:
                    continue
                seen.add(name)
                readings = [reading for _, reading in combo]
                reading = source.get("reading")
                full_reading = (reading + "".join(readings)  # type: ignore[arg-type]
                                if reading and all(readings) else None)
                batch.append((source, name, full_reading))
        random.Random(SEED).shuffle(batch)
        variants.extend(batch)
        if len(base) + len(variants) >= count:
            break
    if len(base) + len(variants) < count:
        raise ValueError(f"at most {len(base) + len(variants)} items can be generated")
    items = list(base)
    for source, name, reading in variants[: count - len(base)]:
        items.append(dict(source, id=f"bench-{len(items):05d}", name=name, reading=reading))
    return items


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def run(items: int = 2000, repeat: int = 5) -> dict[str, Any]:
    rows = bench_items(items)
    build_runs = []
    index = WasteIndex.build(rows)
    for _ in range(max(1, repeat)):
        started = time.perf_counter()
        index = WasteIndex.build(rows)
        build_runs.append((time.perf_counter() - started) * 1000)
    for query in QUERIES:  # warm-up, untimed
        index.search(query, LIMIT)
    timings: list[float] = []
    with_hits = 0
    for run_number in range(max(1, repeat)):
        for query in QUERIES:
            started = time.perf_counter()
            hits = index.search(query, LIMIT)
            timings.append((time.perf_counter() - started) * 1000)
            if run_number == 0 and hits:
                with_hits += 1
    return {
        "benchmark": "waste_search",
        "items": len(index),
        "queries": len(QUERIES),
        "repeat": max(1, repeat),
        "searches": len(timings),
        "limit": LIMIT,
        "build_ms": round(statistics.median(build_runs), 2),
        "p50_ms": round(_percentile(timings, 0.50), 3),
        "p95_ms": round(_percentile(timings, 0.95), 3),
        "max_ms": round(max(timings), 3),
        "mean_ms": round(statistics.fmean(timings), 3),
        "top_hit_share": round(with_hits / len(QUERIES), 3),
        "data": "items_sample.json (464 Kanazawa + 40 Tsuyama-like) + generated variants",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
