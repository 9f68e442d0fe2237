"""Common dishes as recipes of table foods per serving (assets/health/recipes.json).

A recipe item is a food (`code`, `grams` eaten) or another recipe (`recipe`, `servings`): a
定食 is ご飯 + 焼き鮭 + 味噌汁 + たくあん. Loading expands nested recipes into foods, so a recipe
is always a list of (food code, grams) and a meal record made from it stores food codes and
grams that can be recomputed. `check_codes` lists every code that is not in the food table
(a test runs it on the bundled recipes). docs/health.md, "Recipes".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.features.health.nutrition.food_table import FoodTable
from app.features.health.nutrition.portions import RecordLine, record_line, to_grams
from app.features.health.nutrition.totals import Totals, meal_totals
from app.paths import ASSETS_DIR

__all__ = [
    "DEFAULT_RECIPES_PATH",
    "Ingredient",
    "Recipe",
    "check_codes",
    "default_recipes",
    "load_recipes",
    "parse_recipes",
    "recipe_lines",
    "recipe_totals",
    "recipe_totals_per_100g",
    "recipe_totals_per_gram",
]

DEFAULT_RECIPES_PATH = ASSETS_DIR / "health" / "recipes.json"
_MAX_DEPTH = 4  # 定食 → 味噌汁 → foods; deeper is a mistake (or a cycle)


@dataclass(frozen=True, slots=True)
class Ingredient:
    code: str
    grams: Decimal
    note: str = ""


@dataclass(frozen=True, slots=True)
class Recipe:
    id: str
    name: Mapping[str, str]  # {"ja": ..., "en": ...}
    aliases: tuple[str, ...]
    serving: Mapping[str, str]  # what one serving is: {"ja": "1杯", "en": "1 bowl"}
    ingredients: tuple[Ingredient, ...]  # foods only, nested recipes expanded
    parts: tuple[str, ...] = ()  # ids of the recipes it is made of (a 定食's dishes)

    @property
    def serving_grams(self) -> Decimal:
        """The weight of one serving: the sum of its foods' grams."""
        return sum((i.grams for i in self.ingredients), Decimal(0))

    def name_in(self, language: str) -> str:
        return self.name.get(language) or self.name.get("ja") or self.id


def _text_map(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not isinstance(value.get("ja"), str):
        raise ValueError(f"{where}: needs a {{'ja': ...}} text")
    return {str(k): str(v) for k, v in value.items() if isinstance(v, str)}


def _expand(rid: str, raw: Mapping[str, Mapping[str, Any]], factor: Decimal,
            depth: int) -> list[Ingredient]:
    if depth > _MAX_DEPTH:
        raise ValueError(f"recipe {rid}: nested too deep (a cycle?)")
    items = raw[rid].get("items")
    if not isinstance(items, list) or not items:
        raise ValueError(f"recipe {rid}: no items")
    out: list[Ingredient] = []
    for item in items:
        if not isinstance(item, Mapping):
            raise ValueError(f"recipe {rid}: an item is not an object")
        if "recipe" in item:
            part = str(item["recipe"])
            if part not in raw:
                raise ValueError(f"recipe {rid}: no recipe {part!r}")
            servings = to_grams(item.get("servings", 1))  # a positive number
            out += _expand(part, raw, factor * servings, depth + 1)
        else:
            line = record_line(str(item.get("code", "")), item.get("grams", ""))
            out.append(Ingredient(line.code, line.grams * factor, str(item.get("note", ""))))
    return out


def parse_recipes(document: Mapping[str, Any]) -> tuple[Recipe, ...]:
    """Recipes from the JSON document; ValueError on a malformed recipe, a duplicate id, a
    reference to a missing recipe or a cycle."""
    rows = document.get("recipes")
    if not isinstance(rows, list):
        raise ValueError("no 'recipes' list")
    raw: dict[str, Mapping[str, Any]] = {}
    for row in rows:
        rid = row.get("id") if isinstance(row, Mapping) else None
        if not isinstance(rid, str) or not rid:
            raise ValueError("a recipe without an id")
        if rid in raw:
            raise ValueError(f"recipe {rid}: the id appears twice")
        raw[rid] = row
    recipes = []
    for rid, row in raw.items():
        parts = tuple(str(i["recipe"]) for i in row.get("items", ())
                      if isinstance(i, Mapping) and "recipe" in i)
        recipes.append(Recipe(
            id=rid, name=_text_map(row.get("name"), f"recipe {rid}"),
            aliases=tuple(str(a) for a in row.get("aliases", ())),
            serving=_text_map(row.get("serving", {"ja": "1人前"}), f"recipe {rid}"),
            ingredients=tuple(_expand(rid, raw, Decimal(1), 0)), parts=parts))
    return tuple(recipes)


def load_recipes(path: Path | None = None) -> tuple[Recipe, ...]:
    path = path or DEFAULT_RECIPES_PATH
    return parse_recipes(json.loads(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def default_recipes() -> tuple[Recipe, ...]:
    return load_recipes()


def check_codes(recipes: Iterable[Recipe], table: FoodTable) -> list[tuple[str, str]]:
    """(recipe id, food code) for every ingredient whose code is not in the table."""
    return [(r.id, i.code) for r in recipes for i in r.ingredients if i.code not in table]


def recipe_lines(recipe: Recipe, grams: Decimal | int | float | str | None = None
                 ) -> list[RecordLine]:
    """The record lines of eating `grams` of the dish (default: one serving): each food's
    grams scaled by grams / serving grams. What a meal record stores."""
    factor = Decimal(1) if grams is None else to_grams(grams) / recipe.serving_grams
    return [RecordLine(i.code, i.grams * factor) for i in recipe.ingredients]


def recipe_totals(table: FoodTable, recipe: Recipe, servings: Decimal | int | str = 1
                  ) -> Totals:
    """Totals of `servings` servings (unrounded; `Total.rounded` to show)."""
    return meal_totals(table, recipe_lines(recipe)).scaled(Decimal(servings))


def recipe_totals_per_gram(table: FoodTable, recipe: Recipe) -> Totals:
    return recipe_totals(table, recipe).scaled(1 / recipe.serving_grams)


def recipe_totals_per_100g(table: FoodTable, recipe: Recipe) -> Totals:
    return recipe_totals(table, recipe).scaled(Decimal(100) / recipe.serving_grams)


def by_id(recipes: Sequence[Recipe]) -> dict[str, Recipe]:
    return {recipe.id: recipe for recipe in recipes}
