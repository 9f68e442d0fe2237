"""Meal photo figures (issue 17): photo bytes → candidates on the device.

The project's labelled meals (`tests/health_meals/generate.py`, 36 drawn meals, seed 1717,
1024×768 JPEG) go through the whole pipeline, `app.features.health.photo.pipeline.analyse`:
intake (checks, decode, orientation, scale to 768 px, re-encode without metadata), plates,
bowls and food regions, features and candidate dishes (with a dish memory that has learnt
the confirmations of 12 other meals, as a resident's would).

- p50_s / p95_s / max_s: seconds per photo (median, 95th percentile, max) over `repeat`
  passes of all meals, after one warm-up photo.
- precision / recall: food regions found against the true regions, matched one to one at
  IoU ≥ 0.5 (greedy, best IoU first), summed over the meals; the true masks are scaled to
  the working size.
- hint_top3: share of matched regions whose true dish is among the first three hints (how
  the region looks and its vessel; no memory).
- mine_top1: share of matched regions whose first candidate is the true dish from the
  resident's memory, which has learnt every region of 12 other meals (seed 99) as
  confirmed (`memory_size` confirmations).
- edge cases: regions found on the table alone, on a cat on the table (both should be 0),
  and recall on a very dark meal.
- hard_precision / hard_recall: the same matching on 12 hard meals, not timed and not in
  the figures above: a pale beige table, black-and-red lacquered soup bowls (not found: the
  finder looks for white vessels), vessels touching each other, vessels cut by the edge.

Figures, not assertions: they are read in docs/benchmarks.md.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from typing import Any

import cv2
import numpy as np

from app.features.health.photo.hints import DishMemory, hint_candidates
from app.features.health.photo.pipeline import MealAnalysis, analyse
from tests.health_meals.generate import MEALS, Meal, edge_cases, generate_meals, hard_meals


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.count_nonzero((a > 0) | (b > 0))
    return np.count_nonzero((a > 0) & (b > 0)) / union if union else 0.0


def match(meal: Meal, analysis: MealAnalysis) -> tuple[int, int, int, list[tuple[int, int]]]:
    """(true positives, false positives, false negatives, [(region id, truth index)])."""
    size = analysis.photo.size
    shape = (size[1], size[0])
    truths = [cv2.resize(t.mask, size, interpolation=cv2.INTER_NEAREST) for t in meal.truth]
    found = [(r.id, r.mask(shape)) for r in analysis.found.regions]
    pairs = sorted(((_iou(mask, truth), rid, index) for rid, mask in found
                    for index, truth in enumerate(truths)), reverse=True)
    used_regions: set[int] = set()
    used_truths: set[int] = set()
    matched: list[tuple[int, int]] = []
    for iou, rid, index in pairs:
        if iou < 0.5:
            break
        if rid in used_regions or index in used_truths:
            continue
        used_regions.add(rid)
        used_truths.add(index)
        matched.append((rid, index))
    tp = len(matched)
    return tp, len(found) - tp, len(truths) - tp, matched


def _memory(meals: list[Meal]) -> DishMemory:
    """Every region found in meals outside the measured set (another seed), confirmed as
    its true dish, as a resident's memory would have learnt them."""
    memory = DishMemory()
    for meal in meals:
        analysis = analyse(meal.jpeg())
        for rid, index in match(meal, analysis)[3]:
            memory.learn(analysis.features[rid], meal.truth[index].dish_id)
    return memory


def run(repeat: int = 1, count: int = MEALS, hard: int = 12,
        memory_meals: int = 12) -> dict[str, Any]:
    """The figures (`count`, `hard` and `memory_meals` are smaller in the smoke test only)."""
    meals = generate_meals(count=count)
    photos = [meal.jpeg() for meal in meals]
    memory = _memory(generate_meals(count=memory_meals, seed=99))
    analyse(photos[0], memory)  # warm-up
    seconds: list[float] = []
    tp = fp = fn = top3 = mine = 0
    for _ in range(max(1, repeat)):
        tp = fp = fn = top3 = mine = 0
        for meal, photo in zip(meals, photos, strict=True):
            start = time.perf_counter()
            analysis = analyse(photo, memory)
            seconds.append(time.perf_counter() - start)
            t, f, n, matched = match(meal, analysis)
            tp, fp, fn = tp + t, fp + f, fn + n
            for rid, index in matched:
                first = analysis.candidates[rid][0]
                mine += first.kind == "mine" and first.dish_id == meal.truth[index].dish_id
                region = next(r for r in analysis.found.regions if r.id == rid)
                hints = hint_candidates(region.kind_hint,
                                        region.vessel.kind if region.vessel else None)
                top3 += meal.truth[index].dish_id in [c.dish_id for c in hints[:3]]
    seconds.sort()
    edges = edge_cases()
    nothing = analyse(edges["nothing"].jpeg(), memory)
    cat = analyse(edges["cat"].jpeg(), memory)
    dark_meal = edges["dark"]
    dark_tp, _dark_fp, dark_fn, _ = match(dark_meal, analyse(dark_meal.jpeg(), memory))
    hard_tp = hard_fp = hard_fn = 0
    for meal in hard_meals(hard):
        t, f, n, _ = match(meal, analyse(meal.jpeg(), memory))
        hard_tp, hard_fp, hard_fn = hard_tp + t, hard_fp + f, hard_fn + n
    result = {
        "benchmark": "meal_photo",
        "p50_s": round(statistics.median(seconds), 3),
        "p95_s": round(seconds[min(len(seconds) - 1, int(0.95 * len(seconds)))], 3),
        "max_s": round(seconds[-1], 3),
        "precision": round(tp / (tp + fp), 3) if tp + fp else 0.0,
        "recall": round(tp / (tp + fn), 3) if tp + fn else 0.0,
        "hint_top3": round(top3 / tp, 3) if tp else 0.0,
        "mine_top1": round(mine / tp, 3) if tp else 0.0,
        "memory_size": len(memory),
        "meals": len(meals),
        "true_regions": tp + fn,
        "found_regions": tp + fp,
        "nothing_regions": len(nothing.found.regions),
        "cat_regions": len(cat.found.regions),
        "dark_recall": round(dark_tp / (dark_tp + dark_fn), 3) if dark_tp + dark_fn else 0.0,
        "hard_precision": round(hard_tp / (hard_tp + hard_fp), 3) if hard_tp + hard_fp else 0.0,
        "hard_recall": round(hard_tp / (hard_tp + hard_fn), 3) if hard_tp + hard_fn else 0.0,
        "hard_true_regions": hard_tp + hard_fn,
        "photos_timed": len(seconds),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "opencv": cv2.__version__,
    }
    print(f"meal photo: p50 {result['p50_s']} s, p95 {result['p95_s']} s per photo; "
          f"precision {result['precision']}, recall {result['recall']} "
          f"({tp} of {tp + fn} true regions, {fp} found wrongly)", flush=True)
    return result
