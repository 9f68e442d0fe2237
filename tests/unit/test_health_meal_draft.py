"""The meal under review (app/features/health/meal/draft.py) over a real analysed photo: the
drawn meals of tests/health_meals/generate.py through the photo pipeline, then the
resident's edits (choose, grams, merge, split, delete, add, extras) and what the record
gets from them (`items()`: food codes and grams that sum to the grams chosen)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import numpy as np
import pytest

from app.features.health.meal.draft import NOT_FOOD, MealDraft, dish_sources, source_of
from app.features.health.nutrition.food_table import FoodTable, default_table
from app.features.health.nutrition.recipes import Recipe, by_id, default_recipes
from app.features.health.photo.pipeline import MealAnalysis, analyse
from app.features.health.photo.portion import VesselSizes
from app.features.health.photo.regions import EditRefused
from app.features.health.records import CITY_TZ, MealItem, meal_record
from tests.health_meals.generate import draw_meal

NOON = datetime(2026, 12, 5, 12, 0, tzinfo=CITY_TZ)


@pytest.fixture(scope="module")
def table() -> FoodTable:
    return default_table()


@pytest.fixture(scope="module")
def recipes() -> dict[str, Recipe]:
    return by_id(default_recipes())


def _analysed(index: int, table: FoodTable, recipes: dict[str, Recipe]) -> MealAnalysis:
    known = [*recipes, *(food.code for food in table)]
    return analyse(draw_meal(index).jpeg(), None, known=known)


@pytest.fixture(scope="module")
def four_dishes(table: FoodTable, recipes: dict[str, Recipe]) -> MealAnalysis:
    """Meal 0: miso soup and rice in bowls, salmon and tamagoyaki on a plate."""
    return _analysed(0, table, recipes)


@pytest.fixture(scope="module")
def one_plate(table: FoodTable, recipes: dict[str, Recipe]) -> MealAnalysis:
    """Meal 3: salmon and tamagoyaki side by side on one plate."""
    return _analysed(3, table, recipes)


def draft_of(analysis: MealAnalysis, table: FoodTable,
             recipes: dict[str, Recipe]) -> MealDraft:
    return MealDraft.from_photo(analysis, table, recipes, None, VesselSizes())


def region_of(draft: MealDraft, source: str) -> int:
    return next(rid for rid, c in draft.choices.items() if c.source == source)


def lines_sum(item: MealItem) -> Decimal:
    return sum((line.grams for line in item.lines), Decimal(0))


def test_source_of_tells_food_codes_from_recipe_ids() -> None:
    assert source_of("01088") == "food:01088"
    assert source_of("rice") == "recipe:rice"
    assert source_of("1088") == "recipe:1088"


def test_the_photo_gives_numbered_regions_each_with_its_first_candidate(
        four_dishes: MealAnalysis, table: FoodTable, recipes: dict[str, Recipe]) -> None:
    draft = draft_of(four_dishes, table, recipes)
    assert draft.has_photo
    assert len(draft.regions) == 4
    sources = sorted(str(c.source) for c in draft.choices.values())
    assert sources == ["recipe:grilled_salmon", "recipe:miso_soup", "recipe:rice",
                       "recipe:tamagoyaki"]
    assert draft.selected == draft.regions[0].id
    assert draft.unchosen() == []
    for region in draft.regions:
        choice = draft.choices[region.id]
        assert choice.grams is not None and Decimal(1) <= choice.grams <= Decimal(1000)
        assert choice.estimated == choice.grams
        assert choice.basis == "area"
        assert draft.number_of(region.id) == draft.regions.index(region) + 1
        assert dish_sources(draft.options[region.id])[0] == choice.source


def test_items_are_food_codes_and_grams_that_sum_to_the_chosen_grams(
        four_dishes: MealAnalysis, table: FoodTable, recipes: dict[str, Recipe]) -> None:
    draft = draft_of(four_dishes, table, recipes)
    rice = region_of(draft, "recipe:rice")
    soup = region_of(draft, "recipe:miso_soup")
    draft.set_grams(rice, 150)
    draft.set_grams(soup, "93.5")  # 10 g or more: whole grams
    items = {item.source: item for item in draft.items("ja")}
    assert set(items) == {"recipe:grilled_salmon", "recipe:miso_soup", "recipe:rice",
                          "recipe:tamagoyaki"}
    assert items["recipe:rice"].label == "ご飯"
    assert items["recipe:rice"].grams == Decimal(150)
    assert [(line.code, line.grams) for line in items["recipe:rice"].lines] == [
        ("01088", Decimal(150))]
    assert items["recipe:miso_soup"].grams == Decimal(94)
    # 味噌汁 (189 g a serving: だし 150, 味噌 12, 豆腐 20, わかめ 5, ねぎ 2) scaled to 94 g
    soup_lines = items["recipe:miso_soup"].lines
    assert [line.code for line in soup_lines] == ["17021", "17045", "04033", "09045", "06227"]
    assert soup_lines[1].grams.quantize(Decimal("0.0001")) == Decimal("5.9683")  # 12 × 94 / 189
    for item in items.values():
        assert item.estimate is True
        assert lines_sum(item).quantize(Decimal("0.000001")) == item.grams
        assert item.grams == draft.choices[region_of(draft, item.source)].grams
    assert {i.source: i.label for i in draft.items("en")}["recipe:rice"] == "Rice"


def test_not_food_is_left_out_and_a_meal_of_rice_150_g_is_234_kcal(
        four_dishes: MealAnalysis, table: FoodTable, recipes: dict[str, Recipe]) -> None:
    draft = draft_of(four_dishes, table, recipes)
    rice = region_of(draft, "recipe:rice")
    for region in draft.regions:
        if region.id != rice:
            draft.choose(region.id, NOT_FOOD)
    draft.set_grams(rice, "150")
    items = draft.items("ja")
    assert [(i.source, i.grams) for i in items] == [("recipe:rice", Decimal(150))]
    assert draft.unchosen() == []
    record = meal_record("someone", NOON, "lunch", items, table, NOON)
    assert record["data"]["totals"]["energy_kcal"] == "234"  # 156 kcal/100 g × 1.5
    assert record["data"]["totals"]["carbohydrate_g"] == "55.7"  # 37.1 × 1.5 = 55.65
    learned = draft.learnings()
    assert [dish for _features, dish in learned] == ["rice"]
    assert np.array_equal(learned[0][0], four_dishes.features[rice])


def test_set_grams_refusals_and_rounding(four_dishes: MealAnalysis, table: FoodTable,
                                         recipes: dict[str, Recipe]) -> None:
    draft = draft_of(four_dishes, table, recipes)
    rice = region_of(draft, "recipe:rice")
    estimated = draft.choices[rice].estimated
    draft.set_grams(rice, "5.5")
    assert draft.choices[rice].grams == Decimal("5.5")
    draft.set_grams(rice, 12.6)
    assert draft.choices[rice].grams == Decimal(13)
    assert draft.choices[rice].estimated == estimated  # the photo's estimate stays shown
    for bad in ("0", "-3", "5001", "lots", "NaN"):
        with pytest.raises(ValueError):
            draft.set_grams(rice, bad)
    assert draft.choices[rice].grams == Decimal(13)
    draft.choose(rice, NOT_FOOD)
    with pytest.raises(ValueError):
        draft.set_grams(rice, 100)
    with pytest.raises(ValueError):
        draft.set_grams(999, 100)


def test_choose_refuses_unknown_dishes_and_regions(four_dishes: MealAnalysis, table: FoodTable,
                                                   recipes: dict[str, Recipe]) -> None:
    draft = draft_of(four_dishes, table, recipes)
    first = draft.regions[0].id
    before = draft.revision
    with pytest.raises(ValueError):
        draft.choose(first, "recipe:no_such_dish")
    with pytest.raises(ValueError):
        draft.choose(first, "food:99999")
    with pytest.raises(EditRefused):
        draft.choose(999, "recipe:rice")
    draft.choose(first, "food:01088")
    assert draft.revision > before
    assert draft.choices[first].source == "food:01088"
    item = next(i for i in draft.items("ja") if i.source == "food:01088")
    assert item.label == "こめ ［水稲めし］ 精白米 うるち米"
    assert [(line.code, line.grams) for line in item.lines] == [("01088", item.grams)]


def test_merge_with_next_makes_one_dish_of_two(one_plate: MealAnalysis, table: FoodTable,
                                               recipes: dict[str, Recipe]) -> None:
    draft = draft_of(one_plate, table, recipes)
    assert len(draft.regions) == 2
    first, second = (r.id for r in draft.regions)
    kept = draft.choices[first].source
    area = draft.regions[0].area_px
    grams = draft.choices[first].grams
    assert grams is not None
    draft.merge_with_next(first)
    assert [r.id for r in draft.regions] == [first]
    assert draft.regions[0].area_px > area
    assert second not in draft.choices
    assert draft.choices[first].source == kept
    merged_grams = draft.choices[first].grams
    assert merged_grams is not None and merged_grams > grams  # the grams follow the outline
    assert draft.selected == first
    assert [i.source for i in draft.items("ja")] == [kept]
    with pytest.raises(EditRefused):
        draft.merge_with_next(first)  # nothing after the last one


def test_split_cuts_a_region_in_two_and_the_new_half_must_be_named(
        one_plate: MealAnalysis, table: FoodTable, recipes: dict[str, Recipe]) -> None:
    draft = draft_of(one_plate, table, recipes)
    target = draft.regions[0].id
    source = draft.choices[target].source
    grams = draft.choices[target].grams
    assert grams is not None
    draft.split(target, "across")
    assert len(draft.regions) == 3
    assert draft.regions[0].id == target
    new = draft.regions[1].id
    assert new == max(r.id for r in one_plate.found.regions) + 1
    assert draft.choices[target].source == source
    half = draft.choices[target].grams
    assert half is not None and half < grams
    assert draft.choices[new].source is None
    assert draft.unchosen() == [2]
    assert new in draft.features and new in draft.options
    assert all(i.source != "" for i in draft.items("ja"))
    draft.choose(new, NOT_FOOD)
    assert draft.unchosen() == []
    draft.split(draft.regions[0].id, "down")
    assert len(draft.regions) == 4
    with pytest.raises(EditRefused):
        draft.split(999, "down")


def test_delete_drops_the_region_and_its_choice(four_dishes: MealAnalysis, table: FoodTable,
                                               recipes: dict[str, Recipe]) -> None:
    draft = draft_of(four_dishes, table, recipes)
    first, second = draft.regions[0].id, draft.regions[1].id
    gone = draft.choices[first].source
    draft.delete(first)
    assert draft.regions[0].id == second
    assert len(draft.regions) == 3
    assert first not in draft.choices and first not in draft.features
    assert draft.selected == second
    assert gone not in [i.source for i in draft.items("ja")]
    with pytest.raises(EditRefused):
        draft.delete(first)


def test_add_at_makes_a_region_where_the_resident_tapped(
        four_dishes: MealAnalysis, table: FoodTable, recipes: dict[str, Recipe]) -> None:
    draft = draft_of(four_dishes, table, recipes)
    width, height = four_dishes.photo.size
    added = draft.add_at(width / 2, height / 2)
    assert added == 5
    assert draft.selected == added
    assert draft.unchosen() == [5]
    region = draft.regions[-1]
    # a round region of a tenth of the short side (576 / 10 = 57.6 px radius)
    assert abs(region.area_px - np.pi * 57.6 ** 2) < 0.1 * np.pi * 57.6 ** 2
    assert added in draft.features and added in draft.options
    assert len(draft.items("ja")) == 4  # not named yet: not in the record
    draft.choose(added, "recipe:rice")
    assert len(draft.items("ja")) == 5
    for x, y in ((-1, 10), (width, 10), (10, height)):
        with pytest.raises(EditRefused):
            draft.add_at(x, y)
    without_photo = MealDraft(table, recipes)
    with pytest.raises(EditRefused):
        without_photo.add_at(1, 1)


def test_extras_are_added_without_a_photo_at_a_serving_or_100_g(
        table: FoodTable, recipes: dict[str, Recipe]) -> None:
    draft = MealDraft(table, recipes)
    assert not draft.has_photo
    assert draft.unchosen() == []
    draft.add_extra("recipe:miso_soup")  # one serving: 189 g
    draft.add_extra("food:01088")  # a food: 100 g
    draft.add_extra("food:12004", Decimal("55"))
    assert [(e.key, e.source, e.grams) for e in draft.extras] == [
        (1, "recipe:miso_soup", Decimal(189)), (2, "food:01088", Decimal(100)),
        (3, "food:12004", Decimal(55))]
    items = draft.items("ja")
    assert [i.estimate for i in items] == [False, False, False]
    assert [(line.code, line.grams) for line in items[2].lines] == [("12004", Decimal(55))]
    for item in items:
        assert lines_sum(item).quantize(Decimal("0.000001")) == item.grams
    draft.set_extra_grams(2, "150")
    assert draft.extras[1].grams == Decimal(150)
    draft.remove_extra(1)
    assert [e.key for e in draft.extras] == [2, 3]
    draft.add_extra("recipe:rice")
    assert draft.extras[-1].key == 4
    with pytest.raises(ValueError):
        draft.remove_extra(1)
    with pytest.raises(ValueError):
        draft.set_extra_grams(1, 10)
    with pytest.raises(ValueError):
        draft.add_extra(NOT_FOOD)
    with pytest.raises(ValueError):
        draft.add_extra("recipe:no_such_dish")
    with pytest.raises(ValueError):
        draft.add_extra("food:01088", Decimal(6000))
    assert draft.learnings() == []


def test_every_edit_bumps_the_revision(four_dishes: MealAnalysis, table: FoodTable,
                                       recipes: dict[str, Recipe]) -> None:
    draft = draft_of(four_dishes, table, recipes)
    seen = draft.revision
    for change in (lambda: draft.select(draft.regions[1].id),
                   lambda: draft.set_grams(draft.regions[0].id, 100),
                   lambda: draft.add_extra("recipe:rice"),
                   lambda: draft.delete(draft.regions[-1].id)):
        change()
        assert draft.revision > seen
        seen = draft.revision
    assert draft.selected == draft.regions[0].id
