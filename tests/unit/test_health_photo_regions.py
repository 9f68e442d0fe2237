"""Plates, bowls and food regions on the project's drawn meals, and the resident's edits
(docs/health.md, "Meal photos")."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from app.features.health.photo.features import photo_maps
from app.features.health.photo.intake import SafePhoto, intake
from app.features.health.photo.regions import (
    EditRefused,
    FoundRegions,
    Region,
    add,
    delete,
    find_regions,
    merge,
    split,
)
from tests.health_meals.generate import Meal, draw_meal, edge_cases, hard_meals

MEALS = 8


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.count_nonzero((a > 0) | (b > 0))
    return np.count_nonzero((a > 0) & (b > 0)) / union if union else 0.0


@pytest.fixture(scope="module")
def analysed() -> list[tuple[Meal, SafePhoto, FoundRegions]]:
    out = []
    for index in range(MEALS):
        meal = draw_meal(index)
        photo = intake(meal.jpeg())
        out.append((meal, photo, find_regions(photo.image)))
    return out


def _best_iou(photo: SafePhoto, truth: np.ndarray, regions: tuple[Region, ...]) -> float:
    scaled = cv2.resize(truth, photo.size, interpolation=cv2.INTER_NEAREST)
    shape = (photo.size[1], photo.size[0])
    return max((_iou(r.mask(shape), scaled) for r in regions), default=0.0)


def test_most_true_regions_are_found_with_iou_at_least_half(
        analysed: list[tuple[Meal, SafePhoto, FoundRegions]]) -> None:
    scores = [_best_iou(photo, t.mask, found.regions)
              for meal, photo, found in analysed for t in meal.truth]
    assert len(scores) >= 20
    found = sum(score >= 0.5 for score in scores)
    assert found >= 0.8 * len(scores), scores


def test_every_region_is_in_a_vessel_and_vessels_are_plates_or_bowls(
        analysed: list[tuple[Meal, SafePhoto, FoundRegions]]) -> None:
    for meal, _photo, found in analysed:
        assert found.vessels, meal.name
        assert {v.kind for v in found.vessels} <= {"plate", "bowl"}
        for region in found.regions:
            assert region.vessel in found.vessels
            assert region.area_px > 0 and region.polygon


def test_miso_soup_is_seen_as_brown_liquid_in_a_bowl(
        analysed: list[tuple[Meal, SafePhoto, FoundRegions]]) -> None:
    seen = 0
    for meal, photo, found in analysed:
        shape = (photo.size[1], photo.size[0])
        for truth in meal.truth:
            if truth.dish_id != "miso_soup":
                continue
            scaled = cv2.resize(truth.mask, photo.size, interpolation=cv2.INTER_NEAREST)
            region = max(found.regions, key=lambda r: _iou(r.mask(shape), scaled))
            assert region.kind_hint == "brown_liquid"
            assert region.vessel is not None and region.vessel.kind == "bowl"
            seen += 1
    assert seen >= 2


def test_finding_is_deterministic(analysed: list[tuple[Meal, SafePhoto, FoundRegions]]) -> None:
    _meal, photo, found = analysed[0]
    assert find_regions(photo.image) == found


@pytest.mark.parametrize("case", ["nothing", "cat"])
def test_no_food_is_found_on_the_table_alone_or_on_a_cat(case: str) -> None:
    photo = intake(edge_cases()[case].jpeg())
    assert find_regions(photo.image).regions == ()


def test_a_very_dark_meal_is_still_read() -> None:
    meal = edge_cases()["dark"]
    photo = intake(meal.jpeg())
    found = find_regions(photo.image)
    assert not found.too_dark
    scores = [_best_iou(photo, t.mask, found.regions) for t in meal.truth]
    assert sum(s >= 0.5 for s in scores) >= len(scores) - 1


def test_plates_on_a_pale_table_are_told_from_the_table() -> None:
    meal = next(m for m in hard_meals(4) if m.name.endswith("light_table"))
    photo = intake(meal.jpeg())
    found = find_regions(photo.image)
    scores = [_best_iou(photo, t.mask, found.regions) for t in meal.truth]
    assert len(scores) >= 3 and all(s >= 0.5 for s in scores), scores


def test_a_black_photo_is_too_dark() -> None:
    found = find_regions(np.zeros((300, 400, 3), np.uint8))
    assert found.too_dark and found.regions == ()


# --- edits ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def two_regions(analysed: list[tuple[Meal, SafePhoto, FoundRegions]]
                ) -> tuple[np.ndarray, FoundRegions]:
    for _meal, photo, found in analysed:
        if len(found.regions) >= 2:
            return photo.image, found
    raise AssertionError("no drawn meal with two regions")


def test_merge_makes_one_region_of_two(two_regions: tuple[np.ndarray, FoundRegions]) -> None:
    image, found = two_regions
    a, b = found.regions[0], found.regions[1]
    merged = merge(image, found.regions, a.id, b.id)
    assert len(merged) == len(found.regions) - 1
    one = next(r for r in merged if r.id == a.id)
    assert all(r.id != b.id for r in merged)
    assert abs(one.area_px - (a.area_px + b.area_px)) <= 0.02 * one.area_px
    with pytest.raises(EditRefused):
        merge(image, found.regions, a.id, a.id)


def test_split_cuts_a_region_in_two_along_a_line(
        two_regions: tuple[np.ndarray, FoundRegions]) -> None:
    image, found = two_regions
    region = found.regions[0]
    x, y, w, h = region.bbox
    middle = x + w / 2
    after = split(image, found.regions, region.id, ((middle, y - 5), (middle, y + h + 5)))
    assert len(after) == len(found.regions) + 1
    kept = next(r for r in after if r.id == region.id)
    new = next(r for r in after if r.id == max(r.id for r in found.regions) + 1)
    assert kept.area_px >= new.area_px  # the larger piece keeps the id
    left, right = sorted((kept, new), key=lambda r: r.bbox[0])
    assert left.bbox[0] + left.bbox[2] <= middle + 1 and right.bbox[0] >= middle - 1
    assert abs(left.area_px + right.area_px - region.area_px) <= 0.05 * region.area_px
    with pytest.raises(EditRefused):  # a line beside the region cuts nothing off
        split(image, found.regions, region.id, ((x - 20, 0), (x - 20, 10)))


def test_delete_and_add(two_regions: tuple[np.ndarray, FoundRegions]) -> None:
    image, found = two_regions
    region = found.regions[0]
    fewer = delete(found.regions, region.id)
    assert [r.id for r in fewer] == [r.id for r in found.regions[1:]]
    with pytest.raises(EditRefused):
        delete(fewer, region.id)
    again = add(image, fewer, [tuple(map(float, p)) for p in region.polygon], found.vessels)
    added = again[-1]
    assert added.id == max(r.id for r in found.regions) + 1
    assert added.vessel == region.vessel
    assert _iou(added.mask(image.shape[:2]), region.mask(image.shape[:2])) > 0.95
    with pytest.raises(EditRefused):
        add(image, fewer, [(1.0, 1.0), (2.0, 2.0)])


def test_edits_leave_their_input_alone(two_regions: tuple[np.ndarray, FoundRegions]) -> None:
    image, found = two_regions
    before = found.regions
    maps = photo_maps(image)
    merge(image, found.regions, before[0].id, before[1].id, maps)
    delete(found.regions, before[0].id)
    assert found.regions == before
