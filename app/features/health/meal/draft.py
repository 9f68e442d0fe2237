"""A meal being reviewed before it is saved (plain Python, no UI): the photo's regions with
the resident's edits, the dish chosen for each and its grams, and dishes added without a
photo (search, recent meals). Nothing is saved until `items()` is confirmed; the photo is
only in memory here."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

from app.features.health.nutrition.food_table import FoodTable
from app.features.health.nutrition.portions import MAX_GRAMS, record_line, to_grams
from app.features.health.nutrition.recipes import Recipe, recipe_lines
from app.features.health.photo import regions as edits
from app.features.health.photo.hints import Candidate, DishMemory, candidates
from app.features.health.photo.pipeline import MealAnalysis, region_features
from app.features.health.photo.portion import (
    Densities,
    VesselSizes,
    default_densities,
    estimate_grams,
)
from app.features.health.photo.regions import EditRefused, Region
from app.features.health.records import MealItem

NOT_FOOD = "not_food"
SLIDER_MAX_GRAMS = Decimal(1000)


def source_of(dish_id: str) -> str:
    """"recipe:<id>" for a recipe id, "food:<code>" for a five-digit food code."""
    return f"food:{dish_id}" if dish_id.isdigit() and len(dish_id) == 5 else f"recipe:{dish_id}"


@dataclass(frozen=True)
class Choice:
    source: str | None = None  # "recipe:<id>", "food:<code>", NOT_FOOD; None: not chosen yet
    grams: Decimal | None = None
    estimated: Decimal | None = None  # the photo's estimate, for 「推定」
    basis: str = ""


@dataclass
class Extra:
    """A dish added without a region (search, a recent meal)."""

    key: int
    source: str
    grams: Decimal


@dataclass
class MealDraft:
    table: FoodTable
    recipes: dict[str, Recipe]
    analysis: MealAnalysis | None = None
    memory: DishMemory | None = None
    sizes: VesselSizes = field(default_factory=VesselSizes)
    densities: Densities = field(default_factory=default_densities)
    regions: tuple[Region, ...] = ()
    features: dict[int, np.ndarray] = field(default_factory=dict)
    options: dict[int, list[Candidate]] = field(default_factory=dict)
    choices: dict[int, Choice] = field(default_factory=dict)
    extras: list[Extra] = field(default_factory=list)
    selected: int | None = None
    keep_photo: bool = False
    revision: int = 0  # bumps on every change (the overlay is drawn again)

    @classmethod
    def from_photo(cls, analysis: MealAnalysis, table: FoodTable, recipes: dict[str, Recipe],
                   memory: DishMemory | None, sizes: VesselSizes) -> MealDraft:
        draft = cls(table, recipes, analysis, memory, sizes)
        draft.regions = analysis.found.regions
        draft.features = dict(analysis.features)
        draft.options = {rid: list(c) for rid, c in analysis.candidates.items()}
        for region in draft.regions:
            draft.choices[region.id] = Choice()
            first = next((c for c in draft.options.get(region.id, ()) if c.dish_id), None)
            if first is not None and first.dish_id is not None:
                draft.choose(region.id, source_of(first.dish_id))
        draft.selected = draft.regions[0].id if draft.regions else None
        return draft

    # --- what the view reads ----------------------------------------------------------------
    @property
    def has_photo(self) -> bool:
        return self.analysis is not None

    def label(self, source: str | None, language: str) -> str:
        if source is None or source == NOT_FOOD:
            return ""
        kind, _, ident = source.partition(":")
        if kind == "recipe" and ident in self.recipes:
            return self.recipes[ident].name_in(language)
        food = self.table.get(ident) if kind == "food" else None
        return food.name if food is not None else ident

    def serving_grams(self, source: str | None) -> Decimal | None:
        kind, _, ident = (source or "").partition(":")
        return self.recipes[ident].serving_grams if kind == "recipe" and ident in self.recipes \
            else None

    def unchosen(self) -> list[int]:
        """Numbers (1, 2, ...) of the regions still without a dish or "not food"."""
        return [n for n, r in enumerate(self.regions, 1)
                if self.choices.get(r.id, Choice()).source is None]

    def number_of(self, region_id: int) -> int:
        return next(n for n, r in enumerate(self.regions, 1) if r.id == region_id)

    def items(self, language: str) -> list[MealItem]:
        """What the meal record stores: every chosen dish (not "not food") and every extra."""
        out = []
        for region in self.regions:
            choice = self.choices.get(region.id, Choice())
            if choice.source and choice.source != NOT_FOOD and choice.grams:
                out.append(self._item(choice.source, choice.grams, language, estimate=True))
        for extra in self.extras:
            out.append(self._item(extra.source, extra.grams, language, estimate=False))
        return out

    def _item(self, source: str, grams: Decimal, language: str, *, estimate: bool) -> MealItem:
        kind, _, ident = source.partition(":")
        if kind == "recipe":
            lines = tuple(recipe_lines(self.recipes[ident], grams))
        else:
            lines = (record_line(ident, grams),)
        return MealItem(self.label(source, language), source, grams, lines, estimate)

    def learnings(self) -> list[tuple[np.ndarray, str]]:
        """(features, dish id) of every region the resident confirmed as a dish."""
        out = []
        for region in self.regions:
            source = self.choices.get(region.id, Choice()).source
            if source and source != NOT_FOOD and region.id in self.features:
                out.append((self.features[region.id], source.partition(":")[2]))
        return out

    # --- the resident's changes ---------------------------------------------------------------
    def select(self, region_id: int) -> None:
        self._region(region_id)
        self.selected = region_id
        self.revision += 1

    def choose(self, region_id: int, source: str) -> None:
        region = self._region(region_id)
        self._check_source(source)
        if source == NOT_FOOD:
            self.choices[region_id] = Choice(NOT_FOOD)
        else:
            estimate = estimate_grams(region, source.partition(":")[2], sizes=self.sizes,
                                      densities=self.densities,
                                      fallback_vessel=self._any_vessel())
            grams = min(estimate.grams, SLIDER_MAX_GRAMS)
            self.choices[region_id] = Choice(source, grams, grams, estimate.basis)
        self.revision += 1

    def set_grams(self, region_id: int, grams: Decimal | int | float | str) -> None:
        choice = self.choices.get(region_id)
        if choice is None or choice.source in (None, NOT_FOOD):
            raise ValueError("choose a dish first")
        self.choices[region_id] = replace(choice, grams=_grams(grams))
        self.revision += 1

    def merge_with_next(self, region_id: int) -> None:
        """This region and the one after it (in the list) are one dish."""
        index = self._index(region_id)
        if index + 1 >= len(self.regions):
            raise EditRefused("no region after this one")
        other = self.regions[index + 1].id
        self._edit(lambda image, maps: edits.merge(image, self.regions, region_id, other,
                                                   maps), keep=region_id)
        self.choices.pop(other, None)

    def split(self, region_id: int, direction: str) -> None:
        """Two dishes found as one: cut through the region's middle, "across" (left | right)
        or "down" (top / bottom)."""
        region = self._region(region_id)
        x, y, w, h = region.bbox
        cx, cy = x + w / 2, y + h / 2
        line = ((cx, y - 1.0), (cx, y + h + 1.0)) if direction == "across" else \
            ((x - 1.0, cy), (x + w + 1.0, cy))
        self._edit(lambda image, maps: edits.split(image, self.regions, region_id, line, maps),
                   keep=region_id)

    def delete(self, region_id: int) -> None:
        self._region(region_id)
        self.regions = edits.delete(self.regions, region_id)
        for table in (self.choices, self.features, self.options):
            table.pop(region_id, None)
        self.selected = self.regions[0].id if self.regions else None
        self.revision += 1

    def add_at(self, x: float, y: float) -> int:
        """Food the finder missed, where the resident tapped (photo pixels): a round region
        of a tenth of the photo's short side; returns its id."""
        analysis = self._analysis()
        height, width = analysis.photo.image.shape[:2]
        if not (0 <= x < width and 0 <= y < height):
            raise EditRefused("outside the photo")
        radius = min(width, height) / 10
        polygon = [(x + radius * math.cos(a / 12 * math.tau),
                    y + radius * math.sin(a / 12 * math.tau)) for a in range(12)]
        before = {r.id for r in self.regions}
        self._edit(lambda image, maps: edits.add(image, self.regions, polygon,
                                                 analysis.found.vessels, maps))
        added = next(r.id for r in self.regions if r.id not in before)
        self.selected = added
        return added

    def add_extra(self, source: str, grams: Decimal | None = None) -> None:
        self._check_source(source)
        if source == NOT_FOOD:
            raise ValueError("not a dish")
        default = self.serving_grams(source) or Decimal(100)
        key = max((e.key for e in self.extras), default=0) + 1
        self.extras.append(Extra(key, source, _grams(grams if grams is not None else default)))
        self.revision += 1

    def set_extra_grams(self, key: int, grams: Decimal | int | float | str) -> None:
        self._extra(key).grams = _grams(grams)
        self.revision += 1

    def remove_extra(self, key: int) -> None:
        self.extras.remove(self._extra(key))
        self.revision += 1

    # --- internals ----------------------------------------------------------------------------
    def _edit(self, change: Callable[[np.ndarray, Any], tuple[Region, ...]],
              keep: int | None = None) -> None:
        analysis = self._analysis()
        after = change(analysis.photo.image, analysis.maps)
        old = {r.id: r for r in self.regions}
        self.regions = after
        kept = {r.id for r in after}
        for table in (self.choices, self.features, self.options):
            for gone in [rid for rid in table if rid not in kept]:
                del table[gone]  # a region merged away
        for region in after:
            if old.get(region.id) == region:
                continue
            vector = region_features(analysis.maps, region)
            self.features[region.id] = vector
            self.options[region.id] = candidates(
                vector, region.kind_hint, region.vessel.kind if region.vessel else None,
                self.memory, known=self._known())
            if region.id != keep or region.id not in self.choices:
                self.choices[region.id] = Choice()
            elif (source := self.choices[region.id].source) not in (None, NOT_FOOD):
                self.choose(region.id, str(source))  # the grams follow the new outline
        if keep is not None:
            self.selected = keep
        self.revision += 1

    def _known(self) -> list[str]:
        return [*self.recipes, *(food.code for food in self.table)]

    def _any_vessel(self) -> Any:
        vessels = self.analysis.found.vessels if self.analysis else ()
        return vessels[0] if vessels else None

    def _analysis(self) -> MealAnalysis:
        if self.analysis is None:
            raise EditRefused("no photo")
        return self.analysis

    def _index(self, region_id: int) -> int:
        for index, region in enumerate(self.regions):
            if region.id == region_id:
                return index
        raise EditRefused(f"no region {region_id}")

    def _region(self, region_id: int) -> Region:
        return self.regions[self._index(region_id)]

    def _extra(self, key: int) -> Extra:
        for extra in self.extras:
            if extra.key == key:
                return extra
        raise ValueError(f"no dish {key}")

    def _check_source(self, source: str) -> None:
        if source == NOT_FOOD:
            return
        kind, _, ident = source.partition(":")
        if not ((kind == "recipe" and ident in self.recipes)
                or (kind == "food" and ident in self.table)):
            raise ValueError(f"unknown dish {source!r}")


def _grams(value: Decimal | int | float | str) -> Decimal:
    try:
        grams = to_grams(value)
    except ValueError as exc:
        raise ValueError(f"grams: {exc}") from None
    if grams > MAX_GRAMS:
        raise ValueError("too many grams")
    return grams.quantize(Decimal(1), rounding=ROUND_HALF_UP) if grams >= 10 else grams


def dish_sources(options: Sequence[Candidate]) -> list[str]:
    return [source_of(c.dish_id) for c in options if c.dish_id]
