"""Candidate dishes (hints and the resident's k-NN) and portion estimates for photo regions
(docs/health.md, "Meal photos")."""

from __future__ import annotations

from decimal import Decimal

import cv2
import numpy as np
import pytest

from app.features.health.nutrition.recipes import default_recipes
from app.features.health.photo.features import FEATURE_SIZE, Texture
from app.features.health.photo.hints import HINTS, DishMemory, candidates, hint_candidates
from app.features.health.photo.pipeline import MealAnalysis, analyse
from app.features.health.photo.portion import (
    Densities,
    VesselSizes,
    default_densities,
    estimate_grams,
)
from app.features.health.photo.regions import Region, Vessel
from tests.health_meals.generate import Meal, draw_meal


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.count_nonzero((a > 0) | (b > 0))
    return np.count_nonzero((a > 0) & (b > 0)) / union if union else 0.0


@pytest.fixture(scope="module")
def meals() -> list[tuple[Meal, MealAnalysis]]:
    return [(meal, analyse(meal.jpeg())) for meal in (draw_meal(i) for i in range(6))]


def _region_of(meal: Meal, analysis: MealAnalysis, dish_id: str) -> Region | None:
    size = analysis.photo.size
    for truth in meal.truth:
        if truth.dish_id != dish_id:
            continue
        scaled = cv2.resize(truth.mask, size, interpolation=cv2.INTER_NEAREST)
        for region in analysis.found.regions:
            if _iou(region.mask((size[1], size[0])), scaled) >= 0.5:
                return region
    return None


def test_every_hinted_dish_is_a_recipe_of_the_nutrition_core() -> None:
    ids = {recipe.id for recipe in default_recipes()}
    hinted = {dish for table in HINTS.values() for pairs in table.values() for dish, _ in pairs}
    assert hinted and hinted <= ids, hinted - ids
    assert set(default_densities().by_dish) <= ids


@pytest.mark.parametrize(("hint", "vessel", "first"), [
    ("brown_liquid", "bowl", "miso_soup"),
    ("white_grainy", "bowl", "rice"),
    ("green", "plate", "green_salad"),
    ("fried", "plate", "karaage"),
    ("yellow", "plate", "tamagoyaki"),
    ("orange", "plate", "grilled_salmon"),
])
def test_obvious_looks_suggest_the_obvious_dish_first(hint: str, vessel: str, first: str) -> None:
    assert hint_candidates(hint, vessel)[0].dish_id == first


def test_long_strands_in_a_bowl_suggest_noodles() -> None:
    top = {c.dish_id for c in hint_candidates("strands", "bowl")[:2]}
    assert top == {"shoyu_ramen", "kake_udon"}


@pytest.mark.parametrize("dish", ["miso_soup", "rice", "green_salad", "karaage"])
def test_drawn_dishes_get_their_dish_among_the_first_three(
        meals: list[tuple[Meal, MealAnalysis]], dish: str) -> None:
    checked = 0
    for meal, analysis in meals:
        region = _region_of(meal, analysis, dish)
        if region is None:
            continue
        choices = analysis.candidates[region.id]
        assert dish in [c.dish_id for c in choices[:3]], (meal.name, region.kind_hint)
        checked += 1
    assert checked >= 1


def test_choices_always_end_with_search_and_not_food() -> None:
    vector = np.zeros(FEATURE_SIZE, np.float32)
    for hint in ("other", "fried", "no such hint"):
        kinds = [c.kind for c in candidates(vector, hint, None)]
        assert kinds[-2:] == ["search", "not_food"]
    assert [c.kind for c in candidates(vector, "other", "bowl")] == ["search", "not_food"]


def test_a_confirmed_dish_comes_first_next_time(meals: list[tuple[Meal, MealAnalysis]]) -> None:
    meal, analysis = next((m, a) for m, a in meals if _region_of(m, a, "miso_soup"))
    region = _region_of(meal, analysis, "miso_soup")
    assert region is not None
    features = analysis.features[region.id]
    memory = DishMemory()
    before = candidates(features, region.kind_hint, "bowl", memory)
    assert before[0].dish_id == "miso_soup" and before[0].kind == "hint"
    memory.learn(features, "tonjiru")  # the resident says: it was 豚汁
    after = candidates(features, region.kind_hint, "bowl", memory)
    assert (after[0].kind, after[0].dish_id) == ("mine", "tonjiru")
    assert [c.dish_id for c in after].count("tonjiru") == 1  # not listed again as a hint
    # Another miso soup, drawn differently, is near enough to be recognised too.
    other = next(((m, a) for m, a in meals[::-1] if _region_of(m, a, "miso_soup")
                  and m is not meal), None)
    assert other is not None
    region2 = _region_of(*other, "miso_soup")
    assert region2 is not None
    again = candidates(other[1].features[region2.id], region2.kind_hint, "bowl", memory)
    assert (again[0].kind, again[0].dish_id) == ("mine", "tonjiru")


def test_the_memory_does_not_claim_what_it_has_not_seen(
        meals: list[tuple[Meal, MealAnalysis]]) -> None:
    memory = DishMemory()
    miso = next(a.features[r.id] for m, a in meals if (r := _region_of(m, a, "miso_soup")))
    memory.learn(miso, "miso_soup")
    salad = next(a.features[r.id] for m, a in meals if (r := _region_of(m, a, "green_salad")))
    assert memory.nearest(salad) == []


def test_the_memory_survives_being_stored_and_refuses_garbage() -> None:
    memory = DishMemory(capacity=3)
    rng = np.random.default_rng(17)
    vectors = rng.random((4, FEATURE_SIZE)).astype(np.float32) * 0.1
    for index, vector in enumerate(vectors):
        memory.learn(vector, f"dish{index}")
    assert len(memory) == 3  # the oldest went
    copy = DishMemory.from_bytes(memory.to_bytes())
    assert len(copy) == 3
    assert copy.nearest(vectors[3], k=1) == memory.nearest(vectors[3], k=1)
    assert copy.nearest(vectors[3], k=1)[0][0] == "dish3"
    assert copy.nearest(vectors[0] + 5) == []
    copy.forget("dish3")
    assert all(d != "dish3" for d, _ in copy.nearest(vectors[3]))
    for garbage in (b"", b"not npz", memory.to_bytes()[:40]):
        with pytest.raises(ValueError):
            DishMemory.from_bytes(garbage)


def test_known_ids_filter_the_choices() -> None:
    vector = np.zeros(FEATURE_SIZE, np.float32)
    choices = candidates(vector, "fried", "plate", known={"tonkatsu"})
    assert [c.dish_id for c in choices] == ["tonkatsu", None, None]


# --- portions -------------------------------------------------------------------------------

def _region(area: int, vessel: Vessel | None) -> Region:
    return Region(1, vessel, (0, 0, 100, 100), (((0, 0), (99, 0), (99, 99)),), area,
                  (50.0, 10.0, 30.0), Texture(1.0, 0.1, 0.2), "fried")


PLATE = Vessel(1, "plate", (200.0, 150.0), (130.0, 97.5), 90.0, (70, 52, 260, 195))
BOWL = Vessel(2, "bowl", (500.0, 150.0), (60.0, 45.0), 90.0, (440, 105, 120, 90))


def test_portion_grows_with_area_and_is_an_estimate() -> None:
    grams = [estimate_grams(_region(area, PLATE), "karaage").grams
             for area in (500, 1000, 2000, 4000, 8000)]
    assert grams == sorted(grams) and grams[0] < grams[-1]
    estimate = estimate_grams(_region(2000, PLATE), "karaage")
    assert estimate.estimate and estimate.basis == "area"


def test_portion_arithmetic_by_hand() -> None:
    # Plate 26 cm across = 260 px, so 10 px per cm; tilt 97.5/130 = 0.75.
    # 7,500 px seen = 75 cm² seen = 100 cm² on the table; karaage 1.7 g/cm² → 170 g.
    estimate = estimate_grams(_region(7500, PLATE), "karaage")
    assert estimate.area_cm2 == 100.0
    assert estimate.grams == Decimal(170)
    # The same pixels in a 12 cm bowl 120 px across (10 px/cm, tilt 0.75): the same area.
    assert estimate_grams(_region(7500, BOWL), "karaage").grams == Decimal(170)


def test_a_larger_real_plate_means_more_grams() -> None:
    small = estimate_grams(_region(3000, PLATE), "rice", sizes=VesselSizes(plate_cm=20))
    large = estimate_grams(_region(3000, PLATE), "rice", sizes=VesselSizes(plate_cm=30))
    assert small.grams < large.grams


def test_unknown_dishes_use_the_default_density_and_no_vessel_says_so() -> None:
    densities = Densities(1.0, {})
    with_vessel = estimate_grams(_region(7500, PLATE), "whatever", densities=densities)
    assert with_vessel.grams == Decimal(100)
    alone = estimate_grams(_region(7500, None), "karaage")
    assert alone.basis == "no_scale" and alone.estimate
    assert Decimal(1) <= alone.grams <= Decimal(2000)
